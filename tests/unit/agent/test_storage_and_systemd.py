"""The shared-folder probe and sd_notify."""

import os
import socket

import fixtures
from oslotest import base

from hastack.agent import storage
from hastack.agent import systemd


class TestStorage(base.BaseTestCase):

    def test_writable_folder_is_ok(self):
        folder = self.useFixture(fixtures.TempDir()).path
        ok, detail = storage.check(folder, 'compute-1', must_be_mount=False)
        self.assertTrue(ok, detail)
        self.assertTrue(os.path.exists(os.path.join(
            folder, '.hastack-probe-compute-1')))

    def test_missing_folder(self):
        ok, detail = storage.check('/nonexistent/shared', 'compute-1')
        self.assertFalse(ok)
        self.assertIn('does not exist', detail)

    def test_plain_folder_is_not_a_mount(self):
        folder = self.useFixture(fixtures.TempDir()).path
        ok, detail = storage.check(folder, 'compute-1')
        self.assertFalse(ok)
        self.assertIn('not mounted', detail)

    def test_read_only_folder(self):
        folder = self.useFixture(fixtures.TempDir()).path
        probe = os.path.join(folder, '.hastack-probe-compute-1')
        os.mkdir(probe)  # a folder where the probe file should go
        ok, detail = storage.check(folder, 'compute-1', must_be_mount=False)
        self.assertFalse(ok)
        self.assertIn('failed', detail)


class TestSystemd(base.BaseTestCase):

    def test_notify_without_systemd_does_nothing(self):
        self.useFixture(fixtures.EnvironmentVariable('NOTIFY_SOCKET'))
        self.assertFalse(systemd.notify('READY=1'))

    def test_notify_sends_datagram(self):
        folder = self.useFixture(fixtures.TempDir()).path
        path = os.path.join(folder, 'notify')
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.addCleanup(sock.close)
        sock.bind(path)
        self.useFixture(fixtures.EnvironmentVariable('NOTIFY_SOCKET', path))
        self.assertTrue(systemd.notify('WATCHDOG=1'))
        self.assertEqual(b'WATCHDOG=1', sock.recv(100))

    def test_watchdog_interval_is_half_of_watchdogsec(self):
        self.useFixture(fixtures.EnvironmentVariable('WATCHDOG_USEC',
                                                     '30000000'))
        self.useFixture(fixtures.EnvironmentVariable('WATCHDOG_PID',
                                                     str(os.getpid())))
        self.assertEqual(15.0, systemd.watchdog_interval())
        self.useFixture(fixtures.EnvironmentVariable('WATCHDOG_PID', '1'))
        self.assertIsNone(systemd.watchdog_interval())
