"""The panels, by Horizon dashboard (``admin``, ``project``)."""
