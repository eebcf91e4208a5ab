"""Fitlock's on-disk records, each in one 4 KiB aligned block.

A lockspace file holds a header in block 0 and one delta lease (host
liveness) per host id in block ``host_id``. A lease file holds one
instance lease: its leader in block 0 and one Disk Paxos block per host
id in block ``host_id``. Every host writes only its own blocks, and every
write is a whole aligned block, so no write can clobber another host's.

Decoding is strict: an all-zero block is "never written" (None); anything
else must carry the right magic and checksum, or it is corrupt and raises
:class:`Corrupt`. Callers treat corrupt as *unknown*, never as free.
"""

import dataclasses
import struct
import zlib

from hastack.fitlock import errors

BLOCK = 4096
NAME_BYTES = 64
# A never-written block. Comparing with it is C-speed; any() over 4 KiB of
# bytes is a Python loop (25 us a block, hundreds per acquire).
ZERO = bytes(BLOCK)


def is_empty(block):
    """Whether a block was never written (all zeros)."""
    return block == ZERO

# Flags of a leader record.
LEADER_RELEASED = 0x1


# A block that is neither empty nor a valid record of the expected kind.
Corrupt = errors.Corrupt

def _name(value):
    raw = value.encode('utf-8')
    if len(raw) > NAME_BYTES:
        raise ValueError('name %r is longer than %d bytes'
                         % (value, NAME_BYTES))
    return raw


def _unname(raw):
    return raw.rstrip(b'\0').decode('utf-8', 'replace')


class _Record:
    """Packing, checksums and strict decoding shared by the record kinds.

    Subclasses are dataclasses with ``MAGIC`` (8 bytes), ``FORMAT`` (the
    struct format of their fields after the magic, names as ``{n}s``) and
    ``FIELDS`` (the field names in that order, names of str type listed in
    ``TEXT``).
    """

    MAGIC = b''
    FORMAT = ''
    FIELDS = ()
    TEXT = ()

    def pack(self):
        """The record as one block: magic, fields, crc32, zero padding."""
        values = [(_name(getattr(self, f)) if f in self.TEXT
                   else getattr(self, f)) for f in self.FIELDS]
        body = self.MAGIC + struct.pack('<' + self.FORMAT, *values)
        body += struct.pack('<I', zlib.crc32(body))
        return body.ljust(BLOCK, b'\0')

    @classmethod
    def unpack(cls, block):
        """Decode one block.

        :returns: the record, or None for an all-zero (never written) block.
        :raises Corrupt: wrong size, magic or checksum.
        """
        if len(block) != BLOCK:
            raise Corrupt('a %s block must be %d bytes, got %d'
                          % (cls.__name__, BLOCK, len(block)))
        if is_empty(block):
            return None
        size = len(cls.MAGIC) + struct.calcsize('<' + cls.FORMAT)
        if block[:len(cls.MAGIC)] != cls.MAGIC:
            raise Corrupt('not a %s block (magic %r)'
                          % (cls.__name__, bytes(block[:8])))
        (crc,) = struct.unpack_from('<I', block, size)
        if zlib.crc32(block[:size]) != crc:
            raise Corrupt('%s block has a bad checksum' % cls.__name__)
        values = struct.unpack_from('<' + cls.FORMAT, block,
                                    len(cls.MAGIC))
        fields = {f: (_unname(v) if f in cls.TEXT else v)
                  for f, v in zip(cls.FIELDS, values, strict=True)}
        return cls(**fields)


@dataclasses.dataclass(frozen=True)
class Header(_Record):
    """Block 0 of a lockspace file: what the file is and its geometry."""

    MAGIC = b'FITLOCKS'
    FORMAT = 'I%dsIIQ' % NAME_BYTES
    FIELDS = ('version', 'lockspace', 'max_hosts', 'io_timeout_ms',
              'created')
    TEXT = ('lockspace',)
    VERSION = 1

    version: int
    lockspace: str
    max_hosts: int
    io_timeout_ms: int
    created: int


@dataclasses.dataclass(frozen=True)
class Delta(_Record):
    """A host's delta lease: it is alive while this record keeps changing.

    ``seq`` grows by one on every renewal; ``timestamp`` is the owner's
    wall clock in ms and only informative (liveness is judged by change,
    with the observer's own monotonic clock, never by comparing clocks).
    """

    MAGIC = b'FLDELTA1'
    FORMAT = 'IQQQI%dsI' % NAME_BYTES
    FIELDS = ('host_id', 'generation', 'seq', 'timestamp', 'io_timeout_ms',
              'owner', 'released')
    TEXT = ('owner',)

    host_id: int
    generation: int
    seq: int
    timestamp: int
    io_timeout_ms: int
    owner: str
    released: int = 0


@dataclasses.dataclass(frozen=True)
class Leader(_Record):
    """Block 0 of a lease file: who owns the instance lease, at which
    lease version. The owner holds it while its delta lease of the same
    generation lives, unless ``flags`` has LEADER_RELEASED."""

    MAGIC = b'FLLEADR1'
    FORMAT = '%ds%dsIQQQII' % (NAME_BYTES, NAME_BYTES)
    FIELDS = ('resource', 'lockspace', 'owner_id', 'owner_generation',
              'lver', 'timestamp', 'flags', 'max_hosts')
    TEXT = ('resource', 'lockspace')

    resource: str
    lockspace: str
    owner_id: int
    owner_generation: int
    lver: int
    timestamp: int
    flags: int
    max_hosts: int

    @property
    def released(self):
        """Whether the owner gave the lease up."""
        return bool(self.flags & LEADER_RELEASED)


@dataclasses.dataclass(frozen=True)
class DBlock(_Record):
    """One host's Disk Paxos block for one lease version ``lver``.

    ``mbal`` is the highest ballot this host started, ``bal`` the ballot
    of the value it last accepted, ``inp_*`` that value (the proposed
    owner).
    """

    MAGIC = b'FLDBLK01'
    FORMAT = 'QQQIQQ'
    FIELDS = ('lver', 'mbal', 'bal', 'inp_owner_id', 'inp_generation',
              'inp_timestamp')

    lver: int
    mbal: int
    bal: int
    inp_owner_id: int
    inp_generation: int
    inp_timestamp: int
