"""Unit tests of the REST API (webtest, noauth, SQLite)."""
