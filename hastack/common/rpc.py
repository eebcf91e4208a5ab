"""oslo.messaging plumbing: one transport, context serialization, and
clients and servers on the threading executor."""

import threading

import oslo_messaging as messaging
from oslo_messaging.rpc import dispatcher

from hastack.common import context as hastack_context

_lock = threading.Lock()
_transport = None


def get_transport(conf):
    """The process's RPC transport (``[DEFAULT] transport_url``)."""
    global _transport
    with _lock:
        if _transport is None:
            # HaStack's own exchange keeps its topics apart from other
            # services sharing the broker.
            messaging.set_transport_defaults('hastack')
            _transport = messaging.get_rpc_transport(conf)
        return _transport


def cleanup():
    """Close the transport (service shutdown, tests)."""
    global _transport
    with _lock:
        if _transport is not None:
            _transport.cleanup()
            _transport = None


class RequestContextSerializer(messaging.Serializer):
    """Carries HaStack's RequestContext across RPC."""

    def serialize_entity(self, ctxt, entity):
        """Entities are plain JSON types already."""
        return entity

    def deserialize_entity(self, ctxt, entity):
        """Entities are plain JSON types already."""
        return entity

    def serialize_context(self, ctxt):
        """A context as a dict."""
        return ctxt.to_dict()

    def deserialize_context(self, ctxt):
        """A dict as a RequestContext."""
        return hastack_context.RequestContext.from_dict(ctxt)


def get_client(conf, topic, version, version_cap=None):
    """An RPC client for ``topic`` at base ``version``."""
    target = messaging.Target(topic=topic, version=version)
    return messaging.get_rpc_client(get_transport(conf), target,
                                    version_cap=version_cap,
                                    serializer=RequestContextSerializer())


def get_server(conf, topic, server, endpoints):
    """An RPC server on the threading executor.

    :param topic: the topic to listen on.
    :param server: this server's name (the host).
    :param endpoints: objects whose public methods are the RPC methods;
        each must carry a ``target`` with its API version.
    """
    target = messaging.Target(topic=topic, server=server)
    access_policy = dispatcher.DefaultRPCAccessPolicy
    return messaging.get_rpc_server(get_transport(conf), target, endpoints,
                                    executor='threading',
                                    serializer=RequestContextSerializer(),
                                    access_policy=access_policy)
