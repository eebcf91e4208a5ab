"""The task engine: every conductor runs it, each pass claiming the due
tasks it has room for and running them on worker threads.

A pass, in order:

1. tasks whose conductor stopped renewing its claim go back in the queue
   (it crashed; the attempt it made is counted);
2. this conductor renews its claims; a runner whose task was taken over
   is told to stop acting;
3. due tasks, highest priority first: a closed gate or the missing
   fencing proof defers the task; otherwise it is claimed, the rate
   limits being counted in the claim's own transaction
   (:func:`hastack.db.recovery.task_claim`), and run.

Steps 1 and 2 run every ``cycle_interval``. Step 3 runs then too, and
also as soon as one of this conductor's tasks ends (:meth:`wait`): the
slot it freed is taken at once rather than up to a cycle later, which at
2.4 s per evacuation would leave a slot idle 40 % of the time
(benchmarks/recovery_pipeline). Claims are only ever made by the thread
that runs the passes, never by a runner.

An attempt ends in one :class:`Outcome`; a retryable failure waits an
exponential backoff, and the last one raises an alarm event.
"""

import concurrent.futures
import dataclasses
import datetime
import threading

from oslo_log import log as logging
from oslo_utils import timeutils

from hastack.common import context as hastack_context
from hastack.common import settings
from hastack.common import states
from hastack.conductor import snapshot
from hastack.db import api as db_api
from hastack.db import recovery

LOG = logging.getLogger(__name__)

# Evacuations waiting for a slot that the engine names, after each pass,
# to its next_in_line callable (the handlers read their servers ahead).
# Two: slots free every t/R seconds (0.4 s at R = 10 in the benchmark),
# about the time of one read, so the first in line is often claimed
# while its read runs; the second's read has a slot's time more.
NEXT_IN_LINE = 2

DONE = 'done'
RETRY = 'retry'
CANCEL = 'cancel'
LOST = 'lost'


@dataclasses.dataclass(frozen=True)
class Outcome:
    """How an attempt ended.

    :ivar kind: DONE, RETRY (failed; may be retried), CANCEL (nothing to
        do any more) or LOST (another conductor owns the task now).
    :ivar message: what happened, for the event.
    :ivar proof: the fencing proof a fence attempt obtained.
    """

    kind: str
    message: str
    proof: dict | None = None


def retry_delay(attempt, base, cap):
    """Seconds before the next attempt after ``attempt`` failed ones:
    ``base * 2**(attempt-1)``, at most ``cap``."""
    if attempt <= 0:
        return 0.0
    return min(cap, base * (2 ** min(attempt - 1, 30)))


class Runner:
    """What a handler gets for one attempt: its task and a way to know
    it should stop (shutdown, or the task taken over)."""

    def __init__(self, task, stop_event):
        self.task = task
        self._stop = stop_event
        self._lost = threading.Event()

    def lost(self):
        """True once the attempt must stop acting."""
        return self._lost.is_set() or self._stop.is_set()

    def mark_lost(self):
        """Another conductor owns the task now."""
        self._lost.set()

    def sleep(self, seconds):
        """Wait, waking early when the attempt must stop.

        :returns: True when it must stop.
        """
        self._stop.wait(seconds)
        return self.lost()


class TaskEngine:
    """Claims and runs tasks.

    :param conf: the ConfigOpts.
    :param owner: this conductor's name (the task owner).
    :param handlers: ``{task type: callable(context, task, runner) ->
        Outcome}``.
    :param gates: callable(context, task, cluster, now) -> a reason the
        task must wait, or None.
    :param after: ``{task type: callable(context, task, outcome)}`` run
        after a task's final outcome is stored (or after its last
        attempt failed, with a RETRY outcome).
    :param next_in_line: callable(task) told, after each pass, of the
        first :data:`NEXT_IN_LINE` evacuations that wait for a slot and
        nothing else (they get the next slots that free).
    """

    def __init__(self, conf, owner, handlers, gates, after=None,
                 next_in_line=None):
        self.conf = conf
        self.owner = owner
        self.handlers = handlers
        self.gates = gates
        self.after = after or {}
        self.next_in_line = next_in_line
        self.workers = conf.conductor.workers
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=self.workers, thread_name_prefix='task')
        self._running = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        # Set when a runner ends: a slot is free, claim again.
        self._ended = threading.Event()

    def stop(self, wait=True):
        """Stop the runners (their attempts end without acting more)."""
        self._stop.set()
        self._ended.set()
        self._pool.shutdown(wait=wait)

    def wait(self, timeout):
        """Sleep until one of this conductor's tasks ends, at most
        ``timeout`` seconds.

        :returns: True when a task ended (a claim pass is worth running).
        """
        ended = self._ended.wait(timeout)
        self._ended.clear()
        return ended and not self._stop.is_set()

    def running(self):
        """Uuids of the tasks this conductor runs now."""
        with self._lock:
            return set(self._running)

    def run_once(self, context, now=None):
        """One whole pass (steps 1 to 3); returns the uuids of the tasks
        claimed."""
        now = now or timeutils.utcnow().replace(tzinfo=None)
        recovery.task_take_over_stale(
            context, now, self.conf.conductor.task_heartbeat_timeout)
        mine = self.running()
        still = recovery.task_heartbeat(context, self.owner, mine, now)
        for uuid in mine - still:
            with self._lock:
                runner = self._running.get(uuid)
            if runner is not None:
                LOG.warning('Task %s was taken over: stopping', uuid)
                runner.mark_lost()
        return self.claim_due(context, now)

    def claim_due(self, context, now=None):
        """Step 3 alone: claim and start the due tasks there is room for.

        :returns: the uuids of the tasks claimed.
        """
        now = now or timeutils.utcnow().replace(tzinfo=None)
        effective = settings.values(self.conf,
                                    db_api.settings_get_stored(context))
        limits = _Slots(recovery.evacuations_running(context),
                        effective['global_rate_limit'],
                        effective['host_rate_limit'])
        cluster = snapshot.cluster_view(context)
        # Every evacuation of one failure has the same gates: asked once
        # per pass, not once per task (hundreds wait behind the limit).
        gate_of = {}
        claimed = []
        next_in_line = []
        for task in recovery.tasks_runnable(context, now):
            if self._stop.is_set() or len(self.running()) >= self.workers:
                break
            handler = self.handlers.get(task.type)
            if handler is None:
                continue
            key = (task.type, task.host, task.failure_uuid)
            if key not in gate_of:
                gate_of[key] = self.gates(context, task, cluster, now)
            why = gate_of[key]
            if not why and task.type == states.TASK_EVACUATE and \
                    not limits.free(task.host):
                # Counted here to spare a claim transaction bound to be
                # refused; the claim still counts again under its lock
                # (other conductors claim too).
                why = limits.reason
                if len(next_in_line) < NEXT_IN_LINE:
                    next_in_line.append(task)
            if why:
                _defer(context, task, why)
                continue
            claim, refused = recovery.task_claim(
                context, task.uuid, self.owner, now,
                global_limit=effective['global_rate_limit'],
                host_limit=effective['host_rate_limit'])
            if refused == 'rate_limit':
                # Another conductor took the last slot since we counted.
                limits.fill()
                _defer(context, task, limits.reason)
                continue
            if claim is None:
                continue
            task = claim
            if task.type == states.TASK_EVACUATE:
                limits.take(task.host)
            runner = Runner(task, self._stop)
            with self._lock:
                self._running[task.uuid] = runner
            claimed.append(task.uuid)
            self._pool.submit(self._run, hastack_context.get_admin_context(),
                              task, handler, runner)
        if self.next_in_line is not None:
            for task in next_in_line:
                self.next_in_line(task)
        return claimed

    def _run(self, context, task, handler, runner):
        try:
            try:
                outcome = handler(context, task, runner)
            except Exception as e:  # noqa: BLE001 - any error is a retry
                LOG.exception('Task %s (%s) attempt %d failed', task.uuid,
                              task.type, task.attempts)
                outcome = Outcome(RETRY, '%s: %s' % (type(e).__name__, e))
            if runner.lost() or outcome.kind == LOST:
                LOG.warning('Task %s (%s): attempt abandoned (%s)',
                            task.uuid, task.type, outcome.message)
                return
            self._finish(context, task, outcome)
        except Exception:  # noqa: BLE001 - the takeover finishes it
            LOG.exception('Task %s: recording the outcome failed',
                          task.uuid)
        finally:
            with self._lock:
                self._running.pop(task.uuid, None)
            self._ended.set()

    def _finish(self, context, task, outcome):
        if outcome.kind == DONE:
            stored = recovery.task_finish(
                context, task.uuid, self.owner, states.TASK_SUCCEEDED,
                outcome.message, fence_proof=outcome.proof)
        elif outcome.kind == CANCEL:
            stored = recovery.task_finish(
                context, task.uuid, self.owner, states.TASK_CANCELLED,
                outcome.message, error=outcome.message, severity='warning')
        elif task.attempts < task.max_attempts:
            delay = retry_delay(task.attempts,
                                self.conf.conductor.retry_backoff,
                                self.conf.conductor.retry_backoff_max)
            stored = recovery.task_finish(
                context, task.uuid, self.owner, states.TASK_PENDING,
                '%s; retry in %.0f s' % (outcome.message, delay),
                error=outcome.message, severity='warning',
                next_attempt_at=(timeutils.utcnow().replace(tzinfo=None) +
                                 datetime.timedelta(seconds=delay)))
            return
        else:
            # The alarm: the last attempt failed and nothing will retry.
            stored = recovery.task_finish(
                context, task.uuid, self.owner, states.TASK_FAILED,
                'failed for good after %d attempt(s), an operator must '
                'act: %s' % (task.attempts, outcome.message),
                error=outcome.message, severity='critical')
        if stored is None:
            LOG.warning('Task %s: no longer ours, outcome %s dropped',
                        task.uuid, outcome.kind)
            return
        after = self.after.get(task.type)
        if after is not None:
            after(context, stored, outcome)


def _defer(context, task, why):
    """Defer ``task`` unless it already waits for that very reason (a
    write transaction saved per waiting task and pass)."""
    if task.state == states.TASK_DEFERRED and task.last_error == why:
        return
    recovery.task_defer(context, task.uuid, why)


class _Slots:
    """The evacuation slots of one pass: the running evacuations counted
    once, then kept up to date with this pass's own claims.

    :param running: ``{host: evacuations running}``.
    :param global_limit: evacuations at once in all (0/None: no limit).
    :param host_limit: evacuations at once from one host (0/None: none).
    """

    def __init__(self, running, global_limit, host_limit):
        self.running = dict(running)
        self.global_limit = global_limit
        self.host_limit = host_limit
        self.full = False
        self.reason = ('rate limit: %s evacuations at once in all, %s from '
                       'one host' % (global_limit, host_limit))

    def free(self, host):
        """Whether one more evacuation from ``host`` fits both limits."""
        if self.full or (self.global_limit and sum(
                self.running.values()) >= self.global_limit):
            return False
        return not (self.host_limit and
                    self.running.get(host, 0) >= self.host_limit)

    def take(self, host):
        """This pass claimed an evacuation from ``host``."""
        self.running[host] = self.running.get(host, 0) + 1

    def fill(self):
        """The database refused a claim (another conductor took the
        slot): no more evacuations this pass."""
        self.full = True
