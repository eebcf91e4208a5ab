"""Plane networks, test hosts and etcd clusters (real, namespaced)."""
