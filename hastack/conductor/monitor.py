"""The plane monitor: one pass reads the three plane clusters and records
what it saw (design.md section 3).

* A heartbeat key present on a plane -> that plane is ``up`` for the
  host; absent -> ``down``; the cluster unreadable -> ``unknown`` for
  every host, and its component ``etcd-<plane>`` is abnormal, which
  closes the core-components gate (HA suspended).
* The host's state moves as :func:`hoststate.next_state` says.
* The shared storage component is abnormal when many hosts report the
  shared folder unusable or lost their leases (see arbitration).
* Self-defense is evaluated from the counts of down and up hosts.
"""

from oslo_log import log as logging
from oslo_utils import timeutils

from hastack.common import etcd
from hastack.common import settings
from hastack.common import states
from hastack.conductor import hoststate
from hastack.conductor import selfdefense
from hastack.conductor import snapshot
from hastack.db import api as db_api
from hastack.db import recovery

LOG = logging.getLogger(__name__)

STORAGE_COMPONENT = 'shared-storage'


def component_name(plane):
    """The component name of a plane's etcd cluster."""
    return 'etcd-%s' % plane


class Monitor:
    """Reads the planes and records hosts, components and self-defense.

    :param conf: the ConfigOpts.
    :param planes: a :class:`hastack.conductor.planes.Planes`.
    :param keymessages: the :class:`KeyMessages` (for the storage view).
    """

    def __init__(self, conf, planes, keymessages):
        self.conf = conf
        self.planes = planes
        self.keymessages = keymessages

    def run_once(self, context, now=None):
        """One monitor pass.

        :returns: ``{"planes": {plane: ok?}, "hosts": {name: vector}}``.
        """
        now = now or timeutils.utcnow().replace(tzinfo=None)
        seen = self.planes.heartbeats()
        plane_ok = {}
        for plane in states.PLANES:
            result = seen.get(plane)
            ok = not isinstance(result, etcd.PlaneError) and \
                result is not None
            plane_ok[plane] = ok
            recovery.component_report(
                context, component_name(plane), 'ok' if ok else 'abnormal',
                'heartbeats readable' if ok else str(result))
        # Name and state are all this pass reads of the stored hosts.
        known = {h.name: h for h in db_api.host_fields(context, ('state',))}
        names = set(known)
        for plane in states.PLANES:
            if plane_ok[plane]:
                names |= set(seen[plane])
        vectors = {}
        # Hosts that keep their state are written in bulk (one UPDATE per
        # distinct set of values; at 10,000 hosts one transaction per host
        # costs seconds of CPU). A new host or a state change goes
        # through host_observe, with its event, as before.
        unchanged = {}
        for name in sorted(names):
            vector = {}
            planes = {}
            facts = {}
            for plane in states.PLANES:
                if not plane_ok[plane]:
                    status = states.PLANE_UNKNOWN
                elif name in seen[plane]:
                    status = states.PLANE_UP
                    facts = facts or seen[plane][name]
                else:
                    status = states.PLANE_DOWN
                vector[plane] = status
                planes[plane] = (status,
                                 now if status == states.PLANE_UP else None)
            vectors[name] = vector
            host = known.get(name)
            new_state = (hoststate.next_state(host.state, vector)
                         if host is not None else None)
            # One write per host per pass keeps the last-seen times.
            observed = (planes, facts.get('agent_version'),
                        _storage_ok(name, seen, plane_ok))
            if host is None or new_state is not None:
                recovery.host_observe(
                    context, name, observed[0], new_state=new_state,
                    agent_version=observed[1], storage_ok=observed[2])
            else:
                unchanged[name] = observed
        gone = db_api.hosts_observed(
            context, [(n,) + o for n, o in unchanged.items()])
        for name in gone:
            # Deleted since host_list: host_observe registers it again
            # from its heartbeats, as the per-host write always did.
            planes, agent_version, storage_ok = unchanged[name]
            recovery.host_observe(context, name, planes,
                                  agent_version=agent_version,
                                  storage_ok=storage_ok)
        self._storage(context, now)
        name, _, problem = snapshot.active_rules(context)
        recovery.component_report(
            context, snapshot.STRATEGY_COMPONENT,
            'abnormal' if problem else 'ok',
            problem or 'strategy %r in force' % name)
        self._self_defense(context, vectors)
        return {'planes': plane_ok, 'hosts': vectors}

    def _storage(self, context, now):
        abnormal = self.keymessages.storage_abnormal(context, now)
        recovery.component_report(
            context, STORAGE_COMPONENT, 'abnormal' if abnormal else 'ok',
            'many hosts lost their storage leases or their shared folder'
            if abnormal else 'no widespread storage trouble')

    def _self_defense(self, context, vectors):
        effective = settings.values(self.conf,
                                    db_api.settings_get_stored(context))
        status = db_api.ha_status_get(context)
        counted = down = up = 0
        for host in db_api.host_fields(context,
                                       ('ha_enabled', 'maintenance')):
            if not host.ha_enabled or host.maintenance:
                continue
            counted += 1
            summary = hoststate.summarize(vectors.get(host.name, {}))
            down += summary == states.PLANE_DOWN
            up += summary == states.PLANE_UP
        verdict = selfdefense.evaluate(
            status.self_defense, counted, down, up,
            effective['self_defense_ratio'],
            effective['self_recovery_ratio'])
        if verdict.changed:
            LOG.warning('Self-defense %s: %s',
                        'on' if verdict.active else 'off', verdict.reason)
            recovery.self_defense_set(context, verdict.active,
                                      verdict.reason)


def _storage_ok(name, seen, plane_ok):
    """What the host's heartbeats say of its shared folder."""
    said = [seen[p][name].get('storage_ok') for p in states.PLANES
            if plane_ok[p] and name in seen[p]]
    said = [s for s in said if isinstance(s, bool)]
    if not said:
        return None
    return all(said)
