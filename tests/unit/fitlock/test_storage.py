"""storage.FileIO on real files: a write still in flight blocks the next
write to the same block."""

import threading

import fixtures
from oslotest import base

from hastack.fitlock import errors
from hastack.fitlock import ops
from hastack.fitlock import records
from hastack.fitlock import storage

N = 0.1


class TestWriteInFlight(base.BaseTestCase):

    def setUp(self):
        super().setUp()
        self.shared = self.useFixture(fixtures.TempDir()).path
        storage.create_lockspace(self.shared, 'ls', 4, N)
        self.io = storage.FileIO(self.shared, 'ls', N, 4)
        self.addCleanup(self.io.close)
        self.release = threading.Event()
        self.addCleanup(self.release.set)
        real_write = storage.write_block

        def write_block(fd, block, data):
            if data[:1] == b'H':    # the hanging write
                self.release.wait(10)
            return real_write(fd, block, data)

        self.useFixture(fixtures.MockPatch(
            'hastack.fitlock.storage.write_block', side_effect=write_block))

    def _read(self, block):
        (data,) = self.io.perform(ops.Read(ops.LOCKSPACE, block))
        return data

    def test_second_write_to_the_block_is_refused_until_the_first_ends(self):
        # Safety (was a bug): a write that timed out is still in flight;
        # a second write to the same block could land before it (NFS
        # does not keep them in order), and the older one would then
        # overwrite the newer (simulation: 'inflight').
        hanging = b'H' + bytes(records.BLOCK - 1)
        newer = b'N' + bytes(records.BLOCK - 1)
        e = self.assertRaises(errors.IOFailure, self.io.perform,
                              ops.Write(ops.LOCKSPACE, 2, hanging))
        self.assertIn('timed out', str(e))
        e = self.assertRaises(errors.IOFailure, self.io.perform,
                              ops.Write(ops.LOCKSPACE, 2, newer))
        self.assertIn('still in flight', str(e))
        # Other blocks and reads go on.
        self.io.perform(ops.Write(ops.LOCKSPACE, 3, newer))
        self.assertEqual(newer, self._read(3))
        self.assertEqual(bytes(records.BLOCK), self._read(2))
        # Once the first write's system call has returned, the block is
        # free again.
        self.release.set()
        for _ in range(200):
            if self._read(2) == hanging:
                break
            threading.Event().wait(0.01)
        for _ in range(200):
            try:
                self.io.perform(ops.Write(ops.LOCKSPACE, 2, newer))
                break
            except errors.IOFailure:
                threading.Event().wait(0.01)
        self.assertEqual(newer, self._read(2))

    def test_failed_write_frees_the_block(self):
        self.io.perform(ops.Write(ops.LOCKSPACE, 2,
                                  b'A' + bytes(records.BLOCK - 1)))
        self.assertRaises(ValueError, self.io.perform,
                          ops.Write(ops.LOCKSPACE, 2, b'short'))
        self.io.perform(ops.Write(ops.LOCKSPACE, 2,
                                  b'B' + bytes(records.BLOCK - 1)))
        self.assertEqual(b'B', self._read(2)[:1])
