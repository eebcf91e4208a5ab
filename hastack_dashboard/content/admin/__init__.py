"""The panels of the "High Availability" group of the Admin dashboard."""
