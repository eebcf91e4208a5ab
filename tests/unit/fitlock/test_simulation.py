"""Fitlock's safety, by deterministic simulation (see simulation.py).

The invariant: at no instant do two hosts have writes to one instance's
disk in flight. Every schedule is drawn from a fixed seed or written by
hand, so every run of these tests runs the same schedules.

The model follows today's fitlockd (lockspace.py, daemon.py, delta.py,
paxos.py, storage.py). Schedules that broke earlier code are pinned in
``REGRESSIONS``; the negative controls show the checker bites when a
safety wait is shortened or a safety condition is not checked.
"""

import dataclasses

from oslotest import base

from hastack.fitlock import timing as timing_mod
from tests.unit.fitlock import simulation as sim

NFS = sim.Profile()                       # writes of one host may reorder
CEPH = sim.Profile(ordered=True)          # per host and file, in order
HEAVY = sim.Profile(freezes=4, freeze_len=(60.0, 400.0))
SCHEDULES = 40                            # per storage model, ~7 s each


def run(seed, profile=NFS, timing=None, plan=None):
    return sim.Simulation(seed, timing, profile, plan=plan).run()


class TestChecker(base.BaseTestCase):

    def _violations(self, writes):
        simulation = sim.Simulation(0, profile=sim.QUIET,
                                    plan=sim.quiet_plan(2, [0.0, 0.0]))
        simulation.writes = {'vm-0': [list(w) for w in writes]}
        return simulation.violations()

    def test_overlap_of_two_hosts(self):
        found = self._violations([('host1', 0.0, 2.0), ('host2', 1.9, 3.0)])
        self.assertEqual(1, len(found))
        self.assertEqual(('host1', 0.0, 2.0), found[0].first)

    def test_write_still_in_flight_counts(self):
        # host1's write started long before and lands after host2 starts.
        found = self._violations([('host1', 0.0, 100.0),
                                  ('host1', 100.0, 101.0),
                                  ('host2', 50.0, 50.5)])
        self.assertEqual(1, len(found))

    def test_back_to_back_is_fine(self):
        self.assertEqual([], self._violations([
            ('host1', 0.0, 1.0), ('host1', 1.0, 2.0), ('host2', 2.0, 3.0),
            ('host1', 3.5, 4.0)]))

    def test_one_host_overlapping_itself_is_fine(self):
        self.assertEqual([], self._violations([('host1', 0.0, 5.0),
                                               ('host1', 1.0, 2.0)]))


class TestDeterminism(base.BaseTestCase):

    def test_same_seed_same_schedule(self):
        one = sim.Simulation(11, trace=True).run()
        two = sim.Simulation(11, trace=True).run()
        self.assertEqual(one.trace, two.trace)
        self.assertEqual(one.stats, two.stats)
        self.assertNotEqual(one.trace, sim.Simulation(12, trace=True)
                            .run().trace)


class TestNegativeControl(base.BaseTestCase):
    """The checker bites: shorten H to F and the same schedules break."""

    def _frozen_owner(self, timing):
        # host1 holds vm-0; its fitlockd is stopped (SIGSTOP) for 400 s.
        # Its instance keeps writing; only the watchdog can stop it.
        plan = sim.quiet_plan(2, [0.0, 100.0],
                              freezes={0: [(300.0, 700.0)]})
        return run(1, sim.QUIET, timing=timing, plan=plan)

    def test_frozen_owner_is_reset_before_takeover(self):
        result = self._frozen_owner(timing_mod.Timing())
        self.assertEqual([], result.violations)
        self.assertEqual(1, result.stats['resets'])
        self.assertEqual(2, result.stats['acquired'])   # host2 took over

    def test_frozen_owner_with_h_shortened_to_f_breaks(self):
        result = self._frozen_owner(sim.ShortH())
        self.assertNotEqual([], result.violations)
        first = result.violations[0]
        self.assertEqual({'host1', 'host2'}, {first.first[0],
                                              first.second[0]})

    def test_random_schedules_with_h_shortened_break(self):
        # Same faults: safe with H (see TestSchedules), broken within a
        # few schedules with H = F.
        bad, runs, _ = sim.explore(range(20), sim.ShortH(), NFS)
        self.assertGreaterEqual(len(bad), 5, '%d of %d' % (len(bad), runs))


class TestStorageAssumption(base.BaseTestCase):
    """storage.py's assumption: a write whose system call has returned
    does not land later. Found by the explorer with every fix in place:
    without it, host2's earlier ballot write and host3's earlier leader
    write, both failed and replayed some 190 s after their calls
    returned (as on an NFS soft mount), erased every trace of the lease
    version host2 had won since; host3 took the lease again while host2
    ran the instance. No code on a host can know about such a write."""

    def test_violated_assumption_breaks(self):
        profile = dataclasses.replace(HEAVY, land_after_return=True)
        self.assertNotEqual([], run(772, profile).violations)

    def test_kept_assumption_is_safe(self):
        self.assertEqual([], run(772, HEAVY).violations)


class TestSchedules(base.BaseTestCase):
    """Every fault: no two writers, and the schedules do exercise
    takeovers, fencing, resets, rejoins and late writes."""

    def _explore(self, profile):
        bad, runs, totals = sim.explore(range(SCHEDULES), None, profile)
        self.assertEqual([], [str(r.violations[0]) + ' seed %d' % r.seed
                              for r in bad])
        self.assertEqual(SCHEDULES, runs)
        for stat in ('owner_dead', 'fences', 'resets', 'late_writes',
                     'released', 'joins', 'rejoins'):
            self.assertGreater(totals[stat], SCHEDULES // 4, stat)
        # Only holders whose disk write hangs in the storage survive the
        # kill: rarer.
        self.assertGreater(totals['fence_failed'], SCHEDULES // 8)
        return totals

    def test_nfs_like_storage(self):
        self._explore(NFS)

    def test_ceph_like_storage(self):
        self._explore(CEPH)

    def test_many_long_freezes_of_fitlockd(self):
        bad, runs, totals = sim.explore(range(SCHEDULES // 2), None, HEAVY)
        self.assertEqual([], [str(r.violations[0]) + ' seed %d' % r.seed
                              for r in bad])
        self.assertGreater(totals['owner_dead'], runs)


class TestHandWritten(base.BaseTestCase):
    """Schedules written by hand."""

    def test_freeze_during_a_ballot_is_safe(self):
        # host1 holds vm-0 and is healthy. host2's agent asks for vm-0
        # every second; one request reads the lease file while it hangs
        # (a stuck placement group, 291..305), and host2's fitlockd is
        # stopped from 300 to 500 with that read in flight. The table
        # counts stillness only up to its last read, dated by its start,
        # so host1 still looks alive when the ballot goes on.
        profile = dataclasses.replace(sim.QUIET, attempt_every=(1.0, 1.0))
        plan = sim.quiet_plan(2, [0.0, 100.0],
                              file_hangs={'lease:vm-0': [(291.0, 305.0)]},
                              freezes={1: [(300.0, 500.0)]})
        result = run(1, profile, plan=plan)
        self.assertEqual([], result.violations)
        self.assertEqual(0, result.stats['owner_dead'])

    def _failed_fence(self, seed=1):
        # host1 holds vm-0; its storage hangs from 300 to 700, with a disk
        # write in flight: the instance cannot be killed until it lands.
        # fitlockd fences at F and fails. It used to drop the lease anyway
        # and then publish an infinite watchdog expiry (no lease held):
        # the watchdog never reset host1, host2 took vm-0 after H, and
        # host1's write landed at 700 (simulation: 'fence'). The lease is
        # kept now: the expiry stays in the past and the watchdog resets
        # host1 before H.
        profile = dataclasses.replace(sim.QUIET, p_arbiter_answers=1.0)
        plan = sim.quiet_plan(2, [0.0, 100.0], hangs={0: [(300.0, 700.0)]})
        return run(seed, profile, plan=plan)

    def test_failed_fence_keeps_the_watchdog_armed(self):
        result = self._failed_fence()
        self.assertEqual([], result.violations)
        self.assertEqual(1, result.stats['fence_failed'])
        self.assertEqual(1, result.stats['resets'])
        self.assertEqual(2, result.stats['acquired'])   # host2 took over

    def _slop(self, slop):
        # As _failed_fence, with a slop that A + T_kill + slop <= W
        # accepts (5 + 5 + 50 <= 60) but that exceeds N: the watchdog
        # resets host1 before F - N + W = H - N after its last renewal,
        # and its disk write in flight then lands up to the slop later,
        # after host2 took over at H. timing.check() refuses it now.
        timing = timing_mod.Timing(arbiter_wait=5.0, kill_time=5.0,
                                   slop=slop)
        profile = dataclasses.replace(sim.QUIET, p_arbiter_answers=1.0,
                                      attempt_every=(1.0, 1.0))
        plan = sim.quiet_plan(2, [0.0, 100.0], hangs={0: [(300.0, 700.0)]})
        return timing, run(1, profile, timing=timing, plan=plan)

    def test_slop_above_n_is_refused_and_would_break(self):
        timing, result = self._slop(50.0)
        self.assertRaises(timing_mod.UnsafeTiming, timing.check)
        # The negative control for slop <= N: without it, two writers.
        self.assertNotEqual([], result.violations)

    def test_slop_below_n_is_safe(self):
        timing, result = self._slop(5.0)
        self.assertIs(timing, timing.check())
        self.assertEqual([], result.violations)
        self.assertEqual(1, result.stats['resets'])

    def test_renewal_gap_ends_the_generation(self):
        # host1 holds vm-0; its storage hangs from 300 to 450. It fences
        # at F (the kill works: no write of vm-0 hangs), so no lease is
        # held and the watchdog is fed; host2 takes vm-0 after H. When
        # host1's storage comes back, its renewal comes 180 s >= H - 2N
        # after the last: others may have judged generation 1 dead, so
        # it does not renew it on but joins again in generation 2 (once
        # the slop after the fence has passed).
        profile = dataclasses.replace(sim.QUIET, d_state=False)
        plan = sim.quiet_plan(2, [0.0, 100.0], hangs={0: [(300.0, 450.0)]})
        result = sim.Simulation(1, None, profile, plan=plan,
                                trace=True).run()
        self.assertEqual([], result.violations)
        self.assertEqual((1, 0, 0), (result.stats['rejoins'],
                                     result.stats['resets'],
                                     result.stats['fence_failed']))
        messages = [m for _, host, m in result.trace if host == 'host1']
        self.assertIn('joined again in generation 2', messages)

    def test_late_write_of_an_earlier_generation_is_no_loss(self):
        # Found by the explorer after the fixes (liveness): a renewal of
        # an earlier generation that had failed landed after the host
        # joined again; renew() took it for a loss of the slot, and the
        # host fenced its instances and restarted for nothing. Unit test:
        # test_delta's test_a_late_write_of_an_earlier_generation_of_ours.
        result = run(59)
        self.assertEqual([], result.violations)
        self.assertEqual(0, result.stats['lost'])

    def test_random_schedules(self):
        bad, _, _ = sim.explore(range(20), None, NFS, stop_at_first=True)
        self.assertEqual([], [str(r.violations[0]) for r in bad])


# Schedules that broke the invariant before each fix (simulation.py's
# docstring names them), found by the explorer with that fix alone left
# out of an emulation of the fixes. The model now follows the fixed code:
# each must keep the invariant. 'table' had no schedule of its own: with
# 'recover' and 'acquire' in place, a table poisoned by a read in flight
# across a freeze of fitlockd is used only in a window no seed hit (3000
# tried); its unit test is test_delta's
# test_stillness_is_dated_by_the_start_of_the_read.
REGRESSIONS = {
    'generation': (NFS, 570),
    'fence': (CEPH, 28),
    'fencerace': (NFS, 435),
    'publish': (NFS, 1486),
    'restart': (NFS, 110),
    'rejoin': (NFS, 1105),
    'recover': (NFS, 9),
    'acquire': (NFS, 261),
    'shortcut': (CEPH, 133),
    'inflight': (HEAVY, 13),
}


class TestRegressions(base.BaseTestCase):

    def _check(self, bug):
        profile, seed = REGRESSIONS[bug]
        self.assertEqual([], run(seed, profile).violations)


def _make(bug):
    def test(self):
        self._check(bug)
    test.__name__ = 'test_%s' % bug
    test.__doc__ = 'The schedule that found bug %r keeps the invariant.' % bug
    return test


for _bug in REGRESSIONS:
    setattr(TestRegressions, 'test_%s' % _bug, _make(_bug))
