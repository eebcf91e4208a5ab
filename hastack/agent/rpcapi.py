"""Client side of the agent's RPC API (used by conductors).

API version history:

* 1.0 - Initial version: ``get_status``, ``fence_instances``,
  ``set_maintenance``, ``inquire_lease``, ``deliver_message``.
"""

from hastack.common import rpc
from hastack.conductor import rpcapi as conductor_rpcapi

TOPIC = 'hastack-agent'


class AgentAPI:
    """Calls to the agent of one host (``server`` = the host name)."""

    RPC_API_VERSION = '1.0'

    def __init__(self, conf, timeout=None):
        self.client = rpc.get_client(conf, TOPIC, self.RPC_API_VERSION)
        self.timeout = timeout

    def _prepare(self, host, timeout=None, retry=None):
        return self.client.prepare(server=host, version='1.0',
                                   timeout=timeout or self.timeout,
                                   retry=retry)

    def get_status(self, context, host):
        """The agent's planes, storage, maintenance view and instances."""
        return self._prepare(host).call(context, 'get_status', host=host)

    def fence_instances(self, context, host, instances=None, timeout=None):
        """Stop the listed instances (all running ones for None).

        :returns: ``{"stopped", "not_running", "failed"}``.
        """
        return self._prepare(host, timeout).call(
            context, 'fence_instances', host=host, instances=instances)

    def set_maintenance(self, context, host, enabled):
        """Push the ``ha_maintenance`` switch to one agent."""
        # The switch is on every etcd plane too: a lost broker fails the
        # cast after bounded reconnection attempts rather than holding
        # the conductor until it is back.
        self._prepare(host, retry=conductor_rpcapi.KEY_MESSAGE_RETRY).cast(
            context, 'set_maintenance', host=host, enabled=enabled)

    def inquire_lease(self, context, host, peer):
        """``host``'s view of ``peer``'s Fitlock delta lease.

        :returns: ``{"host_id", "owner", "generation", "unchanged_for",
            "dead"}`` or None when ``peer`` has no slot in view.
        """
        return self._prepare(host).call(context, 'inquire_lease', host=host,
                                        peer=peer)

    def deliver_message(self, context, host, message):
        """A key message for ``host`` (also written to every etcd plane)."""
        self._prepare(host, retry=conductor_rpcapi.KEY_MESSAGE_RETRY).cast(
            context, 'deliver_message', host=host, message=message)
