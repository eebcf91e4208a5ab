"""Read the stored state into the inputs of the decision function.

The conductor (to act) and the API (for a dry run) both build the views
here, so an operator's "what would HA do" answer comes from exactly the
inputs the conductor uses.
"""

import json

from hastack import conf
from hastack.common import exception
from hastack.common import settings
from hastack.common import states
from hastack.conductor import decision
from hastack.conductor import strategy
from hastack.db import api as db_api

CONF = conf.CONF


# The Host columns host_view reads: a pass over every host loads only
# these (db_api.host_fields); keep the two in step.
HOST_VIEW_FIELDS = ('name', 'state', 'state_since', 'ha_enabled',
                    'maintenance') + tuple(
    '%s_status' % p for p in states.PLANES) + ('fence_grant_until',)


def host_view(host):
    """A :class:`decision.HostView` of a Host row (or of a
    ``db_api.host_fields`` row with :data:`HOST_VIEW_FIELDS`)."""
    return decision.HostView(
        name=host.name, state=host.state, state_since=host.state_since,
        ha_enabled=host.ha_enabled, maintenance=host.maintenance,
        planes={p: getattr(host, '%s_status' % p) for p in states.PLANES},
        fence_grant_until=host.fence_grant_until)


# The pseudo-component that is abnormal when the active strategy cannot
# be used (its row vanished or its rules no longer validate).
STRATEGY_COMPONENT = 'active-strategy'


def active_rules(context):
    """``(name, rules, problem)`` of the active strategy.

    A strategy row that vanished (deleted behind the API's back) or whose
    rules no longer validate gives no rules and a problem text: HA must
    then not act rather than guess.
    """
    try:
        active = db_api.strategy_get_active(context)
    except exception.StrategyNotFound:
        return '<missing>', (), 'the active strategy no longer exists'
    try:
        rules = strategy.validate_rules(json.loads(active.rules))
    except (ValueError, TypeError, KeyError,
            exception.InvalidStrategy) as e:
        return active.name, (), ('strategy %r has unusable rules: %s'
                                 % (active.name, e))
    return active.name, tuple(rules), None


def cluster_view(context):
    """A :class:`decision.ClusterView` of the stored cluster state."""
    status = db_api.ha_status_get(context)
    name, rules, problem = active_rules(context)
    effective = settings.values(CONF, db_api.settings_get_stored(context))
    components = {c.name: c.status for c in db_api.component_list(context)}
    if problem:
        components[STRATEGY_COMPONENT] = 'abnormal'
    return decision.ClusterView(
        ha_maintenance=status.ha_maintenance,
        self_defense=status.self_defense,
        components=components,
        rules=rules,
        strategy_name=name,
        grace=effective['grace_period'])
