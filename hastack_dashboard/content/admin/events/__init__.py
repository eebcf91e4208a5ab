"""The events panel."""
