"""fitlockd's watchdog expiry file across its own restart."""

import math
import os

import fixtures
from oslo_config import cfg
from oslotest import base

from hastack.conf import fitlock as fitlock_conf
from hastack.fitlock import daemon
from hastack.fitlock import lockspace
from hastack.fitlock import storage
from hastack.fitlock import watchdog
from tests.unit.fitlock import test_lockspace_timeline as timeline

T = timeline.T


class TestSavedExpiry(base.BaseTestCase):

    def setUp(self):
        super().setUp()
        self.shared = self.useFixture(fixtures.TempDir()).path
        self.local = self.useFixture(fixtures.TempDir()).path
        self.run_dir = self.useFixture(fixtures.TempDir()).path
        storage.create_lockspace(self.shared, 'ls', 4, T.io_timeout)
        self.boot_file = os.path.join(self.run_dir, 'boot_id')
        self.expiry = os.path.join(self.run_dir, 'expiry')
        self._boot('boot-1')

    def _boot(self, boot):
        with open(self.boot_file, 'w') as f:
            f.write(boot + '\n')

    def _daemon(self):
        conf = cfg.ConfigOpts()
        conf.register_opt(cfg.StrOpt('host', default='host1'))
        fitlock_conf.register_opts(conf)
        conf([], project='hastack-test')
        for name, value in (
                ('directory', self.shared), ('host_id', 1),
                ('io_timeout', T.io_timeout), ('watchdog_timeout',
                                               T.watchdog),
                ('arbiter_wait', T.arbiter_wait),
                ('kill_timeout', T.kill_time), ('slop', T.slop),
                ('state_dir', self.local), ('boot_id_file', self.boot_file),
                ('watchdog_expiry_file', self.expiry)):
            conf.set_override(name, value, 'fitlock')
        fitlockd = daemon.Daemon(conf)
        self.addCleanup(fitlockd.stop)
        return fitlockd

    def _previous_incarnation(self):
        space = lockspace.Lockspace('ls', self.shared, 1, 'host1', T,
                                    self.local, 'boot-1', timeline.Arbiter())
        self.addCleanup(space.io.io.close)
        space.join()
        space.acquire('vm-1')
        space.journal.close()
        return space

    def test_saved_holders_keep_the_expiry_until_the_join(self):
        # Safety (was a bug): a restarted fitlockd published "no lease"
        # (infinite) until its join had resumed or fenced the holders the
        # previous incarnation left; stopped or stuck in that window, it
        # left them running with the watchdog fed (simulation:
        # 'restart').
        previous = self._previous_incarnation()
        fitlockd = self._daemon()
        fitlockd.lock_state_dir()
        published = watchdog.read_expiry(self.expiry)
        self.assertEqual(previous.last_renewal + T.trusted_age, published)
        result = fitlockd.join('ls')
        self.assertTrue(result['resumed'])
        self.assertEqual({}, fitlockd.saved_expiry)
        fitlockd.stop()     # no renewal between the two reads below
        fitlockd.publish_expiry()
        space = fitlockd.lockspaces['ls']
        self.assertEqual(space.watchdog_expiry(),
                         watchdog.read_expiry(self.expiry))

    def test_a_failed_join_keeps_the_saved_expiry(self):
        self._previous_incarnation()
        fitlockd = self._daemon()
        fitlockd.lock_state_dir()
        self.useFixture(fixtures.MockPatch(
            'hastack.fitlock.lockspace.Lockspace.join',
            side_effect=lockspace.errors.FitlockError('cannot fence')))
        self.assertRaises(lockspace.errors.FitlockError, fitlockd.join,
                          'ls')
        fitlockd.publish_expiry()
        self.assertLess(watchdog.read_expiry(self.expiry), math.inf)

    def test_another_boot_left_nothing_running(self):
        self._previous_incarnation()
        self._boot('boot-2')
        fitlockd = self._daemon()
        fitlockd.lock_state_dir()
        self.assertEqual(math.inf, watchdog.read_expiry(self.expiry))

    def test_nothing_saved(self):
        fitlockd = self._daemon()
        fitlockd.lock_state_dir()
        self.assertEqual(math.inf, watchdog.read_expiry(self.expiry))

    def test_unreadable_state_stops_the_watchdog_feed(self):
        with open(os.path.join(self.local, 'ls.journal'), 'wb') as f:
            f.write(b'\x07' * 100)
        fitlockd = self._daemon()
        fitlockd.lock_state_dir()
        self.assertEqual(-math.inf, watchdog.read_expiry(self.expiry))
