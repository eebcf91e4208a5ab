"""hastack-agent: heartbeats on three planes, fencing events, instance stop."""
