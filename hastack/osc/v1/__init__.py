"""Commands of HaStack API v1, one module per resource."""
