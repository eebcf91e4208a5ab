"""/v1/hosts: the compute hosts HaStack watches, and their HA decision."""

from oslo_utils import timeutils
import pecan

from hastack.api import listing
from hastack.api.controllers.v1 import utils
from hastack.api.schemas.v1 import hosts as schema
from hastack.common import exception
from hastack.common import states
from hastack.conductor import decision
from hastack.conductor import snapshot
from hastack.db import api as db_api

# The Host columns render() reads: a list page fetches only these.
RENDERED = ('uuid', 'name', 'state', 'state_since', 'ha_enabled',
            'maintenance', 'maintenance_reason') + tuple(
    '%s_%s' % (p, c) for p in states.PLANES
    for c in ('status', 'last_seen')) + (
    'failure_uuid', 'agent_version', 'created_at', 'updated_at')

_PLANE_COLUMNS = tuple((p, '%s_status' % p, '%s_last_seen' % p)
                       for p in states.PLANES)


def render(host):
    """The API representation of a Host row (a Host, or a light row of
    :data:`RENDERED`)."""
    iso = utils.iso
    return {
        'uuid': host.uuid,
        'name': host.name,
        'state': host.state,
        'state_since': iso(host.state_since),
        'ha_enabled': host.ha_enabled,
        'maintenance': host.maintenance,
        'maintenance_reason': host.maintenance_reason,
        'planes': {p: {'status': getattr(host, status),
                       'last_seen': iso(getattr(host, last_seen))}
                   for p, status, last_seen in _PLANE_COLUMNS},
        'failure_uuid': host.failure_uuid,
        'agent_version': host.agent_version,
        'created_at': iso(host.created_at),
        'updated_at': iso(host.updated_at),
    }


class HostController:
    """One host, by name or uuid."""

    def __init__(self, ident):
        self.ident = ident

    @pecan.expose(generic=True, template='json')
    def index(self):
        """Methods other than GET, PATCH and DELETE."""
        utils.not_allowed('GET', 'PATCH', 'DELETE')

    @index.when(method='GET', template='json')
    def get(self):
        """GET /v1/hosts/{host}."""
        utils.authorize('hastack:host:get')
        return render(db_api.host_get(utils.context(), self.ident))

    @index.when(method='PATCH', template='json')
    def patch(self):
        """PATCH /v1/hosts/{host}: ha_enabled, maintenance (with reason)."""
        utils.authorize('hastack:host:update')
        values = utils.body(schema.update)
        return render(db_api.host_update(utils.context(), self.ident,
                                         values))

    @index.when(method='DELETE', template='json')
    def delete(self):
        """DELETE /v1/hosts/{host}: only without open tasks."""
        utils.authorize('hastack:host:delete')
        db_api.host_delete(utils.context(), self.ident)
        return utils.no_content()

    @pecan.expose(generic=True, template='json')
    def decision(self):
        """Methods other than GET."""
        utils.not_allowed('GET')

    @decision.when(method='GET', template='json')
    def get_decision(self):
        """GET /v1/hosts/{host}/decision: what HA would do now, and why."""
        utils.authorize('hastack:host:decision')
        ctx = utils.context()
        host = db_api.host_get(ctx, self.ident)
        now = timeutils.utcnow().replace(tzinfo=None)
        result = decision.decide(snapshot.host_view(host),
                                 snapshot.cluster_view(ctx), now)
        doc = result.as_dict()
        doc['evaluated_at'] = utils.iso(now)
        doc['recover_at'] = utils.iso(result.recover_at)
        return doc


class HostsController:
    """The host collection."""

    @pecan.expose(generic=True, template='json')
    def index(self):
        """Methods other than GET and POST."""
        utils.not_allowed('GET', 'POST')

    @index.when(method='GET', template='json')
    def get_all(self):
        """GET /v1/hosts with filters, paging and sorting."""
        utils.authorize('hastack:host:list')
        params = utils.query(schema.list_query)
        page = listing.page_args(params, 'name')
        filters = listing.filters(params)
        rows = db_api.host_list(utils.context(), filters,
                                columns=RENDERED, **page)
        return listing.collection('hosts', [render(h) for h in rows],
                                  params, page, lambda h: h['uuid'])

    @index.when(method='POST', template='json')
    def post(self):
        """POST /v1/hosts: pre-register a host."""
        utils.authorize('hastack:host:create')
        values = utils.body(schema.create)
        if values.get('maintenance_reason') and not values.get('maintenance'):
            raise exception.Invalid(
                detail='maintenance_reason goes with "maintenance": true')
        host = db_api.host_create(utils.context(), values)
        utils.created('/v1/hosts/%s' % host.uuid)
        return render(host)

    @pecan.expose()
    def _lookup(self, ident, *remainder):
        return HostController(ident), remainder
