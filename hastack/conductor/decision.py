"""The HA decision for one host: a pure function of the stored state.

The conductor calls :func:`decide` on every monitor cycle to act, and the
API calls the same function for ``GET /v1/hosts/{host}/decision`` to show
an operator what HA would do now and why, without acting. Nothing here
reads a clock, a database or the network: the caller passes ``now``.

Safety: the only answer that leads to recovery is ``ACTION_RECOVER``, and
it requires every gate to be open, a strategy rule that says recover, no
'unknown' plane, and the host suspect for at least ``grace`` seconds
(design.md sections 3, 4 and 6).
"""

import dataclasses
import datetime

from hastack.common import states
from hastack.conductor import strategy

# What HA does for the host now.
ACTION_NONE = 'none'            # every plane up: nothing to do
ACTION_NO_RECOVER = 'no_recover'  # the rule for this vector says no
ACTION_WAIT = 'wait'            # recover rule matches, grace not over yet
ACTION_RECOVER = 'recover'      # declare the host failed and recover it
ACTION_BLOCKED = 'blocked'      # a gate is closed: HA will not act
ACTION_IN_PROGRESS = 'in_progress'  # a recovery for this failure runs
ACTION_UNDECIDABLE = 'undecidable'  # a plane's status is unknown

COMPONENT_OK = 'ok'

# Host states in which a recovery for the current failure already exists.
_RECOVERY_STATES = (states.HOST_FAILED, states.HOST_FENCING,
                    states.HOST_FENCED, states.HOST_RECOVERING,
                    states.HOST_RECOVERED)


@dataclasses.dataclass(frozen=True)
class HostView:
    """What the decision needs to know of a host."""

    name: str
    state: str
    state_since: datetime.datetime
    ha_enabled: bool
    maintenance: bool
    planes: dict  # plane name -> 'up' | 'down' | 'unknown'
    # A "no-fence" grant to the host stands until then (naive UTC).
    fence_grant_until: datetime.datetime | None = None


@dataclasses.dataclass(frozen=True)
class ClusterView:
    """What the decision needs to know of the whole cluster."""

    ha_maintenance: bool
    self_defense: bool
    components: dict  # component name -> 'ok' | 'abnormal' | 'unknown'
    rules: tuple      # the active strategy's validated rules
    strategy_name: str
    grace: float      # seconds


@dataclasses.dataclass(frozen=True)
class Gate:
    """One condition that must hold for HA to act."""

    name: str
    open: bool
    detail: str


@dataclasses.dataclass(frozen=True)
class Decision:
    """The outcome of :func:`decide`, with everything that led to it."""

    host: str
    vector: dict
    strategy: str
    rule: dict | None
    gates: tuple
    action: str
    reason: str
    # When the grace period ends (only meaningful for ACTION_WAIT).
    recover_at: datetime.datetime | None = None

    def as_dict(self):
        """A JSON-ready rendering, as the API returns it."""
        return {
            'host': self.host,
            'vector': dict(self.vector),
            'strategy': self.strategy,
            'rule': dict(self.rule) if self.rule else None,
            'gates': [dataclasses.asdict(g) for g in self.gates],
            'action': self.action,
            'reason': self.reason,
            'recover_at': (self.recover_at.isoformat()
                           if self.recover_at else None),
        }


def evaluate_gates(host, cluster, now):
    """Every gate that must be open for HA to recover ``host``.

    :param host: a :class:`HostView`.
    :param cluster: a :class:`ClusterView`.
    :param now: naive UTC now (a fencing grant ends at a time).
    :returns: a tuple of :class:`Gate`, in a fixed order.
    """
    # SAFETY: a standing "no-fence" grant means the host keeps its lease
    # holders running; recovering them elsewhere would run them twice
    # (design.md section 5). The gate holds until the grant's end.
    granted = (host.fence_grant_until is not None and
               host.fence_grant_until > now)
    bad_components = sorted(name for name, status
                            in cluster.components.items()
                            if status != COMPONENT_OK)
    unknown_planes = [p for p in states.PLANES
                      if host.planes.get(p) == states.PLANE_UNKNOWN]
    core_detail = 'all core components healthy'
    if bad_components:
        core_detail = 'abnormal: %s' % ', '.join(
            '%s=%s' % (n, cluster.components[n]) for n in bad_components)
    elif unknown_planes:
        core_detail = ('plane status unknown for %s'
                       % ', '.join(unknown_planes))
    return (
        Gate('ha_maintenance', not cluster.ha_maintenance,
             'ha_maintenance is on: HA is switched off'
             if cluster.ha_maintenance else 'ha_maintenance is off'),
        Gate('self_defense', not cluster.self_defense,
             'self-defense holds: too many hosts look down at once'
             if cluster.self_defense else 'self-defense is not active'),
        Gate('core_components', not bad_components and not unknown_planes,
             core_detail),
        Gate('host_ha_enabled', host.ha_enabled,
             'HA is enabled on the host' if host.ha_enabled
             else 'HA is disabled on the host'),
        Gate('host_maintenance', not host.maintenance,
             'the host is in maintenance' if host.maintenance
             else 'the host is not in maintenance'),
        Gate('fencing_grant', not granted,
             'a no-fence grant to the host stands until %s'
             % host.fence_grant_until.isoformat() if granted
             else 'no no-fence grant stands'),
    )


def decide(host, cluster, now):
    """Decide what HA does for ``host`` at ``now``.

    :param host: a :class:`HostView`.
    :param cluster: a :class:`ClusterView`.
    :param now: a naive UTC datetime, the decision's "now".
    :returns: a :class:`Decision`.
    """
    vector = {p: host.planes.get(p, states.PLANE_UNKNOWN)
              for p in states.PLANES}
    gates = evaluate_gates(host, cluster, now)
    closed = [g for g in gates if not g.open]
    rule = strategy.rule_for(cluster.rules, strategy.vector_of(vector))

    def result(action, reason, recover_at=None):
        return Decision(host=host.name, vector=vector,
                        strategy=cluster.strategy_name, rule=rule,
                        gates=gates, action=action, reason=reason,
                        recover_at=recover_at)

    if host.state in _RECOVERY_STATES:
        return result(ACTION_IN_PROGRESS,
                      'the host is %s: the recovery of its current failure '
                      'is already under way or done' % host.state)
    if not cluster.rules:
        # No usable strategy (snapshot.active_rules): nothing to decide by.
        return result(ACTION_BLOCKED,
                      'HA will not act: %s'
                      % '; '.join(g.detail for g in closed) if closed else
                      'HA will not act: no usable active strategy')
    if rule is None:
        return result(ACTION_UNDECIDABLE,
                      'plane status unknown (%s): no rule applies and HA '
                      'waits until every plane cluster answers'
                      % _describe(vector))
    if not rule['recover']:
        if all(s == states.PLANE_UP for s in vector.values()):
            return result(ACTION_NONE, 'every plane is up')
        return result(ACTION_NO_RECOVER,
                      'strategy %r says not to recover %s'
                      % (cluster.strategy_name, _describe(vector)))
    if closed:
        return result(ACTION_BLOCKED,
                      'strategy %r says to recover %s, but HA will not act: '
                      '%s' % (cluster.strategy_name, _describe(vector),
                              '; '.join(g.detail for g in closed)))
    # NOTE(hastack): grace counts from the moment the host became suspect.
    # A host still recorded 'active' has not been seen down by a monitor
    # cycle yet, so its whole grace period is still ahead of it.
    since = host.state_since if host.state == states.HOST_SUSPECT else now
    recover_at = since + datetime.timedelta(seconds=cluster.grace)
    if now < recover_at:
        return result(ACTION_WAIT,
                      'strategy %r says to recover %s; waiting for the '
                      'grace period (%ss) to end at %s'
                      % (cluster.strategy_name, _describe(vector),
                         _seconds(cluster.grace), recover_at.isoformat()),
                      recover_at)
    return result(ACTION_RECOVER,
                  'strategy %r says to recover %s, the grace period (%ss) '
                  'is over and every gate is open'
                  % (cluster.strategy_name, _describe(vector),
                     _seconds(cluster.grace)), recover_at)


def _describe(vector):
    return ', '.join('%s=%s' % (p, vector[p]) for p in states.PLANES)


def _seconds(value):
    return int(value) if float(value).is_integer() else value
