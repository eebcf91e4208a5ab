"""``openstack ha task|event ...`` against a FakeSession."""

import fixtures
from osc_lib import exceptions

from hastack.osc.v1 import events
from hastack.osc.v1 import tasks
from tests.unit.osc import fakes


def task(uuid='t1', **extra):
    """A task document as the API returns it."""
    doc = {'uuid': uuid, 'type': 'evacuate', 'state': 'failed',
           'host': 'compute-1', 'instance_uuid': 'i1', 'project_id': 'p1',
           'failure_uuid': 'f1', 'priority': 0, 'attempts': 3,
           'max_attempts': 3, 'last_error': 'No valid host',
           'fence_proof': {'kind': 'agent_ack', 'detail': 'fenced',
                           'at': 't'},
           'owner': None, 'next_attempt_at': None, 'started_at': 't',
           'finished_at': 't', 'created_at': 't0', 'updated_at': 't'}
    doc.update(extra)
    return doc


def event(uuid='e1', **extra):
    """An event document as the API returns it."""
    doc = {'uuid': uuid, 'severity': 'critical', 'type': 'host.state',
           'host': 'compute-1', 'instance_uuid': None, 'project_id': None,
           'message': 'compute-1 failed', 'request_id': 'req-1',
           'acknowledged': False, 'acknowledged_by': None,
           'acknowledged_at': None, 'created_at': 't0'}
    doc.update(extra)
    return doc


class TestTaskCommands(fakes.CommandTestCase):
    """ha task ..."""

    def test_list(self):
        self.answer({'tasks': [task()]})
        rows = self.run_json(tasks.ListTask, [
            '--host', 'compute-1', '--instance', 'i1', '--state', 'failed',
            '--type', 'evacuate', '--failure', 'f1', '--project', 'p1',
            '--limit', '10'])
        self.assertEqual({'host': 'compute-1', 'instance_uuid': 'i1',
                          'state': 'failed', 'type': 'evacuate',
                          'failure_uuid': 'f1', 'project_id': 'p1',
                          'limit': '10'}, self.last().query)
        self.assertEqual(['UUID', 'Type', 'State', 'Host', 'Instance',
                          'Attempts'], list(rows[0]))

    def test_show_keeps_the_fence_proof_structured(self):
        self.answer(task())
        doc = self.run_json(tasks.ShowTask, ['t1'])
        self.assertEqual({'kind': 'agent_ack', 'detail': 'fenced',
                          'at': 't'}, doc['fence_proof'])

    def test_retry_and_cancel(self):
        self.answer(task(state='pending'), task(state='cancelled'))
        self.assertEqual('pending',
                         self.run_json(tasks.RetryTask, ['t1'])['state'])
        self.app.stdout.truncate(0)
        self.app.stdout.seek(0)
        self.assertEqual('cancelled',
                         self.run_json(tasks.CancelTask, ['t1'])['state'])
        self.assertEqual([('POST', '/v1/tasks/t1/retry'),
                          ('POST', '/v1/tasks/t1/cancel')],
                         [(c.method, c.path) for c in self.session.calls])

    def test_conflict_is_one_line(self):
        self.answer(fakes.error(409, 'Conflict', 'Task t1 is running; '
                                'only pending or deferred tasks can be '
                                'cancelled.', 'hastack.task.state'))
        cmd, parsed = self.parse(tasks.CancelTask, ['t1'])
        e = self.assertRaises(exceptions.CommandError, cmd.take_action,
                              parsed)
        self.assertEqual('Conflict (HTTP 409, hastack.task.state): Task t1 '
                         'is running; only pending or deferred tasks can '
                         'be cancelled. (Request-ID: req-1234)', str(e))


class TestEventCommands(fakes.CommandTestCase):
    """ha event ..."""

    def test_list(self):
        self.answer({'events': [event()]})
        rows = self.run_json(events.ListEvent, [
            '--severity', 'critical', '--type', 'host.state', '--host',
            'compute-1', '--unacknowledged', '--since',
            '2026-01-01T00:00:00Z', '--sort', 'created_at:asc', '--long'])
        self.assertEqual({'severity': 'critical', 'type': 'host.state',
                          'host': 'compute-1', 'acknowledged': 'false',
                          'since': '2026-01-01T00:00:00Z',
                          'sort_key': 'created_at', 'sort_dir': 'asc'},
                         self.last().query)
        self.assertEqual('req-1', rows[0]['Request ID'])

    def test_show(self):
        self.answer(event())
        doc = self.run_json(events.ShowEvent, ['e1'])
        self.assertEqual('/v1/events/e1', self.last().path)
        self.assertEqual(event(), doc)

    def test_ack_several(self):
        log = self.useFixture(fixtures.FakeLogger())
        self.answer(event(acknowledged=True),
                    fakes.error(403, 'Forbidden', 'Policy does not allow '
                                'hastack:event:ack to be performed.',
                                'hastack.forbidden'))
        cmd, parsed = self.parse(events.AckEvent, ['e1', 'e2'])
        e = self.assertRaises(exceptions.CommandError, cmd.take_action,
                              parsed)
        self.assertEqual('Failed to acknowledge 1 of 2 events.', str(e))
        self.assertEqual([('POST', '/v1/events/e1/ack'),
                          ('POST', '/v1/events/e2/ack')],
                         [(c.method, c.path) for c in self.session.calls])
        self.assertIn('Failed to acknowledge e2: Forbidden (HTTP 403',
                      log.output)

    def test_ack_one(self):
        self.answer(event(acknowledged=True))
        cmd, parsed = self.parse(events.AckEvent, ['e1'])
        self.assertIsNone(cmd.take_action(parsed))
        self.assertEqual('POST', self.last().method)
