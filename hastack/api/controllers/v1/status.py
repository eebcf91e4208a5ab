"""/v1/status: one summary of HA's state for dashboards and operators."""

import pecan

from hastack.api.controllers.v1 import utils
from hastack.common import states
from hastack.db import api as db_api


class StatusController:
    """GET of the summary."""

    @pecan.expose(generic=True, template='json')
    def index(self):
        """Methods other than GET."""
        utils.not_allowed('GET')

    @index.when(method='GET', template='json')
    def get(self):
        """GET /v1/status: hosts by state, switches, queue, components."""
        utils.authorize('hastack:status:get')
        ctx = utils.context()
        status = db_api.ha_status_get(ctx)
        hosts = db_api.host_count_by_state(ctx)
        tasks = db_api.task_count_by_state(ctx)
        components = db_api.component_list(ctx)
        active = db_api.strategy_get_active(ctx)
        return {
            'hosts': {'total': sum(hosts.values()),
                      'by_state': {s: hosts.get(s, 0)
                                   for s in states.HOST_STATES}},
            'ha_maintenance': status.ha_maintenance,
            'self_defense': {'active': status.self_defense,
                             'since': utils.iso(status.self_defense_since)},
            'active_strategy': {'uuid': active.uuid, 'name': active.name},
            'tasks': {'queue_length': sum(tasks.get(s, 0) for s in
                                          states.TASK_OPEN_STATES),
                      'by_state': {s: tasks.get(s, 0)
                                   for s in states.TASK_STATES}},
            'components': [{'name': c.name, 'status': c.status,
                            'detail': c.detail,
                            'updated_at': utils.iso(c.updated_at or
                                                    c.created_at)}
                           for c in components],
            'unacknowledged_alarms': db_api.event_count_unacknowledged(ctx),
        }
