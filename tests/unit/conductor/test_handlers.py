"""Task handlers with Nova mocked (unit tests only; the real Nova runs in
tests/functional/conductor): what an evacuation does for each state of
the server, that it never runs without the fencing proof, and the gates."""

import datetime
import threading
from unittest import mock

from oslo_utils import timeutils

from hastack.common import states
from hastack.conductor import engine
from hastack.conductor import handlers
from hastack.conductor import nova_ops
from hastack.conductor import snapshot
from hastack.db import api as db_api
from hastack.db import recovery
from tests.unit.conductor import test_recovery_db as base


def server(host='c1', status='ACTIVE', task_state=None, ha=True):
    return {'uuid': 'u', 'name': 'vm', 'project_id': 'p', 'host': host,
            'status': status, 'task_state': task_state, 'ha_enabled': ha}


def record(status, seconds_from_now):
    """An evacuation record to c2 as :func:`nova_ops.evacuations` gives
    it, created ``seconds_from_now`` (dated as Nova dates it)."""
    created = timeutils.utcnow() + datetime.timedelta(
        seconds=seconds_from_now)
    return {'status': status, 'dest_compute': 'c2',
            'created_at': created.strftime('%Y-%m-%dT%H:%M:%S.%f')}


class NoWaitRunner(engine.Runner):
    """A runner whose sleeps return at once (their lengths are kept)."""

    def __init__(self, task, stop_event):
        super().__init__(task, stop_event)
        self.sleeps = []

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        return self.lost()


class HandlersTestCase(base.RecoveryDbTestCase):

    def setUp(self):
        super().setUp()
        self.handlers = handlers.Handlers(self.conf.conf, mock.Mock(),
                                          mock.Mock())
        self.suspect_host(instances=1)
        self.failure, tasks = self.declare()
        self.tasks = {t.type: t for t in tasks}
        self.stop = mock.Mock()
        self.stop.is_set.return_value = False
        self.stop.wait.return_value = None

    def prove_fence(self):
        fence = self.tasks['fence']
        recovery.task_claim(self.context, fence.uuid, 'me', base.now())
        recovery.task_finish(self.context, fence.uuid, 'me', 'succeeded',
                             'ok', fence_proof={'kind': 'agent_ack'})

    def evacuate(self, attempts=1):
        task = self.tasks['evacuate']
        task.attempts = attempts
        self.runner = NoWaitRunner(task, self.stop)
        return self.handlers.evacuate(self.context, task, self.runner)


class TestEvacuate(HandlersTestCase):

    def test_never_without_the_fencing_proof(self):
        with mock.patch.object(nova_ops, 'evacuate') as evacuate:
            outcome = self.evacuate()
        self.assertEqual(engine.RETRY, outcome.kind)
        evacuate.assert_not_called()

    @mock.patch.object(nova_ops, 'evacuate')
    @mock.patch.object(nova_ops, 'get_server')
    def test_evacuates_and_follows_to_active(self, get_server, evacuate):
        self.prove_fence()
        get_server.side_effect = [server(), server(task_state='rebuilding'),
                                  server(host='c2', task_state='rebuilding'),
                                  server(host='c2')]
        outcome = self.evacuate()
        self.assertEqual((engine.DONE, 'now ACTIVE on c2'),
                         (outcome.kind, outcome.message))
        evacuate.assert_called_once_with(self.tasks['evacuate']
                                         .instance_uuid)

    @mock.patch.object(nova_ops, 'evacuations')
    @mock.patch.object(nova_ops, 'evacuate')
    @mock.patch.object(nova_ops, 'get_server')
    def test_task_state_cleared_before_the_new_host_is_followed(
            self, get_server, evacuate, evacuations):
        # Nova clears the task state, then records the new host: seen in
        # between, the server is still moving (its migration says so).
        self.prove_fence()
        get_server.side_effect = [server(), server(task_state='rebuilding'),
                                  server(), server(), server(host='c2')]
        evacuations.return_value = [record('pre-migrating', 0)]
        outcome = self.evacuate()
        self.assertEqual((engine.DONE, 'now ACTIVE on c2'),
                         (outcome.kind, outcome.message))
        evacuations.assert_called_once()
        # Seen there once only, the server is read again without asking
        # Nova about its migration.
        evacuations.reset_mock()
        get_server.side_effect = [server(), server(task_state='rebuilding'),
                                  server(), server(host='c2')]
        self.assertEqual(engine.DONE, self.evacuate().kind)
        evacuations.assert_not_called()
        # A failed migration leaves it on the source: a retry, found on
        # the second read that shows it there.
        get_server.side_effect = [server(), server(), server()]
        evacuations.return_value = [record('failed', 0)]
        evacuations.reset_mock()
        outcome = self.evacuate()
        self.assertEqual(engine.RETRY, outcome.kind)
        self.assertIn('ACTIVE on c1', outcome.message)
        evacuations.assert_called_once()

    @mock.patch.object(nova_ops, 'evacuate')
    @mock.patch.object(nova_ops, 'get_server')
    def test_server_read_ahead_is_not_read_again(self, get_server,
                                                 evacuate):
        self.prove_fence()
        get_server.side_effect = [server(), server(host='c2')]
        self.handlers.next_in_line(self.tasks['evacuate'])
        self.assertTrue(self.handlers.servers._reads[
            self.tasks['evacuate'].instance_uuid].done.wait(10))
        self.assertEqual(engine.DONE, self.evacuate().kind)
        # One read ahead, one poll: no read between claim and call.
        self.assertEqual(2, get_server.call_count)
        evacuate.assert_called_once()
        # A fence or force-down task is not read ahead.
        self.handlers.next_in_line(self.tasks['fence'])
        self.assertEqual({}, self.handlers.servers._reads)

    @mock.patch.object(nova_ops, 'evacuations')
    @mock.patch.object(nova_ops, 'evacuate')
    @mock.patch.object(nova_ops, 'get_server')
    def test_a_later_attempt_asks_nova_s_records_before_calling(
            self, get_server, evacuate, evacuations):
        # The conductor of attempt 1 called evacuate and died; attempt 2
        # reads the server between Nova's two writes: no task state,
        # still on the source. Its migration record says it moves.
        self.prove_fence()
        uuid = self.tasks['evacuate'].instance_uuid
        get_server.side_effect = [server(), server(host='c2')]
        evacuations.return_value = [record('running', 1)]
        outcome = self.evacuate(attempts=2)
        self.assertEqual((engine.DONE, 'now ACTIVE on c2'),
                         (outcome.kind, outcome.message))
        evacuate.assert_not_called()
        evacuations.assert_called_once_with(uuid, 'c1')
        # Its evacuation failed, or the only record is another failure's
        # (older than the task by more than the clocks' slack): called.
        for move in (record('failed', 1),
                     record('done', -handlers.CLOCK_SLACK - 3600)):
            evacuations.return_value = [move]
            get_server.side_effect = [server(), server(host='c3')]
            self.assertEqual(engine.DONE, self.evacuate(attempts=2).kind)
            evacuate.assert_called_once_with(uuid)
            evacuate.reset_mock()

    @mock.patch.object(nova_ops, 'evacuate')
    @mock.patch.object(nova_ops, 'get_server')
    def test_a_later_attempt_does_not_use_a_read_made_ahead(
            self, get_server, evacuate):
        self.prove_fence()
        task = self.tasks['evacuate']
        get_server.side_effect = [server(), server(task_state='rebuilding'),
                                  server(host='c2')]
        # Read ahead while attempt 1 waited for its slot; then attempt 1
        # called and its conductor died.
        self.handlers.next_in_line(task)
        self.assertTrue(self.handlers.servers._reads[
            task.instance_uuid].done.wait(10))
        self.assertEqual(engine.DONE, self.evacuate(attempts=2).kind)
        evacuate.assert_not_called()
        self.assertEqual(3, get_server.call_count)
        self.assertEqual({}, self.handlers.servers._reads)
        # A task already attempted is not read ahead.
        task.attempts = 1
        self.handlers.next_in_line(task)
        self.assertEqual({}, self.handlers.servers._reads)

    def test_which_record_says_moving(self):
        since = timeutils.utcnow().replace(tzinfo=None)
        for moves, expected in (
                ([], False),
                ([record('accepted', 5)], True),
                ([record('done', 5)], True),
                ([record('error', 5)], False),
                ([record('running', 2), record('failed', 5)], False),
                ([record('done', -3600)], False),
                ([record('failed', 2), {'status': 'running',
                                        'created_at': None}], True)):
            self.assertEqual(expected, handlers._moving(moves, since),
                             moves)

    @mock.patch.object(nova_ops, 'evacuate')
    @mock.patch.object(nova_ops, 'get_server')
    def test_first_read_after_half_the_recent_median(self, get_server,
                                                     evacuate):
        self.prove_fence()
        poll = handlers.EVACUATE_POLL
        # Fewer than three evacuations seen: read after one poll.
        self.handlers._recent.extend([8.0, 12.0])
        get_server.side_effect = [server(), server(host='c2')]
        self.assertEqual(engine.DONE, self.evacuate().kind)
        self.assertEqual([poll], self.runner.sleeps)
        # Then after half their median, the next reads a poll apart.
        self.handlers._recent.clear()
        self.handlers._recent.extend([8.0, 12.0, 10.0])
        get_server.side_effect = [server(), server(task_state='rebuilding'),
                                  server(host='c2')]
        self.assertEqual(engine.DONE, self.evacuate().kind)
        self.assertEqual([5.0, poll], self.runner.sleeps)
        # The evacuation just followed counts among the recent ones.
        self.assertEqual(4, len(self.handlers._recent))
        # Never sooner than a poll; not for an evacuation not called by
        # this attempt (its start is unknown).
        self.handlers._recent.clear()
        self.handlers._recent.extend([0.5, 0.5, 0.5])
        get_server.side_effect = [server(), server(host='c2')]
        self.evacuate()
        self.assertEqual([poll], self.runner.sleeps)
        self.handlers._recent.extend([30.0] * 20)
        get_server.side_effect = [server(task_state='rebuilding'),
                                  server(host='c2')]
        self.evacuate()
        self.assertEqual([poll], self.runner.sleeps)

    @mock.patch.object(nova_ops, 'evacuate')
    @mock.patch.object(nova_ops, 'get_server')
    def test_already_moved_is_not_evacuated_again(self, get_server,
                                                  evacuate):
        self.prove_fence()
        get_server.return_value = server(host='c3', status='SHUTOFF')
        self.assertEqual(engine.DONE, self.evacuate().kind)
        evacuate.assert_not_called()

    @mock.patch.object(nova_ops, 'evacuate')
    @mock.patch.object(nova_ops, 'get_server')
    def test_evacuation_in_flight_is_followed(self, get_server, evacuate):
        self.prove_fence()
        get_server.side_effect = [server(task_state='rebuilding'),
                                  server(host='c2')]
        self.assertEqual(engine.DONE, self.evacuate().kind)
        evacuate.assert_not_called()

    @mock.patch.object(nova_ops, 'evacuate')
    @mock.patch.object(nova_ops, 'get_server')
    def test_what_is_not_evacuated(self, get_server, evacuate):
        self.prove_fence()
        for found, words in ((None, 'deleted'),
                             (server(ha=False), 'HA is no longer'),
                             (server(status='PAUSED'), 'PAUSED')):
            get_server.side_effect = None
            get_server.return_value = found
            outcome = self.evacuate()
            self.assertEqual(engine.CANCEL, outcome.kind)
            self.assertIn(words, outcome.message)
        evacuate.assert_not_called()

    @mock.patch.object(nova_ops, 'evacuate')
    @mock.patch.object(nova_ops, 'get_server')
    def test_failed_evacuation_and_nova_errors_are_retries(self, get_server,
                                                           evacuate):
        self.prove_fence()
        get_server.side_effect = [server(), server(status='ERROR')]
        outcome = self.evacuate()
        self.assertEqual(engine.RETRY, outcome.kind)
        self.assertIn('ERROR on c1', outcome.message)
        get_server.side_effect = nova_ops.NovaRefused(detail='no host')
        self.assertEqual(engine.RETRY, self.evacuate().kind)


class TestGates(HandlersTestCase):

    def gate(self, task_type):
        return self.handlers.gates(self.context, self.tasks[task_type],
                                   snapshot.cluster_view(self.context),
                                   base.now())

    def test_evacuation_waits_for_the_proof(self):
        self.assertIsNone(self.gate('fence'))
        self.assertEqual('waiting for the fencing proof',
                         self.gate('evacuate'))
        self.prove_fence()
        self.assertIsNone(self.gate('evacuate'))

    def test_cluster_and_host_gates_hold_every_task(self):
        db_api.maintenance_set(self.context, True)
        for task_type in ('force_down', 'fence', 'evacuate'):
            self.assertIn('ha_maintenance', self.gate(task_type))
        db_api.maintenance_set(self.context, False)
        recovery.host_set_fence_grant(
            self.context, 'c1', base.now() + base.datetime.timedelta(
                seconds=60), 'test')
        self.assertIn('no-fence grant', self.gate('fence'))


class TestFence(HandlersTestCase):

    def test_agent_ack_is_the_proof(self):
        keymessages = mock.Mock()
        keymessages.send.return_value = {'id': 'order-1'}
        self.handlers.keymessages = keymessages
        recovery.message_record(self.context, {
            'id': 'ack-1', 'type': 'fence_ack', 'host': 'c1',
            'body': {'in_reply_to': 'order-1', 'stopped': ['x'],
                     'not_running': [], 'failed': []}}, 'etcd:storage')
        task = self.tasks['fence']
        outcome = self.handlers.fence(self.context, task,
                                      NoWaitRunner(task, self.stop))
        self.assertEqual(engine.DONE, outcome.kind)
        self.assertEqual(('agent_ack', 'etcd:storage'),
                         (outcome.proof['kind'],
                          outcome.proof['detail']['path']))
        self.assertEqual(states.HOST_FENCING,
                         db_api.host_get(self.context, 'c1').state)

    def test_a_failed_stop_is_no_proof(self):
        self.flags(group='conductor', fence_timeout=1)
        keymessages = mock.Mock()
        keymessages.send.return_value = {'id': 'order-1'}
        self.handlers.keymessages = keymessages
        self.handlers.agent_api.inquire_lease.return_value = None
        recovery.message_record(self.context, {
            'id': 'ack-1', 'type': 'fence_ack', 'host': 'c1',
            'body': {'in_reply_to': 'order-1', 'stopped': [],
                     'not_running': [], 'failed': ['x']}}, 'rpc')
        task = self.tasks['fence']
        runner = engine.Runner(task, threading.Event())
        outcome = self.handlers.fence(self.context, task, runner)
        self.assertEqual(engine.RETRY, outcome.kind)
        self.assertIn('could not stop', outcome.message)

    def test_lease_seen_dead_by_a_peer_is_the_proof(self):
        recovery.host_observe(self.context, 'c2', base.DOWN)
        recovery.host_observe(self.context, 'c2', {
            p: ('up', None) for p in ('mgmt', 'service', 'storage')})
        keymessages = mock.Mock()
        keymessages.send.return_value = {'id': 'order-1'}
        self.handlers.keymessages = keymessages
        self.handlers.agent_api.inquire_lease.return_value = {
            'dead': True, 'generation': 4, 'unchanged_for': 141.0}
        task = self.tasks['fence']
        outcome = self.handlers.fence(self.context, task,
                                      NoWaitRunner(task, self.stop))
        self.assertEqual(('lease_expired', 'c2'),
                         (outcome.proof['kind'],
                          outcome.proof['detail']['observer']))
