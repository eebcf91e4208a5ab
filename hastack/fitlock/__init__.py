"""Fitlock: per-instance leases on shared storage (sanlock-like)."""
