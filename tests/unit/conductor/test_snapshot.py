"""The decision's inputs when the stored state is damaged."""

from hastack.common import settings
from hastack.conductor import snapshot
from hastack.db import api as db_api
from hastack.db import models
from tests import base


class TestActiveStrategy(base.DbTestCase):

    def _break(self, **values):
        with db_api.context_manager.writer.using(self.context) as session:
            status = session.get(models.HAStatus, 1)
            row = session.query(models.Strategy).filter_by(
                uuid=status.active_strategy_uuid).one()
            if values.get('delete'):
                session.delete(row)
            else:
                row.rules = values['rules']

    def test_vanished_strategy_closes_the_core_gate(self):
        self._break(delete=True)
        name, rules, problem = snapshot.active_rules(self.context)
        self.assertEqual(('<missing>', ()), (name, rules))
        self.assertIn('no longer exists', problem)
        view = snapshot.cluster_view(self.context)
        self.assertEqual('abnormal', view.components['active-strategy'])

    def test_corrupt_rules_close_the_core_gate(self):
        for broken in ('not json', '[]', '[{"mgmt": "down"}]'):
            self._break(rules=broken)
            _, rules, problem = snapshot.active_rules(self.context)
            self.assertEqual((), rules, broken)
            self.assertIn('unusable rules', problem)


class TestStoredSettings(base.TestCase):

    def test_out_of_range_and_unknown_values_fall_back(self):
        values = settings.values(self.conf.conf, {
            'global_rate_limit': -3, 'host_rate_limit': 4,
            'self_defense_ratio': 'lots', 'grace_period': 2.5,
            'max_retries': True, 'bogus': 1})
        self.assertEqual(20, values['global_rate_limit'])
        self.assertEqual(4, values['host_rate_limit'])
        self.assertEqual(0.5, values['self_defense_ratio'])
        self.assertEqual(120, values['grace_period'])
        self.assertEqual(5, values['max_retries'])
        self.assertNotIn('bogus', values)
