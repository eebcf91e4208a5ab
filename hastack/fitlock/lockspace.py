"""One joined lockspace inside fitlockd: renewal, leases, the fencing
timeline.

Two threads per lockspace:

* the *renewer* rewrites our delta slot every ``R`` and reads every slot
  (one I/O each), feeding the :class:`delta.HostTable`;
* the *watcher* never does storage I/O: it checks the clock against the
  fencing timeline, so a hung storage can never delay fencing.

Timeline (timing.py): renewals failing for ``F`` since the start of the
last good one -> ask the arbiter, wait at most ``A`` -> ``fence`` or no
answer: stop every holder (within ``T_kill``), drop the leases;
``no-fence``: a grant until a deadline, asked again before it ends, and
fence when it is not renewed.

A renewal that succeeds ``H - 2N`` or more after the previous one (the
storage failed that long, or fitlockd was stopped) ends the generation,
unless a no-fence grant stood all along: others may have judged it dead
and taken its leases. fitlockd then stops every holder, waits the slop
and joins again in a new generation.

Holders that fencing could not stop keep their lease (and with it a
finite watchdog expiry: the watchdog resets the host). A lease whose
holders stopped is given back, and a new generation written, only a slop
after they stopped, when their last writes have landed.
"""

import math
import random
import threading
import time

from oslo_log import log as logging

from hastack.fitlock import delta
from hastack.fitlock import errors
from hastack.fitlock import fencing
from hastack.fitlock import ops
from hastack.fitlock import paxos
from hastack.fitlock import state as state_file
from hastack.fitlock import storage

LOG = logging.getLogger(__name__)

JOINING = 'joining'      # joining, or joining again after a renewal gap
OK = 'ok'
FAILING = 'failing'      # renewals fail, F not reached yet
ASKING = 'asking'        # F reached, waiting for the arbiter (at most A)
GRANTED = 'granted'      # the arbiter said no-fence until grant_until
FENCED = 'fenced'        # holders stopped, leases dropped
LOST = 'lost'            # our generation is gone; restart fitlockd
LEFT = 'left'

# How many times a lease acquisition retries a ballot that lost to a
# concurrent one before it gives up with LeaseBusy.
_BALLOT_RETRIES = 5


def _grant_seconds(answer):
    """The length of a valid no-fence grant in an answer, else None.

    A no-fence without a positive, finite length is no grant: fencing is
    the default, and a grant must end (design.md section 5).
    """
    if not isinstance(answer, dict) or answer.get('decision') != 'no-fence':
        return None
    grant = answer.get('grant_seconds')
    if isinstance(grant, bool) or not isinstance(grant, (int, float)):
        return None
    if not 0 < grant < float('inf'):
        return None
    return float(grant)


class _TimedIO:
    """Passes requests to the real I/O and notes when our slot write
    started: the renewal time that the fencing timeline counts from."""

    def __init__(self, io, host_id):
        self.io = io
        self.host_id = host_id
        self.last_slot_write_start = None

    def perform(self, request):
        if (isinstance(request, ops.Write) and
                request.target == ops.LOCKSPACE and
                request.block == self.host_id):
            self.last_slot_write_start = time.monotonic()
        return self.io.perform(request)


class Lockspace:
    """A lockspace this host has joined.

    :param name: lockspace name.
    :param directory: the shared folder with the lockspace file.
    :param host_id: our slot (1..max_hosts).
    :param owner: our host name.
    :param timing: a checked :class:`timing.Timing`.
    :param state_dir: local folder for the persisted state.
    :param boot: this boot's id.
    :param arbiter: callable(lockspace, deadline) -> ``{"decision":
        "fence"|"no-fence", "grant_seconds"}`` or None (no answer); must
        return by ``deadline`` (monotonic).
    :param fence_command: command for holders without a pid, or None.
    :param notify: callable(event, detail) for what the agent should know.
    :param publish: callable() that writes the watchdog expiry file now;
        called before a new lease is handed out.
    """

    def __init__(self, name, directory, host_id, owner, timing, state_dir,
                 boot, arbiter, fence_command=None, notify=None,
                 publish=None):
        self.name = name
        self.directory = directory
        self.host_id = host_id
        self.owner = owner
        self.timing = timing
        self.state_dir = state_dir
        self.boot = boot
        self.arbiter = arbiter
        self.fence_command = fence_command
        self.notify = notify or (lambda event, detail: None)
        self.publish = publish or (lambda: None)
        header = storage.read_header(directory, name)
        if not 1 <= host_id <= header.max_hosts:
            raise errors.BadRequest('host_id %d is outside 1..%d of '
                                    'lockspace %s' % (host_id,
                                                      header.max_hosts,
                                                      name))
        self.max_hosts = header.max_hosts
        self.io = _TimedIO(storage.FileIO(directory, name,
                                          timing.io_timeout,
                                          header.max_hosts), host_id)
        self.table = delta.HostTable(timing.host_dead)
        self.journal = state_file.Journal(state_dir, name)
        self.lock = threading.RLock()
        self.acquire_lock = threading.Lock()
        self.state = JOINING
        self.mine = None
        self.pending = None
        self.last_renewal = None
        self.grant_until = None
        self.leases = {}
        self.holders = {}
        # Leases fenced but not yet released on disk (storage was down).
        self.dropped = {}
        # Monotonic time before which no fenced lease may be given back
        # and no new generation written: the slop after the last fence.
        self.quiet_until = None
        # {resource: when its holders were first seen gone}.
        self._gone = {}
        self.resumed = False
        self._stop = threading.Event()
        self._threads = []

    # -- joining and leaving -------------------------------------------

    def join(self):
        """Take our slot: resume the saved generation when that is safe,
        else fence what a previous incarnation held and join afresh.

        :returns: ``{"generation", "resumed", "fenced"}``.
        :raises FitlockError: the previous incarnation's holders could
            not be stopped, or its state cannot be read.
        """
        try:
            saved = state_file.load(self.state_dir, self.name)
        except state_file.Unreadable as e:
            raise errors.FitlockError(
                'lockspace %s: the saved state in %s cannot be read (%s); '
                'the holders of the previous incarnation are unknown'
                % (self.name, self.state_dir, e))
        fenced = []
        if saved and self._may_resume(saved):
            try:
                mine = ops.run(delta.resume(saved['mine'], saved['pending']),
                               self.io)
                with self.lock:
                    self.mine = mine
                    self.last_renewal = saved['last_renewal_monotonic']
                    self.leases = dict(saved['leases'])
                    self.holders = {r: set(p)
                                    for r, p in saved['holders'].items()}
                    self.dropped = dict(saved['dropped'])
                    self.quiet_until = saved['quiet_until']
                    self.resumed = True
            except errors.LeaseLost as e:
                LOG.error('Lockspace %s: cannot resume: %s', self.name, e)
        if not self.resumed:
            fenced = self._fence_previous(saved)
            # We hold the state folder's lock, so the incarnation that
            # wrote this state is gone (and fenced above).
            previous_dead = bool(saved and saved['owner'] == self.owner and
                                 saved['host_id'] == self.host_id)
            self.mine = ops.run(delta.acquire(self.host_id, self.owner,
                                              self.timing, previous_dead),
                                self.io)
            self.last_renewal = self.io.last_slot_write_start
        self._observe()
        with self.lock:
            self.state = OK
            self.journal.start(self._snapshot())
        self.notify('joined', {'generation': self.mine.generation,
                               'resumed': self.resumed})
        return {'generation': self.mine.generation,
                'resumed': self.resumed, 'fenced': fenced}

    def _fence_previous(self, saved):
        """Stop what a previous incarnation of this boot left running and
        wait until a new generation may be written.

        :returns: the fenced leases.
        """
        if not saved or saved['boot_id'] != self.boot:
            # Another boot: its holders died with it.
            return []
        quiet = saved['quiet_until']
        fenced = []
        if saved['leases']:
            # NOTE(hastack): the previous incarnation may have left
            # holders running on this boot; nobody renewed for them.
            failed = fencing.fence(self.name, saved['holders'],
                                   list(saved['leases']),
                                   self.fence_command,
                                   self.timing.kill_time)
            if failed:
                raise errors.FitlockError(
                    'lockspace %s: could not fence the holders of a '
                    'previous incarnation: %s' % (self.name, failed))
            fenced = sorted(saved['leases'])
            # NOTE(hastack): the new generation we are about to write
            # frees their leases at once: not before their writes in
            # flight have landed, a slop after they stopped.
            quiet = max(-math.inf if quiet is None else quiet,
                        time.monotonic() + self.timing.slop)
            self.journal.start(dict(saved, leases={}, holders={},
                                    mine=None, pending=None,
                                    quiet_until=quiet))
        if quiet is not None:
            self._stop.wait(max(0.0, quiet - time.monotonic()))
        return fenced

    def _may_resume(self, saved):
        age = time.monotonic() - (saved['last_renewal_monotonic'] or 0)
        return (saved['owner'] == self.owner and
                saved['host_id'] == self.host_id and
                saved['boot_id'] == self.boot and saved['mine'] and
                age < self.timing.renewal_fail)

    def _snapshot(self):
        return {'lockspace': self.name, 'host_id': self.host_id,
                'owner': self.owner, 'boot_id': self.boot,
                'mine': self.mine, 'pending': self.pending,
                'last_renewal_monotonic': self.last_renewal,
                'quiet_until': self.quiet_until,
                'leases': self.leases, 'holders': self.holders,
                'dropped': self.dropped}

    def start(self):
        """Start the renewer and the watcher."""
        for target, name in ((self._renewer, 'renewer'),
                             (self._watcher, 'watcher')):
            thread = threading.Thread(target=target, daemon=True,
                                      name='fitlock-%s-%s' % (self.name,
                                                              name))
            thread.start()
            self._threads.append(thread)

    def stop(self):
        """Stop the threads, keeping the slot and leases (a restart
        resumes them within F)."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=2 * self.timing.io_timeout + 1)

    def leave(self):
        """Release our slot cleanly; only with no lease held.

        :raises FitlockError: leases are still held.
        """
        with self.lock:
            if self.leases:
                raise errors.FitlockError(
                    'lockspace %s still holds %d lease(s): release them '
                    'first' % (self.name, len(self.leases)))
        self.stop()
        if self.mine is not None:
            ops.run(delta.release(self.mine), self.io)
        with self.lock:
            self.state = LEFT
        self.journal.close()
        state_file.forget(self.state_dir, self.name)
        self.io.io.close()

    # -- renewal -------------------------------------------------------

    def _renewer(self):
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                self.renew_once()
                self._reap_holders()
            except Exception:  # noqa: BLE001 - the renewer must go on
                # A local failure (the journal's disk): renewals go on or
                # fail on their own; the watcher fences at F if they fail.
                LOG.exception('Lockspace %s: renewal pass failed',
                              self.name)
            self._stop.wait(max(0.0, started +
                                self.timing.renewal_interval -
                                time.monotonic()))

    def renew_once(self):
        """One renewal: read every slot (ours included), then rewrite ours.

        Two I/Os whatever the number of hosts and leases.
        """
        if self.state in (LOST, LEFT):
            return
        if self.mine is None:
            self._rejoin()
            return
        try:
            started = time.monotonic()
            blocks = ops.run(delta.read_all(self.max_hosts), self.io)
            self.table.observe(blocks, time.monotonic(), started=started)
            new = ops.run(delta.renew(self.mine, self.pending,
                                      blocks[self.host_id - 1]), self.io)
        except errors.LeaseLost as e:
            self._lost(str(e))
            return
        except errors.IOFailure as e:
            with self.lock:
                self.pending = getattr(e, 'pending', self.pending)
                if self.state == OK:
                    self.state = FAILING
                    LOG.warning('Lockspace %s: renewal failed: %s',
                                self.name, e)
                    self.notify('renewal_failing', {'error': str(e)})
            return
        with self.lock:
            written = self.io.last_slot_write_start
            previous = self.last_renewal
            gap = written - previous
            self.mine, self.pending = new, None
            # NOTE(hastack): a no-fence grant that stood all along: the
            # conductor has not recovered our instances elsewhere, so the
            # generation goes on (leases taken over are fenced below).
            granted = (self.state == GRANTED and
                       written < self.grant_until)
            ended = gap >= self.timing.rejoin_gap and not granted
            recovered = False
            if not ended:
                self.last_renewal = written
                recovered = self.state in (FAILING, ASKING, GRANTED,
                                           FENCED)
                if recovered:
                    LOG.warning('Lockspace %s: renewal works again after '
                                '%.1f s', self.name, gap)
                    self.state = OK
                    self.grant_until = None
                self.journal.set(mine=self.mine, pending=None,
                                 last_renewal_monotonic=self.last_renewal)
        if ended:
            self._end_generation(gap)
            return
        if recovered:
            if gap >= self.timing.rejoin_gap:
                self._verify_leases()
            self.notify('renewal_recovered', {})
        self._release_dropped()

    def _end_generation(self, gap):
        # NOTE(hastack): our slot stood still for a gap of H - 2N or more
        # (timing.rejoin_gap): others may have judged this generation dead
        # and taken its leases. Whatever we still hold is theirs to take:
        # stop it, and never renew this generation again.
        LOG.error('Lockspace %s: renewals stopped for %.1f s (H - 2N = '
                  '%s s): ending generation %d', self.name, gap,
                  self.timing.rejoin_gap, self.mine.generation)
        with self.lock:
            self.state = JOINING
            self.grant_until = None
        if self.leases:
            self._fence(list(self.leases), 'renewals stopped for %.1f s; '
                        'others may have taken our leases' % gap)
        with self.lock:
            if self.leases:
                # Holders we could not stop: keep their leases, so the
                # watchdog expiry stays in the past (it resets the host).
                self.state = LOST
                LOG.error('Lockspace %s: holders of %s could not be '
                          'stopped; waiting for the watchdog', self.name,
                          sorted(self.leases))
                return
            self.mine, self.pending = None, None
            self.journal.set(mine=None, pending=None)
        self._rejoin()

    def _rejoin(self):
        """Join again in a new generation (after _end_generation); tried
        again at the next renewal when it fails."""
        with self.lock:
            quiet = self.quiet_until
        if quiet is not None and self._stop.wait(
                max(0.0, quiet - time.monotonic())):
            return
        try:
            mine = ops.run(delta.acquire(self.host_id, self.owner,
                                         self.timing, previous_dead=True),
                           self.io)
        except errors.FitlockError as e:
            LOG.warning('Lockspace %s: joining again failed: %s',
                        self.name, e)
            return
        with self.lock:
            self.mine, self.pending = mine, None
            self.last_renewal = self.io.last_slot_write_start
            self.state = OK
            self.journal.set(mine=mine, pending=None,
                             last_renewal_monotonic=self.last_renewal)
        LOG.warning('Lockspace %s: joined again in generation %d',
                    self.name, mine.generation)
        self.notify('joined', {'generation': mine.generation,
                               'resumed': False, 'rejoined': True})

    def _release_dropped(self):
        # Leases dropped by fencing while storage was unreachable still
        # name us on disk; now that I/O works, give them back so other
        # hosts need not wait. Not before the slop after the fence: a
        # released lease is free at once, and the fenced holders' last
        # writes must have landed first.
        with self.lock:
            if not self.dropped or (self.quiet_until is not None and
                                    time.monotonic() < self.quiet_until):
                return
            dropped = dict(self.dropped)
        for resource, held in dropped.items():
            # NOTE(hastack): under the acquire lock, so that our own
            # acquire of the same lease cannot write a newer leader
            # between our read of the leader and our write of it.
            with self.acquire_lock:
                try:
                    ops.run(paxos.release(resource, held, self.max_hosts),
                            self.io)
                except errors.NotOwner:
                    pass
                except errors.FitlockError as e:
                    LOG.warning('Lockspace %s: releasing fenced lease %s '
                                'failed: %s', self.name, resource, e)
                    continue
            with self.lock:
                self.dropped.pop(resource, None)
                self.journal.changes(undropped=[resource])

    def _observe(self):
        started = time.monotonic()
        try:
            blocks = ops.run(delta.read_all(self.max_hosts), self.io)
        except errors.IOFailure as e:
            LOG.warning('Lockspace %s: reading host slots failed: %s',
                        self.name, e)
            return
        self.table.observe(blocks, time.monotonic(), started=started)

    def _verify_leases(self):
        # NOTE(hastack): renewals came back after a gap of H - 2N or more
        # under a no-fence grant: others may have taken our leases
        # meanwhile (against the grant). Any lease no longer ours is
        # fenced at once.
        for resource, held in list(self.leases.items()):
            try:
                leader = ops.run(paxos.inquire(resource, self.max_hosts),
                                 self.io)
            except errors.FitlockError:
                leader = None
            if leader is None or (leader.owner_id, leader.owner_generation,
                                  leader.lver) != (held.owner_id,
                                                   held.owner_generation,
                                                   held.lver):
                self._fence([resource], 'lease %s was taken over while '
                            'this host could not renew' % resource)

    def _lost(self, reason):
        LOG.error('Lockspace %s lost: %s', self.name, reason)
        with self.lock:
            self.state = LOST
        self._fence(list(self.leases), reason)

    # -- fencing timeline ----------------------------------------------

    def _watcher(self):
        tick = min(1.0, self.timing.io_timeout / 4)
        while not self._stop.wait(tick):
            self.check_timeline()

    def check_timeline(self):
        """Act on the fencing timeline; called every fraction of ``N``."""
        now = time.monotonic()
        with self.lock:
            state, grant_until = self.state, self.grant_until
            age = now - self.last_renewal if self.last_renewal else 0.0
        if state in (OK, FAILING) and age >= self.timing.renewal_fail:
            if not self.leases:
                with self.lock:
                    if self.state in (OK, FAILING):
                        self.state = FENCED
                return
            self._ask('renewals have failed for %.1f s (F = %s s)'
                      % (age, self.timing.renewal_fail),
                      now + self.timing.arbiter_wait)
        elif state == GRANTED:
            if now >= grant_until:
                self._fence(list(self.leases), 'the no-fence grant '
                            'expired without renewal')
            elif grant_until - now <= self.timing.arbiter_wait:
                # Ask for a renewal, answered before the grant ends.
                self._ask('renewing the no-fence grant', grant_until)

    def _ask(self, why, deadline):
        with self.lock:
            self.state = ASKING
        LOG.warning('Lockspace %s: %s; asking the arbiter', self.name, why)
        answer = None
        try:
            answer = self.arbiter(self.name, deadline)
        except Exception:  # noqa: BLE001 - no answer means fence
            LOG.exception('Lockspace %s: the arbiter failed', self.name)
        if time.monotonic() > deadline:
            answer = None
        grant = _grant_seconds(answer)
        if grant:
            with self.lock:
                if self.state == ASKING:
                    self.state = GRANTED
                    self.grant_until = time.monotonic() + grant
            LOG.warning('Lockspace %s: no-fence granted for %s s',
                        self.name, grant)
            self.notify('no_fence_granted', {'grant_seconds': grant})
            return
        with self.lock:
            if self.state != ASKING:
                return  # renewal recovered meanwhile
        self._fence(list(self.leases),
                    'the arbiter said fence' if answer else
                    'no answer from the arbiter within A = %s s'
                    % self.timing.arbiter_wait)

    def _fence(self, resources, reason):
        """Stop the holders of ``resources`` and drop the leases whose
        holders stopped.

        The kill runs without the lock (it takes up to ``T_kill``); what
        changed meanwhile is left alone: a lease released (and maybe taken
        again, with new holders) is not the one fenced, and a holder
        added meanwhile was not stopped. A lease whose holders could not
        all be stopped is kept, so the watchdog expiry stays finite.
        """
        LOG.error('Lockspace %s: fencing %s: %s', self.name, resources,
                  reason)
        with self.lock:
            fenced = {r: self.leases.get(r) for r in resources}
            holders = {r: set(self.holders.get(r, ())) for r in resources}
        failed = fencing.fence(self.name, holders, resources,
                               self.fence_command, self.timing.kill_time)
        stopped = time.monotonic()
        kept, dropped = [], {}
        with self.lock:
            self.quiet_until = max(self.quiet_until or -math.inf,
                                   stopped + self.timing.slop)
            for resource in resources:
                held = fenced[resource]
                if held is None or self.leases.get(resource) is not held:
                    continue
                added = self.holders.get(resource, set()) - \
                    holders[resource]
                if resource in failed or added:
                    kept.append(resource)
                    continue
                del self.leases[resource]
                self.holders.pop(resource, None)
                self._gone.pop(resource, None)
                if self.state != LOST:
                    dropped[resource] = held
            self.dropped.update(dropped)
            if self.state in (FAILING, ASKING, GRANTED):
                self.state = FENCED
                self.grant_until = None
            gone = [r for r in resources
                    if fenced[r] is not None and r not in kept]
            self.journal.changes(unleased=gone, dropped=dropped,
                                 quiet_until=self.quiet_until)
        if kept:
            LOG.error('Lockspace %s: the holders of %s could not be '
                      'stopped: %s; their leases stay, and the watchdog '
                      'resets this host', self.name, kept, failed)
        self.notify('fenced', {'resources': sorted(resources),
                               'reason': reason, 'failed': failed})

    def watchdog_expiry(self):
        """Until when (monotonic) the watchdog may be kept alive for us.

        Unbounded with no lease held; during a grant, its end; once our
        generation is lost, never; else until one more keep-alive could
        not carry past ``F`` (timing.py). Leases whose holders fencing
        could not stop count as held.
        """
        with self.lock:
            if not self.leases:
                return math.inf
            if self.state == LOST:
                return -math.inf
            if self.state == GRANTED:
                return self.grant_until
            return self.last_renewal + self.timing.trusted_age

    # -- instance leases -----------------------------------------------

    def acquire(self, resource, pid=None):
        """Take an instance lease (and register ``pid`` as its holder).

        Returns once the lease is recorded in the journal and the
        watchdog expiry covers it, before the holder may start.

        :raises FitlockError: the lockspace is not healthy, or the lease
            is held, busy or unreadable.
        """
        with self.lock:
            self._check_ok()
            me = paxos.Owner(self.mine.host_id, self.mine.generation)
        # NOTE(hastack): no fresh read of the host slots here: the renewer
        # reads them every R, and HostTable judges a host dead only by
        # what it has seen, so a stale table delays a takeover, never
        # allows an early one.
        with self.acquire_lock:
            held = self._held(resource, pid)
            if held is not None:
                return held
            for attempt in range(_BALLOT_RETRIES):
                try:
                    leader = ops.run(paxos.acquire(
                        resource, self.name, me, self.max_hosts,
                        self._owner_is_dead), self.io)
                    break
                except errors.LeaseBusy:
                    if attempt == _BALLOT_RETRIES - 1:
                        raise
                    # Randomized backoff: two ballots that keep
                    # colliding stop colliding.
                    time.sleep(random.uniform(0.0, 0.05) * (attempt + 1))
            with self.lock:
                age = time.monotonic() - self.last_renewal
                if (self.state != OK or self.mine is None or
                        self.mine.generation != me.generation or
                        age >= self.timing.trusted_age):
                    # NOTE(hastack): the ballot may have run across a
                    # freeze of fitlockd or a renewal gap: others may
                    # have judged us dead meanwhile, and the watchdog
                    # no longer covers a holder started now. The lease
                    # is ours on disk: give it back later.
                    self.dropped[resource] = leader
                    self.journal.changes(dropped={resource: leader})
                    raise errors.FitlockError(
                        'lockspace %s: the ballot for %s ended when our '
                        'delta lease was %.1f s old (state %s); its result '
                        'cannot be used' % (self.name, resource, age,
                                            self.state))
                pids = {int(pid)} if pid else set()
                try:
                    self.journal.lease(resource, leader, pids)
                except OSError as e:
                    # Held on disk but not recorded: give it back later.
                    self.dropped[resource] = leader
                    raise errors.FitlockError(
                        'lockspace %s: cannot record lease %s in %s: %s'
                        % (self.name, resource, self.state_dir, e))
                self.leases[resource] = leader
                if pids:
                    self.holders[resource] = pids
        # NOTE(hastack): the expiry file covers this lease before the
        # holder may start: were fitlockd stopped or killed right after
        # returning, a published "no lease" would keep the watchdog fed.
        try:
            self.publish()
        except OSError as e:
            try:
                self.release(resource)
            except errors.FitlockError:
                pass    # still held: the watchdog expiry covers it
            raise errors.FitlockError(
                'lockspace %s: cannot publish the watchdog expiry for %s: '
                '%s' % (self.name, resource, e))
        return leader

    def _check_ok(self):
        if self.state != OK:
            raise errors.FitlockError(
                'lockspace %s is %s: no lease can be taken now'
                % (self.name, self.state))

    def _held(self, resource, pid):
        """A lease we hold already (acquire is idempotent), or None.

        NOTE(hastack): what we hold is known from our own records, never
        from a leader naming us (see paxos.acquire).
        """
        with self.lock:
            self._check_ok()
            held = self.leases.get(resource)
            if held is not None and pid:
                self.holders.setdefault(resource, set()).add(int(pid))
                self.journal.lease(resource, held, self.holders[resource])
            return held

    def _owner_is_dead(self, host_id, generation):
        return self.table.is_dead(host_id, generation, time.monotonic())

    def add_holder(self, resource, pid):
        """Register one more process holding a lease we own."""
        with self.lock:
            if resource not in self.leases:
                raise errors.UnknownLease('lease %s is not held in %s'
                                          % (resource, self.name))
            self.holders.setdefault(resource, set()).add(int(pid))
            self.journal.lease(resource, self.leases[resource],
                               self.holders[resource])

    def release(self, resource):
        """Give a lease up.

        :raises UnknownLease: we do not hold it.
        :raises NotOwner: it is no longer ours on disk (it is forgotten
            here all the same).
        """
        with self.acquire_lock:
            with self.lock:
                held = self.leases.get(resource)
            if held is None:
                raise errors.UnknownLease('lease %s is not held in %s'
                                          % (resource, self.name))
            try:
                ops.run(paxos.release(resource, held, self.max_hosts),
                        self.io)
            except errors.NotOwner:
                self._forget(resource, held)
                raise
            self._forget(resource, held)

    def _forget(self, resource, held):
        with self.lock:
            if self.leases.get(resource) is held:
                del self.leases[resource]
                self.holders.pop(resource, None)
                self._gone.pop(resource, None)
                self.journal.changes(unleased=[resource])

    def _reap_holders(self):
        # A lease whose registered holders have all exited is released,
        # as sanlock does when its client process goes away; but only
        # once they have been gone for the slop (a process killed in the
        # middle of a write on a network file system may exit before the
        # write lands). Reaping runs every R >= 2 slop (timing.check), so
        # that is the next pass.
        now = time.monotonic()
        with self.lock:
            for resource, pids in self.holders.items():
                if pids and not fencing.alive_pids(pids):
                    self._gone.setdefault(resource, now)
                else:
                    self._gone.pop(resource, None)
            for resource in list(self._gone):
                if resource not in self.holders:
                    del self._gone[resource]
            due = [r for r, since in self._gone.items()
                   if now - since >= self.timing.slop]
        for resource in due:
            try:
                self.release(resource)
                LOG.info('Lockspace %s: released %s, its holders exited',
                         self.name, resource)
            except errors.FitlockError as e:
                LOG.warning('Lockspace %s: could not release %s: %s',
                            self.name, resource, e)

    def inquire(self, resource):
        """Who holds a lease, and whether that host looks alive to us."""
        leader = ops.run(paxos.inquire(resource, self.max_hosts), self.io)
        if leader is None:
            return {'resource': resource, 'held': False}
        now = time.monotonic()
        owner = self.table.record(leader.owner_id)
        dead = self.table.is_dead(leader.owner_id, leader.owner_generation,
                                  now)
        mine = self.mine
        return {
            'resource': resource,
            'held': not leader.released and not dead,
            'released': leader.released,
            'owner_id': leader.owner_id,
            'owner_generation': leader.owner_generation,
            'owner_name': owner.owner if owner else None,
            'owner_dead': dead,
            'owner_unchanged_for': self.table.unchanged_for(leader.owner_id,
                                                            now),
            'lver': leader.lver,
            'mine': mine is not None and
                    (leader.owner_id, leader.owner_generation) ==
                    (mine.host_id, mine.generation),
        }

    # -- reporting -----------------------------------------------------

    def status(self):
        """This lockspace as this host sees it."""
        now = time.monotonic()
        with self.lock:
            return {
                'lockspace': self.name,
                'state': self.state,
                'host_id': self.host_id,
                'owner': self.owner,
                'generation': self.mine.generation if self.mine else None,
                'resumed': self.resumed,
                'renewal_age': (now - self.last_renewal
                                if self.last_renewal else None),
                'grant_remaining': (self.grant_until - now
                                    if self.grant_until else None),
                'leases': sorted(self.leases),
                'holders': {r: sorted(p) for r, p in self.holders.items()},
                'timing': {'io_timeout': self.timing.io_timeout,
                           'renewal_interval':
                               self.timing.renewal_interval,
                           'renewal_fail': self.timing.renewal_fail,
                           'host_dead': self.timing.host_dead,
                           'watchdog': self.timing.watchdog,
                           'arbiter_wait': self.timing.arbiter_wait},
            }

    def hosts(self):
        """Every host slot seen, with its liveness by change."""
        now = time.monotonic()
        result = []
        for host_id in range(1, self.max_hosts + 1):
            record = self.table.record(host_id)
            if record is None:
                continue
            since = self.table.unchanged_for(host_id, now)
            result.append({
                'host_id': host_id, 'owner': record.owner,
                'generation': record.generation, 'seq': record.seq,
                'released': bool(record.released),
                'unchanged_for': since,
                'dead': self.table.is_dead(host_id, record.generation, now),
            })
        return result
