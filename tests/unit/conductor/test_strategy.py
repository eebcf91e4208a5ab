"""Strategy rule validation and look-up."""

import itertools
import json

from oslotest import base

from hastack.common import exception
from hastack.conductor import strategy
from hastack.db import api as db_api
from tests import base as tests_base

# The design table (design.md section 4), written out independently of
# strategy.DEFAULT_RULES so a change to either is caught.
DESIGN_TABLE = {
    ('down', 'down', 'down'): True,
    ('down', 'down', 'up'): True,
    ('down', 'up', 'down'): True,
    ('down', 'up', 'up'): False,
    ('up', 'down', 'down'): True,
    ('up', 'down', 'up'): False,
    ('up', 'up', 'down'): True,
    ('up', 'up', 'up'): False,
}


def _rules(table):
    return [{'mgmt': m, 'service': s, 'storage': st, 'recover': r}
            for (m, s, st), r in table.items()]


class TestDefaultRules(base.BaseTestCase):

    def test_default_is_the_design_table(self):
        rules = strategy.validate_rules(list(strategy.DEFAULT_RULES))
        for vector, recover in DESIGN_TABLE.items():
            self.assertIs(recover,
                          strategy.rule_for(rules, vector)['recover'],
                          vector)



class TestSeededStrategy(tests_base.DbTestCase):

    def test_migration_seeds_the_default_rules_active(self):
        # The initial migration carries its own literal copy of the rules.
        active = db_api.strategy_get_active(self.context)
        self.assertEqual(strategy.DEFAULT_NAME, active.name)
        self.assertEqual(list(strategy.DEFAULT_RULES),
                         json.loads(active.rules))


class TestValidateRules(base.BaseTestCase):

    def test_any_order_is_accepted_and_sorted(self):
        rules = list(reversed(_rules(DESIGN_TABLE)))
        ordered = strategy.validate_rules(rules)
        self.assertEqual(list(strategy.ALL_VECTORS),
                         [strategy.vector_of(r) for r in ordered])

    def test_missing_vector_is_named(self):
        rules = _rules(DESIGN_TABLE)[1:]
        e = self.assertRaises(exception.InvalidStrategy,
                              strategy.validate_rules, rules)
        self.assertIn('mgmt=down, service=down, storage=down', e.message)

    def test_duplicate_vector(self):
        rules = _rules(DESIGN_TABLE)
        rules[1] = dict(rules[0])
        e = self.assertRaises(exception.InvalidStrategy,
                              strategy.validate_rules, rules)
        self.assertIn('duplicate', e.message)

    def test_contradictory_vector(self):
        rules = _rules(DESIGN_TABLE)
        rules[1] = dict(rules[0], recover=not rules[0]['recover'])
        e = self.assertRaises(exception.InvalidStrategy,
                              strategy.validate_rules, rules)
        self.assertIn('contradictory', e.message)

    def test_every_vector_is_covered(self):
        self.assertEqual(
            set(itertools.product(('down', 'up'), repeat=3)),
            set(strategy.ALL_VECTORS))

    def test_unknown_plane_has_no_rule(self):
        rules = strategy.validate_rules(_rules(DESIGN_TABLE))
        self.assertIsNone(strategy.rule_for(rules, ('unknown', 'up', 'up')))
