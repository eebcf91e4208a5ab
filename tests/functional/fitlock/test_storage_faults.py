"""A host losing its shared storage, for real: fencing, the arbiter, grants
and takeover, with fitlockd processes on per-host sshfs mounts whose
cable the test pulls (storage_fixtures.SshfsStorage).

Timing is fixtures.FAST: N = 0.2 s, so R = 2N = 0.4 s, F = 8N = 1.6 s,
W = 2 s, H = F + W = 3.6 s, A = 0.5 s, T_kill = 0.5 s (timing.py).

Every bound below is derived from those formulas; where it counts from
the cut, note that fitlockd counts F from the *start* of its last good
renewal write, which started at most R + N before the cut (one renewal
every R, and the read before the write takes at most N).
"""

import math
import os
import queue
import socket
import threading
import time

import fixtures
import testtools
from testtools import content

from hastack.fitlock import client as client_mod
from hastack.fitlock import errors
from hastack.fitlock import ops
from hastack.fitlock import storage
from tests.functional.fitlock import fixtures as fl
from tests.functional.fitlock import storage_fixtures as sf

T = fl.FAST
N, R, F, H = T.io_timeout, T.renewal_interval, T.renewal_fail, T.host_dead
A, T_KILL = T.arbiter_wait, T.kill_time
# The watcher checks the timeline this often (lockspace.Lockspace).
TICK = min(1.0, N / 4)
# Scheduling of real processes on a loaded two-core machine, and polling.
MARGIN = 0.5
# The last good renewal write started at most this long before the cut.
BEFORE_CUT = R + N
# After a cut shorter than sf.CONNECTION_SURVIVES, TCP retransmits the
# stalled requests at the next backed-off timeout: the intervals double
# from 0.2 s, so within 1.6 s of the restore.
TCP_RESUME = 1.6


def _may_rejoin(back, cut):
    """Whether a host that lost its storage at ``cut`` and renewed again
    by ``back`` may have ended its generation and joined again: only if
    its renewal gap (from the last good renewal, at most BEFORE_CUT
    before the cut) may have reached H - 2N (timing.rejoin_gap)."""
    return back - (cut - BEFORE_CUT) >= T.rejoin_gap


class Arbiter(fixtures.Fixture):
    """The test plays hastack-agent: it registers as fitlockd's arbiter
    and records every line fitlockd sends, with its arrival time."""

    def __init__(self, fitlockd):
        super().__init__()
        self.fitlockd = fitlockd

    def _setUp(self):
        self.client = client_mod.Client(self.fitlockd.socket_path,
                                        timeout=None)
        self.addCleanup(self._close)
        self.queue = queue.Queue()
        self.seen = []
        self.taken = set()
        threading.Thread(target=self._read, daemon=True).start()
        self.client.send({'op': 'register_arbiter', 'id': 'register'})
        _, reply = self.wait_for(lambda m: m.get('id') == 'register', 10)
        if reply != {'id': 'register', 'ok': True,
                     'result': {'registered': True}}:
            raise AssertionError('register_arbiter: %r' % (reply,))

    def _read(self):
        while True:
            try:
                message = self.client.receive()
            except (OSError, ValueError):
                message = None
            self.queue.put((time.monotonic(), message))
            if message is None:
                return

    def _close(self):
        try:
            self.client.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.client.close()

    def wait_for(self, match, timeout):
        """The first message not taken yet that ``match`` accepts.

        :returns: ``(arrival monotonic time, message)``.
        """
        deadline = time.monotonic() + timeout
        index = 0
        while True:
            while index < len(self.seen):
                arrived, message = self.seen[index]
                if message is None:
                    raise AssertionError('fitlockd closed the arbiter '
                                         'connection')
                if index not in self.taken and match(message):
                    self.taken.add(index)
                    return arrived, message
                index += 1
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    'no matching message within %s s; got %r'
                    % (timeout, [m for _, m in self.seen]))
            try:
                self.seen.append(self.queue.get(timeout=remaining))
            except queue.Empty:
                pass

    def query(self, timeout):
        """The next fence query."""
        return self.wait_for(lambda m: m.get('op') == 'fence_query',
                             timeout)

    def event(self, name, timeout):
        """The next event ``name``."""
        return self.wait_for(lambda m: m.get('op') == 'event' and
                             m.get('event') == name, timeout)

    def events(self):
        """Every event received so far, in order: ``[(time, name)]``."""
        while True:
            try:
                self.seen.append(self.queue.get_nowait())
            except queue.Empty:
                break
        return [(t, m['event']) for t, m in self.seen
                if m and m.get('op') == 'event']

    def answer(self, query, decision, **extra):
        """Answer a fence query; returns when it was sent."""
        self.client.send(dict(extra, op='fence_answer', id=query['id'],
                              decision=decision))
        return time.monotonic()


class StorageTestCase(testtools.TestCase):
    """Two fitlockd hosts on sshfs; host 1 owns vm-1 for a holder."""

    def setUp(self):
        super().setUp()
        if os.geteuid() != 0:
            self.skipTest('needs root: network namespaces, FUSE mounts')
        missing = sf.missing_tools()
        if missing:
            self.fail('missing %s: run tools/install-test-packages.sh'
                      % ', '.join(missing))
        self.storage = self.useFixture(sf.SshfsStorage(hosts=(1, 2)))
        self.owner = self.useFixture(fl.Fitlockd(self.storage.view(1), 1))
        self.other = self.useFixture(fl.Fitlockd(self.storage.view(2), 2))
        self.holder = self.useFixture(fl.Holder())
        self.owner.acquire('vm-1', pid=self.holder.pid)
        self.addOnException(self._logs)
        # Before the daemons are killed: a process whose I/O is stalled
        # on a cut mount cannot exit until sshfs answers.
        self.addCleanup(self.storage.restore_all)

    def _logs(self, exc_info):
        for name, host in (('owner', self.owner), ('other', self.other)):
            try:
                log = host.read_log()
            except OSError:
                continue  # cleaned up already (a deferred failure)
            self.addDetail('fitlockd-%s' % name, content.text_content(log))

    def cut_owner(self):
        """Pull the owner's storage cable while all is well."""
        self.assertEqual('ok', self.owner.lockspace_status()['state'])
        return self.storage.cut(1)

    def restore_owner(self, cut, max_cut=sf.CONNECTION_SURVIVES):
        """Plug it back in; the cut must have been short enough for the
        ssh connection (and fitlockd's open files) to survive."""
        restored = self.storage.restore(1)
        self.assertLess(restored - cut, max_cut,
                        'the cut lasted too long for this test')
        return restored

    def holder_death(self, timeout):
        """When the holder died (monotonic), polling every 5 ms; None if
        it still runs after ``timeout``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.holder.alive():
                return time.monotonic()
            time.sleep(0.005)
        return None if self.holder.alive() else time.monotonic()

    def wait_state(self, host, state, timeout):
        """Poll until ``host``'s lockspace is in ``state``; its time."""
        deadline = time.monotonic() + timeout
        while True:
            status = host.lockspace_status()
            if status['state'] == state:
                return time.monotonic(), status
            if time.monotonic() > deadline:
                self.fail('%s not reached within %s s: %r'
                          % (state, timeout, status))
            time.sleep(0.02)

    def take_over(self, since, limit):
        """Let the other host try vm-1 every 50 ms until it gets it.

        :returns: (time it got it, refusals before).
        """
        refusals = 0
        while time.monotonic() - since < limit:
            try:
                result = self.other.acquire('vm-1')
                return time.monotonic(), refusals, result
            except client_mod.RemoteError as e:
                self.assertEqual('lease_held', e.code, str(e))
                refusals += 1
            time.sleep(0.05)
        self.fail('the other host could not take vm-1 within %s s'
                  % limit)


class TestStorage(StorageTestCase):
    """The fixture itself: a real shared storage that one host loses."""

    def test_mounts_are_shared_sshfs_with_direct_io(self):
        points = [self.storage.mount_point(h) for h in (1, 2)]
        with open('/proc/self/mounts') as f:
            types = {line.split()[1]: line.split()[2] for line in f}
        self.assertEqual(['fuse.sshfs', 'fuse.sshfs'],
                         [types.get(p) for p in points])
        self.storage.verify_direct_io()
        # Both hosts' records are in the one backing file.
        dump = self.other.call('dump', lockspace='ls')
        self.assertEqual(['host1', 'host2'],
                         [h['record']['owner'] for h in dump['hosts']])

    def test_cut_stalls_only_that_host(self):
        cut = self.cut_owner()
        self.assertFalse(self.storage.io_works(1, 2 * N))
        self.assertTrue(self.storage.io_works(2, 2 * N))
        # The owner's next renewal (within R, failing after N) fails.
        failing, _ = self.wait_state(self.owner, 'failing',
                                     R + N + MARGIN)
        self.assertLess(failing - cut, R + N + MARGIN)
        self.assertEqual('ok', self.other.lockspace_status()['state'])
        self.restore_owner(cut)
        self.assertTrue(self.storage.io_works(1, TCP_RESUME + MARGIN))


class TestFencingWithoutArbiter(StorageTestCase):

    def test_owner_fences_after_f_then_recovers(self):
        generation = self.owner.lockspace_status()['generation']
        cut = self.cut_owner()
        # Fenced F after the last good renewal started (between R + N
        # before the cut and the cut), seen by the watcher within TICK;
        # with no arbiter nothing waits A; the kill takes < T_kill.
        died = self.holder_death(F + A + T_KILL + MARGIN)
        self.assertIsNotNone(died, 'holder alive %s s after the cut'
                             % (F + A + T_KILL + MARGIN))
        self.assertGreaterEqual(died - cut, F - BEFORE_CUT)
        self.assertLess(died - cut, F + A + T_KILL + MARGIN)
        # The state changes once every holder is gone (within T_kill).
        _, status = self.wait_state(self.owner, 'fenced', T_KILL + MARGIN)
        self.assertEqual([], status['leases'])
        self.assertEqual({}, status['holders'])
        self.assertGreaterEqual(status['renewal_age'], F)
        self.assertEqual('ok', self.other.lockspace_status()['state'])

        restored = self.restore_owner(cut)
        # Stalled I/O resumes within TCP_RESUME, the next renewal comes
        # within R and takes at most 2N (read and write).
        # A renewal gap of H - 2N or more ends the generation: it joins
        # again (a slop after the fence, then the join delay 2N).
        back, status = self.wait_state(
            self.owner, 'ok',
            TCP_RESUME + R + 2 * N + T.slop + T.join_delay + MARGIN)
        self.assertLess(back - restored, TCP_RESUME + R + 2 * N + T.slop +
                        T.join_delay + MARGIN)
        self.assertIn(status['generation'] - generation,
                      (0, 1) if _may_rejoin(back, cut) else (0,))
        self.assertEqual([], status['leases'])
        self.assertLess(status['renewal_age'],
                        R + 2 * N + T.join_delay + MARGIN)

    def test_fenced_lease_is_free_again(self):
        # The owner fenced vm-1: nothing of it runs. Once the owner's
        # storage is back, the lease must not stay held by a live host
        # that no longer holds it, or vm-1 can never be recovered
        # elsewhere. At the latest, it is free when it would have been
        # had the storage stayed down: H after the cut (+ the other
        # host's observation lag R + N, the last renewal BEFORE_CUT
        # earlier does not lengthen that).
        cut = self.cut_owner()
        self.assertIsNotNone(self.holder_death(F + A + T_KILL + MARGIN))
        self.restore_owner(cut)
        self.wait_state(self.owner, 'ok', TCP_RESUME + R + 2 * N + T.slop +
                        T.join_delay + MARGIN)
        limit = H + R + N + MARGIN
        deadline = cut + limit
        while True:
            try:
                result = self.other.acquire('vm-1')
                break
            except client_mod.RemoteError as e:
                self.assertEqual('lease_held', e.code)
                if time.monotonic() > deadline:
                    self.fail('vm-1 was fenced on host 1 but is still '
                              'held %.1f s after the cut (> H + R + N + '
                              'margin = %s s): %s; inquire: %r'
                              % (time.monotonic() - cut, limit, e,
                                 self.other.call('inquire', lockspace='ls',
                                                 resource='vm-1')))
            time.sleep(0.05)
        self.assertEqual(2, result['owner_id'])

    def test_other_host_takes_over_only_after_h(self):
        cut = self.cut_owner()
        got, refusals, result = self.take_over(cut, H + 2 * R + N + 5)
        # The other host's clock for the owner starts when it saw the
        # last change, at or after the last good write started (at most
        # BEFORE_CUT before the cut); it sees changes every R (and on
        # each acquire), so at most R + N after that write landed.
        self.assertGreaterEqual(got - cut, H - BEFORE_CUT)
        self.assertLess(got - cut, H + R + N + MARGIN)
        self.assertGreater(refusals, 0)
        self.assertEqual({'resource': 'vm-1', 'lver': 2, 'owner_id': 2,
                          'owner_generation': 1}, result)
        # The owner had fenced by then (at F + A + T_kill at the latest,
        # which A + T_kill + slop <= W puts before H - BEFORE_CUT).
        self.assertFalse(self.holder.alive())
        self.assertEqual('fenced', self.owner.lockspace_status()['state'])
        view = self.other.call('inquire', lockspace='ls', resource='vm-1')
        self.assertTrue(view['mine'])
        self.assertTrue(view['held'])

    def test_renewal_recovers_after_the_connection_was_reset(self):
        # A cut long enough for the storage connection to be torn down
        # and set up again (an NFS/CephFS session reset, here ssh's
        # keep-alive giving up and sshfs reconnecting). Files opened
        # before it fail with EIO; files opened again work.
        cut = self.cut_owner()
        self.assertIsNotNone(self.holder_death(F + A + T_KILL + MARGIN))
        time.sleep(max(0.0, cut + sf.CONNECTION_DIES - time.monotonic()))
        restored = self.storage.restore(1)
        deadline = restored + 10
        while not self.storage.io_works(1, 2):
            self.assertLess(time.monotonic(), deadline,
                            'the mount does not work after the restore')
        works = time.monotonic()
        # The storage works again: the next renewal, within R, must too.
        # The renewal gap was far above H - 2N: the host joins again in a
        # new generation (the slop after the fence is long over; then the
        # join delay).
        limit = R + 2 * N + T.join_delay + MARGIN
        deadline = works + limit
        while self.owner.lockspace_status()['state'] != 'ok':
            if time.monotonic() > deadline:
                self.fail('storage works again since %.1f s but renewal '
                          'does not recover (state %s)'
                          % (time.monotonic() - works,
                             self.owner.lockspace_status()['state']))
            time.sleep(0.05)


class TestStorageIO(StorageTestCase):

    def test_file_io_reopens_after_connection_reset(self):
        """storage.FileIO, the I/O under fitlockd, on host 1's mount."""
        io = storage.FileIO(self.storage.mount_point(1), 'ls', N, 8)
        self.addCleanup(self._close_quietly, io)
        spare = storage.FileIO(self.storage.mount_point(1), 'ls', N, 8)
        self.addCleanup(self._close_quietly, spare)
        read = ops.Read(ops.LOCKSPACE, 0, 1)
        self.assertEqual(1, len(io.perform(read)))
        self.assertEqual(1, len(spare.perform(read)))
        cut = self.storage.cut(1)
        self.assertRaises(errors.IOFailure, io.perform, read)
        time.sleep(max(0.0, cut + sf.CONNECTION_DIES - time.monotonic()))
        self.storage.restore(1)
        deadline = time.monotonic() + 10
        while not self.storage.io_works(1, 2):
            self.assertLess(time.monotonic(), deadline)
        # Closing files whose connection is gone must not fail (Lockspace
        # .leave closes them): non-fatal, so the check below runs too.
        try:
            spare.close()
            closed = None
        except OSError as e:
            closed = e
        self.expectThat(closed, testtools.matchers.Is(None),
                        'FileIO.close() raised')
        # A fresh open works now, so FileIO must work again too.
        last = None
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            try:
                self.assertEqual(1, len(io.perform(read)))
                return
            except errors.IOFailure as e:
                last = e
            time.sleep(0.1)
        self.fail('FileIO still fails after the storage came back: %s'
                  % last)


    @staticmethod
    def _close_quietly(io):
        try:
            io.close()
        except OSError:
            pass


class TestArbiter(StorageTestCase):

    def setUp(self):
        super().setUp()
        self.arbiter = self.useFixture(Arbiter(self.owner))
        self.assertTrue(self.owner.call('status')['arbiter'])

    def first_query(self, cut):
        """The fence query that follows the cut, checked."""
        arrived, query = self.arbiter.query(F + TICK + MARGIN)
        # Asked F after the last good renewal started.
        self.assertGreaterEqual(arrived - cut, F - BEFORE_CUT)
        self.assertLess(arrived - cut, F + TICK + MARGIN)
        self.assertEqual('ls', query['lockspace'])
        self.assertIsInstance(query['id'], str)
        # The wait is A, less the time to send the query.
        self.assertLessEqual(query['timeout'], A)
        self.assertGreater(query['timeout'], A - 0.1)
        self.assertLess(abs(query['deadline'] - time.time() -
                            query['timeout'] +
                            (time.monotonic() - arrived)), MARGIN)
        self.assertTrue(self.holder.alive())
        return arrived, query

    def test_fence_answer_fences_at_once(self):
        cut = self.cut_owner()
        _, query = self.first_query(cut)
        answered = self.arbiter.answer(query, 'fence')
        died = self.holder_death(T_KILL + MARGIN)
        self.assertIsNotNone(died)
        self.assertLess(died - answered, T_KILL + MARGIN)
        _, fenced = self.arbiter.event('fenced', T_KILL + MARGIN)
        self.assertEqual(['vm-1'], fenced['detail']['resources'])
        self.assertEqual({}, fenced['detail']['failed'])
        self.assertIn('arbiter said fence', fenced['detail']['reason'])
        # The event follows the state change.
        status = self.owner.lockspace_status()
        self.assertEqual('fenced', status['state'])
        self.assertEqual([], status['leases'])

    def test_no_answer_fences_after_a(self):
        cut = self.cut_owner()
        arrived, _ = self.first_query(cut)
        died = self.holder_death(A + T_KILL + MARGIN)
        self.assertIsNotNone(died)
        # Not before A (less the send time), not later than A + T_kill.
        self.assertGreaterEqual(died - arrived, A - 0.1)
        self.assertLess(died - arrived, A + T_KILL + MARGIN)
        _, fenced = self.arbiter.event('fenced', T_KILL + MARGIN)
        self.assertIn('no answer from the arbiter within A = %s s' % A,
                      fenced['detail']['reason'])
        self.assertEqual('fenced', self.owner.lockspace_status()['state'])

    def test_no_fence_grant_ends_without_renewal(self):
        grant = 2.0
        cut = self.cut_owner()
        _, query = self.first_query(cut)
        answered = self.arbiter.answer(query, 'no-fence',
                                       grant_seconds=grant)
        _, granted = self.arbiter.event('no_fence_granted', MARGIN)
        self.assertEqual(grant, granted['detail']['grant_seconds'])
        status = self.owner.lockspace_status()
        self.assertEqual('granted', status['state'])
        self.assertEqual(['vm-1'], status['leases'])
        self.assertLessEqual(status['grant_remaining'], grant)
        # Asked again when at most A of the grant is left (seen within
        # TICK), so that the answer can come before the grant ends.
        again, second = self.arbiter.query(grant + MARGIN)
        self.assertGreaterEqual(again - answered, grant - A - TICK - 0.1)
        self.assertLess(again - answered, grant)
        self.assertLessEqual(second['timeout'], A)
        self.assertGreater(second['timeout'], 0)
        # Past F + A after the cut, the holder still runs.
        self.assertGreater(again - cut, F + A)
        self.assertTrue(self.holder.alive())
        # Not renewed: fenced when the grant ends.
        died = self.holder_death(grant + T_KILL + MARGIN)
        self.assertIsNotNone(died)
        self.assertGreaterEqual(died - answered, grant - 0.1)
        self.assertLess(died - answered, grant + T_KILL + MARGIN)
        self.arbiter.event('fenced', T_KILL + MARGIN)
        self.assertEqual('fenced', self.owner.lockspace_status()['state'])

    def test_renewed_grant_keeps_the_holder_running(self):
        grant = 1.5
        cut = self.cut_owner()
        _, query = self.first_query(cut)
        answered = self.arbiter.answer(query, 'no-fence',
                                       grant_seconds=grant)
        self.arbiter.event('no_fence_granted', MARGIN)
        # Each renewal is asked for when A of the grant is left: every
        # grant - A = 1 s. Four take the holder past F + A + grant and
        # past H.
        for _ in range(4):
            again, query = self.arbiter.query(grant + MARGIN)
            self.assertGreaterEqual(again - answered,
                                    grant - A - TICK - 0.1)
            self.assertLess(again - answered, grant)
            self.assertTrue(self.holder.alive())
            self.assertEqual(['vm-1'],
                             self.owner.lockspace_status()['leases'])
            answered = self.arbiter.answer(query, 'no-fence',
                                           grant_seconds=grant)
            # Sent once the new grant stands.
            self.arbiter.event('no_fence_granted', MARGIN)
        self.assertGreater(answered - cut, F + A + grant)
        self.assertGreater(answered - cut, H)
        self.assertTrue(self.holder.alive())
        self.assertEqual('granted', self.owner.lockspace_status()['state'])
        # The last grant ends unrenewed.
        self.arbiter.query(grant + MARGIN)
        died = self.holder_death(grant + T_KILL + MARGIN)
        self.assertIsNotNone(died)
        self.assertGreaterEqual(died - answered, grant - 0.1)

    def test_events_reach_the_arbiter(self):
        cut = self.cut_owner()
        failing_at, failing = self.arbiter.event('renewal_failing',
                                                 R + N + MARGIN)
        self.assertLess(failing_at - cut, R + N + MARGIN)
        self.assertTrue(failing['detail']['error'])
        self.assertEqual('ls', failing['lockspace'])
        queried, query = self.first_query(cut)
        self.arbiter.answer(query, 'fence')
        fenced_at, fenced = self.arbiter.event('fenced', T_KILL + MARGIN)
        self.assertEqual(['vm-1'], fenced['detail']['resources'])
        self.restore_owner(cut)
        # Back after a renewal gap of H - 2N or more, the host joins
        # again in a new generation instead (see _may_rejoin).
        recovered_at, message = self.arbiter.wait_for(
            lambda m: m.get('op') == 'event' and
            m.get('event') in ('renewal_recovered', 'joined'),
            TCP_RESUME + R + 2 * N + T.slop + T.join_delay + MARGIN)
        self.assertTrue(failing_at < queried < fenced_at < recovered_at)
        names = [name for t, name in self.arbiter.events() if t >= cut]
        self.assertEqual(['renewal_failing', 'fenced', message['event']],
                         names)
        if message['event'] == 'joined':
            self.assertTrue(message['detail']['rejoined'])
            self.assertTrue(_may_rejoin(recovered_at, cut))
        self.assertEqual('ok', self.owner.lockspace_status()['state'])

    def test_malformed_grant_counts_as_no_answer(self):
        # A no-fence answer whose grant is no number is no answer:
        # fenced by A after the query, like silence.
        cut = self.cut_owner()
        arrived, query = self.first_query(cut)
        self.arbiter.answer(query, 'no-fence', grant_seconds='a while')
        died = self.holder_death(A + T_KILL + MARGIN)
        self.assertIsNotNone(
            died, 'holder still runs %s s after a malformed answer; '
            'state %s' % (A + T_KILL + MARGIN,
                          self.owner.lockspace_status()['state']))
        self.assertLess(died - arrived, A + T_KILL + MARGIN)

    def test_grant_without_end_is_refused(self):
        # "No fencing" is a time-bounded grant (design.md section 5): a
        # NaN grant (json.dumps(float('nan')) sends NaN) bounds nothing.
        cut = self.cut_owner()
        arrived, query = self.first_query(cut)
        self.arbiter.answer(query, 'no-fence', grant_seconds=math.nan)
        died = self.holder_death(A + T_KILL + MARGIN)
        self.assertIsNotNone(
            died, 'holder still runs %s s after a NaN grant; state %s'
            % (A + T_KILL + MARGIN, self.owner.lockspace_status()['state']))
        self.assertLess(died - arrived, A + T_KILL + MARGIN)
