"""The decider: after each monitor pass, act on every host's decision and
move failed hosts along their recovery (design.md section 6).

* ``recover`` -> declare the failure: the host goes ``failed`` and its
  tasks (force down, fence, one evacuation per HA instance) are created
  in one transaction, once per failure whatever else runs.
* ``fenced`` with no evacuation left to run -> ``recovered``.
* ``recovering`` (the host came back) -> a task clears Nova's force-down
  once the evacuations are over; a host that came back before it was
  fenced keeps its instances, and the recovery's waiting tasks are
  cancelled.
"""

from oslo_log import log as logging
from oslo_utils import timeutils

from hastack.common import exception
from hastack.common import nova
from hastack.common import settings
from hastack.common import states
from hastack.conductor import decision
from hastack.conductor import hoststate
from hastack.conductor import nova_ops
from hastack.conductor import snapshot
from hastack.db import api as db_api
from hastack.db import recovery

LOG = logging.getLogger(__name__)


class Decider:
    """Acts on the decisions of one pass.

    :param conf: the ConfigOpts.
    """

    def __init__(self, conf):
        self.conf = conf

    def run_once(self, context, now=None):
        """One pass over every host.

        :returns: ``{host: action}`` of the decisions taken.
        """
        now = now or timeutils.utcnow().replace(tzinfo=None)
        cluster = snapshot.cluster_view(context)
        taken = {}
        # Nova's servers are read once per pass, by the first host
        # declared failed: when many hosts fail together (a rack), one
        # read per host would space their fences out by Nova's list time.
        synced = []
        # Only the columns deciding uses (the view, and the failure for
        # fenced and recovering hosts), not whole Host objects: this pass
        # runs over every host each monitor interval.
        for host in db_api.host_fields(
                context, snapshot.HOST_VIEW_FIELDS + ('failure_uuid',)):
            try:
                taken[host.name] = self._host(context, host, cluster, now,
                                              synced)
            except Exception:  # noqa: BLE001 - one host never stops all
                LOG.exception('Deciding for host %s failed', host.name)
        return taken

    def _host(self, context, host, cluster, now, synced):
        if host.state == states.HOST_FENCED:
            self._maybe_recovered(context, host)
        elif host.state == states.HOST_RECOVERING:
            self._returning(context, host)
        result = decision.decide(snapshot.host_view(host), cluster, now)
        if result.action == decision.ACTION_RECOVER:
            self.declare(context, host, result, synced)
        return result.action

    def declare(self, context, host, result, synced=None):
        """Declare ``host`` failed and create its recovery tasks.

        :param synced: a pass's list, non-empty once Nova's servers were
            read in it (None: read them now).
        """
        instances = self._ha_instances(context, host.name, synced)
        effective = settings.values(self.conf,
                                    db_api.settings_get_stored(context))
        declared = recovery.failure_declare(
            context, host.name, result.vector, instances,
            max_attempts=effective['max_retries'] + 1,
            reason=result.reason)
        if declared is None:
            LOG.info('Host %s: another conductor declared the failure',
                     host.name)
            return None
        failure, tasks = declared
        LOG.warning('Host %s failed (%s): recovery %s, %d task(s)',
                    host.name, result.reason, failure.uuid, len(tasks))
        return failure

    def declare_fenced(self, context, name, reason, now=None):
        """Recover a host that was just told to fence its lease holders.

        fitlockd stops them whatever the planes say (its storage leases
        are gone), so waiting for the strategy's vector and the grace
        period would leave them stopped for good when the planes look
        fine (e.g. the shared folder fails while the storage network
        works). Every gate must still be open; the evacuations still wait
        for a fencing proof.

        :returns: the Failure, or None when nothing was declared.
        """
        now = now or timeutils.utcnow().replace(tzinfo=None)
        try:
            host = db_api.host_get(context, name)
        except exception.HostNotFound:
            return None
        if host.state not in (states.HOST_ACTIVE, states.HOST_SUSPECT):
            return None
        cluster = snapshot.cluster_view(context)
        view = snapshot.host_view(host)
        gates = decision.evaluate_gates(view, cluster, now)
        closed = [g.detail for g in gates if not g.open]
        if closed:
            LOG.warning('Host %s fences itself, but HA will not recover '
                        'it: %s', name, '; '.join(closed))
            return None
        if host.state == states.HOST_ACTIVE:
            recovery.host_transition(context, name, (states.HOST_ACTIVE,),
                                     states.HOST_SUSPECT, reason)
            host = db_api.host_get(context, name)
        result = decision.Decision(
            host=name, vector=dict(view.planes),
            strategy=cluster.strategy_name, rule=None, gates=gates,
            action=decision.ACTION_RECOVER, reason=reason)
        return self.declare(context, host, result)

    def _ha_instances(self, context, host, synced=None):
        """The HA-enabled instances on ``host``, fresh from Nova when it
        answers (else as last synchronised, with a warning); read once
        per pass when ``synced`` is a pass's list."""
        if nova.is_configured() and not synced:
            if synced is not None:
                synced.append(True)
            try:
                recovery.instances_sync(context, nova_ops.list_servers())
            except (exception.NovaUnavailable,
                    nova_ops.NovaRefused) as e:
                db_api.event_create(
                    context, 'nova.unreachable',
                    'Could not refresh the instances of %s from Nova (%s); '
                    'using the last synchronised list' % (host, e),
                    severity='warning', host=host)
        return db_api.instance_list(context, {'host': host,
                                              'ha_enabled': True})

    def _maybe_recovered(self, context, host):
        evacuations = recovery.tasks_of_failure(
            context, host.failure_uuid, states.TASK_EVACUATE)
        if any(t.state in states.TASK_OPEN_STATES for t in evacuations):
            return
        counts = {}
        for task in evacuations:
            counts[task.state] = counts.get(task.state, 0) + 1
        failed = counts.get(states.TASK_FAILED, 0)
        recovery.host_transition(
            context, host.name, (states.HOST_FENCED,),
            states.HOST_RECOVERED,
            'evacuations over: %s' % (', '.join(
                '%d %s' % (n, s) for s, n in sorted(counts.items()))
                or 'none to run'),
            severity='error' if failed else 'info')

    def _returning(self, context, host):
        if host.failure_uuid is None:
            recovery.host_transition(
                context, host.name, (states.HOST_RECOVERING,),
                states.HOST_ACTIVE, 'no recovery to finish')
            return
        fences = recovery.tasks_of_failure(context, host.failure_uuid,
                                           states.TASK_FENCE)
        failure = recovery.failure_get(context, host.failure_uuid)
        if fences and fences[0].state in (states.TASK_PENDING,
                                          states.TASK_DEFERRED) and \
                not hoststate.fenced_itself(context, host.name, failure):
            # The host came back before any fencing started: its
            # instances never stopped, so nothing may be evacuated. The
            # fence task goes first: once it is cancelled no proof can
            # appear, and the evacuations waiting for one go too.
            why = ('host %s came back before it was fenced; its instances '
                   'kept running there' % host.name)
            if recovery.tasks_cancel_waiting(
                    context, host.failure_uuid, (states.TASK_FENCE,), why):
                recovery.tasks_cancel_waiting(
                    context, host.failure_uuid,
                    (states.TASK_EVACUATE, states.TASK_FORCE_DOWN), why)
        db_api.task_create(context, {
            'type': states.TASK_UNFORCE_DOWN, 'host': host.name,
            'failure_uuid': host.failure_uuid, 'priority': 1000,
            'max_attempts': self.conf.conductor.returning_host_attempts})
