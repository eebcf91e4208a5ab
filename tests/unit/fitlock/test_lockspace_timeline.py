"""One lockspace's fencing timeline, resume and leases, on real files.

The clock is not faked: tests move the recorded last renewal back in time
(as if renewals had failed that long) and run the timeline check.
"""

import subprocess
import sys
import time

import fixtures
from oslotest import base

from hastack.fitlock import errors
from hastack.fitlock import lockspace
from hastack.fitlock import storage
from hastack.fitlock import timing as timing_mod

T = timing_mod.Timing(io_timeout=0.05, watchdog=1.0, arbiter_wait=0.3,
                      kill_time=0.3, slop=0.1)


class Arbiter:
    """Answers fence queries from a script of decisions."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.asked = []

    def __call__(self, name, deadline):
        self.asked.append((name, deadline - time.monotonic()))
        return self.answers.pop(0) if self.answers else None


class LockspaceTestCase(base.BaseTestCase):

    def setUp(self):
        super().setUp()
        self.shared = self.useFixture(fixtures.TempDir()).path
        self.local = self.useFixture(fixtures.TempDir()).path
        storage.create_lockspace(self.shared, 'ls', 4, T.io_timeout)
        self.events = []

    def space(self, arbiter=None, boot='boot-1'):
        space = lockspace.Lockspace(
            'ls', self.shared, 1, 'host1', T, self.local, boot,
            arbiter or Arbiter(), notify=lambda e, d: self.events.append(e))
        self.addCleanup(space.io.io.close)
        return space

    def holder(self):
        process = subprocess.Popen([sys.executable, '-c',
                                    'import time; time.sleep(60)'])
        self.addCleanup(lambda: (process.kill(), process.wait()))
        return process

    def age(self, space, seconds):
        """Pretend the last good renewal started ``seconds`` ago."""
        space.last_renewal = time.monotonic() - seconds


class TestTimeline(LockspaceTestCase):

    def test_fence_when_arbiter_does_not_answer(self):
        arbiter = Arbiter()
        space = self.space(arbiter)
        space.join()
        vm = self.holder()
        space.acquire('vm-1', pid=vm.pid)
        self.age(space, T.renewal_fail + 0.01)
        space.check_timeline()
        self.assertEqual(1, len(arbiter.asked))
        self.assertAlmostEqual(T.arbiter_wait, arbiter.asked[0][1], delta=0.1)
        self.assertEqual(lockspace.FENCED, space.state)
        self.assertEqual({}, space.leases)
        self.assertIsNotNone(vm.poll())
        self.assertIn('fenced', self.events)

    def test_nothing_happens_before_f(self):
        arbiter = Arbiter()
        space = self.space(arbiter)
        space.join()
        vm = self.holder()
        space.acquire('vm-1', pid=vm.pid)
        self.age(space, T.renewal_fail - 0.2)
        space.check_timeline()
        self.assertEqual([], arbiter.asked)
        self.assertEqual(lockspace.OK, space.state)
        self.assertIsNone(vm.poll())

    def test_no_fence_grant_then_expiry(self):
        arbiter = Arbiter({'decision': 'no-fence', 'grant_seconds': 5})
        space = self.space(arbiter)
        space.join()
        vm = self.holder()
        space.acquire('vm-1', pid=vm.pid)
        self.age(space, T.renewal_fail + 0.01)
        space.check_timeline()
        self.assertEqual(lockspace.GRANTED, space.state)
        self.assertIsNone(vm.poll())
        self.assertEqual(space.grant_until, space.watchdog_expiry())
        # Close to the end of the grant, it is asked for again; no answer
        # this time: the grant ends, and then it fences.
        space.grant_until = time.monotonic() + T.arbiter_wait / 2
        space.check_timeline()
        self.assertEqual(2, len(arbiter.asked))
        self.assertEqual(lockspace.FENCED, space.state)
        self.assertIsNotNone(vm.poll())

    def test_grant_renewed(self):
        grant = {'decision': 'no-fence', 'grant_seconds': 5}
        arbiter = Arbiter(grant, grant)
        space = self.space(arbiter)
        space.join()
        vm = self.holder()
        space.acquire('vm-1', pid=vm.pid)
        self.age(space, T.renewal_fail + 0.01)
        space.check_timeline()
        space.grant_until = time.monotonic() + T.arbiter_wait / 2
        space.check_timeline()
        self.assertEqual(lockspace.GRANTED, space.state)
        self.assertGreater(space.grant_until - time.monotonic(), 4)
        self.assertIsNone(vm.poll())

    def test_arbiter_says_fence(self):
        space = self.space(Arbiter({'decision': 'fence'}))
        space.join()
        vm = self.holder()
        space.acquire('vm-1', pid=vm.pid)
        self.age(space, T.renewal_fail + 0.01)
        space.check_timeline()
        self.assertEqual(lockspace.FENCED, space.state)
        self.assertIsNotNone(vm.poll())

    def test_no_lease_no_question(self):
        arbiter = Arbiter()
        space = self.space(arbiter)
        space.join()
        self.age(space, T.renewal_fail + 0.01)
        space.check_timeline()
        self.assertEqual([], arbiter.asked)
        self.assertEqual(lockspace.FENCED, space.state)
        self.assertEqual(float('inf'), space.watchdog_expiry())

    def test_renewal_recovers_and_allows_leases_again(self):
        space = self.space()
        space.join()
        self.age(space, T.renewal_fail + 0.01)
        space.check_timeline()
        self.assertRaises(errors.FitlockError, space.acquire, 'vm-1')
        space.renew_once()
        self.assertEqual(lockspace.OK, space.state)
        self.assertEqual('vm-1', space.acquire('vm-1').resource)

    def test_watchdog_expiry_stops_before_f(self):
        space = self.space()
        space.join()
        space.acquire('vm-1')
        self.assertAlmostEqual(
            space.last_renewal + T.renewal_fail - T.io_timeout,
            space.watchdog_expiry())


class TestResume(LockspaceTestCase):

    def test_restart_within_f_resumes_generation_and_leases(self):
        first = self.space()
        generation = first.join()['generation']
        vm = self.holder()
        first.acquire('vm-1', pid=vm.pid)
        second = self.space()
        result = second.join()
        self.assertTrue(result['resumed'])
        self.assertEqual(generation, result['generation'])
        self.assertEqual(['vm-1'], sorted(second.leases))
        self.assertEqual({vm.pid}, second.holders['vm-1'])
        self.assertIsNone(vm.poll())

    def test_restart_after_f_fences_then_joins_anew(self):
        first = self.space()
        generation = first.join()['generation']
        vm = self.holder()
        first.acquire('vm-1', pid=vm.pid)
        self.age(first, T.renewal_fail + 0.01)
        first._save()
        second = self.space()
        result = second.join()
        self.assertFalse(result['resumed'])
        self.assertEqual(['vm-1'], result['fenced'])
        self.assertEqual(generation + 1, result['generation'])
        self.assertIsNotNone(vm.wait(5))
        self.assertEqual({}, second.leases)

    def test_other_boot_joins_anew_without_fencing(self):
        first = self.space()
        first.join()
        first.acquire('vm-1')
        second = self.space(boot='boot-2')
        started = time.monotonic()
        result = second.join()
        self.assertFalse(result['resumed'])
        self.assertEqual([], result['fenced'])
        # No H wait: the old incarnation died with its boot.
        self.assertLess(time.monotonic() - started, T.host_dead)
