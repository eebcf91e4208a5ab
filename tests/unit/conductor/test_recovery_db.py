"""The conductor's database guarantees, on SQLite: one recovery per
failure, claims that respect the rate limits, takeover of stale claims,
one row per key message."""

import datetime

from oslo_utils import timeutils

from hastack.common import states
from hastack.db import api as db_api
from hastack.db import recovery
from tests import base

DOWN = {'mgmt': ('down', None), 'service': ('down', None),
        'storage': ('up', None)}


def now():
    return timeutils.utcnow().replace(tzinfo=None)


class RecoveryDbTestCase(base.DbTestCase):

    def suspect_host(self, name='c1', instances=2, priority=0):
        recovery.host_observe(self.context, name, DOWN,
                              new_state=states.HOST_SUSPECT)
        for i in range(instances):
            db_api.instance_create(self.context, {
                'uuid': '%s-%s' % (name, i) + '0' * (36 - len(name) - 2),
                'project_id': 'p', 'host': name, 'ha_enabled': True,
                'priority': priority})
        return db_api.instance_list(self.context, {'host': name})

    def declare(self, name='c1', instances=None):
        if instances is None:
            instances = db_api.instance_list(self.context, {'host': name})
        return recovery.failure_declare(
            self.context, name, {'mgmt': 'down', 'service': 'down',
                                 'storage': 'up'}, instances, 6, 'test')


class TestFailureDeclare(RecoveryDbTestCase):

    def test_one_recovery_per_failure(self):
        self.suspect_host()
        failure, tasks = self.declare()
        self.assertEqual(['force_down', 'fence', 'evacuate', 'evacuate'],
                         [t.type for t in tasks])
        self.assertEqual('failed', db_api.host_get(self.context,
                                                   'c1').state)
        self.assertEqual(failure.uuid,
                         db_api.host_get(self.context, 'c1').failure_uuid)
        # A second signal, or a second conductor, creates nothing.
        self.assertIsNone(self.declare())
        self.assertEqual(4, len(db_api.task_list(self.context)))

    def test_not_suspect_no_recovery(self):
        recovery.host_observe(self.context, 'c1', DOWN)
        self.assertIsNone(self.declare(instances=[]))
        self.assertEqual([], db_api.task_list(self.context))

    def test_next_failure_of_same_host_gets_next_sequence(self):
        self.suspect_host(instances=0)
        first, _ = self.declare()
        recovery.failure_close(self.context, first.uuid, 'suspect', 'test')
        second, _ = self.declare()
        self.assertEqual(2, recovery.failure_get(self.context,
                                                 second.uuid).sequence)

    def test_close_cancels_waiting_tasks(self):
        self.suspect_host()
        failure, tasks = self.declare()
        cancelled = recovery.failure_close(self.context, failure.uuid,
                                           'active', 'host back')
        self.assertEqual(4, len(cancelled))
        host = db_api.host_get(self.context, 'c1')
        self.assertEqual(('active', None), (host.state, host.failure_uuid))


class TestClaims(RecoveryDbTestCase):

    def evacuations(self, name, count):
        self.suspect_host(name, count)
        _, tasks = self.declare(name)
        return [t for t in tasks if t.type == 'evacuate']

    def test_claim_counts_an_attempt_and_owns(self):
        task = self.evacuations('c1', 1)[0]
        claimed, why = recovery.task_claim(self.context, task.uuid, 'me',
                                           now())
        self.assertIsNone(why)
        self.assertEqual(('running', 'me', 1),
                         (claimed.state, claimed.owner, claimed.attempts))
        again, why = recovery.task_claim(self.context, task.uuid, 'other',
                                         now())
        self.assertEqual((None, 'taken'), (again, why))

    def test_global_and_host_limits(self):
        c1 = self.evacuations('c1', 3)
        c2 = self.evacuations('c2', 2)
        claim = recovery.task_claim
        self.assertIsNone(claim(self.context, c1[0].uuid, 'me', now(),
                                3, 2)[1])
        self.assertIsNone(claim(self.context, c1[1].uuid, 'me', now(),
                                3, 2)[1])
        # Two from c1 already: its limit.
        self.assertEqual('rate_limit', claim(self.context, c1[2].uuid, 'me',
                                             now(), 3, 2)[1])
        self.assertIsNone(claim(self.context, c2[0].uuid, 'me', now(),
                                3, 2)[1])
        # Three in all: the global limit.
        self.assertEqual('rate_limit', claim(self.context, c2[1].uuid, 'me',
                                             now(), 3, 2)[1])
        self.assertEqual({'c1': 2, 'c2': 1},
                         recovery.evacuations_running(self.context))

    def test_only_the_owner_finishes(self):
        task = self.evacuations('c1', 1)[0]
        recovery.task_claim(self.context, task.uuid, 'me', now())
        self.assertIsNone(recovery.task_finish(
            self.context, task.uuid, 'other', 'succeeded', 'no'))
        done = recovery.task_finish(self.context, task.uuid, 'me',
                                    'succeeded', 'yes')
        self.assertEqual('succeeded', done.state)

    def test_stale_claim_is_taken_over(self):
        task = self.evacuations('c1', 1)[0]
        start = now()
        recovery.task_claim(self.context, task.uuid, 'dead', start)
        later = start + datetime.timedelta(seconds=30)
        self.assertEqual([], recovery.task_take_over_stale(
            self.context, later, 60))
        much_later = start + datetime.timedelta(seconds=61)
        taken = recovery.task_take_over_stale(self.context, much_later, 60)
        self.assertEqual([task.uuid], [t.uuid for t in taken])
        back = db_api.task_get(self.context, task.uuid)
        self.assertEqual(('pending', None, 1),
                         (back.state, back.owner, back.attempts))
        # The dead owner can no longer record an outcome.
        self.assertIsNone(recovery.task_finish(
            self.context, task.uuid, 'dead', 'succeeded', 'late'))

    def test_heartbeat_reports_lost_claims(self):
        a, b = self.evacuations('c1', 2)
        recovery.task_claim(self.context, a.uuid, 'me', now())
        recovery.task_claim(self.context, b.uuid, 'me', now())
        recovery.task_take_over_stale(
            self.context, now() + datetime.timedelta(seconds=100), 60)
        recovery.task_claim(self.context, a.uuid, 'other', now())
        self.assertEqual(set(), recovery.task_heartbeat(
            self.context, 'me', {a.uuid, b.uuid}, now()))

    def test_runnable_order_and_due_time(self):
        self.suspect_host('c1', 0)
        recovery.host_observe(self.context, 'c2', DOWN,
                              new_state=states.HOST_SUSPECT)
        db_api.instance_create(self.context, {
            'uuid': 'a' * 36, 'project_id': 'p', 'host': 'c2',
            'ha_enabled': True, 'priority': 5})
        db_api.instance_create(self.context, {
            'uuid': 'b' * 36, 'project_id': 'p', 'host': 'c2',
            'ha_enabled': True, 'priority': 50})
        self.declare('c2')
        order = [(t.type, t.instance_uuid)
                 for t in recovery.tasks_runnable(self.context, now())]
        self.assertEqual([('force_down', None), ('fence', None),
                          ('evacuate', 'b' * 36), ('evacuate', 'a' * 36)],
                         order)


class TestMessages(RecoveryDbTestCase):

    def test_one_row_per_message_id(self):
        message = {'id': 'm1', 'type': 'fence_ack', 'host': 'c1',
                   'body': {'in_reply_to': 'order-1'}}
        row, new = recovery.message_record(self.context, message, 'rpc')
        self.assertTrue(new)
        again, new = recovery.message_record(self.context, message,
                                             'etcd:mgmt')
        self.assertFalse(new)
        self.assertEqual('rpc', again.path)
        self.assertEqual('m1', recovery.message_reply(
            self.context, 'order-1', 'fence_ack').message_id)
        self.assertTrue(recovery.message_mark_answered(self.context, 'm1'))
        self.assertFalse(recovery.message_mark_answered(self.context, 'm1'))


class TestInstancesSync(RecoveryDbTestCase):

    def test_sync_adds_changes_removes_and_keeps_priority(self):
        db_api.instance_create(self.context, {
            'uuid': 'a' * 36, 'project_id': 'p', 'host': 'c1',
            'ha_enabled': False, 'priority': 7})
        db_api.instance_create(self.context, {
            'uuid': 'b' * 36, 'project_id': 'p', 'host': 'c1'})
        counts = recovery.instances_sync(self.context, [
            {'uuid': 'a' * 36, 'project_id': 'p', 'host': 'c2',
             'status': 'ACTIVE', 'ha_enabled': True, 'name': 'vm'},
            {'uuid': 'c' * 36, 'project_id': 'q', 'host': 'c1',
             'status': 'SHUTOFF', 'ha_enabled': True, 'name': 'new'}])
        self.assertEqual((1, 1, 1), counts)
        a = db_api.instance_get(self.context, 'a' * 36)
        self.assertEqual(('c2', True, 7), (a.host, a.ha_enabled,
                                           a.priority))
        self.assertEqual(['a' * 36, 'c' * 36], sorted(
            i.uuid for i in db_api.instance_list(self.context)))
