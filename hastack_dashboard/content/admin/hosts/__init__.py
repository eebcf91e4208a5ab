"""The hosts panel."""
