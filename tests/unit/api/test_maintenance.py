"""/v1/maintenance: the cluster-wide ha_maintenance switch."""

import datetime

from oslo_utils import fixture as utils_fixture

from hastack.db import api as db_api
from tests.unit.api import base

NOT_ADMIN = (base.MEMBER, base.READER, base.OTHER_MEMBER, base.OTHER_READER,
             base.NOBODY)


class TestMaintenance(base.ApiTestCase):

    def get(self):
        return self.request('GET', '/v1/maintenance', status=200).json

    def events(self):
        return db_api.event_list(self.context)

    def test_off_at_first(self):
        self.assertEqual({'ha_maintenance': False, 'reason': None,
                          'updated_by': None, 'updated_at': None},
                         self.get())

    def test_switch_on_records_who_when_why(self):
        self.useFixture(utils_fixture.TimeFixture(
            datetime.datetime(2025, 3, 4, 5, 6, 7)))
        doc = self.request('PUT', '/v1/maintenance', status=200, body={
            'ha_maintenance': True, 'reason': 'storage upgrade'}).json
        self.assertEqual({'ha_maintenance': True,
                          'reason': 'storage upgrade',
                          'updated_by': base.ADMIN['X-User-Id'],
                          'updated_at': '2025-03-04T05:06:07+00:00'}, doc)
        self.assertEqual(doc, self.get())

        [event] = self.events()
        self.assertEqual('ha_maintenance.on', event.type)
        self.assertEqual('warning', event.severity)
        self.assertIn(base.ADMIN['X-User-Id'], event.message)
        self.assertIn('storage upgrade', event.message)
        self.assertTrue(event.request_id.startswith('req-'))

    def test_switch_off_again(self):
        self.request('PUT', '/v1/maintenance', status=200,
                     body={'ha_maintenance': True, 'reason': 'upgrade'})
        other_admin = base.persona('admin', base.PROJECT_B, user='ops-2')
        doc = self.request('PUT', '/v1/maintenance', headers=other_admin,
                           body={'ha_maintenance': False}, status=200).json
        self.assertEqual({'ha_maintenance': False, 'reason': None,
                          'updated_by': 'ops-2'},
                         {k: doc[k] for k in ('ha_maintenance', 'reason',
                                              'updated_by')})
        self.assertEqual(['ha_maintenance.off', 'ha_maintenance.on'],
                         [e.type for e in self.events()])

    def test_bad_input_changes_nothing(self):
        self.request('PUT', '/v1/maintenance', status=200,
                     body={'ha_maintenance': True, 'reason': 'upgrade'})
        before = self.get()
        events = len(self.events())
        for body in ('{"ha_maintenance": true', '', 'true', '[]', {},
                     {'reason': 'forgot the switch'},
                     {'ha_maintenance': 'false'},
                     {'ha_maintenance': 0},
                     {'ha_maintenance': None},
                     {'ha_maintenance': False, 'reason': 5},
                     {'ha_maintenance': False, 'reason': 'r' * 256},
                     {'ha_maintenance': False, 'by': 'someone'}):
            resp = self.request('PUT', '/v1/maintenance', body=body)
            self.assertError(resp, 400, 'hastack.invalid.schema')
        self.assertEqual(before, self.get())
        self.assertEqual(events, len(self.events()))

    def test_get_admin_and_service_only(self):
        for who in (base.ADMIN, base.SERVICE):
            self.request('GET', '/v1/maintenance', headers=who, status=200)
        for who in NOT_ADMIN:
            self.assertError(self.request('GET', '/v1/maintenance',
                                          headers=who),
                             403, 'hastack.forbidden')

    def test_put_admin_only(self):
        for who in NOT_ADMIN + (base.SERVICE,):
            resp = self.request('PUT', '/v1/maintenance', headers=who,
                                body={'ha_maintenance': True})
            self.assertError(resp, 403, 'hastack.forbidden')
        self.assertFalse(self.get()['ha_maintenance'])
        self.assertEqual([], self.events())

    def test_other_methods_not_allowed(self):
        resp = self.request('PATCH', '/v1/maintenance',
                            body={'ha_maintenance': True})
        self.assertError(resp, 405, 'hastack.method_not_allowed')
        self.assertEqual('GET, PUT', resp.headers['Allow'])
        self.assertFalse(self.get()['ha_maintenance'])
