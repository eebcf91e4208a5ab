"""Unit tests of hastack-agent."""
