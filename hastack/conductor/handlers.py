"""What each task type does, and when it must wait (design.md sections 6
and 8).

* ``force_down``: Nova's compute service of the failed host is forced
  down (Nova refuses to evacuate from a host it believes up).
* ``fence``: the host's agent is told, by RPC and over every plane, to
  stop the HA instances; the proof is its confirmation, or the host's
  Fitlock delta lease seen dead for ``H`` by a peer host. No proof, no
  evacuation: SAFETY rests on this task.
* ``evacuate``: one instance, through Nova, polled to completion;
  idempotent across conductor crashes (a server already moved, or being
  moved, is followed, not evacuated again).
* ``unforce_down``: a returning host gets its compute service back once
  its evacuations are over and no stray HA instance runs on it.
"""

import collections
import datetime
import json
import statistics
import threading
import time

from oslo_log import log as logging
from oslo_utils import timeutils

from hastack.common import exception
from hastack.common import keymsg
from hastack.common import states
from hastack.conductor import decision
from hastack.conductor import engine
from hastack.conductor import hoststate
from hastack.conductor import nova_ops
from hastack.conductor import readahead
from hastack.conductor import snapshot
from hastack.db import api as db_api
from hastack.db import recovery

LOG = logging.getLogger(__name__)

# Seconds between two reads of the fence acknowledgement while fencing.
ACK_POLL = 1.0
# Seconds between two rounds of asking peers about the host's lease. A
# round is up to LEASE_PEERS cheap calls (each peer's fitlockd answers from
# what it already read), and every second of this is a second added to the
# recovery after the lease's H (measured: 5 s made the first evacuation
# 3-4 s later than H; benchmarks/detection_latency).
LEASE_POLL = 1.0
# Peers asked per round about the host's Fitlock delta lease.
LEASE_PEERS = 3
# Seconds between two reads of a server being evacuated.
EVACUATE_POLL = 1.0
# The first read after an evacuate call waits this share of the median
# time the last RECENT_EVACUATIONS took (EVACUATE_POLL at least). Nova is
# a mass recovery's bottleneck and every read costs it about 1/30 of an
# evacuation (15 of ~450 ms of Nova's CPU, benchmarks/recovery_pipeline):
# reading every second from the call made 9 reads per evacuation at a
# rate limit of 20. Evacuations at one concurrency take alike (median
# within 5 % of mean there), so hardly one is over by half the median;
# one that is waits at most that long more, its slot with it.
FIRST_READ_SHARE = 0.5
RECENT_EVACUATIONS = 20
# Seconds before its task's creation that an evacuation record of Nova's
# still counts as maybe the task's own. Nova dates the record by its
# clock, HaStack the task by the conductor's; NTP keeps controllers
# within a second. A record that recent but not ours (an operator's
# evacuation) is as much one to follow, never to double.
CLOCK_SLACK = 60


def _now():
    return timeutils.utcnow().replace(tzinfo=None)


def _proof(kind, detail):
    return {'kind': kind, 'detail': detail, 'at': _now().isoformat()}


class Handlers:
    """The task handlers of one conductor.

    :param conf: the ConfigOpts.
    :param agent_api: an ``AgentAPI``.
    :param keymessages: the :class:`KeyMessages` (to send fence orders).
    """

    def __init__(self, conf, agent_api, keymessages):
        self.conf = conf
        self.agent_api = agent_api
        self.keymessages = keymessages
        self.servers = readahead.ServerReadAhead()
        # Seconds from the evacuate call to the read that saw it done.
        self._recent = collections.deque(maxlen=RECENT_EVACUATIONS)
        self._recent_lock = threading.Lock()

    def table(self):
        """``{task type: handler}`` for the engine."""
        return {states.TASK_FORCE_DOWN: self.force_down,
                states.TASK_FENCE: self.fence,
                states.TASK_EVACUATE: self.evacuate,
                states.TASK_UNFORCE_DOWN: self.unforce_down}

    def next_in_line(self, task):
        """``task`` is the evacuation next in line for a slot: read its
        server now (:mod:`hastack.conductor.readahead`)."""
        # Only for a first attempt: a later one reads for itself (see
        # _evacuate).
        if task.type == states.TASK_EVACUATE and not task.attempts:
            self.servers.request(task.instance_uuid)

    def after_table(self):
        """``{task type: hook}`` run after a task's final outcome."""
        return {states.TASK_FENCE: self.after_fence,
                states.TASK_UNFORCE_DOWN: self.after_unforce_down}

    # -- gates -------------------------------------------------------------

    def gates(self, context, task, cluster, now):
        """Why ``task`` must wait now, or None when it may run.

        The cluster gates (``ha_maintenance``, self-defense, core
        components) hold every task back; host maintenance and a standing
        no-fence grant hold back the host's recovery; an evacuation waits
        for its failure's fencing proof and an unforce for the end of the
        evacuations.
        """
        try:
            view = _host_view(context, task.host)
        except exception.HostNotFound:
            return 'host %s is not registered' % task.host
        closed = [g.detail for g in decision.evaluate_gates(
            view, cluster, now)
            if not g.open and g.name != 'host_ha_enabled']
        if closed:
            return '; '.join(closed)
        if task.type == states.TASK_EVACUATE:
            fence = _fence_task(context, task.failure_uuid)
            if fence is None or fence.state != states.TASK_SUCCEEDED:
                return 'waiting for the fencing proof'
        if task.type == states.TASK_UNFORCE_DOWN:
            host = db_api.host_get(context, task.host)
            if hoststate.summarize(_vector(host)) != states.PLANE_UP:
                return 'the host is not up on every plane'
            evacuations = recovery.tasks_of_failure(
                context, task.failure_uuid, states.TASK_EVACUATE)
            if any(t.state in states.TASK_OPEN_STATES
                   for t in evacuations):
                return 'evacuations of the host are still running'
        return None

    # -- force down --------------------------------------------------------

    def force_down(self, context, task, runner):
        """Force the failed host's nova-compute service down."""
        try:
            found = nova_ops.set_forced_down(task.host, True)
        except (exception.NovaUnavailable, nova_ops.NovaRefused) as e:
            return engine.Outcome(engine.RETRY, str(e))
        if not found:
            return engine.Outcome(
                engine.RETRY, 'Nova has no nova-compute service on %s'
                % task.host)
        return engine.Outcome(engine.DONE, 'nova-compute of %s forced down'
                              % task.host)

    # -- fence ---------------------------------------------------------------

    def fence(self, context, task, runner):
        """Stop the host's HA instances and obtain a proof of it."""
        host = db_api.host_get(context, task.host)
        if host.state == states.HOST_RECOVERING and \
                not hoststate.fenced_itself(
                    context, task.host,
                    recovery.failure_get(context, task.failure_uuid)):
            return engine.Outcome(engine.CANCEL,
                                  'the host came back before fencing')
        instances = [t.instance_uuid for t in recovery.tasks_of_failure(
            context, task.failure_uuid, states.TASK_EVACUATE)]
        if not instances:
            return engine.Outcome(engine.DONE,
                                  'no HA instance to fence on %s'
                                  % task.host)
        recovery.host_transition(context, task.host, (states.HOST_FAILED,),
                                 states.HOST_FENCING,
                                 'fencing %d instance(s)' % len(instances))
        order = self.keymessages.send(
            context, task.host, keymsg.FENCE_ORDER,
            {'instances': instances, 'failure': task.failure_uuid,
             'task': task.uuid})
        deadline = timeutils.utcnow() + _seconds(
            self.conf.conductor.fence_timeout)
        next_lease_round = timeutils.utcnow()
        refused = None
        while timeutils.utcnow() < deadline:
            ack = recovery.message_reply(context, order['id'],
                                         keymsg.FENCE_ACK)
            if ack is not None and refused is None:
                body = json.loads(ack.body)
                if body.get('failed'):
                    # Not a proof: wait for the lease instead.
                    refused = body['failed']
                    LOG.error('Host %s could not stop %s; waiting for its '
                              'lease to expire', task.host, refused)
                else:
                    return engine.Outcome(
                        engine.DONE, 'host %s confirmed the stop'
                        % task.host, _proof('agent_ack', {
                            'order': order['id'], 'ack': ack.message_id,
                            'stopped': body.get('stopped') or [],
                            'not_running': body.get('not_running') or [],
                            'path': ack.path}))
            if timeutils.utcnow() >= next_lease_round:
                proof = self._lease_proof(context, task.host)
                if proof is not None:
                    return engine.Outcome(
                        engine.DONE, 'the Fitlock lease of %s is dead, as '
                        'seen by %s' % (task.host,
                                        proof['detail']['observer']),
                        proof)
                next_lease_round = timeutils.utcnow() + _seconds(
                    LEASE_POLL)
            if runner.sleep(ACK_POLL):
                return engine.Outcome(engine.LOST, 'stopping')
        return engine.Outcome(
            engine.RETRY, 'no fencing proof within %.0f s (%s)' % (
                self.conf.conductor.fence_timeout,
                'the host could not stop %s' % refused if refused else
                'no confirmation, lease not seen dead'))

    def _lease_proof(self, context, host):
        """Ask peer agents whether ``host``'s delta lease is dead."""
        peers = [h.name for h in db_api.host_list(
            context, {'state': states.HOST_ACTIVE})
            if h.name != host and
            hoststate.summarize(_vector(h)) == states.PLANE_UP]
        for peer in peers[:LEASE_PEERS]:
            try:
                view = self.agent_api.inquire_lease(context, peer, host)
            except Exception as e:  # noqa: BLE001 - ask the next peer
                # The remote traceback is of no use here.
                LOG.info('Peer %s could not tell the lease of %s: %s',
                         peer, host, str(e).splitlines()[0] if str(e)
                         else type(e).__name__)
                continue
            if isinstance(view, dict) and view.get('dead') is True:
                return _proof('lease_expired', {
                    'observer': peer,
                    'generation': view.get('generation'),
                    'unchanged_for': view.get('unchanged_for')})
        return None

    def after_fence(self, context, task, outcome):
        """A proven fence: every evacuation carries the proof, the host
        is ``fenced``."""
        if task.state != states.TASK_SUCCEEDED:
            return
        if outcome.proof is not None:
            recovery.tasks_set_fence_proof(context, task.failure_uuid,
                                           outcome.proof)
        recovery.host_transition(
            context, task.host, (states.HOST_FAILED, states.HOST_FENCING),
            states.HOST_FENCED, outcome.message)

    # -- evacuate ----------------------------------------------------------

    def evacuate(self, context, task, runner):
        """Evacuate one instance and follow it to the end."""
        fence = _fence_task(context, task.failure_uuid)
        if fence is None or fence.state != states.TASK_SUCCEEDED:
            return engine.Outcome(engine.RETRY, 'no fencing proof yet')
        try:
            return self._evacuate(task, runner)
        except (exception.NovaUnavailable, nova_ops.NovaRefused) as e:
            return engine.Outcome(engine.RETRY, str(e))

    def _evacuate(self, task, runner):
        uuid, source = task.instance_uuid, task.host
        # SAFETY: an earlier attempt at this task (of a conductor that
        # crashed, or that gave up waiting) may have called evacuate, and
        # Nova clears the task state a moment before it records the new
        # host (_still_moving): a server read then looks as if never
        # moved. Only a first attempt, which no call precedes, may use a
        # read made ahead and call on the read alone; a later one reads
        # now and asks Nova's migration records first.
        first = task.attempts <= 1
        since = task.created_at - _seconds(CLOCK_SLACK)
        called = None
        server = self.servers.get_server(uuid, ahead=first)
        if server is None:
            return engine.Outcome(engine.CANCEL, 'the instance was deleted')
        if server['task_state'] is None and server['host'] != source:
            # A previous attempt (maybe of a crashed conductor) moved it.
            return self._settled(server, source)
        if server['task_state'] is None:
            if not server['ha_enabled']:
                return engine.Outcome(engine.CANCEL,
                                      'HA is no longer enabled on it')
            if server['status'] not in states.EVACUABLE_SERVER_STATUSES:
                return engine.Outcome(
                    engine.CANCEL, 'its status %s is not evacuated (only %s)'
                    % (server['status'],
                       ', '.join(states.EVACUABLE_SERVER_STATUSES)))
            if first or not _still_moving(uuid, source, since):
                nova_ops.evacuate(uuid)
                called = time.monotonic()
        # else: an evacuation is already under way: follow it.
        deadline = timeutils.utcnow() + _seconds(
            self.conf.conductor.evacuate_timeout)
        between = False
        wait = self._first_read() if called is not None else EVACUATE_POLL
        while True:
            if runner.sleep(wait):
                return engine.Outcome(engine.LOST, 'stopping')
            wait = EVACUATE_POLL
            server = nova_ops.get_server(uuid)
            if server is None:
                return engine.Outcome(engine.CANCEL,
                                      'the instance was deleted while '
                                      'being evacuated')
            if server['task_state'] is None:
                if server['host'] != source or server['status'] == 'ERROR':
                    outcome = self._settled(server, source)
                    if called is not None and outcome.kind == engine.DONE:
                        with self._recent_lock:
                            self._recent.append(time.monotonic() - called)
                    return outcome
                # No task state, still on the source: between Nova's two
                # writes (see _still_moving), or failed. Seen once, poll
                # again: the next read mostly shows the new host, and
                # Nova is spared a migration list per evacuation (2 in 3
                # evacuations were seen so, benchmarks/recovery_pipeline).
                if between and not _still_moving(uuid, source, since):
                    return self._settled(server, source)
                between = True
            if timeutils.utcnow() > deadline:
                return engine.Outcome(
                    engine.RETRY, 'still %s after %.0f s'
                    % (server['task_state'],
                       self.conf.conductor.evacuate_timeout))

    def _first_read(self):
        """Seconds from an evacuate call to the first read of its server
        (see FIRST_READ_SHARE)."""
        with self._recent_lock:
            recent = list(self._recent)
        if len(recent) < 3:
            return EVACUATE_POLL
        return max(EVACUATE_POLL, min(
            FIRST_READ_SHARE * statistics.median(recent),
            self.conf.conductor.evacuate_timeout))

    @staticmethod
    def _settled(server, source):
        if server['host'] != source and server['status'] in (
                'ACTIVE', 'SHUTOFF'):
            return engine.Outcome(engine.DONE, 'now %s on %s'
                                  % (server['status'], server['host']))
        return engine.Outcome(engine.RETRY, 'evacuation failed: %s on %s'
                              % (server['status'], server['host']))

    # -- unforce down ------------------------------------------------------

    def unforce_down(self, context, task, runner):
        """Give a returning host its compute service back."""
        evacuated = [t.instance_uuid for t in recovery.tasks_of_failure(
            context, task.failure_uuid, states.TASK_EVACUATE)
            if t.state == states.TASK_SUCCEEDED]
        try:
            status = self.agent_api.get_status(context, task.host)
        except Exception as e:  # noqa: BLE001 - retried
            return engine.Outcome(engine.RETRY,
                                  'the agent of %s does not answer: %s'
                                  % (task.host, e))
        running = {i['uuid'] for i in status.get('instances') or []
                   if i.get('state') == 'running'}
        strays = sorted(running & set(evacuated))
        if strays:
            db_api.event_create(
                context, 'instance.stray',
                'Host %s came back running %s, already evacuated '
                'elsewhere: stopping them' % (task.host, ', '.join(strays)),
                severity='critical', host=task.host)
            try:
                self.agent_api.fence_instances(context, task.host, strays)
            except Exception as e:  # noqa: BLE001 - retried
                return engine.Outcome(engine.RETRY,
                                      'could not stop strays %s: %s'
                                      % (strays, e))
            return engine.Outcome(engine.RETRY,
                                  'stopped stray instance(s) %s; checking '
                                  'again' % ', '.join(strays))
        if not self.conf.conductor.unforce_down_on_return:
            return engine.Outcome(
                engine.DONE, 'host back; force-down left for an operator '
                '([conductor] unforce_down_on_return is False)')
        try:
            nova_ops.set_forced_down(task.host, False)
        except (exception.NovaUnavailable, nova_ops.NovaRefused) as e:
            return engine.Outcome(engine.RETRY, str(e))
        return engine.Outcome(engine.DONE, 'nova-compute of %s is no longer '
                              'forced down' % task.host)

    def after_unforce_down(self, context, task, outcome):
        """The returning host is ``active`` again, whatever the outcome:
        a host is never left stuck (a failed unforce raised an alarm)."""
        if task.state == states.TASK_SUCCEEDED:
            recovery.failure_close(context, task.failure_uuid,
                                   states.HOST_ACTIVE,
                                   'host back: %s' % outcome.message)
        elif task.state == states.TASK_FAILED:
            recovery.failure_close(
                context, task.failure_uuid, states.HOST_ACTIVE,
                'host back, but its nova-compute could not be forced up; '
                'an operator must do it (%s)' % outcome.message,
                severity='error')


def _still_moving(uuid, source, since):
    """Whether Nova's last evacuation of ``uuid`` from ``source`` created
    after ``since`` (naive UTC) is under way or has just succeeded.

    Nova clears the task state a moment before it records the new host:
    the resource tracker sets the host and ends the migration under the
    compute's resource lock, after the rebuild, a lock the compute's
    periodic tasks also hold, for seconds under load. A server seen then,
    with no task state but still on ``source``, is moving, not failed:
    its migration record tells. Older records are another failure's.
    """
    return _moving(nova_ops.evacuations(uuid, source), since)


def _moving(moves, since):
    """Whether the newest of Nova's evacuation records ``moves`` created
    at or after ``since`` neither failed nor was cancelled (a record
    with an unreadable date counts: the safe side)."""
    recent = [m for m in moves if _created(m) >= since]
    return bool(recent) and recent[-1]['status'] not in (
        'failed', 'error', 'cancelled')


def _created(move):
    try:
        return timeutils.normalize_time(
            timeutils.parse_isotime(move['created_at']))
    except (TypeError, ValueError):
        return datetime.datetime.max


def _seconds(value):
    return datetime.timedelta(seconds=value)


def _vector(host):
    return {p: getattr(host, '%s_status' % p) for p in states.PLANES}


def _host_view(context, name):
    return snapshot.host_view(db_api.host_get(context, name))


def _fence_task(context, failure_uuid):
    fences = recovery.tasks_of_failure(context, failure_uuid,
                                       states.TASK_FENCE)
    return fences[0] if fences else None
