"""Code shared by every HaStack process."""
