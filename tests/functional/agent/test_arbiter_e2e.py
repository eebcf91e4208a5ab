"""The whole fencing question, end to end, on real parts.

fitlockd (host 1) keeps its leases on sshfs shared storage; the agent of
the same host runs in a network namespace with three plane interfaces,
three etcd clusters and RabbitMQ; the test plays the conductor. Cutting
the storage makes fitlockd's renewals fail; after ``F`` it asks the
agent, which asks the conductor over whatever still works.
"""

import json
import time

from hastack.agent import messages
from hastack.fitlock import timing as timing_mod
from tests.functional.agent import test_agent as base
from tests.functional.fitlock import fixtures as fl
from tests.functional.fitlock import storage_fixtures as sf

# N = 0.5 s: F = 4 s; A = 3 s leaves the agent 2.5 s (margin 0.5 s) to
# reach the conductor; A + T_kill + slop = 4 s <= W = 5 s; H = 9 s.
T = timing_mod.Timing(io_timeout=0.5, watchdog=5.0, arbiter_wait=3.0,
                      kill_time=0.5, slop=0.5)


class Conductor(base.Conductor):
    """Answers fencing events as told (None: never answers in time)."""

    def __init__(self):
        super().__init__()
        self.answer = None
        self.events = []

    def report_fencing_event(self, context, message):
        self.events.append(message)
        if self.answer is None:
            time.sleep(T.arbiter_wait + 1)
        return self.answer


class TestFencingQuestion(base.AgentTestBase):

    CONDUCTOR = Conductor

    def setUp(self):
        super().setUp()
        self.storage = self.useFixture(sf.SshfsStorage(hosts=(1,),
                                                       timing=T))
        self.fitlockd = self.useFixture(fl.Fitlockd(self.storage.view(1), 1,
                                                    timing=T))
        with open(self.config, 'a') as f:
            f.write('[fitlock]\nsocket_path = %s\n'
                    '[agent]\narbiter_answer_margin = 0.5\n'
                    'maintenance_grant = 30\n' % self.fitlockd.socket_path)
        self.holder = self.useFixture(fl.Holder())
        self.fitlockd.acquire('vm-1', pid=self.holder.pid)


    def start_agent(self):
        super().start_agent()
        base.wait_for(lambda: self.fitlockd.call('status')['arbiter'], 15,
                      'the agent to register as arbiter')

    def _events_on(self, plane):
        client = self.clusters[plane].client(timeout=2)
        return [json.loads(v) for v, _ in
                client.get_prefix(messages.TO_CONTROLLER % base.HOST)
                if json.loads(v)['type'] == 'fencing_event']

    def test_no_fence_over_the_last_working_plane(self):
        self.conductor.answer = {'decision': 'no-fence',
                                 'grant_seconds': 30}
        self.start_agent()
        self.host.cut('service')
        self.host.cut('storage')
        cut = time.monotonic()
        self.storage.cut(1)
        base.wait_for(lambda: self.conductor.events, T.renewal_fail + 10,
                      'the fencing event by RPC over mgmt')
        base.wait_for(lambda: self._events_on('mgmt'), 5,
                      'the fencing event in the mgmt etcd')
        self.assertEqual([], self._events_on('service'))
        state = base.wait_for(
            lambda: self.fitlockd.lockspace_status()['state'] == 'granted'
            and 'granted', 10, 'the grant')
        self.assertEqual('granted', state)
        time.sleep(max(0.0, cut + T.renewal_fail + T.arbiter_wait + 1 -
                       time.monotonic()))
        self.assertTrue(self.holder.alive())
        self.storage.restore(1)

    def test_no_answer_means_fence(self):
        self.start_agent()
        cut = time.monotonic()
        self.storage.cut(1)
        self.assertTrue(self.holder.wait_dead(
            T.renewal_fail + T.arbiter_wait + T.kill_time + 5))
        elapsed = time.monotonic() - cut
        self.assertGreaterEqual(elapsed, T.renewal_fail -
                                T.renewal_interval - T.io_timeout)
        self.assertTrue(self.conductor.events)
        self.storage.restore(1)

    def test_maintenance_answers_no_fence_without_the_conductor(self):
        self.start_agent()
        client = self.clusters['mgmt'].client(timeout=2)
        client.put(messages.MAINTENANCE_KEY, json.dumps({'enabled': True}))
        base.wait_for(lambda: self.agent_api.get_status(
            self.context, base.HOST)['ha_maintenance'], 10, 'maintenance')
        cut = time.monotonic()
        self.storage.cut(1)
        base.wait_for(
            lambda: self.fitlockd.lockspace_status()['state'] == 'granted',
            T.renewal_fail + 10, 'the maintenance grant')
        time.sleep(max(0.0, cut + T.renewal_fail + T.arbiter_wait + 1 -
                       time.monotonic()))
        self.assertTrue(self.holder.alive(), self.fitlockd.read_log()[-3000:])
        self.assertEqual([], self.conductor.events)
        self.storage.restore(1)
