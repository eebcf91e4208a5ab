"""Several fitlockd processes as hosts sharing one folder: contention,
a frozen or killed owner, restarts, releases."""

import concurrent.futures
import signal
import time

import testtools

from hastack.fitlock import client as client_mod
from hastack.fitlock import timing as timing_mod
from tests.functional.fitlock import fixtures as fl

T = fl.FAST


class TestContention(testtools.TestCase):

    def test_one_lease_many_hosts_one_owner(self):
        shared = self.useFixture(fl.SharedFolder())
        hosts = [self.useFixture(fl.Fitlockd(shared, i)) for i in (1, 2, 3,
                                                                   4)]
        for round_ in range(5):
            resource = 'vm-%d' % round_

            def take(host):
                try:
                    return host.acquire(resource)
                except client_mod.RemoteError as e:
                    return e.code

            with concurrent.futures.ThreadPoolExecutor(4) as pool:
                results = list(pool.map(take, hosts))
            winners = [r for r in results if isinstance(r, dict)]
            self.assertEqual(1, len(winners), results)
            for result in results:
                if not isinstance(result, dict):
                    self.assertIn(result, ('lease_held', 'lease_busy'))
            owner = winners[0]['owner_id']
            for host in hosts:
                view = host.call('inquire', lockspace='ls',
                                 resource=resource)
                self.assertEqual(owner, view['owner_id'])
                self.assertIs(host.host_id == owner, view['mine'])


class TestOwnerFailure(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.shared = self.useFixture(fl.SharedFolder())
        self.owner = self.useFixture(fl.Fitlockd(self.shared, 1))
        self.other = self.useFixture(fl.Fitlockd(self.shared, 2))
        self.holder = self.useFixture(fl.Holder())
        self.owner.acquire('vm-1', pid=self.holder.pid)

    def _takeover_time(self, since, limit):
        """Try to take vm-1 from the other host until it works."""
        refusals = 0
        while time.monotonic() - since < limit:
            try:
                self.other.acquire('vm-1')
                return time.monotonic() - since, refusals
            except client_mod.RemoteError as e:
                self.assertEqual('lease_held', e.code)
                refusals += 1
            time.sleep(0.05)
        self.fail('no takeover within %s s' % limit)

    def test_frozen_owner_keeps_lease_until_h(self):
        self.owner.signal(signal.SIGSTOP)
        stopped = time.monotonic()
        elapsed, refusals = self._takeover_time(stopped, T.host_dead + 5)
        # The observer's timer starts at the last change it saw, which is
        # at most one renewal interval (plus one I/O) before the stop.
        self.assertGreaterEqual(
            elapsed, T.host_dead - T.renewal_interval - T.io_timeout)
        self.assertLess(elapsed, T.host_dead + 2 * T.renewal_interval + 1)
        self.assertGreater(refusals, 0)
        # Thawed, the old owner finds its renewals were too late and
        # fences its holder: two copies never run on together.
        self.owner.signal(signal.SIGCONT)
        self.assertTrue(self.holder.wait_dead(T.kill_time + 5))

    def test_killed_owner_lease_taken_after_h(self):
        self.owner.kill()
        killed = time.monotonic()
        elapsed, _ = self._takeover_time(killed, T.host_dead + 5)
        self.assertGreaterEqual(
            elapsed, T.host_dead - T.renewal_interval - T.io_timeout)

    def test_released_lease_is_free_at_once(self):
        self.owner.call('release', lockspace='ls', resource='vm-1')
        result = self.other.acquire('vm-1')
        self.assertEqual(2, result['owner_id'])

    def test_lease_released_when_its_holder_exits(self):
        self.holder.process.kill()
        started = time.monotonic()
        elapsed, _ = self._takeover_time(started, 5)
        self.assertLess(elapsed, 3 * T.renewal_interval + 1)


class TestRestart(testtools.TestCase):

    # N = 0.5 s: F = 4 s leaves room for a process restart.
    SLOW = timing_mod.Timing(io_timeout=0.5, watchdog=3.0, arbiter_wait=1.0,
                             kill_time=0.5, slop=0.5)

    def setUp(self):
        super().setUp()
        self.shared = self.useFixture(fl.SharedFolder(timing=self.SLOW))
        self.host = self.useFixture(fl.Fitlockd(self.shared, 1, self.SLOW))
        self.other = self.useFixture(fl.Fitlockd(self.shared, 2, self.SLOW))
        self.holder = self.useFixture(fl.Holder())
        self.host.acquire('vm-1', pid=self.holder.pid)
        self.generation = self.host.lockspace_status()['generation']

    def test_restart_within_f_keeps_generation_and_leases(self):
        self.host.stop()
        started = time.monotonic()
        self.host.start()
        joined_in = time.monotonic() - started
        status = self.host.lockspace_status()
        self.assertTrue(status['resumed'])
        self.assertEqual(self.generation, status['generation'])
        self.assertEqual(['vm-1'], status['leases'])
        self.assertEqual({'vm-1': [self.holder.pid]}, status['holders'])
        self.assertTrue(self.holder.alive())
        # Process start included; the join itself needs no wait.
        self.assertLess(joined_in, self.SLOW.renewal_fail)
        e = self.assertRaises(client_mod.RemoteError, self.other.acquire,
                              'vm-1')
        self.assertEqual('lease_held', e.code)

    def test_restart_after_f_fences_first(self):
        self.host.stop()
        time.sleep(self.SLOW.renewal_fail + 0.5)
        self.host.start()
        status = self.host.lockspace_status()
        self.assertFalse(status['resumed'])
        self.assertEqual(self.generation + 1, status['generation'])
        self.assertEqual([], status['leases'])
        self.assertTrue(self.holder.wait_dead(5))
        # A new generation tells the others at once that the old one's
        # leases are free.
        deadline = time.monotonic() + 3 * self.SLOW.renewal_interval + 2
        while True:
            try:
                self.assertEqual(2, self.other.acquire('vm-1')['owner_id'])
                break
            except client_mod.RemoteError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def test_reboot_joins_without_waiting_for_h(self):
        self.host.reboot()
        self.holder.process.kill()  # it died with the "reboot"
        started = time.monotonic()
        self.host.start()
        self.assertLess(time.monotonic() - started, self.SLOW.host_dead)
        status = self.host.lockspace_status()
        self.assertEqual(self.generation + 1, status['generation'])
        self.assertEqual([], status['leases'])
