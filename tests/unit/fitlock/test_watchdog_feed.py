"""The watchdog feeder's clean stop: the device is disarmed only when
fitlockd holds no lease (hastack/fitlock/watchdog.py)."""

import math
import os

import fixtures
import testtools

from hastack.fitlock import watchdog


class TestCleanStop(testtools.TestCase):

    def setUp(self):
        super().setUp()
        folder = self.useFixture(fixtures.TempDir()).path
        # A regular file stands in for the device: its bytes are what
        # the feeder wrote (the hardware boundary, as in the fake).
        self.device = os.path.join(folder, 'device')
        open(self.device, 'wb').close()
        self.expiry = os.path.join(folder, 'expiry')

    def _feed(self, expiry, rounds=2):
        with open(self.expiry, 'w') as f:
            f.write(repr(expiry))
        calls = []

        def stop():
            calls.append(1)
            return len(calls) > rounds
        disarmed = watchdog.feed(self.device, self.expiry, 60, 0.001,
                                 stop=stop, clock=lambda: 100.0)
        with open(self.device, 'rb') as f:
            return disarmed, f.read()

    def test_no_lease_held_disarms(self):
        self.assertEqual((True, b'..V'), self._feed(math.inf))

    def test_leases_held_stays_armed(self):
        self.assertEqual((False, b'..'), self._feed(200.0))

    def test_expired_stays_armed_and_unfed(self):
        self.assertEqual((False, b''), self._feed(50.0))

    def test_missing_expiry_stays_armed(self):
        disarmed = watchdog.feed(self.device, self.expiry, 60, 0.001,
                                 stop=lambda: True)
        self.assertFalse(disarmed)
        with open(self.device, 'rb') as f:
            self.assertEqual(b'', f.read())
