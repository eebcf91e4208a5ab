"""A deterministic discrete-event simulation of Fitlock's safety.

Several hosts share one simulated storage and run the real sans-I/O
protocols (``delta``, ``paxos``) through an interpreter of their ``ops``
requests, driven by a model of fitlockd that follows
``hastack/fitlock/lockspace.py`` step by step (renewer, watcher with the
fencing timeline and the arbiter, acquire with its table refresh and
ballot retries, reaping, restart with resume or fence-then-join, the
watchdog expiry it publishes). Every host also runs the instances whose
leases it holds; an instance writes its disk all the time.

The invariant (``Result.violations``): at no simulated instant do two
hosts have a write to the same instance's disk in flight, counting a write
from its start until it lands on the storage.

What goes wrong, all drawn from one seed (``Profile`` sets how much):

Storage
    Every I/O has a latency; a few are slow (up to 1.5 N, so some time out
    at the host's N and fail), a few fail early (EIO). A write that failed
    may still land later: at its own completion, or replayed much later
    (``late_max``), or never; its system call (the worker thread in
    storage.FileIO) returns only once it has landed or never will, which
    is Fitlock's storage assumption (storage.py; ``land_after_return``
    drops it). A host's storage may hang for a while, and so may one file
    for everybody (a stuck placement group): I/O issued in or in flight
    during the hang completes after it.
Stale reads
    Only what a shared file system with O_DIRECT can show: each block read
    returns the block as it was at one instant between the read's start
    and its completion (independently per block of a multi-block read,
    which the client may split). Never a value overwritten before the read
    started (no page cache with O_DIRECT; close-to-open and attribute
    caching do not apply to O_DIRECT data), never new-then-old within one
    host's view of a block that nothing rewrote. A read whose answer
    reaches a frozen process late is "stale" by the freeze, as it is for
    real (``concurrent.futures`` returns a result that arrived during the
    freeze even after the timeout).
Clocks
    Each host's monotonic clock runs at a rate within ``1 +- drift``
    (timers, I/O deadlines, the watchdog all use it); it keeps running
    while the host is frozen (CLOCK_MONOTONIC does).
Freezes
    A whole host may pause (nothing on it runs, storage and the hardware
    watchdog go on), or fitlockd alone may be stopped (SIGSTOP: its
    instances, the watchdog feeder and the hardware go on), or fitlockd
    may crash and be restarted later (its instances keep running; it
    resumes or fences from its saved state).
Fencing and the watchdog
    Killing an instance takes up to ``T_kill``, unless its disk write hangs
    in the storage (an uninterruptible process), then it dies only when
    that write completes. A write in flight when its instance dies lands
    within ``slop``. The feeder pets every ``W / 10`` while fitlockd's
    published expiry lies ahead; the hardware resets the host ``W`` after
    the last pet (even when the host is frozen). A reset host stops
    everything, its in-flight writes land within ``slop`` or never, and it
    boots again later (a new boot id and clock).

The model of fitlockd follows lockspace.py (and daemon.py's watchdog
expiry) as they are now; when they change, ``Daemon`` and ``Space`` must
follow. ``Storage`` refuses a write to a block while the same fitlockd
process's earlier write to it is still in flight, as storage.FileIO does
(only the system call's return is known there: a write that failed or
timed out may still land later, here too).

Bugs this simulation found in earlier code, each fixed in hastack/ and
pinned by a schedule in test_simulation.py (``REGRESSIONS``) and by unit
tests of the code itself:

``table``
    HostTable counted a slot unchanged up to the *end* of the last read
    that found it so; a read in flight across a freeze of fitlockd returns
    old data (delta.HostTable.observe now dates it by the read's start).
``generation``
    ``is_dead(host, g)`` answered with the stillness of an older
    generation in the slot (delta.HostTable.is_dead).
``fence``
    Holders that fencing could not stop lost their lease anyway and, with
    no lease left, the watchdog expiry became infinite
    (lockspace.Lockspace._fence keeps their leases).
``fencerace``
    ``_fence`` dropped leases and holders that were released and taken
    again while it killed without the lock (it drops only what it fenced).
``publish``
    The watchdog expiry was published up to a second after a holder
    started (lockspace.Lockspace.acquire publishes before returning).
``restart``
    After a fitlockd restart, "no lease" was published until the join
    resumed or fenced the saved leases' holders (daemon.Daemon keeps the
    saved expiry until then).
``rejoin``
    A new generation written right after fencing a previous incarnation's
    holders freed their leases while their writes were in flight (the
    join waits the slop).
``recover``
    A renewal gap of ``H - 2N`` or more (failing storage, or fitlockd
    stopped, even inside the join delay) went on in the same generation
    (it now ends it: fence, wait the slop, join again).
``acquire``
    The result of a ballot that ran across a freeze was used with an old
    delta lease (only within ``F - N`` of the last renewal now).
``shortcut``
    ``paxos.acquire`` returned a leader naming us as ours, without a
    ballot, though a later version may have been chosen for another host.
``inflight``
    storage.FileIO let a second write to a block start while the first
    was still in flight; NFS may land them in either order.

``explore`` runs many seeds; ``python -m tests.unit.fitlock.simulation``
runs more of them from a shell and prints the first violation's trace.
"""

import argparse
import bisect
import dataclasses
import heapq
import math
import random
import sys

from hastack.fitlock import delta
from hastack.fitlock import errors
from hastack.fitlock import ops
from hastack.fitlock import paxos
from hastack.fitlock import records
from hastack.fitlock import timing as timing_mod

LOCKSPACE_NAME = 'sim'
ZERO = records.ZERO
INF = math.inf

# The states of lockspace.py.
JOINING = 'joining'
OK = 'ok'
FAILING = 'failing'
ASKING = 'asking'
FENCED = 'fenced'
LOST = 'lost'

# lockspace.py: ballot retries of one acquire.
BALLOT_RETRIES = 5



@dataclasses.dataclass(frozen=True)
class Profile:
    """How many hosts, instances and faults a schedule draws.

    Counts are maxima per host (per file for ``file_hangs``); each schedule
    draws between 0 and that many. Lengths are ``(low, high)`` seconds.
    """

    hosts: int = 3
    instances: int = 2
    max_hosts: int = 4
    horizon: float = 2400.0
    drift: float = 0.005
    io_mean: float = 0.02
    p_slow: float = 0.02
    p_error: float = 0.01
    p_error_lands: float = 0.5
    p_replay: float = 0.3
    late_max: float = 200.0
    ordered: bool = False
    host_hangs: int = 1
    hang_len: tuple = (5.0, 200.0)
    file_hangs: int = 1
    pauses: int = 1
    pause_len: tuple = (1.0, 120.0)
    freezes: int = 1
    freeze_len: tuple = (1.0, 300.0)
    restarts: int = 1
    restart_len: tuple = (1.0, 200.0)
    boot_len: tuple = (30.0, 120.0)
    mean_hold: float = 300.0
    # How often the agent answers the fence question in time (with
    # "fence"); else fitlockd fences when A runs out.
    p_arbiter_answers: float = 0.5
    # Seconds between two rounds of lease requests of a host's agent.
    attempt_every: tuple = (2.0, 12.0)
    # A holder whose disk write hangs in the storage cannot be killed
    # until that write completes (uninterruptible sleep); without this,
    # it dies within T_kill and the write lands within the slop anyway.
    d_state: bool = True
    # Two hosts configured with the same host id (a misconfiguration the
    # join protocol is meant to catch).
    duplicate_host_id: bool = False
    # A write may land after its system call returned (with an error):
    # NFS soft mounts. Outside Fitlock's storage assumption (storage.py):
    # a host's writes to one block can then land out of order whatever
    # it does, and Disk Paxos can lose a value it accepted.
    land_after_return: bool = False


@dataclasses.dataclass
class Plan:
    """The faults of one schedule, drawn from the seed or written by hand.

    Windows are ``(start, end)`` in simulated (real) seconds, per host
    index; ``file_hangs`` per target name.
    """

    rates: list
    starts: list
    pauses: list
    freezes: list
    restarts: list
    hangs: list
    file_hangs: dict


def quiet_plan(hosts, starts, **windows):
    """A hand-written plan: exact clocks and only the faults given.

    :param starts: boot time of each host.
    :param windows: ``pauses``, ``freezes``, ``restarts``, ``hangs`` as
        ``{host index: [(start, end)]}``, ``file_hangs`` as ``{target:
        [(start, end)]}``.
    """
    def per_host(name):
        given = windows.get(name, {})
        return [list(given.get(i, [])) for i in range(hosts)]

    return Plan(rates=[1.0] * hosts, starts=list(starts),
                pauses=per_host('pauses'), freezes=per_host('freezes'),
                restarts=per_host('restarts'), hangs=per_host('hangs'),
                file_hangs=dict(windows.get('file_hangs', {})))


# A profile without random faults, for hand-written plans.
QUIET = Profile(hosts=2, instances=1, horizon=1200.0, p_slow=0.0,
                p_error=0.0, host_hangs=0, file_hangs=0, pauses=0,
                freezes=0, restarts=0, mean_hold=1e9)


class Loop:
    """Simulated time and the events waiting for it."""

    def __init__(self):
        self.now = 0.0
        self._queue = []
        self._seq = 0

    def at(self, when, fn, *args):
        self._seq += 1
        heapq.heappush(self._queue, (max(when, self.now), self._seq, fn,
                                     args))

    def run(self, until):
        queue = self._queue
        while queue and queue[0][0] <= until:
            when, _, fn, args = heapq.heappop(queue)
            self.now = when
            fn(*args)
        self.now = until


class _Write:
    __slots__ = ('host', 'target', 'block', 'data', 'land', 'done')

    def __init__(self, host, target, block, data, land):
        self.host = host
        self.target = target
        self.block = block
        self.data = data
        self.land = land
        self.done = False


class Storage:
    """Blocks as a history of landed writes; I/O with faults."""

    def __init__(self, sim):
        self.sim = sim
        self.history = {}
        self._last_land = {}
        # When the system call of each process's latest write to a block
        # returns: storage.FileIO refuses another write to that block
        # before (its worker thread is still blocked in the write).
        self._busy = {}
        self.landed_late = 0

    def value(self, target, block, when):
        """The block as it was at ``when`` (all zeros if never written)."""
        history = self.history.get((target, block))
        if not history:
            return ZERO
        times, datas = history
        i = bisect.bisect_right(times, when)
        return datas[i - 1] if i else ZERO

    def _land(self, write, late):
        if write.done:
            return
        if write.target.startswith('lease:') and write.block == 0:
            leader = records.Leader.unpack(write.data)
            self.sim.log(write.host, 'leader of %s lands: owner %d gen %d '
                         'lver %d%s' % (write.target, leader.owner_id,
                                        leader.owner_generation,
                                        leader.lver, ' released'
                                        if leader.released else ''))
        write.done = True
        times, datas = self.history.setdefault((write.target, write.block),
                                               ([], []))
        times.append(self.sim.loop.now)
        datas.append(write.data)
        write.host.inflight.discard(write)
        if late:
            self.landed_late += 1
            self.sim.log(write.host, 'late write lands: %s block %d'
                         % (write.target, write.block))

    def _hung(self, host, target, issued, when):
        """When an I/O issued at ``issued`` that would end at ``when``
        really ends, given the hangs of its host and file."""
        for start, end in host.hangs + self.sim.plan.file_hangs.get(
                target, []):
            if issued < end and when >= start:
                when = max(when, end + self.sim.rng.uniform(0.0, 0.5))
        return when

    def latency(self):
        rng = self.sim.rng
        if rng.random() < self.sim.profile.p_slow:
            return rng.uniform(0.0, 1.5 * self.sim.timing.io_timeout)
        return rng.expovariate(1.0 / self.sim.profile.io_mean)

    def submit(self, host, task, request):
        """Start one Read or Write for ``task``; its answer comes later."""
        sim, rng, profile = self.sim, self.sim.rng, self.sim.profile
        now = sim.loop.now
        complete = self._hung(host, request.target, now,
                              now + self.latency())
        deadline = host.to_real(host.local_now() + sim.timing.io_timeout)
        error = rng.random() < profile.p_error
        answer_at = (now + rng.uniform(0.0, min(complete, deadline) - now)
                     if error else min(complete, deadline))
        if isinstance(request, ops.Read):
            samples = [now + rng.random() * (complete - now)
                       for _ in range(request.count)]
            host.post(answer_at, task.kind, self._answer_read, task,
                      request, samples, complete, error, dinc=task.dinc)
            return
        # storage.FileIO is per fitlockd process: a restarted one knows
        # nothing of what the previous one left in flight.
        key = (host.index, host.inc, task.dinc, request.target,
               request.block)
        if self._busy.get(key, -INF) > now:
            # storage.FileIO: an earlier write of ours to this block is
            # still in flight (its thread still blocked): refused at once.
            host.post(now, task.kind, self._answer_write, task, now, True,
                      dinc=task.dinc)
            return
        land = now + rng.random() * (complete - now)
        late = False
        if error:
            land = (now + rng.uniform(0.0, profile.late_max)
                    if rng.random() < profile.p_error_lands else None)
            late = True
        elif complete > deadline:
            late = True
            if rng.random() < profile.p_replay:
                land = now + rng.uniform(sim.timing.io_timeout,
                                         profile.late_max)
        if land is not None and profile.ordered:
            order = (host.index, host.inc, request.target)
            land = max(land, self._last_land.get(order, 0.0))
            self._last_land[order] = land
            complete = max(complete, land)
        # The system call returns when the I/O completes, or early with
        # an error, but (storage.py's assumption) not before the write has
        # landed, if it ever does: a write replayed late keeps its thread
        # blocked until then.
        returns = answer_at if error else complete
        if land is not None and not profile.land_after_return:
            returns = max(returns, land)
        self._busy[key] = returns
        if land is not None:
            write = _Write(host, request.target, request.block,
                           request.data, land)
            host.inflight.add(write)
            sim.loop.at(land, self._land, write, late)
        host.post(answer_at, task.kind, self._answer_write, task, complete,
                  error, dinc=task.dinc)

    def reset(self, host):
        """The host was reset: what it had in flight lands within the slop
        or never."""
        slop = self.sim.timing.slop
        now = self.sim.loop.now
        for write in sorted(host.inflight, key=lambda w: w.land):
            if write.land > now + slop:
                write.done = True
                if self.sim.rng.random() < 0.5:
                    again = _Write(host, write.target, write.block,
                                   write.data, now +
                                   self.sim.rng.uniform(0.0, slop))
                    self.sim.loop.at(again.land, self._land, again, True)
        host.inflight = set()

    def _answer_read(self, task, request, samples, complete, error):
        if error or self.sim.loop.now < complete:
            task.step(None, errors.IOFailure('read of %s timed out or '
                                             'failed' % request.target))
            return
        blocks = [self.value(request.target, request.block + i, when)
                  for i, when in enumerate(samples)]
        task.step(blocks, None)

    def _answer_write(self, task, complete, error):
        if error or self.sim.loop.now < complete:
            task.step(None, errors.IOFailure('write timed out or failed'))
            return
        task.step(None, None)


class Task:
    """A thread of one host: a generator of ``ops`` requests (and the
    protocols it delegates to with ``yield from``)."""

    def __init__(self, host, kind, gen, space=None, on_exit=None):
        self.host = host
        self.kind = kind
        self.gen = gen
        self.space = space
        self.on_exit = on_exit
        self.dinc = host.daemon_inc

    def start(self, delay=0.0):
        host = self.host
        host.post(host.to_real(host.local_now() + delay), self.kind,
                  self.step, None, None, dinc=self.dinc)
        return self

    def step(self, value, failure):
        host = self.host
        while True:
            try:
                if failure is not None:
                    request = self.gen.throw(failure)
                else:
                    request = self.gen.send(value)
            except StopIteration as stop:
                if self.on_exit:
                    self.on_exit(stop.value, None)
                return
            except errors.FitlockError as e:
                if self.on_exit is None:
                    raise
                self.on_exit(None, e)
                return
            value, failure = None, None
            kind = type(request)
            if kind is ops.WallMs:
                value = int(host.local_now() * 1000) + host.wall_offset
            elif kind is ops.Now:
                value = host.local_now()
            elif kind is ops.Sleep:
                host.post(host.to_real(host.local_now() + request.seconds),
                          self.kind, self.step, None, None, dinc=self.dinc)
                return
            elif kind is ops.Read or kind is ops.Write:
                if (kind is ops.Write and request.target == ops.LOCKSPACE
                        and request.block == host.host_id and
                        host.daemon is not None and
                        host.daemon.space is not None):
                    # lockspace._TimedIO
                    host.daemon.space.last_slot_write_start = \
                        host.local_now()
                host.sim.storage.submit(host, self, request)
                return
            else:
                raise AssertionError('unknown request %r' % (request,))


class VM:
    """An instance: writes its disk without pause until it stops."""

    def __init__(self, host, resource, hold):
        self.host = host
        self.resource = resource
        self.alive = True
        self.stopping = False
        self.death = None
        self.current = None
        self.writes = host.sim.writes.setdefault(resource, [])
        host.post(host.sim.loop.now + hold, 'host', self._stop)
        self._issue()

    def _issue(self):
        if not self.alive or self.stopping:
            return
        sim = self.host.sim
        now = sim.loop.now
        end = sim.storage._hung(self.host, 'disk:' + self.resource, now,
                                now + sim.rng.uniform(0.05, 1.5))
        self.current = [self.host.name, now, end]
        self.writes.append(self.current)
        self.host.post(end + sim.rng.uniform(0.0, 0.5), 'host', self._issue)

    def _stop(self):
        # A clean shutdown: the process exits once its last write is done.
        if self.alive and not self.stopping:
            self.stopping = True
            self.host.post(max(self.host.sim.loop.now, self.current[2]),
                           'host', self._exited)

    def _exited(self):
        if self.alive:
            self._gone()

    def _gone(self):
        self.alive = False
        self.death = self.host.sim.loop.now
        if self.host.vms.get(self.resource) is self:
            del self.host.vms[self.resource]

    def kill(self, deliver_at):
        """SIGKILL at ``deliver_at``; the process is gone at the returned
        time (later if its disk write hangs in the storage)."""
        sim = self.host.sim
        if not self.alive:
            return self.death
        death = deliver_at + sim.rng.uniform(0.0, 0.5 *
                                             sim.timing.kill_time)
        if sim.profile.d_state and self.current[2] > death + sim.timing.slop:
            death = self.current[2]    # uninterruptible in the hung write
        self.host.post(death, 'host', self.die)
        return death

    def die(self, slop=None):
        """Gone now: a write in flight lands within the slop."""
        if not self.alive:
            return
        sim = self.host.sim
        now = sim.loop.now
        self._gone()
        slop = sim.timing.slop if slop is None else slop
        if self.current is not None and self.current[2] > now + slop:
            self.current[2] = max(self.current[1],
                                  now + sim.rng.uniform(0.0, slop))


class Host:
    """One compute host: its clock, freezes, fitlockd, watchdog, VMs."""

    def __init__(self, sim, index, name, host_id, rate, plan):
        self.sim = sim
        self.index = index
        self.name = name
        self.host_id = host_id
        self.rate = rate
        self.inc = 0
        self.daemon_inc = 0
        self.boot_real = 0.0
        self.boot_local = 1000.0 + 100 * index
        self.wall_offset = 1_700_000_000_000 + 7 * index
        self.boot_id = '%s-boot-0' % name
        self.pauses = plan.pauses[index]
        self.freezes = plan.freezes[index]
        self._daemon_windows = sorted(self.pauses + self.freezes)
        self.hangs = plan.hangs[index]
        self.saved = None
        self.expiry = -INF
        self.last_pet = None
        self.vms = {}
        self.daemon = None
        self.down = True
        self.inflight = set()

    # -- clock ---------------------------------------------------------

    def local_now(self):
        return self.boot_local + (self.sim.loop.now - self.boot_real) * \
            self.rate

    def to_real(self, local):
        return self.boot_real + (local - self.boot_local) / self.rate

    # -- events --------------------------------------------------------

    def post(self, when, kind, fn, *args, dinc=None):
        """Run ``fn`` at ``when`` on this host, as process ``kind``
        ('daemon', 'host' for instances, agent and feeder), unless the
        host was reset or (for 'daemon') fitlockd restarted meanwhile;
        later if that process is frozen then."""
        self.sim.loop.at(when, self._fire, self.inc,
                         self.daemon_inc if dinc is None else dinc, kind,
                         fn, args)

    def _fire(self, inc, dinc, kind, fn, args):
        if inc != self.inc or self.down:
            return
        if kind == 'daemon' and dinc != self.daemon_inc:
            return
        now = self.sim.loop.now
        windows = self._daemon_windows if kind == 'daemon' else self.pauses
        for start, end in windows:
            if start <= now < end:
                self.sim.loop.at(end, self._fire, inc, dinc, kind, fn, args)
                return
        fn(*args)

    # -- life ----------------------------------------------------------

    def boot(self):
        sim = self.sim
        self.down = False
        self.boot_real = sim.loop.now
        self.boot_local = 1000.0 * (self.inc + 1) + 100 * self.index
        self.boot_id = '%s-boot-%d' % (self.name, self.inc)
        self.expiry = -INF   # the expiry file lives in /run
        self.last_pet = None
        sim.log(self, 'boots')
        self._feed()
        self.start_daemon()

    def start_daemon(self):
        self.daemon_inc += 1
        self.daemon = Daemon(self)

    def restart_daemon(self, down_for):
        """fitlockd crashes now and is started again ``down_for`` later."""
        if self.down:
            return
        self.sim.log(self, 'fitlockd crashes, back in %.0f s' % down_for)
        self.daemon_inc += 1
        self.daemon = None
        self.post(self.sim.loop.now + down_for, 'host', self.start_daemon)

    def _feed(self):
        # fitlock-watchdog: one keep-alive per W / 10 while the expiry
        # fitlockd published lies ahead.
        if self.local_now() < self.expiry:
            self.last_pet = self.sim.loop.now
            self.sim.loop.at(self.sim.loop.now +
                             self.sim.timing.watchdog / self.rate,
                             self._watchdog, self.inc, self.last_pet)
        self.post(self.to_real(self.local_now() +
                               self.sim.timing.watchdog / 10), 'host',
                  self._feed)

    def _watchdog(self, inc, pet):
        # Hardware: fires even while the host is frozen.
        if inc == self.inc and not self.down and self.last_pet == pet:
            self.reset()

    def reset(self):
        sim = self.sim
        sim.log(self, 'WATCHDOG RESET')
        sim.stats['resets'] += 1
        for vm in list(self.vms.values()):
            vm.die()
        self.vms = {}
        sim.storage.reset(self)
        self.inc += 1
        self.daemon = None
        self.down = True
        sim.loop.at(sim.loop.now + sim.rng.uniform(*sim.profile.boot_len),
                    self.boot)

    def start_vm(self, resource):
        vm = VM(self, resource, self.sim.rng.expovariate(
            1.0 / self.sim.profile.mean_hold))
        self.vms[resource] = vm
        self.sim.log(self, 'starts instance %s' % resource)
        return vm


class Daemon:
    """fitlockd on one host with one lockspace (daemon.py), and the agent
    that joins it and starts instances (the qemu hook's acquire)."""

    def __init__(self, host):
        self.host = host
        self.sim = host.sim
        self.space = None
        # daemon.Daemon._load_saved_expiry: the holders a previous
        # incarnation of this boot left keep the expiry where it was
        # until a join resumed or fenced them.
        saved = host.saved
        self.saved_expiry = None
        if saved and saved['leases'] and saved['boot'] == host.boot_id:
            self.saved_expiry = ((saved['last_renewal'] or -INF) +
                                 self.sim.timing.trusted_age)
        Task(host, 'daemon', self._agent()).start()
        # daemon.Daemon.lock_state_dir publishes at once, then every
        # min(1, N / 2) (publish_watchdog_expiry).
        host.post(host.sim.loop.now, 'daemon', self._publish)

    def expiry(self):
        """daemon.Daemon.watchdog_expiry."""
        found = [self.space.watchdog_expiry()] if self.space else []
        if self.saved_expiry is not None:
            found.append(self.saved_expiry)
        return min(found, default=INF)

    def publish(self):
        """daemon.Daemon.publish_expiry: the expiry file, written now."""
        self.host.expiry = self.expiry()

    def _publish(self):
        host = self.host
        self.publish()
        host.post(host.to_real(host.local_now() +
                               min(1.0, self.sim.timing.io_timeout / 2)),
                  'daemon', self._publish)

    def _agent(self):
        host, sim = self.host, self.sim
        # fitlockd joins its lockspaces once at start (cmd/fitlockd.py),
        # the lockspace listed before the join is done (daemon.py).
        space = Space(host, self)
        self.space = space
        try:
            yield from space.join()
        except errors.FitlockError as e:
            sim.log(host, 'join fails: %s' % e)
            sim.stats['join_failed'] += 1
            self.space = None
            # Nothing retries; an operator restarts fitlockd later.
            host.post(sim.loop.now + sim.rng.uniform(30.0, 300.0), 'host',
                      host.restart_daemon, 0.0)
            return
        self.saved_expiry = None
        Task(host, 'daemon', space.renewer(), space).start()
        Task(host, 'daemon', space.watcher(), space).start()
        resources = list(sim.resources)
        while True:
            yield ops.Sleep(sim.rng.uniform(*sim.profile.attempt_every))
            if space.state == LOST:
                host.restart_daemon(sim.rng.uniform(10.0, 60.0))
                return
            sim.rng.shuffle(resources)
            for resource in resources:
                if resource in space.leases or resource in host.vms:
                    continue
                try:
                    yield from space.acquire(resource)
                except errors.FitlockError as e:
                    sim.log(host, 'cannot acquire %s: %s: %s'
                            % (resource, type(e).__name__, e))


class Space:
    """lockspace.Lockspace, line by line, as generators of requests."""

    def __init__(self, host, daemon):
        self.host = host
        self.daemon = daemon
        self.sim = host.sim
        self.timing = host.sim.timing
        self.max_hosts = host.sim.profile.max_hosts
        self.table = delta.HostTable(self.timing.host_dead)
        self.state = JOINING
        self.mine = None
        self.pending = None
        self.last_renewal = None
        self.leases = {}
        self.holders = {}
        self.dropped = {}
        self.quiet_until = None
        self.gone = {}
        self.resumed = False
        self.last_slot_write_start = None
        self.observed_at = None
        # Lockspace.acquire_lock: held through a ballot, a release.
        self.locked = False

    def log(self, message):
        self.sim.log(self.host, message)

    def now(self):
        return self.host.local_now()

    def _lock(self):
        while self.locked:
            yield ops.Sleep(0.005)
        self.locked = True

    # -- joining -------------------------------------------------------

    def join(self):
        host = self.host
        saved = host.saved
        if saved and self._may_resume(saved):
            try:
                mine = yield from delta.resume(saved['mine'],
                                               saved['pending'])
                self.mine = mine
                self.last_renewal = saved['last_renewal']
                self.leases = dict(saved['leases'])
                self.holders = dict(saved['holders'])
                self.dropped = dict(saved['dropped'])
                self.quiet_until = saved['quiet_until']
                self.resumed = True
            except errors.LeaseLost as e:
                self.log('cannot resume: %s' % e)
        if not self.resumed:
            yield from self._fence_previous(saved)
            previous_dead = bool(saved and saved['host_id'] == host.host_id
                                 and saved['owner'] == host.name)
            self.mine = yield from delta.acquire(host.host_id, host.name,
                                                 self.timing, previous_dead)
            self.last_renewal = self.last_slot_write_start
        yield from self._observe()
        self.state = OK
        self._save()
        self.log('joined generation %d%s' % (self.mine.generation,
                                              ' (resumed)' if self.resumed
                                              else ''))
        self.sim.stats['joins'] += 1

    def _fence_previous(self, saved):
        host = self.host
        if not saved or saved['boot'] != host.boot_id:
            return
        quiet = saved['quiet_until']
        if saved['leases']:
            self.log('fences the previous incarnation\'s holders')
            failed = yield from self._kill(saved['holders'])
            if failed:
                raise errors.FitlockError('could not fence the holders '
                                          'of a previous incarnation')
            quiet = max(quiet if quiet is not None else -INF,
                        self.now() + self.timing.slop)
            host.saved = dict(saved, leases={}, holders={}, mine=None,
                              pending=None, quiet_until=quiet)
        if quiet is not None:
            yield ops.Sleep(max(0.0, quiet - self.now()))

    def _may_resume(self, saved):
        age = self.now() - (saved['last_renewal'] or 0)
        return (saved['owner'] == self.host.name and
                saved['host_id'] == self.host.host_id and
                saved['boot'] == self.host.boot_id and saved['mine'] and
                age < self.timing.renewal_fail)

    def _save(self):
        # The journal (state.Journal): every change is on disk before
        # fitlockd acts on it; a crash loses nothing that was acted on.
        self.host.saved = {
            'host_id': self.host.host_id, 'owner': self.host.name,
            'boot': self.host.boot_id, 'mine': self.mine,
            'pending': self.pending, 'last_renewal': self.last_renewal,
            'quiet_until': self.quiet_until, 'leases': dict(self.leases),
            'holders': dict(self.holders), 'dropped': dict(self.dropped)}

    # -- renewal -------------------------------------------------------

    def renewer(self):
        while True:
            started = self.now()
            yield from self.renew_once()
            yield from self._reap_holders()
            yield ops.Sleep(max(0.0, started +
                                self.timing.renewal_interval - self.now()))

    def renew_once(self):
        if self.state == LOST:
            return
        if self.mine is None:
            yield from self._rejoin()
            return
        try:
            started = self.now()
            blocks = yield from delta.read_all(self.max_hosts)
            self._feed_table(blocks, started)
            new = yield from delta.renew(self.mine, self.pending,
                                         blocks[self.host.host_id - 1])
        except errors.LeaseLost as e:
            yield from self._lost(str(e))
            return
        except errors.IOFailure as e:
            self.pending = getattr(e, 'pending', self.pending)
            if self.state == OK:
                self.state = FAILING
                self.log('renewal fails')
            return
        written = self.last_slot_write_start
        previous = self.last_renewal
        gap = written - previous
        self.mine, self.pending = new, None
        # No grants in this model: a gap of H - 2N always ends the
        # generation (and _verify_leases is never needed).
        if gap >= self.timing.rejoin_gap:
            yield from self._end_generation(gap)
            return
        self.last_renewal = written
        if self.state in (FAILING, ASKING, FENCED):
            self.log('renewal works again after %.1f s' % gap)
            self.state = OK
        self._save()
        yield from self._release_dropped()

    def _end_generation(self, gap):
        self.log('renewal gap of %.1f s: ends generation %d'
                 % (gap, self.mine.generation))
        self.sim.stats['rejoins'] += 1
        self.state = JOINING
        if self.leases:
            yield from self._fence(list(self.leases), 'gap of %.1f s' % gap)
        if self.leases:
            self.log('LOST: holders of %s could not be stopped'
                     % sorted(self.leases))
            self.state = LOST
            return
        self.mine, self.pending = None, None
        self._save()
        yield from self._rejoin()

    def _rejoin(self):
        quiet = self.quiet_until
        if quiet is not None:
            yield ops.Sleep(max(0.0, quiet - self.now()))
        try:
            mine = yield from delta.acquire(
                self.host.host_id, self.host.name, self.timing,
                previous_dead=True)
        except errors.FitlockError as e:
            self.log('cannot join again: %s' % e)
            return
        self.mine, self.pending = mine, None
        self.last_renewal = self.last_slot_write_start
        self.state = OK
        self._save()
        self.log('joined again in generation %d' % mine.generation)

    def _release_dropped(self):
        if not self.dropped or (self.quiet_until is not None and
                                self.now() < self.quiet_until):
            return
        for resource, held in list(self.dropped.items()):
            yield from self._lock()
            try:
                yield from paxos.release(resource, held, self.max_hosts)
            except errors.NotOwner:
                pass
            except errors.FitlockError:
                continue
            finally:
                self.locked = False
            self.log('released fenced lease %s' % resource)
            self.dropped.pop(resource, None)
            self._save()

    def _observe(self):
        started = self.now()
        try:
            blocks = yield from delta.read_all(self.max_hosts)
        except errors.IOFailure:
            return
        self._feed_table(blocks, started)

    def _feed_table(self, blocks, started):
        self.table.observe(blocks, self.now(), started=started)
        self.observed_at = self.now()

    def _lost(self, reason):
        self.log('LOST: %s' % reason)
        self.sim.stats['lost'] += 1
        self.state = LOST
        yield from self._fence(list(self.leases), reason)

    # -- fencing timeline ----------------------------------------------

    def watcher(self):
        tick = min(1.0, self.timing.io_timeout / 4)
        while True:
            yield ops.Sleep(tick)
            yield from self.check_timeline()

    def check_timeline(self):
        age = self.now() - self.last_renewal if self.last_renewal else 0.0
        if self.state in (OK, FAILING) and age >= self.timing.renewal_fail:
            if not self.leases:
                self.state = FENCED
                return
            yield from self._ask(self.now() + self.timing.arbiter_wait)

    def _ask(self, deadline):
        self.state = ASKING
        self.log('asks the arbiter')
        rng = self.sim.rng
        # The agent answers "fence" in time, or not at all.
        if rng.random() < self.sim.profile.p_arbiter_answers:
            yield ops.Sleep(rng.uniform(0.0, self.timing.arbiter_wait))
            answer = 'fence'
        else:
            yield ops.Sleep(self.timing.arbiter_wait)
            answer = None
        if self.now() > deadline:
            answer = None
        if self.state != ASKING:
            self.log('renewal recovered while asking: no fence')
            return
        yield from self._fence(list(self.leases), answer or 'no answer')

    def _kill(self, holders):
        """fencing.fence: SIGKILL every holder, wait until gone or
        ``T_kill``; the resources whose holder still runs."""
        host = self.host
        now = self.sim.loop.now
        deaths = [vm.kill(now) for vm in holders.values()
                  if vm.host is host and host.vms.get(vm.resource) is vm]
        deadline = host.to_real(self.now() + self.timing.kill_time)
        last = max(deaths, default=now)
        wait = min(last, deadline) - now
        # kill_pids polls every 10 ms: it sees a death by the deadline.
        yield ops.Sleep(wait * host.rate + (0.01 if last < deadline
                                            else 0.0))
        return [r for r, vm in holders.items() if vm.alive]

    def _fence(self, resources, reason):
        self.log('fences %s: %s' % (sorted(resources), reason))
        self.sim.stats['fences'] += 1
        fenced = {r: self.leases.get(r) for r in resources}
        holders = {r: self.holders[r] for r in resources
                   if r in self.holders}
        failed = yield from self._kill(holders)
        self.quiet_until = max(self.quiet_until
                               if self.quiet_until is not None else -INF,
                               self.now() + self.timing.slop)
        kept = []
        for resource in resources:
            held = fenced[resource]
            if held is None or self.leases.get(resource) is not held:
                continue   # released, maybe taken again, meanwhile
            added = self.holders.get(resource) is not holders.get(resource)
            if resource in failed or added:
                kept.append(resource)
                continue
            del self.leases[resource]
            self.holders.pop(resource, None)
            self.gone.pop(resource, None)
            if self.state != LOST:
                self.dropped[resource] = held
        if kept:
            self.log('fencing failed for %s: leases kept' % kept)
            self.sim.stats['fence_failed'] += 1
        if self.state in (FAILING, ASKING):
            self.state = FENCED
        self._save()

    def watchdog_expiry(self):
        if not self.leases:
            return INF
        if self.state == LOST:
            return -INF
        return self.last_renewal + self.timing.trusted_age

    # -- instance leases -----------------------------------------------

    def acquire(self, resource):
        if self.state != OK:
            raise errors.FitlockError('lockspace is %s' % self.state)
        me = paxos.Owner(self.mine.host_id, self.mine.generation)
        yield from self._lock()
        try:
            if self.state != OK:
                raise errors.FitlockError('lockspace is %s' % self.state)
            if resource in self.leases:
                return self.leases[resource]
            for attempt in range(BALLOT_RETRIES):
                try:
                    leader = yield from paxos.acquire(
                        resource, LOCKSPACE_NAME, me, self.max_hosts,
                        self._owner_is_dead)
                    break
                except errors.LeaseBusy:
                    if attempt == BALLOT_RETRIES - 1:
                        raise
                    yield ops.Sleep(self.sim.rng.uniform(0.0, 0.05) *
                                    (attempt + 1))
            age = self.now() - self.last_renewal
            if (self.state != OK or self.mine is None or
                    self.mine.generation != me.generation or
                    age >= self.timing.trusted_age):
                self.dropped[resource] = leader
                self._save()
                self.sim.stats['ballot_too_late'] += 1
                raise errors.FitlockError('our delta lease is %.1f s old: '
                                          'the ballot result is not used'
                                          % age)
            self.leases[resource] = leader
            self._save()
        finally:
            self.locked = False
        # The expiry file covers the lease before the holder starts.
        self.daemon.publish()
        self.holders[resource] = self.host.start_vm(resource)
        self._save()
        self.log('acquired %s lver %d' % (resource, leader.lver))
        self.sim.stats['acquired'] += 1
        return leader

    def _owner_is_dead(self, host_id, generation):
        dead = self.table.is_dead(host_id, generation, self.now())
        if dead:
            self.sim.stats['owner_dead'] += 1
            now = self.now()
            self.log('judges host %d generation %d dead: unchanged for '
                     '%.1f s, last read of the slots %.1f s ago'
                     % (host_id, generation,
                        self.table.unchanged_for(host_id, now) or 0.0,
                        now - (self.observed_at or -INF)))
        return dead

    def release(self, resource):
        yield from self._lock()
        try:
            held = self.leases.get(resource)
            if held is None:
                raise errors.UnknownLease('lease %s is not held'
                                          % resource)
            try:
                yield from paxos.release(resource, held, self.max_hosts)
            except errors.NotOwner:
                self._forget(resource, held)
                raise
            self._forget(resource, held)
        finally:
            self.locked = False
        self.log('released %s' % resource)
        self.sim.stats['released'] += 1

    def _forget(self, resource, held):
        if self.leases.get(resource) is held:
            del self.leases[resource]
            self.holders.pop(resource, None)
            self.gone.pop(resource, None)
            self._save()

    def _reap_holders(self):
        now = self.now()
        for resource, vm in self.holders.items():
            if not vm.alive:
                self.gone.setdefault(resource, now)
            else:
                self.gone.pop(resource, None)
        for resource in list(self.gone):
            if resource not in self.holders:
                del self.gone[resource]
        due = [r for r, since in self.gone.items()
               if now - since >= self.timing.slop]
        for resource in due:
            try:
                yield from self.release(resource)
            except errors.FitlockError as e:
                self.log('cannot release %s: %s' % (resource, e))


@dataclasses.dataclass
class Violation:
    resource: str
    first: tuple
    second: tuple

    def __str__(self):
        return ('%s: %s wrote [%.3f, %.3f] while %s wrote [%.3f, %.3f]'
                % ((self.resource,) + tuple(self.first) +
                   tuple(self.second)))


@dataclasses.dataclass
class Result:
    seed: int
    violations: list
    stats: dict
    trace: list
    plan: Plan

    def describe(self, around=None, width=400.0):
        """The plan and the trace (near ``around``, if given)."""
        lines = ['seed %d' % self.seed, 'plan: %s' % (self.plan,)]
        for violation in self.violations[:1]:
            lines.append('VIOLATION %s' % violation)
            around = violation.second[1] if around is None else around
        for when, name, message in self.trace:
            if around is None or abs(when - around) <= width:
                lines.append('%9.3f %-6s %s' % (when, name, message))
        return '\n'.join(lines)


class Simulation:
    """One schedule: hosts, storage, faults from ``seed`` (or ``plan``).

    :param timing: the :class:`timing.Timing` every host uses.
    :param profile: the :class:`Profile` faults are drawn from.
    :param plan: faults written by hand instead of drawn.
    """

    def __init__(self, seed, timing=None, profile=None, plan=None,
                 trace=False):
        self.seed = seed
        self.rng = random.Random(seed)
        self.timing = timing or timing_mod.Timing()
        self.profile = profile or Profile()
        self.loop = Loop()
        self.storage = Storage(self)
        self.tracing = trace
        self.trace = []
        self.writes = {}
        self.stats = dict.fromkeys(
            ('joins', 'join_failed', 'acquired', 'released', 'owner_dead',
             'fences', 'fence_failed', 'lost', 'resets', 'late_writes',
             'rejoins', 'ballot_too_late'), 0)
        self.resources = ['vm-%d' % i for i in range(self.profile.instances)]
        self.plan = plan or self.draw_plan()
        self.hosts = []
        for index in range(self.profile.hosts):
            host_id = index + 1
            if self.profile.duplicate_host_id and index == 1:
                host_id = 1
            self.hosts.append(Host(self, index, 'host%d' % (index + 1),
                                   host_id, self.plan.rates[index],
                                   self.plan))

    def draw_plan(self):
        rng, p = self.rng, self.profile
        horizon = p.horizon

        def windows(count, length):
            result = []
            for _ in range(rng.randint(0, count)):
                start = rng.uniform(0.0, horizon)
                result.append((start, start + rng.uniform(*length)))
            return sorted(result)

        hosts = range(p.hosts)
        plan = Plan(
            rates=[1.0 + rng.uniform(-p.drift, p.drift) for _ in hosts],
            starts=[rng.uniform(0.0, 30.0) for _ in hosts],
            pauses=[windows(p.pauses, p.pause_len) for _ in hosts],
            freezes=[windows(p.freezes, p.freeze_len) for _ in hosts],
            restarts=[windows(p.restarts, p.restart_len) for _ in hosts],
            hangs=[windows(p.host_hangs, p.hang_len) for _ in hosts],
            file_hangs={})
        for target in [ops.LOCKSPACE] + [ops.lease_target(r)
                                         for r in self.resources]:
            found = windows(p.file_hangs, p.hang_len)
            if found:
                plan.file_hangs[target] = found
        return plan

    def log(self, host, message):
        if self.tracing:
            self.trace.append((self.loop.now, host.name, message))

    def run(self):
        """Run to the horizon; :returns: a :class:`Result`."""
        for index, host in enumerate(self.hosts):
            self.loop.at(self.plan.starts[index], host.boot)
            for start, end in self.plan.restarts[index]:
                self.loop.at(start, host.restart_daemon, end - start)
        self.loop.run(self.profile.horizon)
        self.stats['late_writes'] = self.storage.landed_late
        return Result(self.seed, self.violations(), dict(self.stats),
                      self.trace, self.plan)

    def violations(self):
        """Every pair of overlapping disk writes of two hosts."""
        found = []
        for resource, writes in sorted(self.writes.items()):
            latest = {}
            for write in sorted(writes, key=lambda w: w[1]):
                name, start, _ = write
                for other, previous in latest.items():
                    if other != name and previous[2] > start:
                        found.append(Violation(resource, tuple(previous),
                                               tuple(write)))
                if name not in latest or write[2] > latest[name][2]:
                    latest[name] = write
        return found


def explore(seeds, timing=None, profile=None, stop_at_first=False):
    """Run the schedules of ``seeds``.

    :returns: ``(results with a violation, runs, totals of stats)``.
    """
    bad, runs = [], 0
    totals = {}
    for seed in seeds:
        result = Simulation(seed, timing, profile).run()
        runs += 1
        for key, value in result.stats.items():
            totals[key] = totals.get(key, 0) + value
        if result.violations:
            bad.append(result)
            if stop_at_first:
                break
    return bad, runs, totals


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--seeds', type=int, default=200)
    parser.add_argument('--first', type=int, default=0)
    parser.add_argument('--short-h', action='store_true',
                        help='negative control: H shortened to F')
    parser.add_argument('--ordered', action='store_true')
    parser.add_argument('--no-d-state', action='store_true')
    parser.add_argument('--no-hangs', action='store_true')
    parser.add_argument('--no-freezes', action='store_true')
    parser.add_argument('--no-pauses', action='store_true')
    parser.add_argument('--no-restarts', action='store_true')
    parser.add_argument('--heavy', action='store_true',
                        help='up to 4 long freezes of fitlockd per host')
    parser.add_argument('--p-replay', type=float, default=None)
    parser.add_argument('--duplicate-host-id', action='store_true')
    parser.add_argument('--land-after-return', action='store_true',
                        help='writes may land after their system call '
                        'returned (outside the storage assumption)')
    parser.add_argument('--stop', action='store_true',
                        help='stop at the first violation')
    parser.add_argument('--seed', type=int, help='trace this one seed')
    args = parser.parse_args(argv)
    timing = ShortH() if args.short_h else timing_mod.Timing()
    changes = dict(ordered=args.ordered,
                   duplicate_host_id=args.duplicate_host_id,
                   d_state=not args.no_d_state,
                   land_after_return=args.land_after_return)
    if args.no_hangs:
        changes.update(host_hangs=0, file_hangs=0)
    if args.no_freezes:
        changes.update(freezes=0)
    if args.no_pauses:
        changes.update(pauses=0)
    if args.no_restarts:
        changes.update(restarts=0)
    if args.heavy:
        changes.update(freezes=4, freeze_len=(60.0, 400.0))
    if args.p_replay is not None:
        changes.update(p_replay=args.p_replay)
    profile = Profile(**changes)
    if args.seed is not None:
        print(Simulation(args.seed, timing, profile,
                         trace=True).run().describe())
        return 0
    bad, runs, totals = explore(range(args.first, args.first + args.seeds),
                                timing, profile, stop_at_first=args.stop)
    print('%d schedules, %d with a violation; %s' % (runs, len(bad),
                                                     totals))
    for result in bad[:20]:
        print('seed %d: %s' % (result.seed, result.violations[0]))
    return 1 if bad else 0


class ShortH(timing_mod.Timing):
    """The negative control: ``H`` shortened to ``F``."""

    @property
    def host_dead(self):
        return self.renewal_fail


if __name__ == '__main__':
    sys.exit(main())
