"""HaStack tests."""
