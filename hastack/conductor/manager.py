"""The conductor's RPC endpoint (server side of conductor/rpcapi.py)."""

from oslo_log import log as logging
import oslo_messaging as messaging

from hastack.common import keymsg
from hastack.db import api as db_api
from hastack.db import recovery

LOG = logging.getLogger(__name__)


class ConductorManager:
    """RPC methods every conductor serves.

    :param keymessages: the conductor's :class:`KeyMessages`.
    """

    target = messaging.Target(version='1.0')

    def __init__(self, keymessages):
        self.keymessages = keymessages

    def register_host(self, context, host, facts):
        """An agent started: record the host; answer ``ha_maintenance``."""
        if not isinstance(host, str) or not host or len(host) > 255:
            LOG.warning('register_host with a bad host name %.80r', host)
            return {'ha_maintenance': db_api.ha_status_get(
                context).ha_maintenance}
        facts = facts if isinstance(facts, dict) else {}
        recovery.host_observe(
            context, host, {}, agent_version=str(
                facts.get('agent_version') or '')[:64] or None,
            storage_ok=(facts['storage_ok'] if isinstance(
                facts.get('storage_ok'), bool) else None))
        LOG.info('Agent of %s registered', host)
        return {'ha_maintenance': db_api.ha_status_get(
            context).ha_maintenance}

    def report_fencing_event(self, context, message):
        """Fence or not? Answers ``{decision, grant_seconds, reason}``;
        a malformed event is answered ``fence`` (the safe default)."""
        if not keymsg.valid(message) or \
                message.get('type') != keymsg.FENCING_EVENT:
            LOG.warning('Malformed fencing event %.200r: answering fence',
                        message)
            return {'decision': 'fence', 'grant_seconds': 0,
                    'reason': 'malformed fencing event'}
        return self.keymessages.receive(context, message, 'rpc')

    def report_fence_ack(self, context, message):
        """An agent confirms a fence order."""
        self.keymessages.receive(context, message, 'rpc')

    def deliver_message(self, context, message):
        """Any other key message from an agent."""
        self.keymessages.receive(context, message, 'rpc')


