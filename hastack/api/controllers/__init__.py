"""Pecan controllers of the API."""
