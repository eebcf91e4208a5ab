"""Unit tests of hastack.db."""
