"""Instance leases: Disk Paxos over one lease file per instance.

A lease file has a leader block (who owns the lease, at which lease
version ``lver``) and one ballot block per host id. To take a lease, a
host runs one Disk Paxos instance for version ``lver + 1``: every host
writes only its own block and reads all the others', and at most one value
(new owner) can be chosen per version, however many hosts try at once.

An owner never renews a lease: it holds it while its delta lease of the
recorded generation lives (``delta.HostTable.is_dead``), so renewing the
host renews all its leases in one write.

The protocol functions are generators of ``ops`` requests (see ops.py).
"""

import dataclasses

from hastack.fitlock import errors
from hastack.fitlock import ops
from hastack.fitlock import records


@dataclasses.dataclass(frozen=True)
class Owner:
    """Who would own a lease: a host id in one generation."""

    host_id: int
    generation: int


def _leader(block, resource):
    try:
        leader = records.Leader.unpack(block)
    except records.Corrupt as e:
        raise errors.Corrupt('lease %s: %s' % (resource, e))
    if leader is not None and leader.resource != resource:
        raise errors.Corrupt('lease file for %s holds the leader of %s'
                             % (resource, leader.resource))
    return leader


def _dblocks(blocks, resource):
    result = []
    for host_index, block in enumerate(blocks, start=1):
        if block is records.ZERO:
            # Never written (storage.read_blocks shares this object):
            # the common case, without decoding.
            result.append(None)
            continue
        try:
            result.append(records.DBlock.unpack(block))
        except records.Corrupt as e:
            # NOTE(hastack): a ballot block we cannot read could hide a
            # higher ballot; going on could choose a second value.
            raise errors.Corrupt('lease %s: ballot block of host %d: %s'
                                 % (resource, host_index, e))
    return result


def next_ballot(highest, host_id, max_hosts):
    """The smallest ballot above ``highest`` that belongs to ``host_id``.

    Ballots are ``k * max_hosts + host_id``: no two hosts ever use the same
    ballot number.
    """
    k = highest // max_hosts + 1
    return k * max_hosts + host_id


def inquire(resource, max_hosts):
    """Read a lease's leader.

    :returns: the :class:`records.Leader`, or None for a lease never held.
    :raises Corrupt: the leader cannot be trusted.
    """
    (block,) = yield ops.Read(ops.lease_target(resource), 0, 1)
    return _leader(block, resource)


def acquire(resource, lockspace, me, max_hosts, owner_is_dead):
    """Take an instance lease for ``me``.

    :param resource: the lease name (the instance uuid).
    :param lockspace: the lockspace name, recorded in the leader.
    :param me: our :class:`Owner`.
    :param max_hosts: the lockspace's number of host slots.
    :param owner_is_dead: callable(host_id, generation) -> bool, from our
        :class:`delta.HostTable` at the time of the call.
    :returns: the new leader record (we own it).
    :raises LeaseHeld: a host that may be alive holds it, or another
        host's proposal was chosen in this ballot.
    :raises LeaseBusy: a higher ballot is running; try again.
    :raises Corrupt: a block cannot be trusted.

    A leader naming ``me`` is no proof that we own the lease: we may have
    given it up (fenced its holders), and a later version may have been
    chosen for another host whose leader write has not landed yet (or a
    late write of ours put our old leader back). Only the caller knows
    what it holds; here such a lease is taken in a new ballot, like a
    released one, and that ballot finds any later choice.
    """
    target = ops.lease_target(resource)
    blocks = yield ops.Read(target, 0, max_hosts + 1)
    leader = _leader(blocks[0], resource)
    if leader is not None and not leader.released:
        holder = Owner(leader.owner_id, leader.owner_generation)
        if holder != me and not owner_is_dead(holder.host_id,
                                               holder.generation):
            raise errors.LeaseHeld(
                'lease %s is held by host %d (generation %d), which is '
                'or may be alive' % (resource, holder.host_id,
                                     holder.generation))
    lver = (leader.lver if leader is not None else 0) + 1
    ballots = _dblocks(blocks[1:], resource)

    # Phase 1: claim a ballot above every ballot seen for this version,
    # keeping any value we accepted before in it.
    current = [b for b in ballots if b is not None and b.lver == lver]
    highest = max([b.mbal for b in current], default=0)
    mbal = next_ballot(highest, me.host_id, max_hosts)
    own = ballots[me.host_id - 1]
    own = own if own is not None and own.lver == lver else None
    wall = yield ops.WallMs()
    mine = records.DBlock(
        lver=lver, mbal=mbal, bal=own.bal if own else 0,
        inp_owner_id=own.inp_owner_id if own else 0,
        inp_generation=own.inp_generation if own else 0,
        inp_timestamp=own.inp_timestamp if own else 0)
    yield ops.Write(target, me.host_id, mine.pack())
    ballots = _dblocks((yield ops.Read(target, 1, max_hosts)), resource)
    _check_no_higher_ballot(ballots, lver, mbal, me, resource)

    # The value: the one accepted at the highest ballot, else ours.
    accepted = [b for b in ballots if b is not None and b.lver == lver
                and b.bal > 0]
    if accepted:
        best = max(accepted, key=lambda b: b.bal)
        value = (best.inp_owner_id, best.inp_generation, best.inp_timestamp)
    else:
        value = (me.host_id, me.generation, wall)

    # Phase 2: accept the value at our ballot.
    mine = dataclasses.replace(mine, bal=mbal, inp_owner_id=value[0],
                               inp_generation=value[1],
                               inp_timestamp=value[2])
    yield ops.Write(target, me.host_id, mine.pack())
    ballots = _dblocks((yield ops.Read(target, 1, max_hosts)), resource)
    _check_no_higher_ballot(ballots, lver, mbal, me, resource)

    # Chosen. Record it in the leader so readers need not rerun the ballot.
    new_leader = records.Leader(
        resource=resource, lockspace=lockspace, owner_id=value[0],
        owner_generation=value[1], lver=lver, timestamp=value[2], flags=0,
        max_hosts=max_hosts)
    (latest,) = yield ops.Read(target, 0, 1)
    latest_leader = _leader(latest, resource)
    # NOTE(hastack): never move the leader backwards: if a later version
    # was recorded meanwhile, ours is history.
    if latest_leader is None or latest_leader.lver < lver:
        yield ops.Write(target, 0, new_leader.pack())
    elif latest_leader.lver > lver:
        raise errors.LeaseBusy('lease %s moved on to version %d while we '
                               'ran version %d' % (resource,
                                                   latest_leader.lver, lver))
    if Owner(value[0], value[1]) != me:
        raise errors.LeaseHeld(
            'lease %s went to host %d (generation %d) in the same ballot'
            % (resource, value[0], value[1]))
    return new_leader


def _check_no_higher_ballot(ballots, lver, mbal, me, resource):
    for host_index, ballot in enumerate(ballots, start=1):
        if (host_index != me.host_id and ballot is not None and
                ballot.lver == lver and ballot.mbal > mbal):
            raise errors.LeaseBusy(
                'lease %s: host %d runs a higher ballot (%d > %d)'
                % (resource, host_index, ballot.mbal, mbal))
        if (host_index != me.host_id and ballot is not None and
                ballot.lver > lver):
            raise errors.LeaseBusy(
                'lease %s: host %d already works on version %d'
                % (resource, host_index, ballot.lver))


def release(resource, held, max_hosts):
    """Give a lease up: mark the leader released.

    :param held: the leader record we wrote when we took the lease.
    :raises NotOwner: the leader no longer names us at that version.
    """
    target = ops.lease_target(resource)
    (block,) = yield ops.Read(target, 0, 1)
    leader = _leader(block, resource)
    if leader is None or (leader.owner_id, leader.owner_generation,
                          leader.lver) != (held.owner_id,
                                           held.owner_generation,
                                           held.lver):
        raise errors.NotOwner('lease %s is not ours to release' % resource)
    if leader.released:
        return leader
    done = dataclasses.replace(leader, flags=leader.flags |
                               records.LEADER_RELEASED)
    yield ops.Write(target, 0, done.pack())
    return done
