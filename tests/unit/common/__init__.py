"""Unit tests of hastack.common."""
