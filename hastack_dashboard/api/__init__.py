"""Clients of the APIs the dashboard uses: HaStack's (``hastack``)."""
