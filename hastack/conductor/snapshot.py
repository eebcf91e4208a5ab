"""Read the stored state into the inputs of the decision function.

The conductor (to act) and the API (for a dry run) both build the views
here, so an operator's "what would HA do" answer comes from exactly the
inputs the conductor uses.
"""

import json

from hastack import conf
from hastack.common import settings
from hastack.common import states
from hastack.conductor import decision
from hastack.db import api as db_api

CONF = conf.CONF


def host_view(host):
    """A :class:`decision.HostView` of a Host row."""
    return decision.HostView(
        name=host.name, state=host.state, state_since=host.state_since,
        ha_enabled=host.ha_enabled, maintenance=host.maintenance,
        planes={p: getattr(host, '%s_status' % p) for p in states.PLANES},
        fence_grant_until=host.fence_grant_until)


def cluster_view(context):
    """A :class:`decision.ClusterView` of the stored cluster state."""
    status = db_api.ha_status_get(context)
    active = db_api.strategy_get_active(context)
    effective = settings.values(CONF, db_api.settings_get_stored(context))
    return decision.ClusterView(
        ha_maintenance=status.ha_maintenance,
        self_defense=status.self_defense,
        components={c.name: c.status for c in db_api.component_list(context)},
        rules=tuple(json.loads(active.rules)),
        strategy_name=active.name,
        grace=effective['grace_period'])
