"""The tasks panel."""
