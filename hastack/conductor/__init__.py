"""hastack-conductor: plane monitor, HA decisions and the task engine."""
