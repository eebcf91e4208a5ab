"""Unit tests of Fitlock."""
