"""Fitlock with real fitlockd processes sharing a folder."""
