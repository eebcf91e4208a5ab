"""Tests of HaStack's API policies and their enforcer."""
