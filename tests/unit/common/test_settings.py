"""Run-time settings: effective values and combined checks."""

from hastack.common import exception
from hastack.common import settings
from tests import base


class TestSettings(base.TestCase):

    def test_config_defaults_are_the_design_defaults(self):
        self.assertEqual(
            {'global_rate_limit': 20, 'host_rate_limit': 10,
             'max_retries': 5, 'grace_period': 120,
             'self_defense_ratio': 0.5, 'self_recovery_ratio': 0.7},
            settings.config_defaults(self.conf.conf))

    def test_stored_value_wins(self):
        result = settings.effective(self.conf.conf,
                                    {'global_rate_limit': 100})
        self.assertEqual({'value': 100, 'default': 20, 'source': 'runtime'},
                         result['global_rate_limit'])
        self.assertEqual('config', result['max_retries']['source'])

    def test_config_file_changes_default(self):
        self.flags(group='ha', grace_period=30)
        self.assertEqual(30, settings.values(self.conf.conf,
                                             {})['grace_period'])

    def test_flapping_ratios_rejected(self):
        current = settings.config_defaults(self.conf.conf)
        e = self.assertRaises(exception.InvalidSetting,
                              settings.validate_change, current,
                              {'self_recovery_ratio': 0.5})
        self.assertIn('self_recovery_ratio', e.message)

    def test_consistent_change_merges(self):
        current = settings.config_defaults(self.conf.conf)
        merged = settings.validate_change(
            current, {'self_defense_ratio': 0.4, 'self_recovery_ratio': 0.8})
        self.assertEqual(0.8, merged['self_recovery_ratio'])
