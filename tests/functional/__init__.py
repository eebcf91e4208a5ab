"""Functional tests: the real databases, servers and processes."""
