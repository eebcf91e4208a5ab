"""Self-defense at 50% down, self-recovery at 70% up, no flapping."""

from oslotest import base

from hastack.conductor import selfdefense


def verdict(active, down, up, counted=10):
    return selfdefense.evaluate(active, counted, down, up, 0.5, 0.7)


class TestSelfDefense(base.BaseTestCase):

    def test_starts_at_half_down(self):
        result = verdict(False, down=5, up=5)
        self.assertTrue(result.active)
        self.assertTrue(result.changed)
        self.assertIn('5 of 10', result.reason)

    def test_below_half_nothing(self):
        result = verdict(False, down=4, up=6)
        self.assertFalse(result.active)
        self.assertFalse(result.changed)

    def test_holds_until_seventy_percent_up(self):
        # 6 up of 10 no longer meets 50% down, but is not 70% up either:
        # HA stays stopped (the hysteresis that prevents flapping).
        self.assertTrue(verdict(True, down=4, up=6).active)
        self.assertFalse(verdict(True, down=4, up=6).changed)
        result = verdict(True, down=3, up=7)
        self.assertFalse(result.active)
        self.assertTrue(result.changed)

    def test_unknown_hosts_are_neither_up_nor_down(self):
        # 3 down, 4 unknown, 3 up: not enough down to start, and were it
        # active, not enough up to stop.
        self.assertFalse(verdict(False, down=3, up=3).active)
        self.assertTrue(verdict(True, down=3, up=3).active)

    def test_no_hosts_keeps_the_switch(self):
        self.assertTrue(selfdefense.evaluate(True, 0, 0, 0, 0.5, 0.7).active)
        self.assertFalse(selfdefense.evaluate(False, 0, 0, 0, 0.5,
                                              0.7).active)
