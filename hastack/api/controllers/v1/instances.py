"""/v1/instances: which instances are HA-enabled, and their priority.

The HA flag follows the Nova server metadata key ``HA_Enabled``: a change
here is written to Nova too (when ``[nova]`` is configured).

Project scoped: a project's readers see its instances, its members change
them; admins see every project's.
"""

import pecan

from hastack.api import listing
from hastack.api.controllers.v1 import utils
from hastack.api.schemas.v1 import instances as schema
from hastack.common import nova
from hastack.db import api as db_api

ALL_PROJECTS = 'hastack:instance:list:all_projects'


# The Instance columns render() reads: a list page fetches only these.
RENDERED = ('uuid', 'name', 'project_id', 'host', 'status', 'ha_enabled',
            'priority', 'created_at', 'updated_at')


def render(instance):
    """The API representation of an Instance row (an Instance, or a light
    row of :data:`RENDERED`)."""
    return {
        'uuid': instance.uuid,
        'name': instance.name,
        'project_id': instance.project_id,
        'host': instance.host,
        'status': instance.status,
        'ha_enabled': instance.ha_enabled,
        'priority': instance.priority,
        'created_at': utils.iso(instance.created_at),
        'updated_at': utils.iso(instance.updated_at),
    }


class InstanceController:
    """One instance, by uuid."""

    def __init__(self, uuid):
        self.uuid = uuid

    @pecan.expose(generic=True, template='json')
    def index(self):
        """Methods other than GET and PATCH."""
        utils.not_allowed('GET', 'PATCH')

    @index.when(method='GET', template='json')
    def get(self):
        """GET /v1/instances/{uuid}."""
        return render(utils.get_visible(db_api.instance_get, self.uuid,
                                        ALL_PROJECTS, 'hastack:instance:get'))

    @index.when(method='PATCH', template='json')
    def patch(self):
        """PATCH /v1/instances/{uuid}: ha_enabled and priority."""
        instance = utils.get_visible(db_api.instance_get, self.uuid,
                                     ALL_PROJECTS, 'hastack:instance:update')
        values = utils.body(schema.update)
        if (nova.is_configured() and 'ha_enabled' in values and
                values['ha_enabled'] != instance.ha_enabled):
            # NOTE(hastack): Nova's server metadata is where the flag lives
            # (users set it with --property HA_Enabled=True); write it there
            # first, so a Nova failure changes nothing, and the conductor's
            # sync from Nova can never undo the change.
            nova.set_ha_flag(self.uuid, values['ha_enabled'])
        return render(db_api.instance_update(utils.context(), self.uuid,
                                             values))


class InstancesController:
    """The instance collection."""

    @pecan.expose(generic=True, template='json')
    def index(self):
        """Methods other than GET."""
        utils.not_allowed('GET')

    @index.when(method='GET', template='json')
    def get_all(self):
        """GET /v1/instances with filters, paging and sorting."""
        ctx = utils.context()
        utils.authorize('hastack:instance:list')
        params = utils.query(schema.list_query)
        page = listing.page_args(params, 'created_at')
        filters = utils.scoped_filters(params, ALL_PROJECTS)
        rows = ([] if filters is None
                else db_api.instance_list(ctx, filters, columns=RENDERED,
                                          **page))
        return listing.collection('instances', [render(i) for i in rows],
                                  params, page, lambda i: i['uuid'])

    @pecan.expose()
    def _lookup(self, uuid, *remainder):
        return InstanceController(uuid), remainder
