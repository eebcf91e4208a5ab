"""Unit tests: no network, SQLite and the fake:// transport only."""
