"""hastack-api: the REST API (pecan, behind keystonemiddleware)."""
