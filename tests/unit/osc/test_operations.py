"""``openstack ha maintenance|settings|status ...`` against a
FakeSession."""

import io

import fixtures
from osc_lib import exceptions

from hastack.osc.v1 import maintenance
from hastack.osc.v1 import settings
from hastack.osc.v1 import status
from tests.unit.osc import fakes


def settings_doc(**runtime):
    """A settings document; ``runtime`` values override the config."""
    defaults = {'global_rate_limit': 10, 'host_rate_limit': 5,
                'max_retries': 3, 'grace_period': 30,
                'self_defense_ratio': 0.5, 'self_recovery_ratio': 0.8}
    return {'settings': {k: {'value': runtime.get(k, v), 'default': v,
                             'source': 'runtime' if k in runtime
                             else 'config'}
                         for k, v in defaults.items()}}


class TestMaintenance(fakes.CommandTestCase):
    """ha maintenance show|set."""

    def test_show(self):
        self.answer({'ha_maintenance': False, 'reason': None,
                     'updated_by': None, 'updated_at': None})
        doc = self.run_json(maintenance.ShowMaintenance, [])
        self.assertEqual(('GET', '/v1/maintenance'),
                         (self.last().method, self.last().path))
        self.assertFalse(doc['ha_maintenance'])

    def test_set_on_with_reason(self):
        self.answer({'ha_maintenance': True, 'reason': 'upgrade',
                     'updated_by': 'u', 'updated_at': 't'})
        doc = self.run_json(maintenance.SetMaintenance,
                            ['--on', '--reason', 'upgrade'])
        self.assertEqual(('PUT', {'ha_maintenance': True,
                                  'reason': 'upgrade'}),
                         (self.last().method, self.last().body))
        self.assertEqual('upgrade', doc['reason'])

    def test_set_off(self):
        self.answer({'ha_maintenance': False})
        self.run_json(maintenance.SetMaintenance, ['--off'])
        self.assertEqual({'ha_maintenance': False}, self.last().body)

    def test_on_or_off_is_required(self):
        self.useFixture(fixtures.MonkeyPatch('sys.stderr', io.StringIO()))
        for argv in ([], ['--on', '--off'], ['--reason', 'x']):
            self.assertRaises(SystemExit, self.parse,
                              maintenance.SetMaintenance, argv)


class TestSettings(fakes.CommandTestCase):
    """ha settings show|set."""

    def test_show_in_a_fixed_order(self):
        self.answer(settings_doc(grace_period=60))
        rows = self.run_json(settings.ShowSettings, [])
        self.assertEqual(list(settings.KEYS), [r['Setting'] for r in rows])
        grace = rows[settings.KEYS.index('grace_period')]
        self.assertEqual({'Setting': 'grace_period', 'Value': 60,
                          'Default': 30, 'Source': 'runtime'}, grace)

    def test_set_and_reset(self):
        self.answer(settings_doc(global_rate_limit=20, host_rate_limit=2))
        rows = self.run_json(settings.SetSettings, [
            '--global-rate-limit', '20', '--host-rate-limit', '2',
            '--self-defense-ratio', '0.4', '--reset', 'grace_period'])
        call = self.last()
        self.assertEqual(('PATCH', '/v1/settings'), (call.method, call.path))
        self.assertEqual({'global_rate_limit': 20, 'host_rate_limit': 2,
                          'self_defense_ratio': 0.4, 'grace_period': None},
                         call.body)
        self.assertIsInstance(call.body['global_rate_limit'], int)
        self.assertEqual(20, rows[0]['Value'])

    def test_set_nothing_or_both(self):
        for argv, message in (
                ([], 'Nothing to set'),
                (['--max-retries', '2', '--reset', 'max_retries'],
                 'Cannot both set and reset max_retries')):
            cmd, parsed = self.parse(settings.SetSettings, argv)
            e = self.assertRaises(exceptions.CommandError, cmd.take_action,
                                  parsed)
            self.assertIn(message, str(e))
        self.assertNothingSent()

    def test_bad_numbers_are_refused_by_the_parser(self):
        self.useFixture(fixtures.MonkeyPatch('sys.stderr', io.StringIO()))
        for argv in (['--global-rate-limit', '1.5'],
                     ['--host-rate-limit', 'many'],
                     ['--self-defense-ratio', 'nan'],
                     ['--self-recovery-ratio', 'inf'],
                     ['--reset', 'colour']):
            self.assertRaises(SystemExit, self.parse, settings.SetSettings,
                              argv)

    def test_api_refusal(self):
        self.answer(fakes.error(
            400, 'Bad Request', 'self_recovery_ratio (0.4) must be above 1 '
            '- self_defense_ratio (0.5)', 'hastack.setting.invalid'))
        cmd, parsed = self.parse(settings.SetSettings,
                                 ['--self-recovery-ratio', '0.4'])
        e = self.assertRaises(exceptions.CommandError, cmd.take_action,
                              parsed)
        self.assertIn('(HTTP 400, hastack.setting.invalid): '
                      'self_recovery_ratio (0.4)', str(e))


class TestStatus(fakes.CommandTestCase):
    """ha status."""

    DOC = {
        'hosts': {'total': 3, 'by_state': {'active': 2, 'failed': 1}},
        'ha_maintenance': False,
        'self_defense': {'active': False, 'since': None},
        'active_strategy': {'uuid': 'u1', 'name': 'default'},
        'tasks': {'queue_length': 4, 'by_state': {'pending': 4}},
        'components': [{'name': 'etcd-mgmt', 'status': 'ok',
                        'detail': None, 'updated_at': 't'},
                       {'name': 'storage', 'status': 'degraded',
                        'detail': 'slow', 'updated_at': 't'}],
        'unacknowledged_alarms': 2,
    }

    def test_json(self):
        self.answer(self.DOC)
        doc = self.run_json(status.ShowStatus, [])
        self.assertEqual('/v1/status', self.last().path)
        self.assertEqual(3, doc['hosts_total'])
        self.assertEqual({'active': 2, 'failed': 1}, doc['hosts_by_state'])
        self.assertEqual('default', doc['active_strategy'])
        self.assertEqual(4, doc['task_queue_length'])
        self.assertEqual(self.DOC['components'], doc['components'])
        self.assertEqual(2, doc['unacknowledged_alarms'])

    def test_table(self):
        self.answer(self.DOC)
        code, out = self.run_command(status.ShowStatus, [])
        self.assertEqual(0, code)
        self.assertIn('etcd-mgmt: ok', out)
        self.assertIn('storage: degraded (slow)', out)
        self.assertIn("active='2', failed='1'", out)
