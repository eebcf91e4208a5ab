"""HaStack: VM high availability for OpenStack."""
