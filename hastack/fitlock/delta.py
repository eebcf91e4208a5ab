"""Delta leases: a host's liveness, one slot per host id in the lockspace.

A host owns slot ``host_id`` while it keeps rewriting it (every ``R``).
Others judge it alive by *change*: :class:`HostTable` records, with the
observer's own monotonic clock, when it last saw each slot's bytes change.
A host whose slot has not changed for ``H`` is dead, and so are all the
instance leases it held (design.md section 5).

The protocol functions are generators of ``ops`` requests (see ops.py).
"""

import dataclasses

from hastack.fitlock import errors
from hastack.fitlock import ops
from hastack.fitlock import records


def _decode(block):
    try:
        return records.Delta.unpack(block)
    except records.Corrupt:
        return None


def acquire(host_id, owner, timing, previous_dead=False):
    """Join a lockspace as ``host_id``: take its delta slot.

    As sanlock does: if the slot shows another owner, or a record that may
    belong to a live earlier incarnation, wait until it has not changed
    for ``H``; write our record with the next generation; wait ``2N``;
    read it back. Whoever's record is there after the wait owns the slot.

    :param owner: this host's name.
    :param timing: the lockspace's :class:`timing.Timing`.
    :param previous_dead: the caller knows the slot's current record is
        its own from an incarnation that died with an earlier boot, so
        there is nothing to wait for.
    :returns: the :class:`records.Delta` we wrote.
    :raises HostIdBusy: the slot changed while we waited, or another host
        won it.
    """
    (block,) = yield ops.Read(ops.LOCKSPACE, host_id)
    current = _decode(block)
    corrupt = current is None and not records.is_empty(block)
    held = corrupt or (current is not None and not current.released)
    if held and not (previous_dead and current is not None and
                     current.owner == owner):
        # NOTE(hastack): H, not less: a live owner renews every R, but one
        # whose renewals fail keeps its instances until it fences at
        # F + A + T_kill < H (timing.py).
        yield ops.Sleep(timing.host_dead)
        (again,) = yield ops.Read(ops.LOCKSPACE, host_id)
        if again != block:
            raise errors.HostIdBusy(
                'host id %d is in use by %s: its delta lease changed while '
                'we waited %s s' % (host_id, (current.owner if current
                                               else 'an unknown host'),
                                    timing.host_dead))
    generation = (current.generation if current is not None else 0) + 1
    wall = yield ops.WallMs()
    mine = records.Delta(host_id=host_id, generation=generation, seq=1,
                         timestamp=wall,
                         io_timeout_ms=int(timing.io_timeout * 1000),
                         owner=owner)
    yield ops.Write(ops.LOCKSPACE, host_id, mine.pack())
    yield ops.Sleep(timing.join_delay)
    (check,) = yield ops.Read(ops.LOCKSPACE, host_id)
    if check != mine.pack():
        winner = _decode(check)
        raise errors.HostIdBusy(
            'host id %d was taken by %s at the same time'
            % (host_id, winner.owner if winner else 'an unknown host'))
    return mine


def resume(mine, pending=None):
    """Take our slot back after a daemon restart, without any wait.

    Safe only when the caller knows this boot's previous incarnation last
    renewed less than ``F`` ago: nobody may take a slot that changed less
    than ``H > F`` ago, so if the slot still shows our generation it is
    ours. Only we write records of our generation, so any such record with
    a sequence at or past the saved one is ours (the previous incarnation
    may have renewed once more after saving).

    :param mine: the record we last saved.
    :param pending: unused; kept for callers that pass it.
    :returns: the record found, which we keep renewing.
    :raises LeaseLost: the slot shows another generation or owner.
    """
    (block,) = yield ops.Read(ops.LOCKSPACE, mine.host_id)
    found = _decode(block)
    if _ours(found, mine) and found.seq >= mine.seq:
        return found
    raise errors.LeaseLost('host id %d no longer holds our record '
                           '(generation %d)' % (mine.host_id,
                                                mine.generation))


def renew(mine, pending=None, current=None):
    """Rewrite our slot with the next sequence number.

    :param mine: the record we last wrote successfully.
    :param pending: a record whose write failed or timed out; it may have
        landed since, so finding it is as good as finding ``mine``.
    :param current: the slot's block as just read (by ``read_all``);
        read here when None.
    :returns: the new record (written).
    :raises LeaseLost: another host's record (or a release, or another
        generation) is in our slot.
    :raises IOFailure: the read or write failed; the renewal may be tried
        again. When the write failed, the exception's ``pending`` is the
        record that may still land: pass it as ``pending`` next time.
    """
    if current is None:
        (current,) = yield ops.Read(ops.LOCKSPACE, mine.host_id)
    found = _decode(current)
    if found is None and not records.is_empty(current):
        # NOTE(hastack): an unreadable slot is unknown, not lost; the
        # renewal fails and is tried again (F bounds how long).
        raise errors.IOFailure('our delta slot %d reads corrupt'
                               % mine.host_id)
    if not (_ours(found, mine) or _our_past(found, mine)):
        raise errors.LeaseLost(
            'host id %d is now held by %s (generation %s); we were '
            'generation %d' % (mine.host_id,
                               found.owner if found else 'nobody',
                               found.generation if found else '-',
                               mine.generation))
    # NOTE(hastack): only we write records of our generation, so whatever
    # record of it the slot shows is ours: ``mine``, a pending write that
    # landed, or an older write of ours that timed out and landed late
    # (NFS may reorder them). None of them is a loss of the slot; nor is
    # a late write of one of our earlier generations (_our_past). The new
    # sequence is above every one we may have written, so the new record
    # differs from all of them and observers see it change.
    seq = max(mine.seq, found.seq if _ours(found, mine) else 0,
              pending.seq if pending is not None else 0) + 1
    wall = yield ops.WallMs()
    new = dataclasses.replace(mine, seq=seq, timestamp=wall)
    try:
        yield ops.Write(ops.LOCKSPACE, mine.host_id, new.pack())
    except errors.IOFailure as e:
        # The write may still land: the caller passes it as ``pending``
        # next time, so finding it then is not mistaken for a takeover.
        e.pending = new
        raise
    return new


def _ours(found, mine):
    """Whether a slot's record is of our generation (and not released)."""
    return (found is not None and not found.released and
            (found.host_id, found.owner, found.generation) ==
            (mine.host_id, mine.owner, mine.generation))


def _our_past(found, mine):
    """Whether a slot's record is one of our own earlier generations: a
    write of ours that landed after we joined again.

    NOTE(hastack): observers then see an older generation than the one
    our leases name, which they take for alive (HostTable.is_dead), and
    an earlier generation's leases look alive again for a while: later
    takeovers, never earlier ones. Our next write puts ours back.
    """
    return (found is not None and
            (found.host_id, found.owner) == (mine.host_id, mine.owner) and
            found.generation < mine.generation)


def release(mine):
    """Leave the lockspace cleanly: mark our slot released.

    Only after every holder of our instance leases has stopped: a released
    slot tells others at once that our leases are free.
    """
    (block,) = yield ops.Read(ops.LOCKSPACE, mine.host_id)
    if _decode(block) != mine:
        raise errors.LeaseLost('host id %d no longer holds our record'
                               % mine.host_id)
    wall = yield ops.WallMs()
    done = dataclasses.replace(mine, seq=mine.seq + 1, timestamp=wall,
                               released=1)
    yield ops.Write(ops.LOCKSPACE, mine.host_id, done.pack())
    return done


def read_all(max_hosts):
    """Read every host's slot in one I/O.

    :returns: a list of raw blocks, index 0 for host id 1.
    """
    blocks = yield ops.Read(ops.LOCKSPACE, 1, max_hosts)
    return blocks


@dataclasses.dataclass
class _Seen:
    block: bytes
    changed_at: float   # when we first saw these bytes
    observed_at: float  # when we last read them, still the same


class HostTable:
    """Liveness of every host as this observer sees it, by change.

    Pure: the caller feeds it slot contents and its own monotonic time.
    """

    def __init__(self, host_dead):
        """:param host_dead: ``H`` in seconds."""
        self.host_dead = host_dead
        self._seen = {}

    def observe(self, blocks, now, first_host_id=1, started=None):
        """Record one read of the slots.

        :param blocks: the blocks read, the first for ``first_host_id``.
        :param now: our monotonic time when the read returned.
        :param started: our monotonic time when the read was issued;
            None for a read that took no time (``now``).

        A slot seen for the first time, or with new bytes, counts as just
        changed (at ``now``: we cannot know how long it has been still).
        Bytes seen before count as unchanged only up to ``started``: the
        read may return what the storage held at any moment after it was
        issued, and fitlockd may have been stopped while it was in flight,
        so ``now`` can be much later than the moment they were still there.
        """
        started = now if started is None else min(started, now)
        for offset, block in enumerate(blocks):
            host_id = first_host_id + offset
            seen = self._seen.get(host_id)
            if seen is None or seen.block != block:
                self._seen[host_id] = _Seen(bytes(block), now, now)
            else:
                seen.observed_at = max(seen.observed_at, started)

    def record(self, host_id):
        """The last valid record seen for ``host_id``, or None."""
        seen = self._seen.get(host_id)
        return _decode(seen.block) if seen else None

    def unchanged_for(self, host_id, now=None):
        """How long ``host_id``'s slot is *known* not to have changed:
        from the first read of its current bytes to the last read that
        still found them (None: never observed).

        NOTE(hastack): not ``now - changed_at``: between our last read and
        now the slot may have changed unseen. Stale observations can only
        make a host look alive longer, never dead sooner.
        """
        seen = self._seen.get(host_id)
        return None if seen is None else seen.observed_at - seen.changed_at

    def is_dead(self, host_id, generation, now):
        """Whether host ``host_id`` in ``generation`` can hold no lease.

        True when its slot shows a clean release of that generation, a
        later generation (a new incarnation joins only after the old one's
        holders stopped: it fenced first, or the host rebooted), or that
        generation unchanged for ``H``. Never observed, unreadable for
        less than ``H``, or an *earlier* generation in the slot: alive, as
        far as we know.
        """
        seen = self._seen.get(host_id)
        if seen is None:
            return False
        current = _decode(seen.block)
        if current is not None:
            if current.generation > generation:
                return True
            if current.generation < generation:
                # NOTE(hastack): the slot stood still in an older
                # generation; the one asked about joined since our last
                # read (it holds a lease naming it) and has never been
                # seen, let alone seen standing still.
                return False
            if current.released:
                return True
        return seen.observed_at - seen.changed_at >= self.host_dead

    def live_hosts(self, now):
        """``{host_id: record}`` of hosts holding their slot right now."""
        result = {}
        for host_id, seen in self._seen.items():
            current = _decode(seen.block)
            if (current is not None and not current.released and
                    seen.observed_at - seen.changed_at < self.host_dead):
                result[host_id] = current
        return result
