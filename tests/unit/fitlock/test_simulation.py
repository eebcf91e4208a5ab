"""Fitlock's safety, by deterministic simulation (see simulation.py).

The invariant: at no instant do two hosts have writes to one instance's
disk in flight. Every schedule is drawn from a fixed seed or written by
hand, so every run of these tests runs the same schedules.

Findings: the model of today's fitlockd (lockspace.py, delta.py,
paxos.py as of 6464189) breaks the invariant (``TestCurrentCode``);
``sim.FIXES`` names the proposed fixes the simulation can emulate (see
simulation.py), with all of them every schedule here keeps it
(``TestFixes``), and ``TestEachFixIsNeeded`` pins, for each fix, a
schedule that breaks without it. When a fix lands in hastack/, the model
(simulation.Space) follows the code and the fix leaves ``FIXES``.
"""

import dataclasses
import unittest

from oslotest import base

from hastack.fitlock import timing as timing_mod
from tests.unit.fitlock import simulation as sim

ALL_FIXES = sim.FIXES
NFS = sim.Profile()                       # writes of one host may reorder
CEPH = sim.Profile(ordered=True)          # per host and file, in order
HEAVY = sim.Profile(freezes=4, freeze_len=(60.0, 400.0))
SCHEDULES = 40                            # per storage model, ~7 s each


def run(seed, profile=NFS, fixes=(), timing=None, plan=None):
    return sim.Simulation(seed, timing, profile, plan=plan,
                          fixes=fixes).run()


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
        # Same faults, every proposed fix: safe with H (see TestFixes),
        # broken within a few schedules with H = F.
        bad, runs, _ = sim.explore(range(20), sim.ShortH(), NFS,
                                   fixes=ALL_FIXES)
        self.assertGreaterEqual(len(bad), 5, '%d of %d' % (len(bad), runs))


class TestFixes(base.BaseTestCase):
    """Every fault, every proposed fix: no two writers, and the schedules
    do exercise takeovers, fencing, resets and late writes."""

    def _explore(self, profile):
        bad, runs, totals = sim.explore(range(SCHEDULES), None, profile,
                                        fixes=ALL_FIXES)
        self.assertEqual([], [str(r.violations[0]) + ' seed %d' % r.seed
                              for r in bad])
        self.assertEqual(SCHEDULES, runs)
        for stat in ('owner_dead', 'fences', 'fence_failed', 'resets',
                     'late_writes', 'released', 'joins'):
            self.assertGreater(totals[stat], SCHEDULES // 4, stat)
        return totals

    def test_nfs_like_storage(self):
        self._explore(NFS)

    def test_ceph_like_storage(self):
        self._explore(CEPH)

    def test_many_long_freezes_of_fitlockd(self):
        bad, runs, totals = sim.explore(range(SCHEDULES // 2), None, HEAVY,
                                        fixes=ALL_FIXES)
        self.assertEqual([], [str(r.violations[0]) + ' seed %d' % r.seed
                              for r in bad])
        self.assertGreater(totals['owner_dead'], runs)


class TestCurrentCode(base.BaseTestCase):
    """Today's code in schedules written by hand."""

    def test_freeze_during_a_ballot_is_safe(self):
        # host1 holds vm-0 and is healthy. host2's agent asks for vm-0
        # every second; one request reads the lease file while it hangs
        # (a stuck placement group, 291..305), and host2's fitlockd is
        # stopped from 300 to 500 with that read in flight. The table
        # counts stillness only up to its last read (since 6464189), so
        # host1 still looks alive when the ballot goes on.
        profile = dataclasses.replace(sim.QUIET, attempt_every=(1.0, 1.0))
        plan = sim.quiet_plan(2, [0.0, 100.0],
                              file_hangs={'lease:vm-0': [(291.0, 305.0)]},
                              freezes={1: [(300.0, 500.0)]})
        result = run(1, profile, plan=plan)
        self.assertEqual([], result.violations)
        self.assertEqual(0, result.stats['owner_dead'])

    def _failed_fence(self, fixes, seed=1):
        # host1 holds vm-0; its storage hangs from 300 to 700, with a disk
        # write in flight: the instance cannot be killed until it lands.
        # fitlockd fences at F, fails, drops the lease anyway, and then
        # publishes an infinite watchdog expiry (no lease held): the
        # watchdog never resets host1. host2 takes vm-0 after H; host1's
        # write lands at 700.
        profile = dataclasses.replace(sim.QUIET, p_arbiter_answers=1.0)
        plan = sim.quiet_plan(2, [0.0, 100.0], hangs={0: [(300.0, 700.0)]})
        return run(seed, profile, fixes=fixes, plan=plan)

    @unittest.expectedFailure
    def test_bug_failed_fence_disarms_the_watchdog(self):
        self.assertEqual([], self._failed_fence(()).violations)

    def test_fix_failed_fence_disarms_the_watchdog(self):
        result = self._failed_fence(('fence',))
        self.assertEqual([], result.violations)
        self.assertEqual(1, result.stats['fence_failed'])
        self.assertEqual(1, result.stats['resets'])

    def _slop(self, slop):
        # As _failed_fence, with every proposed fix and a slop that
        # check() accepts (A + T_kill + slop = 5 + 5 + 50 <= W = 60) but
        # that exceeds N: the watchdog resets host1 by F - N + W = H - N
        # after its last renewal (408 s here), and its disk write in
        # flight then lands up to the slop later (447 s), after host2
        # took over at H (440 s). The watchdog path needs slop <= N.
        timing = timing_mod.Timing(arbiter_wait=5.0, kill_time=5.0,
                                   slop=slop).check()
        profile = dataclasses.replace(sim.QUIET, p_arbiter_answers=1.0,
                                      attempt_every=(1.0, 1.0))
        plan = sim.quiet_plan(2, [0.0, 100.0], hangs={0: [(300.0, 700.0)]})
        return run(1, profile, fixes=ALL_FIXES, timing=timing, plan=plan)

    @unittest.expectedFailure
    def test_bug_check_accepts_slop_above_n(self):
        self.assertEqual([], self._slop(50.0).violations)

    def test_slop_below_n_is_safe(self):
        result = self._slop(5.0)
        self.assertEqual([], result.violations)
        self.assertEqual(1, result.stats['resets'])

    @unittest.expectedFailure
    def test_bug_random_schedules(self):
        bad, _, _ = sim.explore(range(20), None, NFS, stop_at_first=True)
        self.assertEqual([], [str(r.violations[0]) for r in bad])


# For each proposed fix: a seed whose schedule keeps the invariant with
# every fix, and breaks it with every fix but that one. Found by
# ``python -m tests.unit.fitlock.simulation --all-fixes-but X --stop``.
# A third item names fixes left off in both runs: with them on, that
# bug needs a coincidence no schedule found in 1500 seeds. 'table' has no
# pin: with 'recover' and 'acquire' on, a table poisoned by a read in
# flight across a freeze of fitlockd is used only in a window no seed
# hit (3000 tried); without them the same schedules break for their own
# reasons first. Its mechanism shows in traces of the model of today's
# code ("unchanged for 299.2 s, last read 0.0 s ago": the read had
# started before a 290 s freeze).
UNPINNED = ('table',)
PINNED = {
    'generation': (NFS, 570),
    'fence': (CEPH, 28),
    'fencerace': (NFS, 435, ('inflight',)),
    'publish': (NFS, 1486),
    'restart': (NFS, 110),
    'rejoin': (NFS, 1105, ('inflight',)),
    'recover': (NFS, 9),
    'acquire': (NFS, 261),
    'shortcut': (CEPH, 133),
    'inflight': (HEAVY, 13),
}


class TestEachFixIsNeeded(base.BaseTestCase):

    def _check(self, fix):
        profile, seed, *off = PINNED[fix]
        off = set(off[0]) if off else set()
        fixes = [f for f in ALL_FIXES if f not in off]
        self.assertEqual([], run(seed, profile, fixes).violations)
        others = [f for f in fixes if f != fix]
        self.assertNotEqual([], run(seed, profile, others).violations)

    def test_every_fix_is_pinned(self):
        self.assertEqual(sorted(ALL_FIXES), sorted(tuple(PINNED) +
                                                  UNPINNED))


def _make(fix):
    def test(self):
        self._check(fix)
    test.__name__ = 'test_%s' % fix
    test.__doc__ = 'Without the %r fix, a pinned schedule breaks.' % fix
    return test


for _fix in PINNED:
    setattr(TestEachFixIsNeeded, 'test_%s' % _fix, _make(_fix))
