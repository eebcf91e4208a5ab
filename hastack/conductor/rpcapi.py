"""Client side of the conductor's RPC API (used by agents and the API).

API version history:

* 1.0 - Initial version: ``register_host``, ``report_fencing_event``,
  ``report_fence_ack``, ``deliver_message``.
"""

from hastack.common import rpc

TOPIC = 'hastack-conductor'
# Connection attempts for a cast of a key message (oslo.messaging's
# ``retry``; None would retry until the broker is back).
KEY_MESSAGE_RETRY = 2


class ConductorAPI:
    """Calls to whichever conductor takes them (no server is named).

    :param conf: the ConfigOpts with the transport.
    :param timeout: default seconds to wait for a call's answer.
    """

    RPC_API_VERSION = '1.0'

    def __init__(self, conf, timeout=None):
        self.client = rpc.get_client(conf, TOPIC, self.RPC_API_VERSION)
        self.timeout = timeout

    def _prepare(self, timeout=None, retry=None):
        return self.client.prepare(version='1.0',
                                   timeout=timeout or self.timeout,
                                   retry=retry)

    def register_host(self, context, host, facts):
        """An agent started on ``host``; ``facts`` describe it.

        :returns: ``{"ha_maintenance": bool}``, the state the agent follows.
        """
        return self._prepare().call(context, 'register_host', host=host,
                                    facts=facts)

    def report_fencing_event(self, context, message, timeout):
        """An agent's storage renewal failed: fence or not?

        :param message: the key message (``{id, type, host, sent_at,
            body}``) also written to every etcd plane.
        :returns: ``{"decision": "fence"|"no-fence", "grant_seconds"}``.
        """
        return self._prepare(timeout).call(context, 'report_fencing_event',
                                           message=message)

    def report_fence_ack(self, context, message):
        """An agent confirms it stopped the instances it was told to."""
        # A key message: the etcd planes carry it too, so a lost broker
        # fails the cast (bounded reconnection attempts) instead of
        # holding the caller until the broker is back.
        self._prepare(retry=KEY_MESSAGE_RETRY).cast(
            context, 'report_fence_ack', message=message)

    def deliver_message(self, context, message):
        """Any other key message from an agent (fire and forget)."""
        self._prepare(retry=KEY_MESSAGE_RETRY).cast(
            context, 'deliver_message', message=message)
