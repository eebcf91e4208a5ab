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

# slop <= N (timing.check): the watchdog path needs it. N = 0.1 s leaves
# a loaded machine room for one local I/O.
T = timing_mod.Timing(io_timeout=0.1, watchdog=1.0, arbiter_wait=0.3,
                      kill_time=0.3, slop=0.1).check()


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
        first.journal.set(last_renewal_monotonic=first.last_renewal)
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


class TestFencing(LockspaceTestCase):

    def test_holders_that_cannot_be_stopped_keep_their_lease(self):
        # Safety (was a bug): a lease without a holder pid and without a
        # fence command cannot be fenced. It used to be dropped anyway,
        # and with no lease held the watchdog expiry became infinite:
        # nothing would ever reset the host (simulation: 'fence').
        arbiter = Arbiter({'decision': 'fence'})
        space = self.space(arbiter)
        space.join()
        space.acquire('vm-1')
        self.age(space, T.renewal_fail + 0.01)
        space.check_timeline()
        self.assertEqual(lockspace.FENCED, space.state)
        self.assertEqual(['vm-1'], sorted(space.leases))
        expiry = space.watchdog_expiry()
        self.assertEqual(space.last_renewal + T.trusted_age, expiry)
        self.assertLess(expiry, time.monotonic())

    def test_holder_pid_that_survives_the_kill_keeps_its_lease(self):
        vm = self.holder()
        self.useFixture(fixtures.MockPatch(
            'hastack.fitlock.fencing.kill_pids', return_value={vm.pid}))
        space = self.space(Arbiter({'decision': 'fence'}))
        space.join()
        space.acquire('vm-1', pid=vm.pid)
        self.age(space, T.renewal_fail + 0.01)
        space.check_timeline()
        self.assertEqual(['vm-1'], sorted(space.leases))
        self.assertEqual({vm.pid}, space.holders['vm-1'])
        self.assertLess(space.watchdog_expiry(), time.monotonic())

    def test_fence_leaves_a_lease_taken_again_meanwhile(self):
        # Safety (was a bug): _fence kills without the lock. Meanwhile
        # the renewal recovered, the lease was released and taken again
        # for a new holder; _fence then dropped the new lease and its
        # holder (simulation: 'fencerace').
        first, second = self.holder(), self.holder()
        space = self.space(Arbiter({'decision': 'fence'}))
        space.join()
        space.acquire('vm-1', pid=first.pid)
        real_fence = lockspace.fencing.fence

        def fence(*args, **kwargs):
            failed = real_fence(*args, **kwargs)
            with space.lock:
                # The renewal came back.
                space.state = lockspace.OK
                space.last_renewal = time.monotonic()
            space.release('vm-1')
            space.acquire('vm-1', pid=second.pid)
            return failed

        self.useFixture(fixtures.MockPatch(
            'hastack.fitlock.fencing.fence', side_effect=fence))
        self.age(space, T.renewal_fail + 0.01)
        space.check_timeline()
        self.assertIsNotNone(first.wait(5))
        self.assertIsNone(second.poll())
        self.assertEqual(['vm-1'], sorted(space.leases))
        self.assertEqual({second.pid}, space.holders['vm-1'])
        self.assertEqual({}, space.dropped)
        self.assertEqual(lockspace.OK, space.state)

    def test_fenced_lease_is_given_back_only_after_the_slop(self):
        space = self.space(Arbiter({'decision': 'fence'}))
        space.join()
        vm = self.holder()
        space.acquire('vm-1', pid=vm.pid)
        self.age(space, T.renewal_fail + 0.01)
        space.check_timeline()
        self.assertEqual(['vm-1'], sorted(space.dropped))
        quiet = space.quiet_until
        self.assertGreaterEqual(quiet, time.monotonic() + T.slop - 0.02)
        space.renew_once()            # right away: within the slop
        if time.monotonic() < quiet:
            self.assertEqual(['vm-1'], sorted(space.dropped))
        time.sleep(max(0.0, quiet - time.monotonic()))
        space.renew_once()
        self.assertEqual({}, space.dropped)
        self.assertTrue(space.inquire('vm-1')['released'])


class TestAcquire(LockspaceTestCase):

    def test_expiry_published_before_acquire_returns(self):
        # Safety (was a bug): the expiry file was rewritten up to a second
        # after a lease was taken; a fitlockd stopped in between left "no
        # lease" there and the watchdog fed (simulation: 'publish').
        seen = []
        space = lockspace.Lockspace(
            'ls', self.shared, 1, 'host1', T, self.local, 'boot-1',
            Arbiter(), publish=lambda: seen.append(
                (sorted(space.leases), space.watchdog_expiry())))
        self.addCleanup(space.io.io.close)
        space.join()
        self.assertEqual([], seen)
        space.acquire('vm-1')
        self.assertEqual([(['vm-1'], space.last_renewal + T.trusted_age)],
                         seen)

    def test_ballot_result_is_not_used_with_an_old_delta_lease(self):
        # Safety (was a bug): a ballot that ran across a freeze of
        # fitlockd ended when our delta lease was older than F - N; its
        # lease was used and a holder started that the watchdog no
        # longer covered (simulation: 'acquire').
        space = self.space()
        space.join()
        self.age(space, T.trusted_age + 0.01)
        e = self.assertRaises(errors.FitlockError, space.acquire, 'vm-1')
        self.assertIn('cannot be used', str(e))
        self.assertEqual({}, space.leases)
        # It is ours on disk: given back once renewals work.
        self.assertEqual(['vm-1'], sorted(space.dropped))
        space.renew_once()
        self.assertEqual({}, space.dropped)
        self.assertTrue(space.inquire('vm-1')['released'])
        self.assertEqual('vm-1', space.acquire('vm-1').resource)

    def test_acquire_of_a_lease_we_hold_is_idempotent(self):
        space = self.space()
        space.join()
        one, two = self.holder(), self.holder()
        first = space.acquire('vm-1', pid=one.pid)
        writes = space.io.io.io_count
        self.assertIs(first, space.acquire('vm-1', pid=two.pid))
        self.assertEqual(writes, space.io.io.io_count)
        self.assertEqual({one.pid, two.pid}, space.holders['vm-1'])

    def test_exited_holder_released_after_the_slop(self):
        space = self.space()
        space.join()
        vm = self.holder()
        space.acquire('vm-1', pid=vm.pid)
        vm.kill()
        vm.wait()
        space._reap_holders()
        self.assertEqual(['vm-1'], sorted(space.leases))
        time.sleep(T.slop)
        space._reap_holders()
        self.assertEqual({}, space.leases)
        self.assertTrue(space.inquire('vm-1')['released'])


class TestRenewalGap(LockspaceTestCase):

    def test_gap_ends_the_generation(self):
        # Safety (was a bug): a renewal H - 2N or more after the last
        # one (storage failing, or fitlockd stopped) went on in the same
        # generation although others may have judged it dead and taken
        # its leases (simulation: 'recover'). Now: fence, wait the slop,
        # join again in a new generation.
        space = self.space()
        generation = space.join()['generation']
        vm = self.holder()
        space.acquire('vm-1', pid=vm.pid)
        self.age(space, T.rejoin_gap + 0.01)
        space.renew_once()
        self.assertIsNotNone(vm.wait(5))
        self.assertEqual(lockspace.OK, space.state)
        self.assertEqual(generation + 1, space.mine.generation)
        self.assertEqual({}, space.leases)
        # The new generation was written a slop after the kill.
        self.assertGreaterEqual(space.last_renewal, space.quiet_until)
        self.assertEqual(['vm-1'], sorted(space.dropped))
        space.renew_once()
        self.assertEqual({}, space.dropped)
        self.assertIn('fenced', self.events)
        # A restart now resumes the new generation.
        again = self.space()
        self.assertEqual({'generation': generation + 1, 'resumed': True,
                          'fenced': []}, again.join())

    def test_shorter_gap_keeps_the_generation(self):
        space = self.space()
        generation = space.join()['generation']
        vm = self.holder()
        space.acquire('vm-1', pid=vm.pid)
        self.age(space, T.rejoin_gap - 0.1)
        space.renew_once()
        self.assertIsNone(vm.poll())
        self.assertEqual(generation, space.mine.generation)
        self.assertEqual(['vm-1'], sorted(space.leases))

    def test_gap_under_a_standing_grant_keeps_the_generation(self):
        # The conductor does not recover a host's instances while its
        # no-fence grant stands (design.md section 5): the generation goes
        # on, and only leases taken over anyway are fenced.
        space = self.space()
        generation = space.join()['generation']
        vm = self.holder()
        space.acquire('vm-1', pid=vm.pid)
        with space.lock:
            space.state = lockspace.GRANTED
            space.grant_until = time.monotonic() + 5
        self.age(space, T.rejoin_gap + 0.01)
        space.renew_once()
        self.assertIsNone(vm.poll())
        self.assertEqual(lockspace.OK, space.state)
        self.assertEqual(generation, space.mine.generation)
        self.assertEqual(['vm-1'], sorted(space.leases))

    def test_gap_with_a_holder_that_cannot_be_stopped(self):
        space = self.space()
        generation = space.join()['generation']
        space.acquire('vm-1')    # no pid, no fence command
        self.age(space, T.rejoin_gap + 0.01)
        space.renew_once()
        self.assertEqual(lockspace.LOST, space.state)
        self.assertEqual(generation, space.mine.generation)
        self.assertEqual(['vm-1'], sorted(space.leases))
        self.assertEqual(-float('inf'), space.watchdog_expiry())
        space.renew_once()
        self.assertEqual(generation, space.mine.generation)


class TestRejoinAfterFencing(LockspaceTestCase):

    def _previous_with_a_holder(self):
        first = self.space()
        first.join()
        vm = self.holder()
        first.acquire('vm-1', pid=vm.pid)
        self.age(first, T.renewal_fail + 0.01)
        first.journal.set(last_renewal_monotonic=first.last_renewal)
        return first, vm

    def _fence_times(self):
        ends = []
        real_fence = lockspace.fencing.fence

        def fence(*args, **kwargs):
            try:
                return real_fence(*args, **kwargs)
            finally:
                ends.append(time.monotonic())

        self.useFixture(fixtures.MockPatch(
            'hastack.fitlock.fencing.fence', side_effect=fence))
        return ends

    def test_new_generation_written_a_slop_after_the_fence(self):
        # Safety (was a bug): after fencing a previous incarnation's
        # holders, the new generation (which frees their leases at once)
        # was written before their writes in flight had landed
        # (simulation: 'rejoin').
        self._previous_with_a_holder()
        ends = self._fence_times()
        second = self.space()
        self.assertEqual(['vm-1'], second.join()['fenced'])
        self.assertGreaterEqual(second.io.last_slot_write_start - ends[0],
                                T.slop)

    def test_the_wait_survives_a_restart(self):
        # A fence recorded in the journal (a crash soon after it): a new
        # generation is still not written before its slop has passed.
        first = self.space()
        first.join()
        quiet = time.monotonic() + 0.3
        self.age(first, T.renewal_fail + 0.01)
        first.journal.set(last_renewal_monotonic=first.last_renewal,
                          quiet_until=quiet)
        second = self.space()
        self.assertFalse(second.join()['resumed'])
        self.assertGreaterEqual(second.io.last_slot_write_start, quiet)

    def test_other_boot_does_not_wait(self):
        first = self.space()
        first.join()
        first.journal.set(quiet_until=time.monotonic() + 60)
        second = self.space(boot='boot-2')
        started = time.monotonic()
        second.join()
        self.assertLess(time.monotonic() - started, 10)
