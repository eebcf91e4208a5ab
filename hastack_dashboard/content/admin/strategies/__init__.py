"""The strategies panel."""
