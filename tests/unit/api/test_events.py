"""/v1/events: filters, newest first, acknowledgement, project scope."""

import datetime
from urllib import parse

from oslo_utils import fixture as utils_fixture
from oslo_utils import uuidutils
import sqlalchemy as sa

from hastack.db import api as db_api
from hastack.db import models
from tests.unit.api import base


def _relative(url):
    parts = parse.urlsplit(url)
    return '%s?%s' % (parts.path, parts.query)


class EventTestCase(base.ApiTestCase):

    def setUp(self):
        super().setUp()
        # One event a day from 2025-01-01, oldest first.
        self.host_down = self.event('host.suspect', 'warning',
                                    host='compute-1')
        self.vm_a = self.event('instance.evacuated', 'info',
                               host='compute-1',
                               project_id=base.PROJECT_A)
        self.vm_b = self.event('instance.evacuated', 'error',
                               host='compute-2',
                               project_id=base.PROJECT_B)
        self.vm_a2 = self.event('task.failed', 'critical', host='compute-2',
                                project_id=base.PROJECT_A)

    def event(self, etype, severity, **values):
        event = db_api.event_create(self.context, etype, 'something',
                                    severity=severity, **values)
        with db_api.context_manager.writer.using(self.context) as session:
            count = session.scalar(sa.select(sa.func.count(models.Event.id)))
            session.get(models.Event, event.id).created_at = (
                datetime.datetime(2025, 1, count))
        return event.uuid

    def uuids(self, query='', headers=base.ADMIN):
        resp = self.request('GET', '/v1/events?%s' % query, headers=headers,
                            status=200)
        return [e['uuid'] for e in resp.json['events']]

    def acknowledged(self, uuid):
        return db_api.event_get(self.context, uuid).acknowledged


class TestEventList(EventTestCase):

    def test_newest_first(self):
        newest_first = [self.vm_a2, self.vm_b, self.vm_a, self.host_down]
        self.assertEqual(newest_first, self.uuids())
        self.assertEqual(newest_first, self.uuids(headers=base.SERVICE))
        self.assertEqual(newest_first[::-1], self.uuids('sort_dir=asc'))

    def test_filters(self):
        self.assertEqual([self.vm_b], self.uuids('severity=error'))
        self.assertEqual([self.vm_b, self.vm_a],
                         self.uuids('type=instance.evacuated'))
        self.assertEqual([self.vm_a, self.host_down],
                         self.uuids('host=compute-1'))
        self.assertEqual([self.vm_a2, self.vm_a],
                         self.uuids('project_id=%s' % base.PROJECT_A))
        self.assertEqual([], self.uuids('acknowledged=true'))
        db_api.event_ack(self.context, self.vm_b)
        self.assertEqual([self.vm_b], self.uuids('acknowledged=true'))
        self.assertEqual([self.vm_a2, self.vm_a, self.host_down],
                         self.uuids('acknowledged=false'))

    def test_since(self):
        for since in ('2025-01-03T00:00:00Z', '2025-01-03T00:00:00',
                      '2025-01-03T02:00:00%2B02:00',
                      '2025-01-02T19:00:00-05:00'):
            self.assertEqual([self.vm_a2, self.vm_b],
                             self.uuids('since=%s' % since), since)
        self.assertEqual([self.vm_a2],
                         self.uuids('since=2025-01-03T00:00:01Z'))
        self.assertEqual([], self.uuids('since=2030-01-01T00:00:00Z'))
        self.assertEqual([self.vm_b],
                         self.uuids('since=2025-01-02T12:00:00Z'
                                    '&severity=error'))

    def test_bad_query(self):
        for query in ('severity=fatal', 'acknowledged=perhaps',
                      'since=yesterday', 'since=2025-13-01T00:00:00Z',
                      'instance_uuid=vm', 'host=bad%20host', 'type=',
                      'message=x', 'limit=-1', 'sort_key=type',
                      'sort_dir=newest'):
            resp = self.request('GET', '/v1/events?%s' % query)
            self.assertError(resp, 400, 'hastack.invalid.schema')

    def test_since_out_of_range_is_a_bad_request(self):
        for since in ('9999-12-31T23:59:59-05:00',
                      '0001-01-01T00:00:00%2B01:00'):
            resp = self.request('GET', '/v1/events?since=%s' % since)
            self.assertError(resp, 400, 'hastack.invalid.schema')

    def test_pages_follow_next(self):
        first = self.request('GET', '/v1/events?limit=3', status=200).json
        self.assertEqual([self.vm_a2, self.vm_b, self.vm_a],
                         [e['uuid'] for e in first['events']])
        second = self.request('GET', _relative(first['next']),
                              status=200).json
        self.assertEqual([self.host_down],
                         [e['uuid'] for e in second['events']])
        self.assertNotIn('next', second)

    def test_next_keeps_since_and_sort(self):
        first = self.request(
            'GET', '/v1/events?since=2025-01-02T00:00:00Z&sort_dir=asc'
            '&limit=2', status=200).json
        self.assertEqual([self.vm_a, self.vm_b],
                         [e['uuid'] for e in first['events']])
        self.assertIn('since=2025-01-02T00', first['next'])
        second = self.request('GET', _relative(first['next']),
                              status=200).json
        self.assertEqual([self.vm_a2], [e['uuid'] for e in second['events']])
        self.assertNotIn('next', second)

    def test_sort_by_severity_follows_rank(self):
        # info < warning < error < critical, as states.SEVERITIES ranks
        # them; not the alphabetical order of their names.
        self.assertEqual([self.vm_a2, self.vm_b, self.host_down, self.vm_a],
                         self.uuids('sort_key=severity&sort_dir=desc'))
        self.assertEqual([self.vm_a, self.host_down, self.vm_b, self.vm_a2],
                         self.uuids('sort_key=severity&sort_dir=asc'))

    def test_limit_capped_by_max_limit(self):
        self.flags(group='api', max_limit=2)
        body = self.request('GET', '/v1/events?limit=4', status=200).json
        self.assertEqual([self.vm_a2, self.vm_b],
                         [e['uuid'] for e in body['events']])
        self.assertIn('limit=2', body['next'])

    def test_unknown_marker(self):
        resp = self.request('GET', '/v1/events?marker=%s'
                            % uuidutils.generate_uuid())
        self.assertError(resp, 400, 'hastack.invalid.marker')


class TestEventProjects(EventTestCase):

    def test_readers_list_their_projects_events(self):
        for who in (base.READER, base.MEMBER):
            self.assertEqual([self.vm_a2, self.vm_a],
                             self.uuids(headers=who))
            self.assertEqual([], self.uuids('project_id=%s'
                                            % base.PROJECT_B, headers=who))
            self.assertEqual([self.vm_a], self.uuids('host=compute-1',
                                                     headers=who))
        self.assertEqual([self.vm_b], self.uuids(headers=base.OTHER_READER))

    def test_readers_show_their_projects_events(self):
        self.request('GET', '/v1/events/%s' % self.vm_a,
                     headers=base.READER, status=200)
        for uuid in (self.vm_b, self.host_down):
            resp = self.request('GET', '/v1/events/%s' % uuid,
                                headers=base.READER)
            self.assertError(resp, 404, 'hastack.event.not_found')

    def test_reader_marker_stays_in_the_project(self):
        resp = self.request('GET', '/v1/events?marker=%s' % self.vm_b,
                            headers=base.READER)
        self.assertError(resp, 400, 'hastack.invalid.marker')

    def test_nobody_is_forbidden(self):
        self.assertError(self.request('GET', '/v1/events',
                                      headers=base.NOBODY),
                         403, 'hastack.forbidden')
        self.assertError(self.request('GET', '/v1/events/%s' % self.vm_a,
                                      headers=base.NOBODY),
                         403, 'hastack.forbidden')


class TestEventShowAndAck(EventTestCase):

    def test_show(self):
        doc = self.request('GET', '/v1/events/%s' % self.vm_b,
                           status=200).json
        self.assertEqual(
            {'uuid': self.vm_b, 'type': 'instance.evacuated',
             'severity': 'error', 'host': 'compute-2',
             'project_id': base.PROJECT_B, 'message': 'something',
             'acknowledged': False, 'acknowledged_by': None,
             'acknowledged_at': None,
             'created_at': '2025-01-03T00:00:00+00:00'},
            {k: doc[k] for k in ('uuid', 'type', 'severity', 'host',
                                 'project_id', 'message', 'acknowledged',
                                 'acknowledged_by', 'acknowledged_at',
                                 'created_at')})

    def test_unknown_event(self):
        uuid = uuidutils.generate_uuid()
        self.assertError(self.request('GET', '/v1/events/%s' % uuid),
                         404, 'hastack.event.not_found')
        self.assertError(self.request('POST', '/v1/events/%s/ack' % uuid),
                         404, 'hastack.event.not_found')

    def test_ack_once(self):
        self.useFixture(utils_fixture.TimeFixture(
            datetime.datetime(2025, 2, 1, 8, 0, 0)))
        doc = self.request('POST', '/v1/events/%s/ack' % self.host_down,
                           status=200).json
        self.assertTrue(doc['acknowledged'])
        self.assertEqual(base.ADMIN['X-User-Id'], doc['acknowledged_by'])
        self.assertEqual('2025-02-01T08:00:00+00:00', doc['acknowledged_at'])
        self.assertEqual(doc, self.request(
            'GET', '/v1/events/%s' % self.host_down, status=200).json)

        other_admin = base.persona('admin', user='ops-2')
        resp = self.request('POST', '/v1/events/%s/ack' % self.host_down,
                            headers=other_admin)
        self.assertError(resp, 409, 'hastack.event.already_acknowledged')
        self.assertEqual(base.ADMIN['X-User-Id'], db_api.event_get(
            self.context, self.host_down).acknowledged_by)

    def test_ack_admin_only(self):
        for who in (base.SERVICE, base.MEMBER, base.READER,
                    base.OTHER_MEMBER, base.OTHER_READER, base.NOBODY):
            resp = self.request('POST', '/v1/events/%s/ack' % self.vm_a,
                                headers=who)
            self.assertError(resp, 403, 'hastack.forbidden')
        self.assertFalse(self.acknowledged(self.vm_a))

    def test_ack_is_post_only(self):
        resp = self.request('PUT', '/v1/events/%s/ack' % self.vm_a, body={})
        self.assertError(resp, 405, 'hastack.method_not_allowed')
        self.assertFalse(self.acknowledged(self.vm_a))
