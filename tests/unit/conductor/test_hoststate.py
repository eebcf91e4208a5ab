"""Monitor-driven host state changes."""

from oslotest import base
import testscenarios

from hastack.conductor import hoststate

UP = {'mgmt': 'up', 'service': 'up', 'storage': 'up'}
DOWN = {'mgmt': 'down', 'service': 'up', 'storage': 'up'}
UNKNOWN = {'mgmt': 'unknown', 'service': 'down', 'storage': 'up'}


class TestNextState(testscenarios.WithScenarios, base.BaseTestCase):

    scenarios = [
        ('active-down', dict(state='active', vector=DOWN,
                             expected='suspect')),
        ('active-up', dict(state='active', vector=UP, expected=None)),
        ('active-unknown', dict(state='active', vector=UNKNOWN,
                                expected=None)),
        ('suspect-up', dict(state='suspect', vector=UP, expected='active')),
        ('suspect-down', dict(state='suspect', vector=DOWN, expected=None)),
        ('suspect-unknown', dict(state='suspect', vector=UNKNOWN,
                                 expected=None)),
        ('failed-up', dict(state='failed', vector=UP,
                           expected='recovering')),
        ('fencing-up', dict(state='fencing', vector=UP,
                            expected='recovering')),
        ('fenced-up', dict(state='fenced', vector=UP,
                           expected='recovering')),
        ('recovered-up', dict(state='recovered', vector=UP,
                              expected='recovering')),
        ('recovered-down', dict(state='recovered', vector=DOWN,
                                expected=None)),
        ('recovering-down', dict(state='recovering', vector=DOWN,
                                 expected=None)),
        ('maintenance-down', dict(state='maintenance', vector=DOWN,
                                  expected=None)),
        ('maintenance-up', dict(state='maintenance', vector=UP,
                                expected=None)),
    ]

    def test_next_state(self):
        self.assertEqual(self.expected,
                         hoststate.next_state(self.state, self.vector))


class TestSummarize(base.BaseTestCase):

    def test_missing_plane_is_unknown(self):
        self.assertEqual('unknown', hoststate.summarize({'mgmt': 'up'}))

    def test_any_down(self):
        self.assertEqual('down', hoststate.summarize(DOWN))
