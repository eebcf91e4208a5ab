"""The local journal that carries fitlockd's state across its restart."""

import json
import os

import fixtures
from oslotest import base

from hastack.fitlock import records
from hastack.fitlock import state


def delta(seq=1, generation=2):
    return records.Delta(host_id=1, generation=generation, seq=seq,
                         timestamp=5, io_timeout_ms=10000, owner='host1')


def leader(resource='vm-1', lver=3):
    return records.Leader(resource=resource, lockspace='ls', owner_id=1,
                          owner_generation=2, lver=lver, timestamp=9,
                          flags=0, max_hosts=4)


def base_state():
    st = state.empty('ls')
    st.update(host_id=1, owner='host1', boot_id='boot-1', mine=delta(),
              last_renewal_monotonic=100.5)
    return st


class JournalTestCase(base.BaseTestCase):

    def setUp(self):
        super().setUp()
        self.dir = self.useFixture(fixtures.TempDir()).path
        self.path = state.journal_path(self.dir, 'ls')

    def journal(self, **kwargs):
        journal = state.Journal(self.dir, 'ls', **kwargs)
        self.addCleanup(journal.close)
        return journal

    def load(self):
        return state.load(self.dir, 'ls')


class TestReplay(JournalTestCase):

    def test_nothing_saved(self):
        self.assertIsNone(self.load())
        self.assertEqual([], state.lockspaces(self.dir))

    def test_every_change_replays(self):
        journal = self.journal()
        journal.start(base_state())
        journal.lease('vm-1', leader(), {42})
        journal.lease('vm-2', leader('vm-2'), ())
        journal.lease('vm-1', leader(), {42, 43})
        journal.set(mine=delta(seq=2), pending=None,
                    last_renewal_monotonic=120.25)
        journal.changes(unleased=['vm-2'], dropped={'vm-2': leader('vm-2')},
                        quiet_until=130.0)
        journal.changes(undropped=['vm-2'])
        journal.lease('vm-3', leader('vm-3'), {7})
        journal.changes(unleased=['vm-3'])
        saved = self.load()
        self.assertEqual(journal.state, saved)
        self.assertEqual({'vm-1': leader()}, saved['leases'])
        self.assertEqual({'vm-1': {42, 43}}, saved['holders'])
        self.assertEqual({}, saved['dropped'])
        self.assertEqual(delta(seq=2), saved['mine'])
        self.assertEqual((120.25, 130.0, 'boot-1', 1, 'host1'),
                         (saved['last_renewal_monotonic'],
                          saved['quiet_until'], saved['boot_id'],
                          saved['host_id'], saved['owner']))
        self.assertEqual(['ls'], state.lockspaces(self.dir))

    def test_one_sync_per_change(self):
        journal = self.journal()
        journal.start(base_state())
        syncs = []
        real = os.fdatasync
        self.useFixture(fixtures.MonkeyPatch(
            'os.fdatasync', lambda fd: (syncs.append(fd), real(fd))))
        journal.lease('vm-1', leader(), {42})
        self.assertEqual(1, len(syncs))
        journal.changes(unleased=['vm-1'], dropped={'vm-1': leader()},
                        quiet_until=5.0)
        self.assertEqual(2, len(syncs))

    def test_torn_last_record_is_ignored(self):
        journal = self.journal()
        journal.start(base_state())
        journal.lease('vm-1', leader(), {42})
        size = os.path.getsize(self.path)
        journal.lease('vm-2', leader('vm-2'), {43})
        full = os.path.getsize(self.path)
        for cut in (size + 1, size + 7, size + 8, full - 1):
            with open(self.path, 'r+b') as f:
                f.truncate(cut)
            saved = self.load()
            self.assertEqual(['vm-1'], sorted(saved['leases']), cut)

    def test_bad_checksum_ends_the_replay(self):
        journal = self.journal()
        journal.start(base_state())
        journal.lease('vm-1', leader(), {42})
        size = os.path.getsize(self.path)
        journal.lease('vm-2', leader('vm-2'), {43})
        journal.lease('vm-3', leader('vm-3'), {44})
        with open(self.path, 'r+b') as f:
            f.seek(size + 20)
            byte = f.read(1)
            f.seek(size + 20)
            f.write(bytes([byte[0] ^ 0x40]))
        # The record and every later one are gone: none is applied out
        # of order.
        self.assertEqual(['vm-1'], sorted(self.load()['leases']))

    def test_garbage_after_the_last_record(self):
        journal = self.journal()
        journal.start(base_state())
        journal.lease('vm-1', leader(), {42})
        for garbage in (b'\0' * 100, b'\xff' * 3, b'\x10\0\0\0' + b'x' * 40):
            with open(self.path, 'ab') as f:
                f.write(garbage)
            self.assertEqual(['vm-1'], sorted(self.load()['leases']))

    def test_no_valid_snapshot_is_unreadable(self):
        with open(self.path, 'wb') as f:
            f.write(b'\x01' * 64)
        self.assertRaises(state.Unreadable, self.load)
        with open(self.path, 'wb') as f:
            f.write(state.frame({'kind': 'set', 'fields': {}}))
        self.assertRaises(state.Unreadable, self.load)

    def test_empty_journal_is_nothing_saved(self):
        open(self.path, 'wb').close()
        self.assertIsNone(self.load())

    def test_appending_after_a_torn_record_is_not_replayed_past_it(self):
        # start() compacts (at every join), so appends never follow a
        # torn record that a replay would stop at.
        journal = self.journal()
        journal.start(base_state())
        journal.lease('vm-1', leader(), {42})
        with open(self.path, 'ab') as f:
            f.write(b'\x30\0\0\0torn')
        journal.close()
        again = self.journal()
        again.start(self.load())
        again.lease('vm-2', leader('vm-2'), {43})
        self.assertEqual(['vm-1', 'vm-2'], sorted(self.load()['leases']))


class TestFailedAppend(JournalTestCase):

    def test_failed_append_is_not_recorded_and_later_ones_replay(self):
        journal = self.journal()
        journal.start(base_state())
        journal.lease('vm-1', leader(), {42})
        real_write = os.write
        calls = []

        def short_write(fd, data):
            calls.append(fd)
            return real_write(fd, data[:10])    # torn, then ENOSPC

        self.useFixture(fixtures.MonkeyPatch('os.write', short_write))
        self.assertRaises(OSError, journal.lease, 'vm-2', leader('vm-2'),
                          {43})
        self.useFixture(fixtures.MonkeyPatch('os.write', real_write))
        self.assertNotIn('vm-2', journal.state['leases'])
        journal.lease('vm-3', leader('vm-3'), {44})
        self.assertEqual(['vm-1', 'vm-3'], sorted(self.load()['leases']))

    def test_failed_sync_is_not_recorded(self):
        journal = self.journal()
        journal.start(base_state())

        def fail(fd):
            raise OSError(5, 'EIO')

        with fixtures.MonkeyPatch('os.fdatasync', fail):
            self.assertRaises(OSError, journal.lease, 'vm-1', leader(),
                              {42})
        journal.lease('vm-2', leader('vm-2'), {43})
        self.assertEqual(['vm-2'], sorted(self.load()['leases']))


class TestCompaction(JournalTestCase):

    def test_start_writes_one_snapshot(self):
        journal = self.journal()
        journal.start(base_state())
        for i in range(20):
            journal.lease('vm-%d' % i, leader('vm-%d' % i), {i + 1})
        journal.close()
        grown = os.path.getsize(self.path)
        saved = self.load()
        again = self.journal()
        again.start(saved)
        with open(self.path, 'rb') as f:
            docs, used = state.records_in(f.read())
        self.assertEqual(['snapshot'], [d['kind'] for d in docs])
        self.assertLess(used, grown)
        self.assertEqual(saved, self.load())
        self.assertFalse(os.path.exists(self.path + '.tmp'))

    def test_compacts_when_large(self):
        journal = self.journal(compact_bytes=4096)
        journal.start(base_state())
        for i in range(200):
            journal.set(mine=delta(seq=i + 2),
                        last_renewal_monotonic=100.0 + i)
            journal.lease('vm-1', leader(), {i + 1})
            self.assertLessEqual(os.path.getsize(self.path), 4096 + 2048)
        saved = self.load()
        self.assertEqual(delta(seq=201), saved['mine'])
        self.assertEqual(299.0, saved['last_renewal_monotonic'])
        self.assertEqual({'vm-1': {200}}, saved['holders'])
        self.assertEqual(journal.state, saved)

    def test_compaction_is_atomic(self):
        # A crash while compacting leaves the old journal: the temporary
        # file is never replayed.
        journal = self.journal()
        journal.start(base_state())
        journal.lease('vm-1', leader(), {42})
        with open(self.path + '.tmp', 'wb') as f:
            f.write(b'half a snap')
        self.assertEqual(['vm-1'], sorted(self.load()['leases']))


class TestLegacyAndForget(JournalTestCase):

    def test_state_files_of_earlier_releases_are_read(self):
        # An upgrade must still fence or resume the holders that the
        # previous fitlockd recorded in its two JSON files.
        def record(r):
            return {f: getattr(r, f) for f in r.FIELDS}

        with open(os.path.join(self.dir, 'ls.json'), 'w') as f:
            json.dump({'lockspace': 'ls', 'host_id': 1, 'owner': 'host1',
                       'leases': {'vm-1': record(leader())},
                       'holders': {'vm-1': [42]}, 'dropped': {}}, f)
        with open(os.path.join(self.dir, 'ls.renewal.json'), 'w') as f:
            json.dump({'mine': record(delta()), 'pending': None,
                       'boot_id': 'boot-1',
                       'last_renewal_monotonic': 7.0}, f)
        self.assertEqual(['ls'], state.lockspaces(self.dir))
        saved = self.load()
        self.assertEqual({'vm-1': leader()}, saved['leases'])
        self.assertEqual({'vm-1': {42}}, saved['holders'])
        self.assertEqual((delta(), 'boot-1', 7.0, None),
                         (saved['mine'], saved['boot_id'],
                          saved['last_renewal_monotonic'],
                          saved['quiet_until']))
        # The first compaction replaces them with the journal.
        journal = self.journal()
        journal.start(saved)
        self.assertEqual(['ls.journal'], sorted(os.listdir(self.dir)))
        self.assertEqual(saved, self.load())

    def test_forget(self):
        journal = self.journal()
        journal.start(base_state())
        journal.close()
        state.forget(self.dir, 'ls')
        self.assertIsNone(self.load())
        self.assertEqual([], os.listdir(self.dir))
