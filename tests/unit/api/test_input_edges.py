"""Input that is valid JSON Schema but not what an operator meant."""

from hastack.db import api as db_api
from tests.unit.api import base


class TestInputEdges(base.ApiTestCase):

    def test_integer_setting_given_as_float_is_stored_as_integer(self):
        self.request('PATCH', '/v1/settings', body={'grace_period': 30.0},
                     status=200)
        self.assertEqual({'grace_period': 30},
                         db_api.settings_get_stored(self.context))
        self.assertIsInstance(
            db_api.settings_get_stored(self.context)['grace_period'], int)

    def test_fractional_integer_setting_is_refused(self):
        resp = self.request('PATCH', '/v1/settings',
                            body={'grace_period': 30.5})
        self.assertError(resp, 400)
        self.assertEqual({}, db_api.settings_get_stored(self.context))

    def test_maintenance_reason_without_maintenance_on_create(self):
        resp = self.request('POST', '/v1/hosts',
                            body={'name': 'c1', 'maintenance_reason': 'x'})
        self.assertError(resp, 400)
        self.assertEqual([], db_api.host_list(self.context))

    def test_maintenance_reason_for_host_not_in_maintenance(self):
        self.request('POST', '/v1/hosts', body={'name': 'c1'}, status=201)
        resp = self.request('PATCH', '/v1/hosts/c1',
                            body={'maintenance_reason': 'disk swap'})
        self.assertError(resp, 409, 'hastack.conflict')
        self.assertIsNone(db_api.host_get(self.context,
                                          'c1').maintenance_reason)

    def test_maintenance_reason_changes_alone(self):
        self.request('POST', '/v1/hosts', status=201,
                     body={'name': 'c1', 'maintenance': True,
                           'maintenance_reason': 'disk swap'})
        self.request('PATCH', '/v1/hosts/c1', status=200,
                     body={'maintenance_reason': 'firmware'})
        host = db_api.host_get(self.context, 'c1')
        self.assertEqual('maintenance', host.state)
        self.assertEqual('firmware', host.maintenance_reason)

    def test_nan_is_not_json(self):
        resp = self.request('PATCH', '/v1/settings',
                            body='{"self_defense_ratio": NaN}')
        self.assertError(resp, 400, 'hastack.invalid.schema')
        self.assertEqual({}, db_api.settings_get_stored(self.context))
