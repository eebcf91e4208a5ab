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
"""

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

JOINING = 'joining'
OK = 'ok'
FAILING = 'failing'      # renewals fail, F not reached yet
ASKING = 'asking'        # F reached, waiting for the arbiter (at most A)
GRANTED = 'granted'      # the arbiter said no-fence until grant_until
FENCED = 'fenced'        # holders stopped, leases dropped
LOST = 'lost'            # another host owns our slot; rejoin needed
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
    """

    def __init__(self, name, directory, host_id, owner, timing, state_dir,
                 boot, arbiter, fence_command=None, notify=None):
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
        self.resumed = False
        self._stop = threading.Event()
        self._threads = []

    # -- joining and leaving -------------------------------------------

    def join(self):
        """Take our slot: resume the saved generation when that is safe,
        else fence what a previous incarnation held and join afresh.

        :returns: ``{"generation", "resumed", "fenced"}``.
        """
        saved = state_file.load(self.state_dir, self.name)
        fenced = []
        if saved and self._may_resume(saved):
            try:
                self.mine = ops.run(delta.resume(saved['mine'],
                                                 saved['pending']), self.io)
                self.last_renewal = saved['last_renewal_monotonic']
                self.leases = dict(saved['leases'])
                self.holders = {r: set(p)
                                for r, p in saved['holders'].items()}
                self.dropped = dict(saved['dropped'])
                self.resumed = True
            except errors.LeaseLost as e:
                LOG.error('Lockspace %s: cannot resume: %s', self.name, e)
        if not self.resumed:
            if saved and saved['leases'] and saved['boot_id'] == self.boot:
                # NOTE(hastack): the previous incarnation may have left
                # holders running on this boot; nobody renewed for them.
                failed = fencing.fence(self.name, saved['holders'],
                                       list(saved['leases']),
                                       self.fence_command,
                                       self.timing.kill_time)
                fenced = sorted(saved['leases'])
                if failed:
                    raise errors.FitlockError(
                        'lockspace %s: could not fence the holders of a '
                        'previous incarnation: %s' % (self.name, failed))
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
            self._save()
        self.notify('joined', {'generation': self.mine.generation,
                               'resumed': self.resumed})
        return {'generation': self.mine.generation,
                'resumed': self.resumed, 'fenced': fenced}

    def _may_resume(self, saved):
        age = time.monotonic() - (saved['last_renewal_monotonic'] or 0)
        return (saved['owner'] == self.owner and
                saved['host_id'] == self.host_id and
                saved['boot_id'] == self.boot and saved['mine'] and
                age < self.timing.renewal_fail)

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
        ops.run(delta.release(self.mine), self.io)
        with self.lock:
            self.state = LEFT
        state_file.forget(self.state_dir, self.name)
        self.io.io.close()

    # -- renewal -------------------------------------------------------

    def _renewer(self):
        while not self._stop.is_set():
            started = time.monotonic()
            self.renew_once()
            self._reap_holders()
            self._stop.wait(max(0.0, started +
                                self.timing.renewal_interval -
                                time.monotonic()))

    def renew_once(self):
        """One renewal: read every slot (ours included), then rewrite ours.

        Two I/Os whatever the number of hosts and leases.
        """
        if self.state in (LOST, LEFT):
            return
        try:
            blocks = ops.run(delta.read_all(self.max_hosts), self.io)
            self.table.observe(blocks, time.monotonic())
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
            previous = self.last_renewal
            self.mine, self.pending = new, None
            self.last_renewal = self.io.last_slot_write_start
            recovered = self.state in (FAILING, ASKING, GRANTED, FENCED)
            if recovered:
                LOG.warning('Lockspace %s: renewal works again after %.1f s',
                            self.name, self.last_renewal - previous)
                self.state = OK
                self.grant_until = None
            self._save_renewal()
        if recovered:
            if self.last_renewal - previous >= self.timing.host_dead:
                self._verify_leases()
            self.notify('renewal_recovered', {})
        self._release_dropped()

    def _release_dropped(self):
        # Leases dropped by fencing while storage was unreachable still
        # name us on disk; now that I/O works, give them back so other
        # hosts need not wait.
        with self.lock:
            dropped = dict(self.dropped)
        for resource, held in dropped.items():
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
                self._save()

    def _observe(self):
        try:
            blocks = ops.run(delta.read_all(self.max_hosts), self.io)
        except errors.IOFailure as e:
            LOG.warning('Lockspace %s: reading host slots failed: %s',
                        self.name, e)
            return
        self.table.observe(blocks, time.monotonic())

    def _verify_leases(self):
        # NOTE(hastack): renewals came back after a gap of H or more (a
        # no-fence grant that outlived H, or this daemon was frozen):
        # others may have taken our leases meanwhile. Any lease no longer
        # ours is fenced at once.
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
        with self.lock:
            self.state = LOST

    # -- fencing timeline ----------------------------------------------

    def _watcher(self):
        tick = min(1.0, self.timing.io_timeout / 4)
        while not self._stop.wait(tick):
            self.check_timeline()

    def check_timeline(self):
        """Act on the fencing timeline; called every fraction of ``N``."""
        now = time.monotonic()
        with self.lock:
            state, age = self.state, now - self.last_renewal
            grant_until = self.grant_until
        if state in (OK, FAILING) and age >= self.timing.renewal_fail:
            if not self.leases:
                with self.lock:
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
        LOG.error('Lockspace %s: fencing %s: %s', self.name, resources,
                  reason)
        with self.lock:
            holders = {r: set(self.holders.get(r, ())) for r in resources}
        failed = fencing.fence(self.name, holders, resources,
                               self.fence_command, self.timing.kill_time)
        with self.lock:
            for resource in resources:
                held = self.leases.pop(resource, None)
                if held is not None and self.state != LOST:
                    self.dropped[resource] = held
                self.holders.pop(resource, None)
            if self.state not in (LOST, LEFT):
                self.state = FENCED
                self.grant_until = None
            self._save()
        self.notify('fenced', {'resources': sorted(resources),
                               'reason': reason, 'failed': failed})

    def watchdog_expiry(self):
        """Until when (monotonic) the watchdog may be kept alive for us.

        Unbounded with no lease held; during a grant, its end; else until
        one more keep-alive could not carry past ``F`` (timing.py).
        """
        with self.lock:
            if not self.leases:
                return float('inf')
            if self.state == GRANTED:
                return self.grant_until
            return (self.last_renewal + self.timing.renewal_fail -
                    self.timing.io_timeout)

    # -- instance leases -----------------------------------------------

    def acquire(self, resource, pid=None):
        """Take an instance lease (and register ``pid`` as its holder).

        :raises FitlockError: the lockspace is not healthy, or the lease
            is held, busy or unreadable.
        """
        with self.lock:
            if self.state != OK:
                raise errors.FitlockError(
                    'lockspace %s is %s: no lease can be taken now'
                    % (self.name, self.state))
            me = paxos.Owner(self.mine.host_id, self.mine.generation)
        # NOTE(hastack): no fresh read of the host slots here: the renewer
        # reads them every R, and HostTable judges a host dead only by
        # what it has seen, so a stale table delays a takeover, never
        # allows an early one.
        with self.acquire_lock:
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
            self.leases[resource] = leader
            if pid:
                self.holders.setdefault(resource, set()).add(int(pid))
            self._save()
        return leader

    def _owner_is_dead(self, host_id, generation):
        return self.table.is_dead(host_id, generation, time.monotonic())

    def add_holder(self, resource, pid):
        """Register one more process holding a lease we own."""
        with self.lock:
            if resource not in self.leases:
                raise errors.UnknownLease('lease %s is not held in %s'
                                          % (resource, self.name))
            self.holders.setdefault(resource, set()).add(int(pid))
            self._save()

    def release(self, resource):
        """Give a lease up."""
        with self.lock:
            held = self.leases.get(resource)
        if held is None:
            raise errors.UnknownLease('lease %s is not held in %s'
                                      % (resource, self.name))
        ops.run(paxos.release(resource, held, self.max_hosts), self.io)
        with self.lock:
            self.leases.pop(resource, None)
            self.holders.pop(resource, None)
            self._save()

    def _reap_holders(self):
        # A lease whose registered holders have all exited is released,
        # as sanlock does when its client process goes away.
        with self.lock:
            gone = [r for r, pids in self.holders.items()
                    if pids and not fencing.alive_pids(pids)]
        for resource in gone:
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
            'mine': (leader.owner_id, leader.owner_generation) ==
                    (self.mine.host_id, self.mine.generation),
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

    def _save(self):
        state_file.save_leases(self.state_dir, self.name,
                               host_id=self.host_id, owner=self.owner,
                               leases=self.leases, holders=self.holders,
                               dropped=self.dropped)
        self._save_renewal()

    def _save_renewal(self):
        # Every R: a small file, whatever the number of leases.
        state_file.save_renewal(self.state_dir, self.name, mine=self.mine,
                                pending=self.pending, boot=self.boot,
                                last_renewal=self.last_renewal)
