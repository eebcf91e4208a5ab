"""JSON Schemas of the API's request bodies and query strings."""
