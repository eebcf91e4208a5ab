"""Unit tests of the devstack plugin (devstack/), with stub devstack."""
