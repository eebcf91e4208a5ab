"""/v1/hosts and /v1/hosts/{host}/decision through the whole API stack."""

import datetime
from urllib import parse

from oslo_utils import timeutils
from oslo_utils import uuidutils
import sqlalchemy as sa
import testscenarios

from hastack.db import api as db_api
from hastack.db import models
from tests.unit.api import base

UTC = datetime.UTC
GATES = ['ha_maintenance', 'self_defense', 'core_components',
         'host_ha_enabled', 'host_maintenance', 'fencing_grant']
NOT_ADMIN = (base.MEMBER, base.READER, base.OTHER_MEMBER, base.OTHER_READER,
             base.NOBODY)


def _now():
    return timeutils.utcnow().replace(tzinfo=None)


def _relative(url):
    parts = parse.urlsplit(url)
    return '%s?%s' % (parts.path, parts.query)


class HostTestCase(base.ApiTestCase):
    """Seeding helpers for host tests."""

    def host(self, name, **columns):
        """A host row, with the monitor's columns set as given."""
        host = db_api.host_create(self.context, {'name': name})
        if columns:
            with db_api.context_manager.writer.using(
                    self.context) as session:
                row = session.get(models.Host, host.id)
                for key, value in columns.items():
                    setattr(row, key, value)
        return db_api.host_get(self.context, host.uuid)

    def suspect(self, name, mgmt, service, storage, seconds=3600):
        """A host suspect for ``seconds`` with the given plane vector."""
        return self.host(name, state='suspect',
                         state_since=_now() - datetime.timedelta(
                             seconds=seconds),
                         mgmt_status=mgmt, service_status=service,
                         storage_status=storage)

    def event_count(self):
        return len(db_api.event_list(self.context))

    def host_names(self):
        return sorted(h.name for h in db_api.host_list(self.context))


class TestHostCreate(HostTestCase):

    def test_create_answers_201_with_location(self):
        resp = self.request('POST', '/v1/hosts', body={'name': 'compute-1'},
                            status=201)
        host = resp.json
        self.assertTrue(uuidutils.is_uuid_like(host['uuid']))
        self.assertEqual('http://localhost/v1/hosts/%s' % host['uuid'],
                         resp.headers['Location'])
        self.assertEqual('compute-1', host['name'])
        self.assertEqual('active', host['state'])
        self.assertTrue(host['ha_enabled'])
        self.assertFalse(host['maintenance'])
        self.assertEqual({'mgmt', 'service', 'storage'},
                         set(host['planes']))
        for plane in host['planes'].values():
            self.assertEqual({'status': 'unknown', 'last_seen': None},
                             plane)
        self.assertEqual(['host.created'],
                         [e.type for e in db_api.event_list(self.context)])

    def test_create_in_maintenance(self):
        host = self.request('POST', '/v1/hosts', status=201, body={
            'name': 'compute-1', 'maintenance': True,
            'maintenance_reason': 'new RAM', 'ha_enabled': False}).json
        self.assertEqual('maintenance', host['state'])
        self.assertTrue(host['maintenance'])
        self.assertEqual('new RAM', host['maintenance_reason'])
        self.assertFalse(host['ha_enabled'])

    def test_create_existing_name_conflicts(self):
        self.host('compute-1')
        events = self.event_count()
        resp = self.request('POST', '/v1/hosts', body={'name': 'compute-1'})
        self.assertError(resp, 409, 'hastack.host.exists')
        self.assertEqual(['compute-1'], self.host_names())
        self.assertEqual(events, self.event_count())

    def test_create_bad_input_changes_nothing(self):
        bodies = [
            '{"name": ',                        # malformed JSON
            '',                                 # empty body
            '["compute-1"]',                    # not an object
            {},                                 # name missing
            {'name': 'compute-1', 'rack': 4},   # unknown field
            {'name': 5},                        # wrong type
            {'name': ''},                       # too short
            {'name': 'x' * 256},                # too long
            {'name': 'bad name!'},              # not a host name
            {'name': 'compute-1', 'ha_enabled': 'yes'},
            {'name': 'compute-1', 'maintenance': 1},
            {'name': 'compute-1', 'maintenance_reason': 'r' * 256},
        ]
        for body in bodies:
            resp = self.request('POST', '/v1/hosts', body=body)
            self.assertError(resp, 400, 'hastack.invalid.schema')
        self.assertEqual([], self.host_names())
        self.assertEqual(0, self.event_count())


    def test_name_with_trailing_newline_is_refused(self):
        # Python's "$" also matches before a final newline, so the name
        # pattern alone lets "compute-1\n" through.
        resp = self.request('POST', '/v1/hosts', body={'name': 'compute-1\n'})
        self.assertError(resp, 400, 'hastack.invalid.schema')
        self.assertEqual([], self.host_names())

    def test_uuid_like_name_is_refused(self):
        # A host is shown by name or uuid; one named like a uuid could
        # never be found by its name.
        name = uuidutils.generate_uuid()
        resp = self.request('POST', '/v1/hosts', body={'name': name})
        self.assertError(resp, 400)
        self.assertEqual([], self.host_names())

    def test_deeply_nested_json_is_a_bad_request(self):
        resp = self.request('POST', '/v1/hosts', body='[' * 100000)
        self.assertError(resp, 400, 'hastack.invalid.schema')
        self.assertEqual([], self.host_names())

    def test_public_endpoint_in_location(self):
        self.flags(group='api', public_endpoint='https://ha.example.com/')
        resp = self.request('POST', '/v1/hosts', body={'name': 'compute-1'},
                            status=201)
        self.assertEqual('https://ha.example.com/v1/hosts/%s'
                         % resp.json['uuid'], resp.headers['Location'])


class TestHostShow(HostTestCase):

    def test_show_by_name_and_by_uuid(self):
        host = self.host('compute-1', mgmt_status='up',
                         mgmt_last_seen=datetime.datetime(2025, 1, 2, 3, 4))
        by_name = self.request('GET', '/v1/hosts/compute-1', status=200)
        by_uuid = self.request('GET', '/v1/hosts/%s' % host.uuid,
                               status=200)
        self.assertEqual(by_name.json, by_uuid.json)
        self.assertEqual(host.uuid, by_name.json['uuid'])
        self.assertEqual({'status': 'up',
                          'last_seen': '2025-01-02T03:04:00+00:00'},
                         by_name.json['planes']['mgmt'])

    def test_show_unknown_host(self):
        for ident in ('compute-9', uuidutils.generate_uuid()):
            resp = self.request('GET', '/v1/hosts/%s' % ident)
            self.assertError(resp, 404, 'hastack.host.not_found')


class TestHostList(HostTestCase):

    def setUp(self):
        super().setUp()
        self.host('c1', state='active', mgmt_status='up',
                  service_status='up', storage_status='up')
        self.host('c2', state='suspect', mgmt_status='down',
                  service_status='up', storage_status='up')
        self.host('c3', state='suspect', mgmt_status='down',
                  service_status='down', storage_status='up',
                  ha_enabled=False)
        self.host('c4', state='maintenance', maintenance=True,
                  storage_status='down')
        self.host('c5', state='failed', mgmt_status='down',
                  service_status='down', storage_status='down')

    def names(self, query):
        resp = self.request('GET', '/v1/hosts?%s' % query, status=200)
        return [h['name'] for h in resp.json['hosts']]

    def test_list_all_sorted_by_name(self):
        self.assertEqual(['c1', 'c2', 'c3', 'c4', 'c5'], self.names(''))

    def test_filters(self):
        self.assertEqual(['c2', 'c3'], self.names('state=suspect'))
        self.assertEqual(['c3'], self.names('ha_enabled=false'))
        self.assertEqual(['c1', 'c2', 'c4', 'c5'],
                         self.names('ha_enabled=true'))
        self.assertEqual(['c4'], self.names('maintenance=true'))
        self.assertEqual(['c2', 'c3', 'c5'], self.names('mgmt_status=down'))
        self.assertEqual(['c3', 'c5'], self.names('service_status=down'))
        self.assertEqual(['c4', 'c5'], self.names('storage_status=down'))
        self.assertEqual(['c4'], self.names('mgmt_status=unknown'))
        self.assertEqual(['c2'],
                         self.names('state=suspect&ha_enabled=true'))
        self.assertEqual([], self.names('state=recovering'))

    def test_bad_query(self):
        for query in ('state=broken', 'ha_enabled=perhaps',
                      'maintenance=2', 'mgmt_status=sideways',
                      'storage_status=', 'rack=4', 'limit=0', 'limit=ten',
                      'sort_key=uuid', 'sort_dir=up', 'limit=1&limit=2'):
            resp = self.request('GET', '/v1/hosts?%s' % query)
            self.assertError(resp, 400, 'hastack.invalid.schema')

    def test_pages_follow_next(self):
        first = self.request('GET', '/v1/hosts?limit=2', status=200).json
        self.assertEqual(['c1', 'c2'], [h['name'] for h in first['hosts']])
        self.assertTrue(first['next'].startswith(
            'http://localhost/v1/hosts?'))
        query = parse.parse_qs(parse.urlsplit(first['next']).query)
        self.assertEqual({'limit': ['2'],
                          'marker': [first['hosts'][-1]['uuid']]}, query)
        second = self.request('GET', _relative(first['next']),
                              status=200).json
        self.assertEqual(['c3', 'c4'], [h['name'] for h in second['hosts']])
        third = self.request('GET', _relative(second['next']),
                             status=200).json
        self.assertEqual(['c5'], [h['name'] for h in third['hosts']])
        self.assertNotIn('next', third)

    def test_next_under_a_path_prefix_names_it_once(self):
        # Served at /high-availability (devstack's uwsgi), the prefix is in
        # SCRIPT_NAME: the next link must carry it once, not twice.
        first = self.request(
            'GET', '/v1/hosts?limit=2', status=200,
            extra_environ={'SCRIPT_NAME': '/high-availability'}).json
        self.assertTrue(first['next'].startswith(
            'http://localhost/high-availability/v1/hosts?'), first['next'])

    def test_next_keeps_filters_and_sort(self):
        query = 'mgmt_status=down&sort_key=name&sort_dir=desc&limit=2'
        first = self.request('GET', '/v1/hosts?%s' % query, status=200).json
        self.assertEqual(['c5', 'c3'], [h['name'] for h in first['hosts']])
        second = self.request('GET', _relative(first['next']),
                              status=200).json
        self.assertEqual(['c2'], [h['name'] for h in second['hosts']])
        self.assertNotIn('next', second)

    def test_sort_by_state(self):
        self.assertEqual(['c1', 'c5', 'c4', 'c2', 'c3'],
                         self.names('sort_key=state'))

    def test_no_next_when_page_not_full(self):
        body = self.request('GET', '/v1/hosts?limit=6', status=200).json
        self.assertEqual(5, len(body['hosts']))
        self.assertNotIn('next', body)

    def test_limit_capped_by_max_limit(self):
        self.flags(group='api', max_limit=2)
        body = self.request('GET', '/v1/hosts?limit=100', status=200).json
        self.assertEqual(['c1', 'c2'], [h['name'] for h in body['hosts']])
        self.assertIn('limit=2', body['next'])
        body = self.request('GET', '/v1/hosts', status=200).json
        self.assertEqual(2, len(body['hosts']))

    def test_unknown_marker(self):
        for marker in (uuidutils.generate_uuid(), 'compute-9'):
            resp = self.request('GET', '/v1/hosts?marker=%s' % marker)
            self.assertError(resp, 400, 'hastack.invalid.marker')


class TestHostUpdate(HostTestCase):

    def setUp(self):
        super().setUp()
        self.uuid = self.host('compute-1').uuid

    def show(self):
        return self.request('GET', '/v1/hosts/compute-1', status=200).json

    def test_disable_ha(self):
        events = self.event_count()
        body = self.request('PATCH', '/v1/hosts/compute-1',
                            body={'ha_enabled': False}, status=200).json
        self.assertFalse(body['ha_enabled'])
        self.assertFalse(self.show()['ha_enabled'])
        self.assertEqual(events + 1, self.event_count())
        self.assertEqual('host.updated',
                         db_api.event_list(self.context)[0].type)

    def test_maintenance_with_reason_and_back(self):
        body = self.request('PATCH', '/v1/hosts/%s' % self.uuid, body={
            'maintenance': True, 'maintenance_reason': 'firmware'},
            status=200).json
        self.assertEqual('maintenance', body['state'])
        self.assertTrue(body['maintenance'])
        self.assertEqual('firmware', body['maintenance_reason'])
        self.assertEqual(body, self.show())
        self.assertIn('firmware', db_api.event_list(self.context)[0].message)

        body = self.request('PATCH', '/v1/hosts/compute-1',
                            body={'maintenance': False}, status=200).json
        self.assertEqual('active', body['state'])
        self.assertFalse(body['maintenance'])
        self.assertIsNone(body['maintenance_reason'])

    def test_bad_input_changes_nothing(self):
        before = self.show()
        events = self.event_count()
        for body in ('{"ha_enabled": fals', '', '[]', {},
                     {'ha_enabled': False, 'name': 'other'},
                     {'state': 'failed'},
                     {'ha_enabled': 'no'}, {'maintenance': None},
                     {'maintenance': True, 'maintenance_reason': 7},
                     {'maintenance': True,
                      'maintenance_reason': 'r' * 256}):
            resp = self.request('PATCH', '/v1/hosts/compute-1', body=body)
            self.assertError(resp, 400, 'hastack.invalid.schema')
        self.assertEqual(before, self.show())
        self.assertEqual(events, self.event_count())

    def test_unknown_host(self):
        for ident in ('compute-9', uuidutils.generate_uuid()):
            resp = self.request('PATCH', '/v1/hosts/%s' % ident,
                                body={'ha_enabled': False})
            self.assertError(resp, 404, 'hastack.host.not_found')


class TestHostDelete(HostTestCase):

    def setUp(self):
        super().setUp()
        self.host('compute-1')

    def task(self, state, itype='evacuate'):
        return db_api.task_create(self.context, {
            'type': itype, 'host': 'compute-1', 'state': state,
            'instance_uuid': uuidutils.generate_uuid(),
            'project_id': base.PROJECT_A})

    def test_delete(self):
        self.task('succeeded')
        self.task('failed')
        self.task('cancelled')
        resp = self.request('DELETE', '/v1/hosts/compute-1', status=204)
        self.assertEqual(b'', resp.body)
        self.assertError(self.request('GET', '/v1/hosts/compute-1'), 404,
                         'hastack.host.not_found')
        self.assertEqual('host.deleted',
                         db_api.event_list(self.context)[0].type)

    def test_delete_with_open_task_conflicts(self):
        for state in ('pending', 'running', 'deferred'):
            task = self.task(state)
            events = self.event_count()
            resp = self.request('DELETE', '/v1/hosts/compute-1')
            self.assertError(resp, 409, 'hastack.host.busy')
            self.assertEqual(['compute-1'], self.host_names())
            self.assertEqual(events, self.event_count())
            self.finish(task.uuid)
        self.request('DELETE', '/v1/hosts/compute-1', status=204)
        self.assertEqual([], self.host_names())

    def finish(self, uuid):
        with db_api.context_manager.writer.using(self.context) as session:
            session.execute(sa.update(models.Task).where(
                models.Task.uuid == uuid).values(state='succeeded'))

    def test_delete_unknown_host(self):
        for ident in ('compute-9', uuidutils.generate_uuid()):
            resp = self.request('DELETE', '/v1/hosts/%s' % ident)
            self.assertError(resp, 404, 'hastack.host.not_found')
        self.assertEqual(['compute-1'], self.host_names())


class TestHostPolicy(HostTestCase):
    """Hosts are infrastructure: admin, and the service for its agents."""

    def setUp(self):
        super().setUp()
        self.host('compute-1')

    def test_read_admin_and_service_only(self):
        for path in ('/v1/hosts', '/v1/hosts/compute-1',
                     '/v1/hosts/compute-1/decision'):
            for who in (base.ADMIN, base.SERVICE):
                self.request('GET', path, headers=who, status=200)
            for who in NOT_ADMIN:
                self.assertError(self.request('GET', path, headers=who),
                                 403, 'hastack.forbidden')

    def test_create_admin_and_service_only(self):
        for who in NOT_ADMIN:
            resp = self.request('POST', '/v1/hosts', headers=who,
                                body={'name': 'compute-2'})
            self.assertError(resp, 403, 'hastack.forbidden')
        self.assertEqual(['compute-1'], self.host_names())
        self.request('POST', '/v1/hosts', headers=base.SERVICE,
                     body={'name': 'compute-2'}, status=201)
        self.assertEqual(['compute-1', 'compute-2'], self.host_names())

    def test_update_admin_and_service_only(self):
        events = self.event_count()
        for who in NOT_ADMIN:
            resp = self.request('PATCH', '/v1/hosts/compute-1', headers=who,
                                body={'maintenance': True})
            self.assertError(resp, 403, 'hastack.forbidden')
        self.assertFalse(db_api.host_get(self.context,
                                         'compute-1').maintenance)
        self.assertEqual(events, self.event_count())
        body = self.request('PATCH', '/v1/hosts/compute-1',
                            headers=base.SERVICE, body={'maintenance': True},
                            status=200).json
        self.assertTrue(body['maintenance'])

    def test_delete_admin_only(self):
        for who in NOT_ADMIN + (base.SERVICE,):
            resp = self.request('DELETE', '/v1/hosts/compute-1', headers=who)
            self.assertError(resp, 403, 'hastack.forbidden')
        self.assertEqual(['compute-1'], self.host_names())


class TestDecisionTable(testscenarios.WithScenarios, HostTestCase):
    """The default strategy answers the design table for a long suspect."""

    scenarios = [
        ('down-down-down', {'vector': ('down', 'down', 'down'),
                            'action': 'recover'}),
        ('down-down-up', {'vector': ('down', 'down', 'up'),
                          'action': 'recover'}),
        ('down-up-down', {'vector': ('down', 'up', 'down'),
                          'action': 'recover'}),
        ('down-up-up', {'vector': ('down', 'up', 'up'),
                        'action': 'no_recover'}),
        ('up-down-down', {'vector': ('up', 'down', 'down'),
                          'action': 'recover'}),
        ('up-down-up', {'vector': ('up', 'down', 'up'),
                        'action': 'no_recover'}),
        ('up-up-down', {'vector': ('up', 'up', 'down'),
                        'action': 'recover'}),
        ('up-up-up', {'vector': ('up', 'up', 'up'), 'action': 'none'}),
    ]

    def test_default_strategy_answers_design_table(self):
        self.suspect('compute-1', *self.vector)
        doc = self.request('GET', '/v1/hosts/compute-1/decision',
                           status=200).json
        vector = dict(zip(('mgmt', 'service', 'storage'), self.vector,
                          strict=True))
        self.assertEqual('compute-1', doc['host'])
        self.assertEqual(vector, doc['vector'])
        self.assertEqual('default', doc['strategy'])
        self.assertEqual(dict(vector, recover=self.action == 'recover'),
                         doc['rule'])
        self.assertEqual(GATES, [g['name'] for g in doc['gates']])
        self.assertTrue(all(g['open'] and g['detail']
                            for g in doc['gates']))
        self.assertEqual(self.action, doc['action'])
        self.assertTrue(doc['reason'])
        self.assertTrue(doc['evaluated_at'].endswith('+00:00'))


class TestDecision(HostTestCase):

    def decide(self, host='compute-1'):
        return self.request('GET', '/v1/hosts/%s/decision' % host,
                            status=200).json

    def closed_gates(self, doc):
        return [g['name'] for g in doc['gates'] if not g['open']]

    def test_blocked_by_ha_maintenance(self):
        self.suspect('compute-1', 'down', 'down', 'down')
        self.request('PUT', '/v1/maintenance', status=200,
                     body={'ha_maintenance': True, 'reason': 'upgrade'})
        doc = self.decide()
        self.assertEqual('blocked', doc['action'])
        self.assertEqual(['ha_maintenance'], self.closed_gates(doc))
        self.assertIn('ha_maintenance is on', doc['reason'])

    def test_blocked_by_self_defense(self):
        self.suspect('compute-1', 'up', 'up', 'down')
        with db_api.context_manager.writer.using(self.context) as session:
            session.get(models.HAStatus, 1).self_defense = True
        doc = self.decide()
        self.assertEqual('blocked', doc['action'])
        self.assertEqual(['self_defense'], self.closed_gates(doc))

    def test_blocked_by_abnormal_component(self):
        self.suspect('compute-1', 'down', 'down', 'up')
        db_api.component_set(self.context, 'etcd-mgmt', 'ok')
        db_api.component_set(self.context, 'storage', 'abnormal',
                             'no quorum')
        doc = self.decide()
        self.assertEqual('blocked', doc['action'])
        self.assertEqual(['core_components'], self.closed_gates(doc))
        self.assertIn('storage=abnormal', doc['reason'])

    def test_blocked_by_host_ha_disabled(self):
        self.suspect('compute-1', 'down', 'up', 'down')
        self.request('PATCH', '/v1/hosts/compute-1',
                     body={'ha_enabled': False}, status=200)
        doc = self.decide()
        self.assertEqual('blocked', doc['action'])
        self.assertEqual(['host_ha_enabled'], self.closed_gates(doc))

    def test_blocked_by_host_maintenance(self):
        self.suspect('compute-1', 'up', 'down', 'down')
        self.request('PATCH', '/v1/hosts/compute-1', status=200,
                     body={'maintenance': True,
                           'maintenance_reason': 'disk'})
        doc = self.decide()
        self.assertEqual('blocked', doc['action'])
        self.assertEqual(['host_maintenance'], self.closed_gates(doc))

    def test_closed_gate_does_not_turn_no_into_blocked(self):
        self.suspect('compute-1', 'down', 'up', 'up')
        self.request('PATCH', '/v1/hosts/compute-1',
                     body={'ha_enabled': False}, status=200)
        doc = self.decide()
        self.assertEqual('no_recover', doc['action'])
        self.assertEqual(['host_ha_enabled'], self.closed_gates(doc))

    def test_wait_inside_grace(self):
        host = self.suspect('compute-1', 'down', 'down', 'down',
                            seconds=30)
        doc = self.decide()
        self.assertEqual('wait', doc['action'])
        recover_at = (host.state_since + datetime.timedelta(seconds=120))
        self.assertEqual(recover_at.replace(tzinfo=UTC).isoformat(),
                         doc['recover_at'])
        self.assertIn('120s', doc['reason'])

    def test_undecidable_with_unknown_plane(self):
        self.suspect('compute-1', 'down', 'unknown', 'down')
        doc = self.decide()
        self.assertEqual('undecidable', doc['action'])
        self.assertIsNone(doc['rule'])
        self.assertEqual('unknown', doc['vector']['service'])
        self.assertEqual(['core_components'], self.closed_gates(doc))

    def test_new_host_is_undecidable(self):
        self.request('POST', '/v1/hosts', body={'name': 'compute-2'},
                     status=201)
        self.assertEqual('undecidable', self.decide('compute-2')['action'])

    def test_in_progress_while_recovering(self):
        self.host('compute-1', state='fencing', mgmt_status='down',
                  service_status='down', storage_status='down')
        self.assertEqual('in_progress', self.decide()['action'])

    def test_decision_by_uuid_and_unknown_host(self):
        host = self.suspect('compute-1', 'up', 'up', 'up')
        self.assertEqual('none', self.decide(host.uuid)['action'])
        resp = self.request('GET', '/v1/hosts/compute-9/decision')
        self.assertError(resp, 404, 'hastack.host.not_found')

    def test_decision_is_read_only(self):
        self.suspect('compute-1', 'down', 'down', 'down')
        events = self.event_count()
        before = self.request('GET', '/v1/hosts/compute-1',
                              status=200).json
        self.assertEqual('recover', self.decide()['action'])
        self.assertEqual(before, self.request('GET', '/v1/hosts/compute-1',
                                              status=200).json)
        self.assertEqual(events, self.event_count())
        resp = self.request('POST', '/v1/hosts/compute-1/decision', body={})
        self.assertError(resp, 405, 'hastack.method_not_allowed')
