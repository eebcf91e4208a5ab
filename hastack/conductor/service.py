"""hastack-conductor: the RPC server, the task engine and, while this
conductor leads, the plane monitor, the decider and the inbox reader.

Threads:

* ``engine`` every ``[conductor] cycle_interval``, and as soon as one of
  its tasks ends: claim and run tasks (every conductor);
* ``leader`` every cycle: renew or take the leadership; while leading,
  read the key-message inboxes and publish ``ha_maintenance`` every
  cycle, and every ``monitor_interval`` read the planes and decide;
  every ``instance_sync_interval`` refresh the instances from Nova.
"""

import datetime
import threading
import time

from oslo_log import log as logging
from oslo_service import service as oslo_service
from oslo_utils import timeutils

from hastack.agent import rpcapi as agent_rpcapi
from hastack.common import context as hastack_context
from hastack.common import exception
from hastack.common import nova
from hastack.common import rpc
from hastack.conductor import coordination
from hastack.conductor import decider as decider_mod
from hastack.conductor import engine as engine_mod
from hastack.conductor import handlers as handlers_mod
from hastack.conductor import keymessages as keymessages_mod
from hastack.conductor import manager
from hastack.conductor import monitor as monitor_mod
from hastack.conductor import nova_ops
from hastack.conductor import planes as planes_mod
from hastack.conductor import rpcapi
from hastack.db import api as db_api
from hastack.db import recovery

LOG = logging.getLogger(__name__)

# Received key messages are kept this long (they dedupe late copies and
# count towards the storage judgement), then purged.
MESSAGE_KEEP = datetime.timedelta(days=1)
# Instance sync intervals the sync may wait while evacuations run (see
# _sync_instances): an instance booted or changed meanwhile is known at
# most this many intervals late (5 min at the default 60 s).
SYNC_DEFER_MAX = 5


class Conductor(oslo_service.Service):
    """One conductor process.

    :param conf: the parsed ConfigOpts.
    """

    def __init__(self, conf):
        super().__init__()
        self.conf = conf
        self.name = conf.host
        group = conf.conductor
        self.cycle = group.cycle_interval
        self.monitor_interval = (group.monitor_interval or
                                 conf.ha.heartbeat_interval)
        self.planes = planes_mod.Planes(conf, conf.agent.message_ttl)
        self.agent_api = agent_rpcapi.AgentAPI(
            conf, timeout=group.fence_rpc_timeout)
        self.decider = decider_mod.Decider(conf)
        self.keymessages = keymessages_mod.KeyMessages(
            conf, self.planes, self.agent_api,
            on_fence=self.decider.declare_fenced)
        self.monitor = monitor_mod.Monitor(conf, self.planes,
                                           self.keymessages)
        self.handlers = handlers_mod.Handlers(conf, self.agent_api,
                                              self.keymessages)
        self.engine = engine_mod.TaskEngine(
            conf, self.name, self.handlers.table(), self.handlers.gates,
            self.handlers.after_table(), self.handlers.next_in_line)
        self.leadership = coordination.Leadership(
            group.coordination_backend_url, self.name)
        self.rpc_server = None
        self._stop = threading.Event()
        self._threads = []
        self.last_pass = {}
        self._synced_at = None

    def start(self):
        """Start the RPC server and the loops."""
        super().start()
        self.leadership.start()
        self.rpc_server = rpc.get_server(
            self.conf, rpcapi.TOPIC, self.name,
            [manager.ConductorManager(self.keymessages)])
        self.rpc_server.start()
        for target, name in ((self._engine_loop, 'engine'),
                             (self._leader_loop, 'leader')):
            thread = threading.Thread(target=target, name=name,
                                      daemon=True)
            thread.start()
            self._threads.append(thread)
        LOG.info('hastack-conductor %s running (cycle %.1f s, monitor '
                 'every %.1f s)', self.name, self.cycle,
                 self.monitor_interval)

    def stop(self, graceful=False):
        """Stop the loops, the runners and the RPC server."""
        self._stop.set()
        # Before the joins: it wakes the engine loop from its wait.
        self.engine.stop(wait=False)
        for thread in self._threads:
            thread.join(timeout=30)
        if self.rpc_server is not None:
            self.rpc_server.stop()
            self.rpc_server.wait()
        self.leadership.stop()
        self.planes.close()
        super().stop(graceful)

    def _engine_loop(self):
        while not self._stop.is_set():
            self._guarded('engine', self.engine.run_once)
            next_pass = time.monotonic() + self.cycle
            # Between two whole passes, a task that ends frees a slot:
            # claim again at once (the engine's docstring says why).
            while not self._stop.is_set():
                left = next_pass - time.monotonic()
                if left <= 0:
                    break
                if self.engine.wait(left):
                    self._guarded('engine-claim', self.engine.claim_due)

    def _leader_loop(self):
        next_monitor = 0.0
        next_sync = 0.0
        next_purge = 0.0
        while not self._stop.is_set():
            if self.leadership.refresh():
                self._guarded('inbox', self.keymessages.poll_inbox)
                self._guarded('maintenance', self._publish_maintenance)
                now = time.monotonic()
                if now >= next_sync and nova.is_configured():
                    next_sync = now + self.conf.conductor.\
                        instance_sync_interval
                    self._guarded('instance-sync', self._sync_instances)
                if now >= next_monitor:
                    next_monitor = now + self.monitor_interval
                    if self._guarded('monitor', self.monitor.run_once):
                        self._guarded('decider', self.decider.run_once)
                if now >= next_purge:
                    next_purge = now + 3600
                    self._guarded('purge', self._purge)
            self._stop.wait(self.cycle)

    def _guarded(self, what, func):
        """Run one pass of a loop; a failing pass is logged, and the next
        one runs anyway. Returns whether it worked."""
        context = hastack_context.get_admin_context()
        try:
            func(context)
        except Exception:  # noqa: BLE001 - the loop must go on
            LOG.exception('Conductor pass %s failed', what)
            return False
        self.last_pass[what] = time.monotonic()
        return True

    def _publish_maintenance(self, context):
        status = db_api.ha_status_get(context)
        written = self.planes.publish_maintenance(
            status.ha_maintenance, status.maintenance_reason,
            (status.maintenance_updated_at.isoformat()
             if status.maintenance_updated_at else None))
        if written:
            LOG.info('ha_maintenance=%s published on planes %s',
                     status.ha_maintenance, written)

    def _sync_instances(self, context):
        # While evacuations run, Nova is the recovery's bottleneck, and a
        # list of every server costs it about 8 ms of CPU per server (a
        # GET of one, 15 ms; an evacuation, 330 to 520 ms:
        # benchmarks/README.md): the sync waits, SYNC_DEFER_MAX intervals
        # at most. Nothing of the recovery needs it: a host declared
        # failed meanwhile has its servers listed then.
        now = time.monotonic()
        interval = self.conf.conductor.instance_sync_interval
        if (self._synced_at is not None and
                now - self._synced_at < SYNC_DEFER_MAX * interval and
                recovery.evacuations_running(context)):
            LOG.debug('Instance sync deferred: evacuations are running')
            return
        try:
            servers = nova_ops.list_servers()
        except (exception.NovaUnavailable, nova_ops.NovaRefused) as e:
            LOG.warning('Instance sync from Nova failed: %s', e)
            return
        self._synced_at = now
        added, changed, removed = recovery.instances_sync(context, servers)
        if added or changed or removed:
            LOG.info('Instances from Nova: %d added, %d changed, %d '
                     'removed', added, changed, removed)

    def _purge(self, context):
        recovery.message_purge(
            context, timeutils.utcnow().replace(tzinfo=None) - MESSAGE_KEEP)
