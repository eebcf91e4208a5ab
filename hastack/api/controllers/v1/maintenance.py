"""/v1/maintenance: the cluster-wide ``ha_maintenance`` switch.

While it is on, the conductor recovers nothing and answers agents'
fencing events with "no-fence" (the slides' ha_maintenance table).
"""

import pecan

from hastack.api.controllers.v1 import utils
from hastack.api.schemas.v1 import maintenance as schema
from hastack.db import api as db_api


def render(status):
    """The API representation of the maintenance switch."""
    return {
        'ha_maintenance': status.ha_maintenance,
        'reason': status.maintenance_reason,
        'updated_by': status.maintenance_updated_by,
        'updated_at': utils.iso(status.maintenance_updated_at),
    }


class MaintenanceController:
    """GET and PUT of the switch."""

    @pecan.expose(generic=True, template='json')
    def index(self):
        """Methods other than GET and PUT."""
        utils.not_allowed('GET', 'PUT')

    @index.when(method='GET', template='json')
    def get(self):
        """GET /v1/maintenance."""
        utils.authorize('hastack:maintenance:get')
        return render(db_api.ha_status_get(utils.context()))

    @index.when(method='PUT', template='json')
    def put(self):
        """PUT /v1/maintenance: switch HA off (true) or on (false)."""
        utils.authorize('hastack:maintenance:update')
        values = utils.body(schema.update)
        status = db_api.maintenance_set(utils.context(),
                                        values['ha_maintenance'],
                                        values.get('reason'))
        return render(status)
