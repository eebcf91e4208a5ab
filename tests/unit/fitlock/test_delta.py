"""Delta leases (host liveness) against an in-memory storage."""

import dataclasses

from oslotest import base

from hastack.fitlock import delta
from hastack.fitlock import errors
from hastack.fitlock import ops
from hastack.fitlock import records
from hastack.fitlock import timing as timing_mod
from tests.unit.fitlock import memio

T = timing_mod.Timing()
LS = ops.LOCKSPACE


def record(host_id=1, generation=1, seq=1, owner='host1', released=0,
           timestamp=5):
    return records.Delta(host_id=host_id, generation=generation, seq=seq,
                         timestamp=timestamp, io_timeout_ms=10000,
                         owner=owner, released=released)


class TestJoin(base.BaseTestCase):

    def setUp(self):
        super().setUp()
        self.io = memio.MemoryIO()

    def test_free_slot(self):
        mine = self.io.run(delta.acquire(3, 'host3', T))
        self.assertEqual((3, 1, 1, 'host3', 0),
                         (mine.host_id, mine.generation, mine.seq,
                          mine.owner, mine.released))
        self.assertEqual(mine.pack(), self.io.get(LS, 3))
        # No wait for H on a never written slot; the join delay only.
        self.assertEqual([T.join_delay], self.io.sleeps)

    def test_released_slot_next_generation_without_h(self):
        self.io.put(LS, 3, record(3, generation=4, released=1).pack())
        mine = self.io.run(delta.acquire(3, 'host3', T))
        self.assertEqual(5, mine.generation)
        self.assertEqual([T.join_delay], self.io.sleeps)

    def test_held_slot_waits_h_then_takes_next_generation(self):
        self.io.put(LS, 3, record(3, generation=4, owner='other').pack())
        mine = self.io.run(delta.acquire(3, 'host3', T))
        self.assertEqual(5, mine.generation)
        self.assertEqual([T.host_dead, T.join_delay], self.io.sleeps)

    def test_held_slot_that_changes_is_busy(self):
        self.io.put(LS, 3, record(3, owner='other').pack())

        def renewed(seconds):
            if seconds == T.host_dead:
                self.io.put(LS, 3, record(3, seq=2, owner='other').pack())

        self.io.on_sleep = renewed
        e = self.assertRaises(errors.HostIdBusy, self.io.run,
                              delta.acquire(3, 'host3', T))
        self.assertIn('other', str(e))
        self.assertEqual([], self.io.writes)

    def test_corrupt_slot_counts_as_held(self):
        self.io.put(LS, 3, b'\x01' * records.BLOCK)
        mine = self.io.run(delta.acquire(3, 'host3', T))
        self.assertEqual(1, mine.generation)
        self.assertEqual([T.host_dead, T.join_delay], self.io.sleeps)

    def test_previous_dead_skips_h_for_our_own_record(self):
        self.io.put(LS, 3, record(3, generation=2, owner='host3').pack())
        mine = self.io.run(delta.acquire(3, 'host3', T, previous_dead=True))
        self.assertEqual(3, mine.generation)
        self.assertEqual([T.join_delay], self.io.sleeps)

    def test_previous_dead_never_skips_h_for_another_owner(self):
        self.io.put(LS, 3, record(3, generation=2, owner='other').pack())
        self.io.run(delta.acquire(3, 'host3', T, previous_dead=True))
        self.assertEqual([T.host_dead, T.join_delay], self.io.sleeps)

    def test_taken_during_the_join_delay_is_busy(self):
        def other_wins(seconds):
            if seconds == T.join_delay:
                self.io.put(LS, 3, record(3, owner='other').pack())

        self.io.on_sleep = other_wins
        e = self.assertRaises(errors.HostIdBusy, self.io.run,
                              delta.acquire(3, 'host3', T))
        self.assertIn('taken by other', str(e))

    def test_two_hosts_race_for_one_free_host_id(self):
        # Both read the free slot, both write, both wait the join delay,
        # both read back, in every order of their writes: exactly one
        # wins, and the slot holds the winner's record.
        for writes_first in ('a', 'b'):
            store = memio.MemoryIO()
            gens = {'a': delta.acquire(1, 'host-a', T),
                    'b': delta.acquire(1, 'host-b', T)}
            requests = {h: next(g) for h, g in gens.items()}
            # Both reads of the free slot happen before either write.
            for h in 'ab':
                requests[h] = gens[h].send(store.perform(requests[h]))
                requests[h] = gens[h].send(store.perform(requests[h]))
                self.assertIsInstance(requests[h], ops.Write)
            order = 'ab' if writes_first == 'a' else 'ba'
            for h in order:
                requests[h] = gens[h].send(store.perform(requests[h]))
                self.assertIsInstance(requests[h], ops.Sleep)
            outcome = {}
            for h in 'ab':
                requests[h] = gens[h].send(None)   # the reread
                try:
                    gens[h].send(store.perform(requests[h]))
                except StopIteration as stop:
                    outcome[h] = stop.value
                except errors.HostIdBusy:
                    outcome[h] = None
            winners = [h for h, v in outcome.items() if v is not None]
            self.assertEqual([order[1]], winners)
            self.assertEqual(outcome[order[1]].pack(), store.get(LS, 1))


class TestRenew(base.BaseTestCase):

    def setUp(self):
        super().setUp()
        self.io = memio.MemoryIO()
        self.mine = record(2, generation=3, seq=10, owner='host2')
        self.io.put(LS, 2, self.mine.pack())

    def test_next_sequence_same_generation(self):
        new = self.io.run(delta.renew(self.mine))
        self.assertEqual((3, 11, 'host2'), (new.generation, new.seq,
                                             new.owner))
        self.assertEqual(new.pack(), self.io.get(LS, 2))
        self.assertNotEqual(self.mine.timestamp, new.timestamp)

    def test_failed_write_reports_the_pending_record(self):
        self.io.fail = lambda r: isinstance(r, ops.Write)
        e = self.assertRaises(errors.IOFailure, self.io.run,
                              delta.renew(self.mine))
        self.assertEqual(11, e.pending.seq)
        self.assertEqual(self.mine.pack(), self.io.get(LS, 2))

    def test_failed_read_has_no_pending(self):
        self.io.fail = lambda r: isinstance(r, ops.Read)
        e = self.assertRaises(errors.IOFailure, self.io.run,
                              delta.renew(self.mine))
        self.assertIsNone(getattr(e, 'pending', None))

    def test_pending_that_landed_is_ours(self):
        pending = dataclasses.replace(self.mine, seq=11, timestamp=99)
        self.io.put(LS, 2, pending.pack())
        new = self.io.run(delta.renew(self.mine, pending))
        self.assertEqual(12, new.seq)
        self.assertEqual(new.pack(), self.io.get(LS, 2))

    def test_pending_that_did_not_land(self):
        # It may still land: the new record's sequence is above it, so
        # the two never look alike.
        pending = dataclasses.replace(self.mine, seq=11, timestamp=99)
        new = self.io.run(delta.renew(self.mine, pending))
        self.assertEqual(12, new.seq)
        self.assertNotEqual(pending, new)

    def test_slot_already_read_is_not_read_again(self):
        # fitlockd passes our block from its read of every slot.
        new = self.io.run(delta.renew(self.mine, None, self.mine.pack()))
        self.assertEqual([], self.io.reads)
        self.assertEqual(11, new.seq)

    def test_overwritten_by_another_host_is_lost(self):
        self.io.put(LS, 2, record(2, generation=4, owner='intruder').pack())
        e = self.assertRaises(errors.LeaseLost, self.io.run,
                              delta.renew(self.mine))
        self.assertIn('intruder', str(e))
        self.assertEqual([], self.io.writes)

    def test_wiped_slot_is_lost(self):
        self.io.put(LS, 2, memio.ZERO)
        self.assertRaises(errors.LeaseLost, self.io.run,
                          delta.renew(self.mine))

    def test_corrupt_slot_is_a_failure_not_a_loss(self):
        self.io.put(LS, 2, b'\x07' * records.BLOCK)
        self.assertRaises(errors.IOFailure, self.io.run,
                          delta.renew(self.mine))
        self.assertEqual([], self.io.writes)

    def test_our_own_older_write_landing_late_is_not_a_loss(self):
        # Liveness (was a bug): renewal seq 11 timed out, the next one
        # (seq 11 again, other timestamp) worked; then the first write
        # lands. The slot holds our own host id, owner and generation,
        # nobody took it: not a loss (it used to raise LeaseLost and fence
        # the instances for nothing; simulation.py stats 'lost').
        first = dataclasses.replace(self.mine, seq=11, timestamp=1)
        second = dataclasses.replace(self.mine, seq=11, timestamp=2)
        self.io.put(LS, 2, first.pack())   # the late landing
        new = self.io.run(delta.renew(second))
        self.assertEqual((3, 12), (new.generation, new.seq))
        self.assertEqual(new.pack(), self.io.get(LS, 2))

    def test_an_even_older_write_of_ours_landing_late_is_not_a_loss(self):
        older = dataclasses.replace(self.mine, seq=7, timestamp=1)
        self.io.put(LS, 2, older.pack())
        new = self.io.run(delta.renew(self.mine))
        self.assertEqual(11, new.seq)

    def test_a_later_write_of_ours_is_ours(self):
        # A pending write of a previous attempt that landed, whatever the
        # caller passes as pending.
        later = dataclasses.replace(self.mine, seq=14, timestamp=1)
        self.io.put(LS, 2, later.pack())
        self.assertEqual(15, self.io.run(delta.renew(self.mine)).seq)

    def test_a_late_write_of_an_earlier_generation_of_ours(self):
        # Found by the simulation (liveness): we joined again as
        # generation 3; a renewal of generation 2 that had timed out lands
        # afterwards. It was taken for a loss of the slot: every instance
        # fenced for nothing.
        for found in (dataclasses.replace(self.mine, generation=2,
                                          seq=40),
                      dataclasses.replace(self.mine, generation=1,
                                          released=1)):
            self.io.put(LS, 2, found.pack())
            new = self.io.run(delta.renew(self.mine))
            self.assertEqual((3, 11), (new.generation, new.seq))
            self.assertEqual(new.pack(), self.io.get(LS, 2))

    def test_our_generation_released_or_another_owner_is_lost(self):
        for found in (dataclasses.replace(self.mine, released=1, seq=11),
                      dataclasses.replace(self.mine, owner='other'),
                      dataclasses.replace(self.mine, owner='other',
                                          generation=2),
                      dataclasses.replace(self.mine, generation=4)):
            self.io.put(LS, 2, found.pack())
            self.assertRaises(errors.LeaseLost, self.io.run,
                              delta.renew(self.mine))
        self.assertEqual([], self.io.writes)


class TestResumeReleaseReadAll(base.BaseTestCase):

    def setUp(self):
        super().setUp()
        self.io = memio.MemoryIO()
        self.mine = record(2, generation=3, seq=10, owner='host2')
        self.pending = dataclasses.replace(self.mine, seq=11, timestamp=9)

    def test_resume_finds_our_record(self):
        self.io.put(LS, 2, self.mine.pack())
        self.assertEqual(self.mine, self.io.run(delta.resume(self.mine)))
        self.assertEqual([], self.io.writes)
        self.assertEqual([], self.io.sleeps)

    def test_resume_finds_the_pending_record(self):
        self.io.put(LS, 2, self.pending.pack())
        self.assertEqual(self.pending, self.io.run(
            delta.resume(self.mine, self.pending)))

    def test_resume_accepts_a_later_sequence_of_our_generation(self):
        # The previous incarnation renewed once more after saving.
        later = dataclasses.replace(self.mine, seq=13, timestamp=77)
        self.io.put(LS, 2, later.pack())
        self.assertEqual(later, self.io.run(delta.resume(self.mine)))

    def test_resume_refuses_an_earlier_sequence_or_release(self):
        for found in (dataclasses.replace(self.mine, seq=9),
                      dataclasses.replace(self.mine, seq=11, released=1),
                      dataclasses.replace(self.mine, owner='other')):
            self.io.put(LS, 2, found.pack())
            self.assertRaises(errors.LeaseLost, self.io.run,
                              delta.resume(self.mine))

    def test_resume_anything_else_is_lost(self):
        for block in (memio.ZERO, record(2, generation=4).pack(),
                      b'\x01' * records.BLOCK):
            self.io.put(LS, 2, block)
            self.assertRaises(errors.LeaseLost, self.io.run,
                              delta.resume(self.mine, self.pending))

    def test_release_marks_the_slot(self):
        self.io.put(LS, 2, self.mine.pack())
        done = self.io.run(delta.release(self.mine))
        self.assertEqual((1, 11, 3), (done.released, done.seq,
                                      done.generation))
        self.assertEqual(done.pack(), self.io.get(LS, 2))

    def test_release_of_a_slot_no_longer_ours(self):
        self.io.put(LS, 2, record(2, generation=4, owner='x').pack())
        self.assertRaises(errors.LeaseLost, self.io.run,
                          delta.release(self.mine))
        self.assertEqual([], self.io.writes)

    def test_read_all_reads_every_slot_in_one_io(self):
        self.io.put(LS, 1, record(1).pack())
        self.io.put(LS, 4, record(4, owner='host4').pack())
        blocks = self.io.run(delta.read_all(4))
        self.assertEqual([ops.Read(LS, 1, 4)], self.io.reads)
        self.assertEqual([record(1).pack(), memio.ZERO, memio.ZERO,
                          record(4, owner='host4').pack()], blocks)


class TestHostTable(base.BaseTestCase):

    def setUp(self):
        super().setUp()
        self.table = delta.HostTable(T.host_dead)
        self.a1 = record(1, generation=2, seq=1)
        self.a2 = dataclasses.replace(self.a1, seq=2)

    def test_never_observed_is_alive(self):
        self.assertFalse(self.table.is_dead(1, 2, 10_000.0))
        self.assertIsNone(self.table.unchanged_for(1, 10_000.0))
        self.assertIsNone(self.table.record(1))

    def test_first_sight_counts_as_a_change(self):
        self.table.observe([self.a1.pack()], 100.0)
        self.assertEqual(0.0, self.table.unchanged_for(1, 100.0))
        self.assertFalse(self.table.is_dead(1, 2, 100.0 + T.host_dead - 1))

    def test_dead_after_reads_that_span_h_without_change(self):
        self.table.observe([self.a1.pack()], 100.0)
        for when in range(120, 240, 20):
            self.table.observe([self.a1.pack()], float(when))
        self.table.observe([self.a1.pack()], 239.9)
        self.assertFalse(self.table.is_dead(1, 2, 239.9))
        self.assertEqual({1: self.a1}, self.table.live_hosts(239.9))
        self.table.observe([self.a1.pack()], 240.0)
        self.assertTrue(self.table.is_dead(1, 2, 240.0))
        self.assertEqual({}, self.table.live_hosts(240.0))

    def test_a_change_restarts_the_count(self):
        self.table.observe([self.a1.pack()], 100.0)
        self.table.observe([self.a1.pack()], 200.0)
        self.assertEqual(100.0, self.table.unchanged_for(1))
        self.table.observe([self.a2.pack()], 230.0)
        self.assertEqual(0.0, self.table.unchanged_for(1))
        self.assertEqual({1: self.a2}, self.table.live_hosts(300.0))
        self.table.observe([self.a2.pack()], 369.9)
        self.assertFalse(self.table.is_dead(1, 2, 369.9))
        self.table.observe([self.a2.pack()], 370.0)
        self.assertTrue(self.table.is_dead(1, 2, 370.0))

    def test_later_generation_means_the_old_one_is_dead(self):
        self.table.observe([self.a1.pack()], 100.0)
        newer = record(1, generation=3)
        self.table.observe([newer.pack()], 101.0)
        self.assertTrue(self.table.is_dead(1, 2, 101.0))
        self.assertFalse(self.table.is_dead(1, 3, 101.0))

    def test_release_of_that_generation_is_dead_at_once(self):
        released = dataclasses.replace(self.a2, released=1)
        self.table.observe([released.pack()], 100.0)
        self.assertTrue(self.table.is_dead(1, 2, 100.0))
        self.assertEqual({}, self.table.live_hosts(100.0))
        # ... but not a later generation that never ran.
        self.assertFalse(self.table.is_dead(1, 3, 100.0))

    def test_unreadable_slot_is_alive_until_h(self):
        self.table.observe([b'\x05' * records.BLOCK], 100.0)
        self.assertIsNone(self.table.record(1))
        self.table.observe([b'\x05' * records.BLOCK], 239.0)
        self.assertFalse(self.table.is_dead(1, 2, 239.0))
        self.table.observe([b'\x05' * records.BLOCK], 240.0)
        self.assertTrue(self.table.is_dead(1, 2, 240.0))

    def test_first_host_id_offsets_the_slots(self):
        self.table.observe([memio.ZERO, record(5).pack()], 10.0,
                           first_host_id=4)
        self.assertEqual(record(5), self.table.record(5))
        self.assertIsNone(self.table.record(4))

    def test_stillness_counts_only_up_to_the_last_read(self):
        # Between our last read (200) and now (240) the slot may have
        # changed unseen: only 100 s of stillness are known.
        self.table.observe([self.a1.pack()], 100.0)
        self.table.observe([self.a1.pack()], 200.0)
        self.assertFalse(self.table.is_dead(1, 2, 240.0))
        self.assertFalse(self.table.is_dead(1, 2, 10_000.0))

    def test_a_generation_never_seen_is_not_dead(self):
        # Safety (was a bug): the slot showed generation 2 standing still
        # for H (the host was down); it has since rejoined as generation
        # 3 and taken a lease, but our last read predates that. Asked
        # about generation 3, the table answered with the stillness of
        # generation 2: dead, and the new owner's lease was taken at once
        # (simulation: 'generation').
        self.table.observe([self.a1.pack()], 100.0)
        self.table.observe([self.a1.pack()], 300.0)
        self.assertTrue(self.table.is_dead(1, 2, 300.0))
        self.assertFalse(self.table.is_dead(1, 3, 300.0))
        released = dataclasses.replace(self.a2, released=1)
        self.table.observe([released.pack()], 310.0)
        self.assertFalse(self.table.is_dead(1, 3, 310.0))

    def test_stillness_is_dated_by_the_start_of_the_read(self):
        # Safety (was a bug): a read issued at 100 returned at 400 (it
        # hung, or fitlockd was stopped while it was in flight). Its
        # bytes may be what the slot held at 100: the slot is known
        # unchanged from the first sight (10) up to 100 only, not 400
        # (simulation: 'table').
        self.table.observe([self.a1.pack()], 10.0)
        self.table.observe([self.a1.pack()], 400.0, started=100.0)
        self.assertEqual(90.0, self.table.unchanged_for(1))
        self.assertFalse(self.table.is_dead(1, 2, 400.0))
        self.table.observe([self.a1.pack()], 151.0, started=150.0)
        self.assertEqual(140.0, self.table.unchanged_for(1))
        self.assertTrue(self.table.is_dead(1, 2, 151.0))

    def test_new_bytes_count_as_changed_when_the_read_returned(self):
        self.table.observe([self.a1.pack()], 10.0)
        self.table.observe([self.a2.pack()], 400.0, started=100.0)
        self.assertEqual(0.0, self.table.unchanged_for(1))
        self.table.observe([self.a2.pack()], 539.0, started=539.0)
        self.assertFalse(self.table.is_dead(1, 2, 539.0))
        self.table.observe([self.a2.pack()], 541.0, started=540.0)
        self.assertTrue(self.table.is_dead(1, 2, 541.0))
