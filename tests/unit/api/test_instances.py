"""/v1/instances: project scoped reads and changes, priority range."""

from urllib import parse

from oslo_utils import uuidutils

from hastack.db import api as db_api
from tests.unit.api import base


def _relative(url):
    parts = parse.urlsplit(url)
    return '%s?%s' % (parts.path, parts.query)


class InstanceTestCase(base.ApiTestCase):

    def setUp(self):
        super().setUp()
        self.a1 = self.instance(base.PROJECT_A, 'a1', host='compute-1',
                                ha_enabled=True, status='ACTIVE')
        self.a2 = self.instance(base.PROJECT_A, 'a2', host='compute-2',
                                status='SHUTOFF', priority=10)
        self.b1 = self.instance(base.PROJECT_B, 'b1', host='compute-1',
                                ha_enabled=True, status='ACTIVE',
                                priority=5)

    def instance(self, project, name, **values):
        values.update(uuid=uuidutils.generate_uuid(), name=name,
                      project_id=project)
        return db_api.instance_create(self.context, values).uuid

    def names(self, query='', headers=base.ADMIN):
        resp = self.request('GET', '/v1/instances?%s' % query,
                            headers=headers, status=200)
        return [i['name'] for i in resp.json['instances']]

    def stored(self, uuid):
        row = db_api.instance_get(self.context, uuid)
        return row.ha_enabled, row.priority

    def event_count(self):
        return len(db_api.event_list(self.context))


class TestInstanceList(InstanceTestCase):

    def test_admin_sees_every_project(self):
        self.assertEqual(['a1', 'a2', 'b1'], self.names())
        self.assertEqual(['a1', 'a2', 'b1'], self.names(headers=base.SERVICE))

    def test_admin_filters(self):
        self.assertEqual(['b1'], self.names('project_id=%s' % base.PROJECT_B))
        self.assertEqual(['a1', 'b1'], self.names('host=compute-1'))
        self.assertEqual(['a1', 'b1'], self.names('ha_enabled=true'))
        self.assertEqual(['a2'], self.names('ha_enabled=false'))
        self.assertEqual(['a2'], self.names('status=SHUTOFF'))
        self.assertEqual(['b1'], self.names('host=compute-1&project_id=%s'
                                            % base.PROJECT_B))

    def test_project_sees_only_its_instances(self):
        for who in (base.MEMBER, base.READER):
            self.assertEqual(['a1', 'a2'], self.names(headers=who))
            self.assertEqual([], self.names('project_id=%s' % base.PROJECT_B,
                                            headers=who))
            self.assertEqual(['a1'], self.names('host=compute-1',
                                                headers=who))
        for who in (base.OTHER_MEMBER, base.OTHER_READER):
            self.assertEqual(['b1'], self.names(headers=who))

    def test_nobody_is_forbidden(self):
        self.assertError(self.request('GET', '/v1/instances',
                                      headers=base.NOBODY),
                         403, 'hastack.forbidden')

    def test_bad_query(self):
        for query in ('ha_enabled=perhaps', 'host=bad%20host', 'flavor=x',
                      'priority=5', 'limit=-1', 'limit=1.5',
                      'sort_key=name', 'sort_dir=sideways',
                      'project_id=', 'status=%s' % ('S' * 33)):
            resp = self.request('GET', '/v1/instances?%s' % query)
            self.assertError(resp, 400, 'hastack.invalid.schema')

    def test_pages_follow_next(self):
        self.instance(base.PROJECT_A, 'a3')
        first = self.request('GET', '/v1/instances?limit=2',
                             status=200).json
        self.assertEqual(['a1', 'a2'],
                         [i['name'] for i in first['instances']])
        self.assertEqual(first['instances'][-1]['uuid'], parse.parse_qs(
            parse.urlsplit(first['next']).query)['marker'][0])
        second = self.request('GET', _relative(first['next']),
                              status=200).json
        self.assertEqual(['b1', 'a3'],
                         [i['name'] for i in second['instances']])
        third = self.request('GET', _relative(second['next']),
                             status=200).json
        self.assertEqual([], third['instances'])
        self.assertNotIn('next', third)

    def test_sort_by_priority(self):
        self.assertEqual(['a2', 'b1', 'a1'],
                         self.names('sort_key=priority&sort_dir=desc'))
        first = self.request(
            'GET', '/v1/instances?sort_key=priority&limit=1',
            status=200).json
        second = self.request('GET', _relative(first['next']),
                              status=200).json
        self.assertEqual(['a1'], [i['name'] for i in first['instances']])
        self.assertEqual(['b1'], [i['name'] for i in second['instances']])

    def test_project_pages_stay_in_the_project(self):
        first = self.request('GET', '/v1/instances?limit=1',
                             headers=base.MEMBER, status=200).json
        second = self.request('GET', _relative(first['next']),
                              headers=base.MEMBER, status=200).json
        self.assertEqual(['a1'], [i['name'] for i in first['instances']])
        self.assertEqual(['a2'], [i['name'] for i in second['instances']])

    def test_limit_capped_by_max_limit(self):
        self.flags(group='api', max_limit=2)
        body = self.request('GET', '/v1/instances?limit=50',
                            status=200).json
        self.assertEqual(['a1', 'a2'], [i['name'] for i in body['instances']])
        self.assertIn('limit=2', body['next'])

    def test_unknown_marker(self):
        resp = self.request('GET', '/v1/instances?marker=%s'
                            % uuidutils.generate_uuid())
        self.assertError(resp, 400, 'hastack.invalid.marker')

    def test_other_projects_instance_is_no_marker(self):
        resp = self.request('GET', '/v1/instances?marker=%s' % self.b1,
                            headers=base.MEMBER)
        self.assertError(resp, 400, 'hastack.invalid.marker')


class TestInstanceShow(InstanceTestCase):

    def test_show(self):
        doc = self.request('GET', '/v1/instances/%s' % self.a1,
                           status=200).json
        self.assertEqual({'uuid': self.a1, 'name': 'a1',
                          'project_id': base.PROJECT_A, 'host': 'compute-1',
                          'status': 'ACTIVE', 'ha_enabled': True,
                          'priority': 0},
                         {k: doc[k] for k in ('uuid', 'name', 'project_id',
                                              'host', 'status', 'ha_enabled',
                                              'priority')})
        self.assertTrue(doc['created_at'].endswith('+00:00'))

    def test_project_readers_see_their_own(self):
        for who in (base.MEMBER, base.READER, base.SERVICE):
            self.request('GET', '/v1/instances/%s' % self.a1, headers=who,
                         status=200)

    def test_other_projects_instance_is_not_found(self):
        for who in (base.OTHER_MEMBER, base.OTHER_READER):
            resp = self.request('GET', '/v1/instances/%s' % self.a1,
                                headers=who)
            self.assertError(resp, 404, 'hastack.instance.not_found')

    def test_nobody_is_forbidden(self):
        resp = self.request('GET', '/v1/instances/%s' % self.a1,
                            headers=base.NOBODY)
        self.assertError(resp, 403, 'hastack.forbidden')

    def test_unknown_instance(self):
        resp = self.request('GET', '/v1/instances/%s'
                            % uuidutils.generate_uuid())
        self.assertError(resp, 404, 'hastack.instance.not_found')


class TestInstanceUpdate(InstanceTestCase):

    def patch(self, uuid, body, headers=base.ADMIN):
        return self.request('PATCH', '/v1/instances/%s' % uuid, body=body,
                            headers=headers)

    def test_member_changes_its_instance(self):
        resp = self.patch(self.a2, {'ha_enabled': True, 'priority': 700},
                          headers=base.MEMBER)
        self.assertEqual(200, resp.status_int, resp.text)
        self.assertTrue(resp.json['ha_enabled'])
        self.assertEqual(700, resp.json['priority'])
        self.assertEqual((True, 700), self.stored(self.a2))
        event = db_api.event_list(self.context)[0]
        self.assertEqual('instance.updated', event.type)
        self.assertEqual(self.a2, event.instance_uuid)
        self.assertEqual(base.PROJECT_A, event.project_id)
        self.assertIn(base.MEMBER['X-User-Id'], event.message)

    def test_admin_and_service_change_any_project(self):
        self.patch(self.b1, {'priority': 1}, headers=base.ADMIN)
        self.assertEqual((True, 1), self.stored(self.b1))
        self.patch(self.b1, {'ha_enabled': False}, headers=base.SERVICE)
        self.assertEqual((False, 1), self.stored(self.b1))

    def test_other_projects_instance_is_not_found(self):
        for who in (base.MEMBER, base.READER):
            resp = self.patch(self.b1, {'priority': 999}, headers=who)
            self.assertError(resp, 404, 'hastack.instance.not_found')
        self.assertEqual((True, 5), self.stored(self.b1))

    def test_reader_and_nobody_are_forbidden(self):
        events = self.event_count()
        for who in (base.READER, base.NOBODY):
            resp = self.patch(self.a1, {'ha_enabled': False}, headers=who)
            self.assertError(resp, 403, 'hastack.forbidden')
        self.assertEqual((True, 0), self.stored(self.a1))
        self.assertEqual(events, self.event_count())

    def test_priority_range(self):
        for priority in (0, 1000, 500):
            resp = self.patch(self.a1, {'priority': priority})
            self.assertEqual(200, resp.status_int, resp.text)
            self.assertEqual(priority, resp.json['priority'])
        for priority in (-1, 1001, 10 ** 6):
            resp = self.patch(self.a1, {'priority': priority})
            self.assertError(resp, 400, 'hastack.invalid.schema')
        self.assertEqual((True, 500), self.stored(self.a1))

    def test_bad_input_changes_nothing(self):
        events = self.event_count()
        for body in ('{"priority": 5', '', '"ha"', '[]', {},
                     {'priority': 'high'}, {'priority': 1.5},
                     {'priority': None}, {'priority': True},
                     {'ha_enabled': 'yes'}, {'ha_enabled': 0},
                     {'host': 'compute-9'},
                     {'priority': 5, 'project_id': base.PROJECT_B}):
            resp = self.patch(self.a1, body)
            self.assertError(resp, 400, 'hastack.invalid.schema')
        self.assertEqual((True, 0), self.stored(self.a1))
        self.assertEqual(base.PROJECT_A,
                         db_api.instance_get(self.context,
                                             self.a1).project_id)
        self.assertEqual(events, self.event_count())

    def test_unknown_instance(self):
        resp = self.patch(uuidutils.generate_uuid(), {'priority': 1})
        self.assertError(resp, 404, 'hastack.instance.not_found')
        self.assertEqual(0, self.event_count())

    def test_collection_takes_no_post(self):
        resp = self.request('POST', '/v1/instances', body={'name': 'x'})
        self.assertError(resp, 405, 'hastack.method_not_allowed')
        self.assertEqual(3, len(db_api.instance_list(self.context)))
