"""The API as a real hastack-api process on real databases."""
