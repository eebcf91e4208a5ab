"""/v1/status: the one-page summary of HA's state."""

import datetime

from oslo_utils import uuidutils

from hastack.db import api as db_api
from hastack.db import models
from tests.unit.api import base

HOST_STATES = ('active', 'suspect', 'failed', 'fencing', 'fenced',
               'recovering', 'recovered', 'maintenance')
TASK_STATES = ('pending', 'running', 'succeeded', 'failed', 'cancelled',
               'deferred')
RULES = [{'mgmt': m, 'service': s, 'storage': t, 'recover': True}
         for m in ('down', 'up') for s in ('down', 'up')
         for t in ('down', 'up')]


class TestStatus(base.ApiTestCase):

    def status(self, headers=base.ADMIN):
        return self.request('GET', '/v1/status', headers=headers,
                            status=200).json

    def host(self, name, state):
        host = db_api.host_create(self.context, {'name': name})
        with db_api.context_manager.writer.using(self.context) as session:
            session.get(models.Host, host.id).state = state

    def test_fresh_cloud(self):
        status = self.status()
        self.assertEqual({'total': 0,
                          'by_state': dict.fromkeys(HOST_STATES, 0)},
                         status['hosts'])
        self.assertFalse(status['ha_maintenance'])
        self.assertEqual({'active': False, 'since': None},
                         status['self_defense'])
        self.assertEqual('default', status['active_strategy']['name'])
        self.assertEqual(
            db_api.strategy_get(self.context, 'default').uuid,
            status['active_strategy']['uuid'])
        self.assertEqual({'queue_length': 0,
                          'by_state': dict.fromkeys(TASK_STATES, 0)},
                         status['tasks'])
        self.assertEqual([], status['components'])
        self.assertEqual(0, status['unacknowledged_alarms'])

    def test_hosts_by_state(self):
        for name, state in (('c1', 'active'), ('c2', 'active'),
                            ('c3', 'suspect'), ('c4', 'failed'),
                            ('c5', 'maintenance')):
            self.host(name, state)
        hosts = self.status()['hosts']
        self.assertEqual(5, hosts['total'])
        self.assertEqual(dict(dict.fromkeys(HOST_STATES, 0), active=2,
                              suspect=1, failed=1, maintenance=1),
                         hosts['by_state'])

    def test_switches(self):
        since = datetime.datetime(2025, 5, 6, 7, 8, 9)
        with db_api.context_manager.writer.using(self.context) as session:
            row = session.get(models.HAStatus, 1)
            row.self_defense = True
            row.self_defense_since = since
        self.request('PUT', '/v1/maintenance', status=200,
                     body={'ha_maintenance': True, 'reason': 'upgrade'})
        status = self.status()
        self.assertTrue(status['ha_maintenance'])
        self.assertEqual({'active': True,
                          'since': '2025-05-06T07:08:09+00:00'},
                         status['self_defense'])

    def test_task_queue(self):
        for state in ('pending', 'pending', 'running', 'deferred',
                      'failed', 'succeeded', 'cancelled'):
            db_api.task_create(self.context, {
                'type': 'evacuate', 'host': 'compute-1', 'state': state,
                'instance_uuid': uuidutils.generate_uuid()})
        tasks = self.status()['tasks']
        self.assertEqual(4, tasks['queue_length'])
        self.assertEqual({'pending': 2, 'running': 1, 'succeeded': 1,
                          'failed': 1, 'cancelled': 1, 'deferred': 1},
                         tasks['by_state'])

    def test_components(self):
        db_api.component_set(self.context, 'storage', 'abnormal',
                             'no quorum')
        db_api.component_set(self.context, 'etcd-mgmt', 'ok')
        components = self.status()['components']
        self.assertEqual(
            [('etcd-mgmt', 'ok', None), ('storage', 'abnormal',
                                         'no quorum')],
            [(c['name'], c['status'], c['detail']) for c in components])
        self.assertTrue(all(c['updated_at'].endswith('+00:00')
                            for c in components))

    def test_active_strategy_follows_activation(self):
        created = self.request('POST', '/v1/strategies', status=201,
                               body={'name': 'eager', 'rules': RULES}).json
        self.request('POST', '/v1/strategies/eager/activate', status=200)
        self.assertEqual({'uuid': created['uuid'], 'name': 'eager'},
                         self.status()['active_strategy'])

    def test_unacknowledged_alarms(self):
        for severity in ('info', 'warning', 'error', 'critical'):
            db_api.event_create(self.context, 'x', 'y', severity=severity)
        self.assertEqual(3, self.status()['unacknowledged_alarms'])
        error = db_api.event_list(self.context, {'severity': 'error'})[0]
        self.request('POST', '/v1/events/%s/ack' % error.uuid, status=200)
        self.assertEqual(2, self.status()['unacknowledged_alarms'])

    def test_admin_and_service_only(self):
        self.assertEqual(self.status(), self.status(headers=base.SERVICE))
        for who in (base.MEMBER, base.READER, base.OTHER_MEMBER,
                    base.OTHER_READER, base.NOBODY):
            self.assertError(self.request('GET', '/v1/status', headers=who),
                             403, 'hastack.forbidden')

    def test_read_only(self):
        resp = self.request('POST', '/v1/status', body={})
        self.assertError(resp, 405, 'hastack.method_not_allowed')
        self.assertEqual('GET', resp.headers['Allow'])
