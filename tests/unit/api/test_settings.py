"""/v1/settings: run-time settings over the [ha] defaults."""

import datetime

from oslo_utils import timeutils

from hastack.db import api as db_api
from hastack.db import models
from tests.unit.api import base

NOT_ADMIN = (base.MEMBER, base.READER, base.OTHER_MEMBER, base.OTHER_READER,
             base.NOBODY)
DEFAULTS = {'global_rate_limit': 20, 'host_rate_limit': 10,
            'max_retries': 5, 'grace_period': 120,
            'self_defense_ratio': 0.5, 'self_recovery_ratio': 0.7}


class SettingsTestCase(base.ApiTestCase):

    def get(self):
        return self.request('GET', '/v1/settings',
                            status=200).json['settings']

    def patch(self, body, headers=base.ADMIN):
        return self.request('PATCH', '/v1/settings', body=body,
                            headers=headers)

    def values(self):
        return {k: v['value'] for k, v in self.get().items()}

    def event_count(self):
        return len(db_api.event_list(self.context))


class TestSettings(SettingsTestCase):

    def test_every_setting_from_config(self):
        settings = self.get()
        self.assertEqual(set(DEFAULTS), set(settings))
        for key, default in DEFAULTS.items():
            self.assertEqual({'value': default, 'default': default,
                              'source': 'config'}, settings[key])

    def test_config_file_gives_the_default(self):
        self.flags(group='ha', grace_period=60)
        self.assertEqual({'value': 60, 'default': 60, 'source': 'config'},
                         self.get()['grace_period'])

    def test_change_takes_effect_in_get(self):
        resp = self.patch({'grace_period': 30, 'max_retries': 0})
        self.assertEqual(200, resp.status_int, resp.text)
        settings = resp.json['settings']
        self.assertEqual({'value': 30, 'default': 120, 'source': 'runtime'},
                         settings['grace_period'])
        self.assertEqual({'value': 0, 'default': 5, 'source': 'runtime'},
                         settings['max_retries'])
        self.assertEqual('config', settings['host_rate_limit']['source'])
        self.assertEqual(resp.json['settings'], self.get())
        event = db_api.event_list(self.context)[0]
        self.assertEqual('settings.updated', event.type)
        self.assertIn('grace_period=30', event.message)

    def test_null_resets_to_default(self):
        self.patch({'grace_period': 30, 'global_rate_limit': 3})
        resp = self.patch({'grace_period': None})
        self.assertEqual(200, resp.status_int, resp.text)
        settings = self.get()
        self.assertEqual({'value': 120, 'default': 120, 'source': 'config'},
                         settings['grace_period'])
        self.assertEqual({'value': 3, 'default': 20, 'source': 'runtime'},
                         settings['global_rate_limit'])

    def test_bounds_are_accepted(self):
        resp = self.patch({'grace_period': 0, 'global_rate_limit': 10000,
                           'self_defense_ratio': 1.0,
                           'self_recovery_ratio': 1.0})
        self.assertEqual(200, resp.status_int, resp.text)
        self.assertEqual(0, self.values()['grace_period'])

    def test_out_of_range_and_wrong_types_change_nothing(self):
        self.patch({'grace_period': 30})
        before = self.get()
        events = self.event_count()
        for body in ({'grace_period': -1}, {'grace_period': 3601},
                     {'global_rate_limit': 0}, {'host_rate_limit': 10001},
                     {'max_retries': 101}, {'self_defense_ratio': 1.5},
                     {'self_recovery_ratio': -0.1},
                     {'grace_period': 'ten'}, {'grace_period': 1.5},
                     {'max_retries': True}, {'self_defense_ratio': '0.5'},
                     {'grace_period': [1]},
                     {'grace_period': 10, 'max_retries': -1}):
            resp = self.patch(body)
            self.assertError(resp, 400, 'hastack.invalid.schema')
        self.assertEqual(before, self.get())
        self.assertEqual(events, self.event_count())

    def test_unknown_key_and_malformed_body_change_nothing(self):
        for body in ({'heartbeat_interval': 5}, {'grace': 10},
                     {'grace_period': 10, 'colour': 'red'},
                     {}, '', '{"grace_period": ', '[]', '12'):
            resp = self.patch(body)
            self.assertError(resp, 400, 'hastack.invalid.schema')
        self.assertEqual({k: 'config' for k in DEFAULTS},
                         {k: v['source'] for k, v in self.get().items()})
        self.assertEqual(0, self.event_count())

    def test_nan_is_not_a_ratio(self):
        # NaN is not JSON (RFC 8259); Python's json module reads it anyway
        # and NaN passes every minimum, maximum and "<=" check.
        for key in ('self_defense_ratio', 'self_recovery_ratio'):
            resp = self.patch('{"%s": NaN}' % key)
            self.assertError(resp, 400)
        self.assertEqual(DEFAULTS, self.values())
        self.assertEqual(0, self.event_count())

    def test_recovery_must_be_above_one_minus_defense(self):
        for body in ({'self_recovery_ratio': 0.5},
                     {'self_recovery_ratio': 0.3},
                     {'self_defense_ratio': 0.2},
                     {'self_defense_ratio': 0.2, 'self_recovery_ratio': 0.8},
                     {'grace_period': 10, 'self_recovery_ratio': 0.1}):
            resp = self.patch(body)
            self.assertError(resp, 400, 'hastack.setting.invalid')
        self.assertEqual(DEFAULTS, self.values())
        self.assertEqual(0, self.event_count())

        resp = self.patch({'self_defense_ratio': 0.2,
                           'self_recovery_ratio': 0.81})
        self.assertEqual(200, resp.status_int, resp.text)

    def test_reset_is_checked_against_the_default(self):
        self.patch({'self_defense_ratio': 0.2, 'self_recovery_ratio': 0.9})
        resp = self.patch({'self_recovery_ratio': None})
        self.assertError(resp, 400, 'hastack.setting.invalid')
        self.assertEqual(0.9, self.values()['self_recovery_ratio'])

    def test_get_admin_and_service_only(self):
        for who in (base.ADMIN, base.SERVICE):
            self.request('GET', '/v1/settings', headers=who, status=200)
        for who in NOT_ADMIN:
            self.assertError(self.request('GET', '/v1/settings',
                                          headers=who),
                             403, 'hastack.forbidden')

    def test_patch_admin_only(self):
        for who in NOT_ADMIN + (base.SERVICE,):
            resp = self.patch({'grace_period': 1}, headers=who)
            self.assertError(resp, 403, 'hastack.forbidden')
        self.assertEqual(DEFAULTS, self.values())
        self.assertEqual(0, self.event_count())


class TestGraceInDecision(SettingsTestCase):
    """A grace period change applies to the very next decision."""

    def setUp(self):
        super().setUp()
        host = db_api.host_create(self.context, {'name': 'compute-1'})
        self.since = (timeutils.utcnow().replace(tzinfo=None) -
                      datetime.timedelta(seconds=60))
        with db_api.context_manager.writer.using(self.context) as session:
            row = session.get(models.Host, host.id)
            row.state = 'suspect'
            row.state_since = self.since
            row.mgmt_status = row.service_status = row.storage_status = \
                'down'

    def decide(self):
        return self.request('GET', '/v1/hosts/compute-1/decision',
                            status=200).json

    def recover_at(self, seconds):
        end = self.since + datetime.timedelta(seconds=seconds)
        return end.replace(tzinfo=datetime.UTC).isoformat()

    def test_grace_change_and_reset(self):
        doc = self.decide()
        self.assertEqual('wait', doc['action'])
        self.assertEqual(self.recover_at(120), doc['recover_at'])

        self.patch({'grace_period': 30})
        doc = self.decide()
        self.assertEqual('recover', doc['action'])
        self.assertEqual(self.recover_at(30), doc['recover_at'])

        self.patch({'grace_period': 600})
        doc = self.decide()
        self.assertEqual('wait', doc['action'])
        self.assertEqual(self.recover_at(600), doc['recover_at'])

        self.patch({'grace_period': None})
        self.assertEqual(self.recover_at(120), self.decide()['recover_at'])
