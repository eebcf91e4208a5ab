"""hastack-conductor scenarios on the whole system: the strategy's table
for every plane vector, the gates (ha_maintenance, self-defense), the
rate limits changed at run time, a conductor crash mid-recovery, and
Nova refusing every evacuation.

Except for the strategy table, each runs with Fitlock, the shared
storage and process guests, and ends with the disk check: no instance
ever ran on two hosts at once."""

import json
import threading
import time

from oslo_utils import timeutils

from hastack.common import keymsg
from hastack.common import states
from hastack.conductor import decision
from hastack.conductor import snapshot
from hastack.db import api as db_api
from hastack.db import recovery
from tests.cluster import harness as cluster_mod
from tests.cluster import test_split_brain

ClusterTestCase = test_split_brain.SplitBrainTestCase
wait_for = cluster_mod.wait_for
# Long enough past the grace period (3 s) and a few monitor passes (1 s)
# for a decision that is not coming to have come.
SETTLE = cluster_mod.GRACE + 5


def cut(cluster, host, vector):
    """Cut the planes of ``host`` that ``vector`` ('ddu'...) says down."""
    for plane, mark in zip(states.PLANES, vector):
        if mark == 'd':
            cluster.hosts[host].cut(plane)


def failure_of(cluster, host):
    """The uuid of the host's current or last failure (from its tasks)."""
    tasks = cluster.tasks(host=host)
    return tasks[0].failure_uuid if tasks else None


class TestStrategyTable(ClusterTestCase):
    """Each of the 7 failing vectors on its own host, decided at once."""

    # Vector per host: mgmt, service, storage; d = down, u = up.
    VECTORS = {'c1': 'ddd', 'c2': 'ddu', 'c3': 'dud', 'c4': 'duu',
               'c5': 'udd', 'c6': 'udu', 'c7': 'uud', 'c8': 'uuu'}
    HOSTS = tuple(sorted(VECTORS))
    # Without Fitlock: with it, four of eight hosts losing the storage
    # plane at once is a storage outage, answered no-fence (tested in
    # test_split_brain); the table is the point here.
    FITLOCK = False

    def test_every_vector_as_the_default_strategy_says(self):
        c = self.cluster
        # Seven of eight hosts look down: the point here is the table,
        # not self-defense, which is switched out of the way.
        db_api.settings_update(c.context, {'self_defense_ratio': 1.0})
        for host, vector in self.VECTORS.items():
            cut(c, host, vector)
        recover = {'c1', 'c2', 'c3', 'c5', 'c7'}  # the design table
        for host in sorted(recover):
            c.wait_host_state(host, 'recovered', timeout=60)
        time.sleep(SETTLE)
        for host, vector in self.VECTORS.items():
            row = c.host(host)
            seen = ''.join(getattr(row, '%s_status' % p)[0]
                           for p in states.PLANES)
            self.assertEqual(vector, seen, host)
            if host in recover:
                self.assertEqual('recovered', row.state, host)
                self.assertIsNotNone(failure_of(c, host), host)
            else:
                self.assertEqual('active' if vector == 'uuu' else
                                 'suspect', row.state, host)
                self.assertIsNone(failure_of(c, host), host)
        for host in ('c4', 'c6'):
            self.assertEqual(1, len([
                e for e in c.events('host.state.suspect')
                if e.host == host]))


class TestGates(ClusterTestCase):

    HOSTS = ('c1', 'c2', 'c3', 'c4')

    def test_maintenance_then_self_defense(self):
        c = self.cluster
        # ha_maintenance on: a failing host is seen, never recovered, and
        # the switch reaches every plane for the agents.
        db_api.maintenance_set(c.context, True, 'functional test')
        for plane in states.PLANES:
            wait_for(lambda p=plane: self._maintenance_on(p), 10,
                     'ha_maintenance on plane %s' % plane)
        cut(c, 'c1', 'ddu')
        c.wait_host_state('c1', 'suspect', timeout=30)
        time.sleep(SETTLE)
        self.assertEqual('suspect', c.host('c1').state)
        self.assertIsNone(failure_of(c, 'c1'))
        # Off again: the waiting failure is recovered on the next pass.
        db_api.maintenance_set(c.context, False)
        c.wait_host_state('c1', 'recovered', timeout=30)

        # Self-defense: c1 and c2 down = 50% of 4 hosts -> HA stops.
        cut(c, 'c2', 'ddu')
        wait_for(lambda: db_api.ha_status_get(c.context).self_defense, 30,
                 'self-defense')
        time.sleep(SETTLE)
        self.assertEqual('suspect', c.host('c2').state)
        self.assertIsNone(failure_of(c, 'c2'))
        on = c.events('self_defense.on')
        self.assertEqual(['critical'], [e.severity for e in on])
        # c1 comes back: 3 of 4 up = 75% >= 70% -> HA resumes, and c2,
        # suspect for long past its grace, is recovered.
        c.hosts['c1'].restore('mgmt')
        c.hosts['c1'].restore('service')
        wait_for(lambda: not db_api.ha_status_get(c.context).self_defense,
                 30, 'self-recovery')
        c.wait_host_state('c2', 'recovered', timeout=30)
        self.assertEqual(1, len(c.events('self_defense.off')))
        c.wait_host_state('c1', 'active', timeout=30)

    def _maintenance_on(self, plane):
        found = self.cluster.planes[plane].client(timeout=2).get(
            keymsg.MAINTENANCE_KEY)
        return found and json.loads(found[0])['enabled'] is True


class TestRateLimits(ClusterTestCase):

    def test_limits_hold_and_change_at_run_time(self):
        c = self.cluster
        db_api.settings_update(c.context, {'host_rate_limit': 1,
                                           'global_rate_limit': 10})
        vms = [c.boot('vm%d' % i, 'c1') for i in range(6)]
        samples = []
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                limit = recovery_limit(c)
                running = sum(recovery.evacuations_running(
                    c.context).values())
                samples.append((limit, running))
                time.sleep(0.05)
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        self.addCleanup(stop.set)
        cut(c, 'c1', 'ddu')
        c.nova.stop_compute('c1')
        wait_for(lambda: len([t for t in c.tasks(type='evacuate')
                              if t.state == 'succeeded']) >= 2, 90,
                 'two evacuations done')
        db_api.settings_update(c.context, {'host_rate_limit': 3})
        c.wait_host_state('c1', 'recovered', timeout=90)
        stop.set()
        sampler.join(5)
        for vm in vms:
            self.assertIn(c.server(vm)[1], ('c2', 'c3'))
        over = [(limit, running) for limit, running in samples
                if running > limit]
        self.assertEqual([], over)
        self.assertTrue(any(limit == 3 for limit, _ in samples))
        deferred = [e for e in c.events('task.deferred')
                    if 'rate limit' in e.message]
        self.assertGreaterEqual(len(deferred), 1)
        self.assert_running_once(vms, ('c2', 'c3'))
        self.assert_no_split_brain()


def db_now(cluster):
    """Now, naive UTC, as the database stores it."""
    return timeutils.utcnow().replace(tzinfo=None)


def recovery_limit(cluster):
    stored = db_api.settings_get_stored(cluster.context)
    return stored.get('host_rate_limit', 10)


class TestConductorCrash(ClusterTestCase):

    CONDUCTORS = 2

    def test_a_killed_conductor_s_tasks_are_finished_once(self):
        c = self.cluster
        db_api.settings_update(c.context, {'global_rate_limit': 1})
        vms = [c.boot('vm%d' % i, 'c1') for i in range(4)]
        cut(c, 'c1', 'ddu')
        c.nova.stop_compute('c1')
        running = wait_for(
            lambda: [t for t in c.tasks(type='evacuate', state='running')
                     if t.owner], 60, 'an evacuation running')[0]
        c.kill_conductor(running.owner)
        killed_at = db_now(c)
        survivor = [n for n in c.conductors if n != running.owner][0]
        c.wait_host_state('c1', 'recovered', timeout=120)
        evacuations = c.tasks(type='evacuate')
        self.assertEqual({'succeeded'}, {t.state for t in evacuations})
        # What the dead conductor held is taken over (unless it finished
        # just before the kill); whatever started later is the
        # survivor's.
        taken = [e.message for e in c.events('task.taken_over')]
        self.assertTrue(all(running.uuid in m for m in taken), taken)
        later = [t for t in evacuations if t.started_at > killed_at]
        self.assertGreaterEqual(len(later), 2)
        self.assertEqual({survivor}, {t.owner for t in later})
        nova = c.nova_client()
        for vm in vms:
            self.assertEqual('ACTIVE', c.server(vm)[0])
            moves = nova.migrations.list(instance_uuid=vm,
                                         migration_type='evacuation')
            # Evacuated once: the takeover followed the move, no second.
            self.assertEqual(1, len(moves), vm)
        self.assert_running_once(vms, ('c2', 'c3'))
        self.assert_no_split_brain()


class TestNovaRefuses(ClusterTestCase):

    def test_retried_then_alarm_after_the_last_attempt(self):
        c = self.cluster
        vm = c.boot('vm', 'c1')
        nova = c.nova_client()
        # No other compute can take it: every evacuation fails.
        for host in ('c2', 'c3'):
            service = nova.services.list(host=host,
                                         binary='nova-compute')[0]
            nova.services.disable(service.id)
        cut(c, 'c1', 'ddu')
        c.nova.stop_compute('c1')
        task = wait_for(
            lambda: [t for t in c.tasks(type='evacuate')
                     if t.state == 'failed'], 120, 'the evacuation failed')[0]
        self.assertEqual(6, task.attempts)  # 1 + max_retries (5)
        self.assertIsNotNone(task.last_error)
        retries = [e for e in c.events('task.retry_scheduled')
                   if e.instance_uuid == vm]
        self.assertEqual(5, len(retries))
        alarms = [e for e in c.events('task.failed')
                  if e.instance_uuid == vm]
        self.assertEqual(['critical'], [e.severity for e in alarms])
        # Nova's failed evacuations leave it on c1 (ERROR: no valid host).
        self.assertEqual('c1', c.server(vm)[1])
        c.wait_host_state('c1', 'recovered', timeout=30)
        # The proof was there on every attempt.
        self.assertEqual('agent_ack', json.loads(task.fence_proof)['kind'])
        # Stopped by the fence order, started nowhere else.
        self.assertNotIn(vm, c.instance_pids())
        self.assert_no_split_brain()


class TestFencingArbitration(ClusterTestCase):

    def test_fencing_events_answered_over_rpc_and_any_plane(self):
        c = self.cluster
        # As an agent whose only working plane is 'service' would: the
        # event in the controllers' inbox there, and no RPC.
        event = keymsg.make(keymsg.FENCING_EVENT, 'c1',
                            {'lockspace': 'hastack', 'timeout': 60})
        inbox = c.planes['service'].client(timeout=2)
        inbox.put(keymsg.TO_CONTROLLER % 'c1' + event['id'],
                  json.dumps(event))
        answer = wait_for(lambda: self._answer('service', event['id']), 20,
                          'the answer on the service plane')
        self.assertEqual(('fence', 0), (answer['body']['decision'],
                                        answer['body']['grant_seconds']))
        # Answered on every plane, and the inbox emptied.
        for plane in states.PLANES:
            self.assertIsNotNone(self._answer(plane, event['id']), plane)
        wait_for(lambda: not c.controller_inbox('service'), 10,
                 'the inbox read and cleared')

        # By RPC, under ha_maintenance: a grant, recorded on the host,
        # which closes its fencing_grant gate.
        db_api.maintenance_set(c.context, True, 'arbitration test')
        rpc_answer = c.conductor_rpc().report_fencing_event(
            c.context, keymsg.make(keymsg.FENCING_EVENT, 'c1',
                                   {'lockspace': 'hastack'}), timeout=20)
        self.assertEqual('no-fence', rpc_answer['decision'])
        self.assertEqual(120, rpc_answer['grant_seconds'])
        host = c.host('c1')
        self.assertIsNotNone(host.fence_grant_until)
        gates = {g.name: g.open for g in decision.evaluate_gates(
            snapshot.host_view(host), snapshot.cluster_view(c.context),
            db_now(c))}
        self.assertFalse(gates['fencing_grant'])
        # A malformed event is answered 'fence', the safe default.
        self.assertEqual('fence', c.conductor_rpc().report_fencing_event(
            c.context, {'id': 'x'}, timeout=20)['decision'])

    def _answer(self, plane, event_id):
        client = self.cluster.planes[plane].client(timeout=2)
        for raw, _ in client.get_prefix(keymsg.TO_HOST % 'c1'):
            message = json.loads(raw)
            if message['body'].get('in_reply_to') == event_id:
                return message
        return None
