"""Fitlock's timing: every safety-relevant duration, derived in one place.

All durations follow from two numbers (design.md section 5):

``N`` (io_timeout)
    The longest one storage I/O may take before it counts as failed. A
    failed write may still land later; everything below allows for it.
``W`` (watchdog)
    How long after the last keep-alive the watchdog resets the host.

and two that the deployment measures:

``A`` (arbiter wait)
    How long fitlockd waits for the agent's "fence or not?" answer.
``T_kill``
    How long stopping every lease holder may take (SIGKILL and reap, or
    the fence command).

Derived:

``R = 2N`` (renewal interval)
    A host rewrites its delta lease this often. Two attempts fit into
    ``F`` several times over, so one slow I/O never costs the lease.
``F = 8N`` (renewal fail time)
    A host whose renewals have all failed for ``F`` (measured from the
    *start* of its last successful renewal write, so the landing time of
    that write can only be later) stops trusting its lease: it asks the
    arbiter, then fences.
``H = F + W`` (host dead time)
    Another host may take over an instance lease only after the owner's
    delta lease has not changed for ``H`` by the observer's own monotonic
    clock. The observer's timer starts when it sees the last change, which
    is after that write landed, which is after it started; by then the
    owner has fenced (at ``F + A + T_kill``) or the watchdog has reset it
    (at ``F + W`` at the latest, because the feeder stops before ``F``).

``F - N`` (trusted age)
    Our delta lease is trusted while its last successful renewal started
    less than ``F - N`` ago: the watchdog may be kept alive only until
    then (the last keep-alive is sent before it, so the watchdog fires
    before ``F - N + W = H - N``), and the result of a ballot that ends
    later is not used (it may have run across a freeze of fitlockd, and
    a holder started then would not be covered by the watchdog).
``H - 2N`` (rejoin gap)
    A renewal that succeeds this long or longer after the previous one
    started ends the generation: others may have judged it dead meanwhile
    and taken its leases. An observer counts our slot unchanged from the
    end of the read that first showed our previous record (after that
    write started) to the start of the last read that still showed it
    (before our next write landed, which is less than ``N`` after that
    write started): less than ``gap + N``. It reaches ``H`` only when the
    gap reaches ``H - N``; the second ``N`` is margin for the rates of two
    monotonic clocks over ``H`` and for scheduling. The host then stops
    what runs, waits the slop, and joins again in a new generation.

Safety conditions, checked by :meth:`Timing.check` (fitlockd refuses to
start otherwise):

``A + T_kill + slop <= W``
    The owner's holders are stopped, and their writes in flight have
    landed, by ``F + A + T_kill + slop <= F + W = H``. The slop covers
    I/O in flight when the holders die and the scheduling delay between
    the arbiter's deadline and the kill.
``slop <= N``
    When fitlockd itself is stuck, the watchdog resets the host before
    ``H - N`` (above); the writes in flight at the reset land within the
    slop, so before ``H`` only if ``slop <= N``.

Wherever a new generation frees leases at once (a rejoin) or a fenced
lease is given back, it is done only a slop after its holders stopped.
"""

import dataclasses

# NOTE(hastack): sanlock's defaults, which operators know: 10 s I/O
# timeout and a 60 s watchdog, so H = 80 + 60 = 140 s.
DEFAULT_IO_TIMEOUT = 10.0
DEFAULT_WATCHDOG = 60.0
# Seconds allowed for holders' in-flight I/O to drain after the kill and
# for scheduling between the arbiter deadline and the kill.
DEFAULT_SLOP = 5.0

RENEWAL_FACTOR = 2   # R = 2N
FAIL_FACTOR = 8      # F = 8N


class UnsafeTiming(ValueError):
    """The configured durations would let two hosts run one instance."""


@dataclasses.dataclass(frozen=True)
class Timing:
    """The durations of one lockspace, all in seconds.

    :param io_timeout: ``N``.
    :param watchdog: ``W``.
    :param arbiter_wait: ``A``.
    :param kill_time: ``T_kill``.
    :param slop: the margin in the safety condition.
    """

    io_timeout: float = DEFAULT_IO_TIMEOUT
    watchdog: float = DEFAULT_WATCHDOG
    arbiter_wait: float = 30.0
    kill_time: float = 10.0
    slop: float = DEFAULT_SLOP

    @property
    def renewal_interval(self):
        """``R = 2N``: how often the delta lease is rewritten."""
        return RENEWAL_FACTOR * self.io_timeout

    @property
    def renewal_fail(self):
        """``F = 8N``: renewals failing this long start fencing."""
        return FAIL_FACTOR * self.io_timeout

    @property
    def host_dead(self):
        """``H = F + W``: unchanged this long, a host's leases are free."""
        return self.renewal_fail + self.watchdog

    @property
    def trusted_age(self):
        """``F - N``: our delta lease is trusted while younger than this.

        The watchdog expiry is the last renewal start plus this, and a
        ballot result is used only before it (module docstring).
        """
        return self.renewal_fail - self.io_timeout

    @property
    def rejoin_gap(self):
        """``H - 2N``: a renewal gap this long ends the generation.

        Others may have seen our slot unchanged for ``H`` (module
        docstring): our leases may be theirs now.
        """
        return self.host_dead - RENEWAL_FACTOR * self.io_timeout

    @property
    def join_delay(self):
        """Wait between writing a free delta slot and reading it back.

        ``2N``: any other host's write to the same slot that started before
        ours has landed or failed by then, so the reread tells who won.
        """
        return RENEWAL_FACTOR * self.io_timeout

    def check(self):
        """Refuse durations that break ``A + T_kill + slop <= W`` or
        ``slop <= N``.

        :raises UnsafeTiming: naming the numbers.
        """
        for name in ('io_timeout', 'watchdog', 'arbiter_wait', 'kill_time',
                     'slop'):
            if getattr(self, name) < 0:
                raise UnsafeTiming('%s must not be negative (got %s)'
                                   % (name, getattr(self, name)))
        if self.io_timeout <= 0:
            raise UnsafeTiming('io_timeout must be positive')
        needed = self.arbiter_wait + self.kill_time + self.slop
        if needed > self.watchdog:
            raise UnsafeTiming(
                'unsafe timing: arbiter_wait (%s s) + kill_time (%s s) + '
                'slop (%s s) = %s s exceeds the watchdog time W = %s s; '
                'another host could start an instance (after H = F + W = '
                '%s s) before this one has stopped it. Shorten arbiter_wait '
                'or raise the watchdog time.'
                % (self.arbiter_wait, self.kill_time, self.slop, needed,
                   self.watchdog, self.host_dead))
        if self.slop > self.io_timeout:
            # NOTE(hastack): a stuck fitlockd's host is reset by the
            # watchdog before H - N (feeder_may_pet); what its holders had
            # in flight lands within the slop, which must end before H.
            raise UnsafeTiming(
                'unsafe timing: slop (%s s) exceeds io_timeout N = %s s; '
                'when the watchdog resets a host (before H - N = %s s), '
                'the writes its instances had in flight could land after '
                'another host took over at H = %s s. Lower the slop or '
                'raise io_timeout.'
                % (self.slop, self.io_timeout,
                   self.host_dead - self.io_timeout, self.host_dead))
        return self

    def feeder_may_pet(self, renewal_age):
        """Whether the watchdog may be kept alive after a renewal age.

        The feeder pets every ``N`` at most; it stops once another pet
        could carry the last keep-alive past ``F``, so the watchdog fires
        by ``F + W = H`` after the last good renewal started.

        :param renewal_age: seconds since the last successful renewal
            started.
        """
        return renewal_age + self.io_timeout < self.renewal_fail
