"""hastack-agent on real etcd planes, RabbitMQ and network namespaces."""
