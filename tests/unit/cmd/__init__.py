"""Unit tests of the console scripts in hastack.cmd."""
