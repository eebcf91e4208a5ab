"""Fitlock's on-disk records: one strict 4 KiB block each."""

import dataclasses
import struct

from oslotest import base

from hastack.fitlock import errors
from hastack.fitlock import records

HEADER = records.Header(version=1, lockspace='ls', max_hosts=2000,
                        io_timeout_ms=10000, created=1_700_000_000)
DELTA = records.Delta(host_id=7, generation=3, seq=42,
                      timestamp=1_700_000_000_123, io_timeout_ms=10000,
                      owner='compute-7')
LEADER = records.Leader(resource='0b4c-uuid', lockspace='ls', owner_id=7,
                        owner_generation=3, lver=9, timestamp=123, flags=0,
                        max_hosts=2000)
DBLOCK = records.DBlock(lver=9, mbal=4007, bal=4007, inp_owner_id=7,
                        inp_generation=3, inp_timestamp=123)
ALL = (HEADER, DELTA, LEADER, DBLOCK)


class TestRoundTrip(base.BaseTestCase):

    def test_every_kind_round_trips(self):
        for record in ALL:
            block = record.pack()
            self.assertEqual(records.BLOCK, len(block))
            self.assertEqual(record, type(record).unpack(block))

    def test_extreme_values_round_trip(self):
        big = records.Delta(host_id=2 ** 32 - 1, generation=2 ** 64 - 1,
                            seq=2 ** 64 - 1, timestamp=0,
                            io_timeout_ms=2 ** 32 - 1, owner='x' * 64,
                            released=1)
        self.assertEqual(big, records.Delta.unpack(big.pack()))

    def test_utf8_names_round_trip(self):
        leader = dataclasses.replace(LEADER, resource='vm-\u00e9\u00e8')
        self.assertEqual(leader, records.Leader.unpack(leader.pack()))

    def test_released_flag(self):
        self.assertFalse(LEADER.released)
        done = dataclasses.replace(LEADER, flags=records.LEADER_RELEASED)
        self.assertTrue(records.Leader.unpack(done.pack()).released)

    def test_fields_change_the_block(self):
        # Liveness is judged by the block changing: every renewal must.
        self.assertNotEqual(DELTA.pack(),
                            dataclasses.replace(DELTA, seq=43).pack())


class TestStrictDecoding(base.BaseTestCase):

    def test_all_zero_is_never_written(self):
        for kind in (records.Header, records.Delta, records.Leader,
                     records.DBlock):
            self.assertIsNone(kind.unpack(bytes(records.BLOCK)))

    def test_wrong_size_is_corrupt(self):
        for size in (0, records.BLOCK - 1, records.BLOCK + 1):
            self.assertRaises(errors.Corrupt, records.Delta.unpack,
                              DELTA.pack()[:size].ljust(size, b'\0'))

    def test_bad_magic_is_corrupt(self):
        block = bytearray(DELTA.pack())
        block[0] ^= 0x20
        e = self.assertRaises(errors.Corrupt, records.Delta.unpack,
                              bytes(block))
        self.assertIn('not a Delta block', str(e))

    def test_other_kind_is_corrupt(self):
        # A leader block is never mistaken for a delta lease or a ballot.
        self.assertRaises(errors.Corrupt, records.Delta.unpack,
                          LEADER.pack())
        self.assertRaises(errors.Corrupt, records.DBlock.unpack,
                          LEADER.pack())
        self.assertRaises(errors.Corrupt, records.Leader.unpack,
                          DBLOCK.pack())

    def test_any_flipped_bit_in_the_record_is_corrupt(self):
        for record in ALL:
            size = len(record.MAGIC) + 4 + len(
                struct.pack('<' + record.FORMAT, *self._values(record)))
            block = record.pack()
            for offset in range(len(record.MAGIC), size):
                damaged = bytearray(block)
                damaged[offset] ^= 0x01
                self.assertRaises(errors.Corrupt, type(record).unpack,
                                  bytes(damaged))

    @staticmethod
    def _values(record):
        return [(getattr(record, f).encode() if f in record.TEXT
                 else getattr(record, f)) for f in record.FIELDS]

    def test_garbage_is_corrupt_never_free(self):
        self.assertRaises(errors.Corrupt, records.Leader.unpack,
                          b'\xff' * records.BLOCK)

    def test_corrupt_carries_its_code(self):
        self.assertIs(errors.Corrupt, records.Corrupt)
        self.assertEqual('corrupt', errors.Corrupt('x').code)


class TestNames(base.BaseTestCase):

    def test_name_of_64_bytes_fits(self):
        delta = dataclasses.replace(DELTA, owner='h' * records.NAME_BYTES)
        self.assertEqual(delta, records.Delta.unpack(delta.pack()))

    def test_name_too_long_is_refused(self):
        delta = dataclasses.replace(DELTA,
                                    owner='h' * (records.NAME_BYTES + 1))
        e = self.assertRaises(ValueError, delta.pack)
        self.assertIn('longer than 64 bytes', str(e))

    def test_name_limit_counts_utf8_bytes(self):
        # 33 two-byte characters are 66 bytes.
        leader = dataclasses.replace(LEADER, resource='\u00e9' * 33)
        self.assertRaises(ValueError, leader.pack)
