"""The agent's RPC endpoint (server side of hastack/agent/rpcapi.py)."""

from oslo_log import log as logging
import oslo_messaging as messaging

from hastack.agent import hypervisor
from hastack.common import exception
from hastack.fitlock import client as fitlock_client

LOG = logging.getLogger(__name__)


class WrongHost(exception.Invalid):
    """An RPC call named another host than this agent's."""

    msg_fmt = 'This is the agent of %(mine)s, not of %(asked)s.'
    code = 'hastack.agent.wrong_host'


class FitlockUnavailable(exception.HastackException):
    """This host's fitlockd could not be asked."""

    msg_fmt = 'fitlockd of %(host)s could not be asked: %(detail)s'
    code = 'hastack.agent.fitlock_unavailable'


class AgentManager:
    """RPC methods of one host's agent.

    :param agent: the running :class:`service.Agent`.
    """

    target = messaging.Target(version='1.0')

    def __init__(self, agent):
        self.agent = agent

    def _check_host(self, host):
        if host != self.agent.host:
            LOG.error('RPC call for host %s reached the agent of %s', host,
                      self.agent.host)
            raise WrongHost(mine=self.agent.host, asked=host)

    @messaging.expected_exceptions(WrongHost)
    def get_status(self, context, host):
        """Planes, storage, maintenance, arbiter and instances."""
        self._check_host(host)
        return self.agent.status()

    @messaging.expected_exceptions(WrongHost, hypervisor.base.HypervisorError)
    def fence_instances(self, context, host, instances=None):
        """Stop the listed instances (all running ones for None)."""
        self._check_host(host)
        result = self.agent.driver.stop_instances(instances)
        LOG.warning('Fenced instances on order: %s', result)
        return result

    @messaging.expected_exceptions(WrongHost)
    def set_maintenance(self, context, host, enabled):
        """The conductor pushes ha_maintenance."""
        self._check_host(host)
        self.agent.maintenance.set(bool(enabled), 'rpc')

    @messaging.expected_exceptions(WrongHost, FitlockUnavailable)
    def inquire_lease(self, context, host, peer):
        """This host's Fitlock view of ``peer``'s delta lease."""
        self._check_host(host)
        try:
            return self.agent.peer_lease(peer)
        except (OSError, ValueError, fitlock_client.RemoteError) as e:
            raise FitlockUnavailable(host=self.agent.host, detail=e)

    @messaging.expected_exceptions(WrongHost)
    def deliver_message(self, context, host, message):
        """A key message by RPC (copies also arrive over etcd)."""
        self._check_host(host)
        self.agent.bus.deliver(message, 'rpc')
