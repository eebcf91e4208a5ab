"""hastack-agent: everything one compute host runs for HA, wired up.

Threads: a heartbeat per plane, an inbox reader per plane, the Fitlock
arbiter, the RPC server, the storage check and the systemd watchdog
keep-alive. Each loop stamps its progress; the keep-alive goes out only
while every loop is making progress, so systemd restarts a stuck agent.
"""

import threading
import time

from oslo_log import log as logging
from oslo_utils import timeutils

from hastack import version
from hastack.agent import arbiter as arbiter_mod
from hastack.agent import heartbeat
from hastack.agent import hypervisor
from hastack.agent import manager
from hastack.agent import messages
from hastack.agent import rpcapi as agent_rpcapi
from hastack.agent import storage
from hastack.agent import systemd
from hastack.common import context as hastack_context
from hastack.common import etcd
from hastack.common import rpc
from hastack.conductor import rpcapi as conductor_rpcapi
from hastack.fitlock import client as fitlock_client

LOG = logging.getLogger(__name__)


class Agent:
    """The agent of this host.

    :param conf: the parsed ConfigOpts.
    :param driver: a hypervisor driver (default: from the config).
    """

    def __init__(self, conf, driver=None):
        self.conf = conf
        self.host = conf.host
        self.interval = (conf.agent.heartbeat_interval or
                         conf.ha.heartbeat_interval)
        # A plane missing from the config is an operator error (logged),
        # but the other planes still heartbeat.
        self.planes, _ = etcd.plane_clients(conf)
        self.mount_point = (conf.agent.shared_mount_point or
                            conf.fitlock.directory)
        self.storage_ok, self.storage_detail = False, 'not checked yet'
        self.heartbeats = {
            plane: heartbeat.PlaneHeartbeat(client, self.host,
                                            self.interval, self.facts)
            for plane, client in self.planes.items()}
        self.bus = messages.MessageBus(self.host, self.planes,
                                       conf.agent.message_ttl)
        self.maintenance = arbiter_mod.Maintenance()
        self.bus.maintenance_listeners.append(self.maintenance.set)
        self.bus.on('fence_order', self._fence_order)
        self.driver = driver or hypervisor.load(conf)
        self.conductor = conductor_rpcapi.ConductorAPI(conf)
        self.arbiter = arbiter_mod.Arbiter(
            conf.fitlock.socket_path, self.host, self.bus, self.conductor,
            self.maintenance, conf.agent.arbiter_answer_margin,
            conf.agent.maintenance_grant,
            report_window=conf.agent.fencing_report_window)
        self.rpc_server = None
        self.registered = False
        self.progress = {}
        self._stop = threading.Event()

    # -- what the agent reports ----------------------------------------

    def facts(self):
        """The heartbeat value (design.md section 8)."""
        return {'host': self.host, 'agent_version': version.version_string,
                'time': timeutils.utcnow().isoformat(),
                'storage_ok': self.storage_ok}

    def status(self):
        """Everything ``get_status`` returns."""
        now = time.monotonic()
        return {
            'host': self.host,
            'planes': {p: {'healthy': hb.healthy(now),
                           'last_error': hb.last_error}
                       for p, hb in self.heartbeats.items()},
            'storage': {'ok': self.storage_ok,
                        'detail': self.storage_detail},
            'ha_maintenance': self.maintenance.enabled,
            'arbiter_connected': self.arbiter.connected,
            'registered': self.registered,
            'instances': [{'uuid': i.uuid, 'name': i.name,
                           'state': i.state}
                          for i in self.driver.list_instances()],
        }

    def peer_lease(self, peer):
        """The local fitlockd's view of ``peer``'s delta lease."""
        with fitlock_client.Client(self.conf.fitlock.socket_path,
                                   timeout=10) as client:
            hosts = client.call('hosts', lockspace=self.conf.agent.lockspace)
        for entry in hosts['hosts']:
            if entry['owner'] == peer:
                return entry
        return None

    # -- running -------------------------------------------------------

    def start(self):
        """Start every loop; returns once they run."""
        self.check_storage()
        for beat in self.heartbeats.values():
            beat.start()
        self.bus.start()
        self.arbiter.start()
        self.rpc_server = rpc.get_server(
            self.conf, agent_rpcapi.TOPIC, self.host,
            [manager.AgentManager(self)])
        self.rpc_server.start()
        for target, name in ((self._storage_loop, 'storage'),
                             (self._register_loop, 'register'),
                             (self._watchdog_loop, 'systemd-watchdog')):
            threading.Thread(target=target, daemon=True, name=name).start()
        systemd.notify('READY=1')
        LOG.info('hastack-agent of %s running: planes %s, every %s s',
                 self.host, sorted(self.planes), self.interval)

    def stop(self):
        """Stop every loop."""
        self._stop.set()
        systemd.notify('STOPPING=1')
        self.arbiter.stop()
        self.bus.stop()
        for beat in self.heartbeats.values():
            beat.stop()
        if self.rpc_server is not None:
            self.rpc_server.stop()
            self.rpc_server.wait()
        self.driver.close()

    def check_storage(self):
        """Mount if configured and needed, then probe the shared folder."""
        if self.conf.agent.mount_command:
            storage.ensure_mounted(self.mount_point,
                                   self.conf.agent.mount_command)
        ok, detail = storage.check(self.mount_point, self.host,
                                   self.conf.agent.shared_must_be_mount)
        if ok != self.storage_ok:
            log = LOG.info if ok else LOG.error
            log('Shared folder %s: %s', self.mount_point, detail)
        self.storage_ok, self.storage_detail = ok, detail
        self.progress['storage'] = time.monotonic()

    def _storage_loop(self):
        while not self._stop.wait(self.interval):
            self.check_storage()

    def _register_loop(self):
        # Registration lets the conductor know the host and its agent; it
        # is retried until a conductor answers.
        while not self._stop.is_set() and not self.registered:
            try:
                answer = self.conductor.register_host(
                    hastack_context.get_admin_context(), self.host,
                    self.facts())
                self.registered = True
                if isinstance(answer, dict) and 'ha_maintenance' in answer:
                    self.maintenance.set(bool(answer['ha_maintenance']),
                                         'registration')
                LOG.info('Registered with the conductor')
            except Exception as e:  # noqa: BLE001 - retried
                LOG.warning('Registering with the conductor failed: %s', e)
                self._stop.wait(self.interval)

    def loops_healthy(self, now=None):
        """Whether every loop made progress recently."""
        now = time.monotonic() if now is None else now
        if not all(beat.running() for beat in self.heartbeats.values()):
            return False
        storage_at = self.progress.get('storage')
        # The storage probe is bounded by 5 s; two intervals is generous.
        return storage_at is not None and \
            now - storage_at < 2 * self.interval + 10

    def _watchdog_loop(self):
        interval = systemd.watchdog_interval()
        if interval is None:
            return
        while not self._stop.wait(interval):
            if self.loops_healthy():
                systemd.notify('WATCHDOG=1')
            else:
                LOG.error('A loop is stuck: no systemd keep-alive')

    def _fence_order(self, message):
        instances = message.get('body', {}).get('instances')
        result = self.driver.stop_instances(instances)
        LOG.warning('Fence order %s: %s', message['id'], result)
        ack = messages.make('fence_ack', self.host,
                            dict(result, in_reply_to=message['id']))
        self.bus.publish(ack)
        try:
            self.conductor.report_fence_ack(
                hastack_context.get_admin_context(), ack)
        except Exception as e:  # noqa: BLE001 - etcd carried it too
            LOG.warning('Fence ack by RPC failed: %s', e)
