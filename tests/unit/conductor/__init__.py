"""Unit tests of the conductor's pure code."""
