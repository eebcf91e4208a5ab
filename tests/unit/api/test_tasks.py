"""/v1/tasks: filters, project scope, retry and cancel."""

from urllib import parse

from oslo_utils import uuidutils

from hastack.db import api as db_api
from tests.unit.api import base

STATES = ('pending', 'running', 'succeeded', 'failed', 'cancelled',
          'deferred')


def _relative(url):
    parts = parse.urlsplit(url)
    return '%s?%s' % (parts.path, parts.query)


class TaskTestCase(base.ApiTestCase):

    def setUp(self):
        super().setUp()
        self.vm_a = uuidutils.generate_uuid()
        self.vm_b = uuidutils.generate_uuid()
        self.failure = uuidutils.generate_uuid()
        self.fence = self.task('fence', 'compute-1', state='succeeded')
        self.evac_a = self.task('evacuate', 'compute-1', self.vm_a,
                                base.PROJECT_A, state='failed', priority=50)
        self.evac_b = self.task('evacuate', 'compute-1', self.vm_b,
                                base.PROJECT_B, state='pending',
                                priority=10)
        self.other_a = self.task('evacuate', 'compute-2',
                                 uuidutils.generate_uuid(), base.PROJECT_A,
                                 state='running')

    def task(self, ttype, host, instance=None, project=None, **values):
        values.update(type=ttype, host=host, instance_uuid=instance,
                      project_id=project, failure_uuid=self.failure)
        return db_api.task_create(self.context, values).uuid

    def uuids(self, query='', headers=base.ADMIN):
        resp = self.request('GET', '/v1/tasks?%s' % query, headers=headers,
                            status=200)
        return [t['uuid'] for t in resp.json['tasks']]

    def state(self, uuid):
        return db_api.task_get(self.context, uuid).state

    def event_count(self):
        return len(db_api.event_list(self.context))


class TestTaskList(TaskTestCase):

    def test_admin_sees_every_task(self):
        everything = [self.fence, self.evac_a, self.evac_b, self.other_a]
        self.assertEqual(everything, self.uuids())
        self.assertEqual(everything, self.uuids(headers=base.SERVICE))

    def test_filters(self):
        self.assertEqual([self.other_a], self.uuids('host=compute-2'))
        self.assertEqual([self.evac_b],
                         self.uuids('instance_uuid=%s' % self.vm_b))
        self.assertEqual([self.evac_a], self.uuids('state=failed'))
        self.assertEqual([self.fence], self.uuids('type=fence'))
        self.assertEqual([self.evac_a, self.evac_b],
                         self.uuids('type=evacuate&host=compute-1'))
        self.assertEqual([], self.uuids('state=deferred'))
        self.assertEqual([self.evac_b],
                         self.uuids('project_id=%s' % base.PROJECT_B))

    def test_project_readers_see_their_projects_tasks(self):
        for who in (base.READER, base.MEMBER):
            self.assertEqual([self.evac_a, self.other_a],
                             self.uuids(headers=who))
            self.assertEqual([], self.uuids('instance_uuid=%s' % self.vm_b,
                                            headers=who))
            self.assertEqual([], self.uuids('project_id=%s'
                                            % base.PROJECT_B, headers=who))
        self.assertEqual([self.evac_b],
                         self.uuids(headers=base.OTHER_READER))

    def test_nobody_is_forbidden(self):
        resp = self.request('GET', '/v1/tasks', headers=base.NOBODY)
        self.assertError(resp, 403, 'hastack.forbidden')

    def test_bad_query(self):
        for query in ('state=stuck', 'type=reboot', 'instance_uuid=vm-1',
                      'host=bad%20host', 'failure_uuid=x', 'owner=me',
                      'limit=0', 'sort_key=host', 'sort_dir=upward'):
            resp = self.request('GET', '/v1/tasks?%s' % query)
            self.assertError(resp, 400, 'hastack.invalid.schema')

    def test_pages_follow_next(self):
        first = self.request('GET', '/v1/tasks?limit=3', status=200).json
        self.assertEqual([self.fence, self.evac_a, self.evac_b],
                         [t['uuid'] for t in first['tasks']])
        second = self.request('GET', _relative(first['next']),
                              status=200).json
        self.assertEqual([self.other_a],
                         [t['uuid'] for t in second['tasks']])
        self.assertNotIn('next', second)

    def test_sort_by_priority_pages(self):
        first = self.request(
            'GET', '/v1/tasks?sort_key=priority&sort_dir=desc&limit=1',
            status=200).json
        second = self.request('GET', _relative(first['next']),
                              status=200).json
        self.assertEqual([self.evac_a], [t['uuid'] for t in first['tasks']])
        self.assertEqual([self.evac_b], [t['uuid'] for t in second['tasks']])
        self.assertIn('sort_key=priority', first['next'])

    def test_reader_pages_stay_in_the_project(self):
        first = self.request('GET', '/v1/tasks?limit=1',
                             headers=base.READER, status=200).json
        second = self.request('GET', _relative(first['next']),
                              headers=base.READER, status=200).json
        self.assertEqual([self.evac_a], [t['uuid'] for t in first['tasks']])
        self.assertEqual([self.other_a],
                         [t['uuid'] for t in second['tasks']])

    def test_limit_capped_by_max_limit(self):
        self.flags(group='api', max_limit=2)
        body = self.request('GET', '/v1/tasks?limit=3', status=200).json
        self.assertEqual([self.fence, self.evac_a],
                         [t['uuid'] for t in body['tasks']])
        self.assertIn('limit=2', body['next'])

    def test_unknown_marker(self):
        resp = self.request('GET', '/v1/tasks?marker=%s'
                            % uuidutils.generate_uuid())
        self.assertError(resp, 400, 'hastack.invalid.marker')
        resp = self.request('GET', '/v1/tasks?marker=%s' % self.evac_b,
                            headers=base.READER)
        self.assertError(resp, 400, 'hastack.invalid.marker')


class TestTaskShow(TaskTestCase):

    def test_show(self):
        doc = self.request('GET', '/v1/tasks/%s' % self.evac_a,
                           status=200).json
        self.assertEqual(
            {'uuid': self.evac_a, 'type': 'evacuate', 'state': 'failed',
             'host': 'compute-1', 'instance_uuid': self.vm_a,
             'project_id': base.PROJECT_A, 'failure_uuid': self.failure,
             'priority': 50, 'attempts': 0},
            {k: doc[k] for k in ('uuid', 'type', 'state', 'host',
                                 'instance_uuid', 'project_id',
                                 'failure_uuid', 'priority', 'attempts')})

    def test_project_reader_sees_its_own_only(self):
        self.request('GET', '/v1/tasks/%s' % self.evac_a,
                     headers=base.READER, status=200)
        for uuid in (self.evac_b, self.fence):
            resp = self.request('GET', '/v1/tasks/%s' % uuid,
                                headers=base.READER)
            self.assertError(resp, 404, 'hastack.task.not_found')

    def test_nobody_is_forbidden(self):
        resp = self.request('GET', '/v1/tasks/%s' % self.evac_a,
                            headers=base.NOBODY)
        self.assertError(resp, 403, 'hastack.forbidden')

    def test_unknown_task(self):
        resp = self.request('GET', '/v1/tasks/%s'
                            % uuidutils.generate_uuid())
        self.assertError(resp, 404, 'hastack.task.not_found')


class TestTaskRetryCancel(TaskTestCase):

    def setUp(self):
        super().setUp()
        self.by_state = {s: self.task('evacuate', 'compute-3',
                                      uuidutils.generate_uuid(),
                                      base.PROJECT_A, state=s)
                         for s in STATES}

    def action(self, uuid, action, headers=base.ADMIN):
        return self.request('POST', '/v1/tasks/%s/%s' % (uuid, action),
                            headers=headers)

    def test_retry_failed_task(self):
        resp = self.action(self.by_state['failed'], 'retry')
        self.assertEqual(200, resp.status_int, resp.text)
        self.assertEqual('pending', resp.json['state'])
        self.assertEqual(0, resp.json['attempts'])
        self.assertIsNone(resp.json['finished_at'])
        self.assertEqual('pending', self.state(self.by_state['failed']))
        event = db_api.event_list(self.context)[0]
        self.assertEqual('task.retry', event.type)
        self.assertEqual(base.PROJECT_A, event.project_id)

    def test_retry_only_failed(self):
        events = self.event_count()
        for state in set(STATES) - {'failed'}:
            resp = self.action(self.by_state[state], 'retry')
            self.assertError(resp, 409, 'hastack.task.state_conflict')
            self.assertEqual(state, self.state(self.by_state[state]))
        self.assertEqual(events, self.event_count())

    def test_cancel_pending_and_deferred(self):
        for state in ('pending', 'deferred'):
            resp = self.action(self.by_state[state], 'cancel')
            self.assertEqual(200, resp.status_int, resp.text)
            self.assertEqual('cancelled', resp.json['state'])
            self.assertIsNotNone(resp.json['finished_at'])
            self.assertEqual('cancelled', self.state(self.by_state[state]))
            self.assertEqual('task.cancel',
                             db_api.event_list(self.context)[0].type)

    def test_cancel_only_pending_or_deferred(self):
        events = self.event_count()
        for state in ('running', 'succeeded', 'failed', 'cancelled'):
            resp = self.action(self.by_state[state], 'cancel')
            self.assertError(resp, 409, 'hastack.task.state_conflict')
            self.assertEqual(state, self.state(self.by_state[state]))
        self.assertEqual(events, self.event_count())

    def test_unknown_task(self):
        for action in ('retry', 'cancel'):
            resp = self.action(uuidutils.generate_uuid(), action)
            self.assertError(resp, 404, 'hastack.task.not_found')
        self.assertEqual(0, self.event_count())

    def test_admin_only(self):
        events = self.event_count()
        for who in (base.SERVICE, base.MEMBER, base.READER,
                    base.OTHER_MEMBER, base.OTHER_READER, base.NOBODY):
            self.assertError(self.action(self.by_state['failed'], 'retry',
                                         headers=who),
                             403, 'hastack.forbidden')
            self.assertError(self.action(self.by_state['pending'], 'cancel',
                                         headers=who),
                             403, 'hastack.forbidden')
        self.assertEqual('failed', self.state(self.by_state['failed']))
        self.assertEqual('pending', self.state(self.by_state['pending']))
        self.assertEqual(events, self.event_count())

    def test_actions_are_post_only(self):
        resp = self.request('GET', '/v1/tasks/%s/retry'
                            % self.by_state['failed'])
        self.assertError(resp, 405, 'hastack.method_not_allowed')
        self.assertEqual('failed', self.state(self.by_state['failed']))
