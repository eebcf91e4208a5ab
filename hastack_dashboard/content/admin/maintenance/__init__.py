"""The maintenance panel."""
