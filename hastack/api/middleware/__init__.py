"""WSGI middleware that HaStack adds to the library ones."""
