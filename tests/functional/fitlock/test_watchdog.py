"""The watchdog resets a host whose fitlockd is stuck before anyone else
may take its leases.

fitlockd publishes its expiry; ``fitlock-watchdog`` feeds a device while
it lies ahead; ``fitlock-fake-watchdog`` plays the device (the hardware
boundary) and "resets the host" by killing its lease holder.
"""

import os
import signal
import subprocess
import time

import testtools

from hastack.fitlock import client as client_mod
from tests.functional.fitlock import fixtures as fl

T = fl.FAST


class TestWatchdog(testtools.TestCase):

    def setUp(self):
        super().setUp()
        shared = self.useFixture(fl.SharedFolder())
        self.tmp = self.useFixture(fl.fixtures.TempDir()).path
        expiry = os.path.join(self.tmp, 'expiry')
        self.host = self.useFixture(fl.Fitlockd(
            shared, 1, extra='watchdog_expiry_file = %s\n' % expiry))
        self.other = self.useFixture(fl.Fitlockd(shared, 2))
        self.holder = self.useFixture(fl.Holder())
        self.host.acquire('vm-1', pid=self.holder.pid)
        device = os.path.join(self.tmp, 'watchdog')
        self.marker = os.path.join(self.tmp, 'fired')
        self.fake = self._spawn(
            'fitlock-fake-watchdog', '--device', device, '--timeout',
            str(T.watchdog), '--fire-command',
            'touch %s; kill -9 %d' % (self.marker, self.holder.pid))
        time.sleep(0.2)  # the fake creates the device file
        self.feeder = self._spawn(
            'fitlock-watchdog', '--device', device, '--expiry-file', expiry,
            '--timeout', str(T.watchdog), '--interval', '0.1')

    def _spawn(self, *argv):
        process = subprocess.Popen([os.path.join(fl.BIN, argv[0])] +
                                   list(argv[1:]), stdout=subprocess.PIPE,
                                   text=True)

        def stop():
            if process.poll() is None:
                process.kill()
            process.wait(10)
            process.stdout.close()

        self.addCleanup(stop)
        return process

    def test_healthy_host_is_never_reset(self):
        time.sleep(T.host_dead + 1)
        self.assertFalse(os.path.exists(self.marker))
        self.assertTrue(self.holder.alive())

    def test_frozen_fitlockd_is_reset_before_takeover(self):
        self.host.signal(signal.SIGSTOP)
        stopped = time.monotonic()
        taken = None
        while time.monotonic() - stopped < T.host_dead + 5:
            try:
                self.other.acquire('vm-1')
                taken = time.monotonic()
                break
            except client_mod.RemoteError:
                time.sleep(0.05)
        self.assertIsNotNone(taken, 'no takeover')
        self.assertEqual(0, self.fake.wait(5))
        fired = float(self.fake.stdout.read().split()[-1])
        # The last keep-alive went out before F after the last renewal,
        # so the device fired by F + W = H after it: before the takeover.
        self.assertLess(fired, taken)
        self.assertLessEqual(fired - stopped, T.host_dead + 0.5)
        self.assertTrue(os.path.exists(self.marker))
        self.assertFalse(self.holder.alive())
