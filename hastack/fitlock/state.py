"""What fitlockd keeps on local disk to survive its own restart.

Per lockspace: who we are (host id, name), our delta record (so a
restart can resume the same generation), this boot's id, the monotonic
time the last good renewal started, the leases held and their holders,
the leases fenced but not yet given back, and until when no new
generation may be written (the slop after a fence, timing.py).

It is an append-only journal, ``<state_dir>/<lockspace>.journal``: every
change is one record appended with one ``write`` and one ``fdatasync``,
so an acquire or a release costs one local sync (a rewritten state file
costs a sync of the file and one of the folder, each time). A record is
framed as::

    length (uint32 LE) | crc32 of length and payload (uint32 LE) | payload

where the payload is one JSON object. Replay applies the records in
order and stops at the first one that is incomplete or fails its
checksum: a crash in the middle of an append loses that record only,
and only a record whose sync had not returned (the caller had not acted
on it). The journal starts with a snapshot of the whole state; it is
*compacted* (rewritten as one snapshot: temporary file, fsync, rename,
fsync of the folder) when fitlockd joins the lockspace and whenever it
grows past ``COMPACT_BYTES``, so a crash during compaction leaves the old
journal or the new one, never half.

Restart semantics (design.md section 5) are the journal's contents: a
fitlockd that comes back on the same boot before ``F`` replays it,
resumes the same generation and keeps every lease and holder.
"""

import json
import os
import struct
import threading
import zlib

from hastack.fitlock import records

BOOT_ID_FILE = '/proc/sys/kernel/random/boot_id'
SUFFIX = '.journal'
# Compact once the journal grows past this. A renewal record is about
# 500 bytes every R, a lease record about as much per acquire or release:
# at R = 20 s, renewals alone take about two hours to reach it, and
# replaying that much at start takes milliseconds.
COMPACT_BYTES = 256 * 1024
_HEADER = struct.Struct('<II')
# A record longer than this is garbage from a torn write, never a real one
# (a snapshot of thousands of leases stays well below it).
_MAX_RECORD = 64 * 1024 * 1024

# Fields of the state set with a 'set' record.
SCALARS = ('host_id', 'owner', 'boot_id', 'mine', 'pending',
           'last_renewal_monotonic', 'quiet_until')


class Unreadable(Exception):
    """A journal exists but holds no valid snapshot: the holders of the
    previous incarnation are unknown."""


def boot_id(path=BOOT_ID_FILE):
    """This boot's id: CLOCK_MONOTONIC values only compare within one."""
    with open(path) as f:
        return f.read().strip()


def journal_path(state_dir, lockspace):
    """The journal of ``lockspace`` in ``state_dir``."""
    return os.path.join(state_dir, lockspace + SUFFIX)


def empty(lockspace):
    """The state of a lockspace with nothing saved."""
    return {'lockspace': lockspace, 'host_id': None, 'owner': None,
            'boot_id': None, 'mine': None, 'pending': None,
            'last_renewal_monotonic': None, 'quiet_until': None,
            'leases': {}, 'holders': {}, 'dropped': {}}


# -- encoding ------------------------------------------------------------

def _record(record):
    return None if record is None else {
        f: getattr(record, f) for f in record.FIELDS}


def _delta(doc):
    return None if doc is None else records.Delta(**doc)


def _leader(doc):
    return records.Leader(**doc)


def _encode_state(state):
    doc = {k: state[k] for k in ('lockspace', 'host_id', 'owner', 'boot_id',
                                 'last_renewal_monotonic', 'quiet_until')}
    doc['mine'] = _record(state['mine'])
    doc['pending'] = _record(state['pending'])
    doc['leases'] = {r: _record(v) for r, v in state['leases'].items()}
    doc['holders'] = {r: sorted(p) for r, p in state['holders'].items()}
    doc['dropped'] = {r: _record(v) for r, v in state['dropped'].items()}
    return doc


def _decode_state(doc, lockspace):
    state = empty(lockspace)
    for key in ('host_id', 'owner', 'boot_id', 'last_renewal_monotonic',
                'quiet_until'):
        state[key] = doc.get(key)
    state['mine'] = _delta(doc.get('mine'))
    state['pending'] = _delta(doc.get('pending'))
    state['leases'] = {r: _leader(v)
                       for r, v in (doc.get('leases') or {}).items()}
    state['holders'] = {r: set(p)
                        for r, p in (doc.get('holders') or {}).items()}
    state['dropped'] = {r: _leader(v)
                        for r, v in (doc.get('dropped') or {}).items()}
    return state


def frame(doc):
    """One journal record: header and JSON payload."""
    payload = json.dumps(doc, separators=(',', ':')).encode('utf-8')
    length = struct.pack('<I', len(payload))
    return _HEADER.pack(len(payload), zlib.crc32(length + payload)) + payload


def records_in(data):
    """The records of a journal's bytes, up to the first torn one.

    :returns: ``(list of dicts, bytes used)``.
    """
    found, offset = [], 0
    while offset + _HEADER.size <= len(data):
        length, crc = _HEADER.unpack_from(data, offset)
        start = offset + _HEADER.size
        if not 0 < length <= _MAX_RECORD or start + length > len(data):
            break
        payload = data[start:start + length]
        if zlib.crc32(struct.pack('<I', length) + payload) != crc:
            break
        try:
            doc = json.loads(payload.decode('utf-8'))
        except ValueError:
            break
        if not isinstance(doc, dict):
            break
        found.append(doc)
        offset = start + length
    return found, offset


def apply(state, doc):
    """Apply one record to a state (in place).

    :raises ValueError: an unknown kind of record.
    """
    kind = doc.get('kind')
    if kind == 'snapshot':
        fresh = _decode_state(doc['state'], state['lockspace'])
        state.clear()
        state.update(fresh)
    elif kind == 'set':
        for key, value in doc['fields'].items():
            if key not in SCALARS:
                raise ValueError('unknown field %r' % key)
            state[key] = (_delta(value) if key in ('mine', 'pending')
                          else value)
    elif kind == 'lease':
        state['leases'][doc['resource']] = _leader(doc['leader'])
        if doc.get('holders'):
            state['holders'][doc['resource']] = set(doc['holders'])
        else:
            state['holders'].pop(doc['resource'], None)
    elif kind == 'unlease':
        state['leases'].pop(doc['resource'], None)
        state['holders'].pop(doc['resource'], None)
    elif kind == 'drop':
        state['dropped'][doc['resource']] = _leader(doc['leader'])
    elif kind == 'undrop':
        state['dropped'].pop(doc['resource'], None)
    else:
        raise ValueError('unknown journal record %r' % kind)


def replay(data, lockspace):
    """The state a journal's bytes describe.

    :returns: the state dict, or None for an empty journal.
    :raises Unreadable: it does not start with a valid snapshot.
    """
    docs, _ = records_in(data)
    if not docs and not data:
        return None
    if not docs or docs[0].get('kind') != 'snapshot':
        raise Unreadable('the journal does not start with a valid '
                         'snapshot')
    state = empty(lockspace)
    for doc in docs:
        try:
            apply(state, doc)
        except (KeyError, TypeError, ValueError) as e:
            # A record that passed its checksum but that this version
            # cannot apply: stop there, as at a torn record.
            raise Unreadable('journal record %r: %s' % (doc.get('kind'), e))
    return state


# -- files ---------------------------------------------------------------

def _fsync_dir(path):
    dir_fd = os.open(os.path.dirname(path) or '.', os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _legacy_paths(state_dir, lockspace):
    return (os.path.join(state_dir, '%s.json' % lockspace),
            os.path.join(state_dir, '%s.renewal.json' % lockspace))


def _load_legacy(state_dir, lockspace):
    # The two JSON files of earlier releases: an upgrade must still know
    # the holders of the incarnation it replaces.
    leases_path, renewal_path = _legacy_paths(state_dir, lockspace)
    try:
        with open(leases_path) as f:
            doc = json.load(f)
        with open(renewal_path) as f:
            doc.update(json.load(f))
    except FileNotFoundError:
        return None
    except ValueError as e:
        raise Unreadable('%s: %s' % (leases_path, e))
    return _decode_state(doc, lockspace)


def load(state_dir, lockspace):
    """The saved state of a lockspace, or None.

    :returns: a dict with ``host_id``, ``owner``, ``boot_id``, ``mine``
        and ``pending`` (:class:`records.Delta`), ``last_renewal_monotonic``,
        ``quiet_until``, ``leases`` and ``dropped`` (``{resource:
        records.Leader}``) and ``holders`` (``{resource: set(pids)}``).
    :raises Unreadable: a journal exists that cannot be read.
    """
    try:
        with open(journal_path(state_dir, lockspace), 'rb') as f:
            data = f.read()
    except FileNotFoundError:
        return _load_legacy(state_dir, lockspace)
    return replay(data, lockspace)


def lockspaces(state_dir):
    """The lockspaces with saved state in ``state_dir``."""
    try:
        names = os.listdir(state_dir)
    except FileNotFoundError:
        return []
    found = set()
    for name in names:
        if name.endswith(SUFFIX):
            found.add(name[:-len(SUFFIX)])
        elif name.endswith('.renewal.json'):
            found.add(name[:-len('.renewal.json')])
    return sorted(found)


def forget(state_dir, lockspace):
    """Remove a lockspace's state (after a clean leave)."""
    for path in (journal_path(state_dir, lockspace),) + \
            _legacy_paths(state_dir, lockspace):
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass


class Journal:
    """The journal of one lockspace, open for appending.

    Keeps the state it describes in ``state`` (a dict as :func:`load`
    returns), so it can compact itself. Thread-safe; every method that
    records a change returns once it is on stable storage.

    :param state_dir: the local state folder.
    :param lockspace: the lockspace name.
    :param compact_bytes: compact when the journal grows past this.
    """

    def __init__(self, state_dir, lockspace, compact_bytes=COMPACT_BYTES):
        self.state_dir = state_dir
        self.lockspace = lockspace
        self.path = journal_path(state_dir, lockspace)
        self.compact_bytes = compact_bytes
        self.state = empty(lockspace)
        self.size = 0
        self.syncs = 0
        self._fd = None
        self._torn = False
        self._lock = threading.Lock()

    def start(self, state):
        """Compact: replace the journal with one snapshot of ``state``
        and keep it open for appending."""
        with self._lock:
            self.state = _decode_state(_encode_state(state), self.lockspace)
            self._compact()

    def _compact(self):
        os.makedirs(self.state_dir, exist_ok=True)
        data = frame({'kind': 'snapshot',
                      'state': _encode_state(self.state)})
        tmp = self.path + '.tmp'
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, self.path)
        _fsync_dir(self.path)
        self._close()
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
        self.size = len(data)
        self._torn = False
        for path in _legacy_paths(self.state_dir, self.lockspace):
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass

    def _append(self, *docs):
        with self._lock:
            if self._fd is None:
                raise ValueError('journal of %s is not started'
                                 % self.lockspace)
            if self._torn:
                # A failed append may have left a torn record, past which
                # a replay would not read: start a fresh journal first.
                self._compact()
            data = b''.join(frame(doc) for doc in docs)
            self._torn = True
            written = os.write(self._fd, data)
            self.size += written
            if written != len(data):
                raise OSError('short write to %s: %d of %d bytes'
                              % (self.path, written, len(data)))
            os.fdatasync(self._fd)
            self._torn = False
            self.syncs += 1
            # Only what is on disk: a compaction must not record a change
            # whose append failed.
            for doc in docs:
                apply(self.state, doc)
            if self.size > self.compact_bytes:
                self._compact()

    def set(self, **fields):
        """Record new values of top-level fields (``SCALARS``)."""
        encoded = {k: (_record(v) if k in ('mine', 'pending') else v)
                   for k, v in fields.items()}
        self._append({'kind': 'set', 'fields': encoded})

    def lease(self, resource, leader, holders=()):
        """Record a lease held, with its holders."""
        self._append({'kind': 'lease', 'resource': resource,
                      'leader': _record(leader), 'holders': sorted(holders)})

    def changes(self, unleased=(), dropped=None, undropped=(), **fields):
        """Record several changes in one sync: leases no longer held,
        leases fenced (``{resource: leader}``) to give back later, fenced
        leases given back, and new values of top-level fields."""
        docs = [{'kind': 'unlease', 'resource': r} for r in unleased]
        docs += [{'kind': 'drop', 'resource': r, 'leader': _record(v)}
                 for r, v in (dropped or {}).items()]
        docs += [{'kind': 'undrop', 'resource': r} for r in undropped]
        if fields:
            encoded = {k: (_record(v) if k in ('mine', 'pending') else v)
                       for k, v in fields.items()}
            docs.append({'kind': 'set', 'fields': encoded})
        if docs:
            self._append(*docs)

    def _close(self):
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def close(self):
        """Close the journal (it stays on disk)."""
        with self._lock:
            self._close()
