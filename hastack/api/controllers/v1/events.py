"""/v1/events: events and alarms, with acknowledgement."""

import pecan

from hastack.api import listing
from hastack.api.controllers.v1 import utils
from hastack.api.schemas.v1 import events as schema
from hastack.db import api as db_api

ALL_PROJECTS = 'hastack:event:list:all_projects'


def render(event):
    """The API representation of an Event row."""
    return {
        'uuid': event.uuid,
        'severity': event.severity,
        'type': event.type,
        'host': event.host,
        'instance_uuid': event.instance_uuid,
        'project_id': event.project_id,
        'message': event.message,
        'request_id': event.request_id,
        'acknowledged': event.acknowledged,
        'acknowledged_by': event.acknowledged_by,
        'acknowledged_at': utils.iso(event.acknowledged_at),
        'created_at': utils.iso(event.created_at),
    }


class EventController:
    """One event, by uuid."""

    def __init__(self, uuid):
        self.uuid = uuid

    @pecan.expose(generic=True, template='json')
    def index(self):
        """Methods other than GET."""
        utils.not_allowed('GET')

    @index.when(method='GET', template='json')
    def get(self):
        """GET /v1/events/{uuid}."""
        return render(utils.get_visible(db_api.event_get, self.uuid,
                                        ALL_PROJECTS, 'hastack:event:get'))

    @pecan.expose(generic=True, template='json')
    def ack(self):
        """Methods other than POST."""
        utils.not_allowed('POST')

    @ack.when(method='POST', template='json')
    def ack_post(self):
        """POST /v1/events/{uuid}/ack: an operator has seen it."""
        utils.authorize('hastack:event:ack')
        return render(db_api.event_ack(utils.context(), self.uuid))


class EventsController:
    """The event collection, newest first by default."""

    @pecan.expose(generic=True, template='json')
    def index(self):
        """Methods other than GET."""
        utils.not_allowed('GET')

    @index.when(method='GET', template='json')
    def get_all(self):
        """GET /v1/events with filters, paging and sorting."""
        utils.authorize('hastack:event:list')
        params = utils.query(schema.list_query)
        page = listing.page_args(params, 'created_at', 'desc')
        filters = utils.scoped_filters(params, ALL_PROJECTS)
        rows = ([] if filters is None
                else db_api.event_list(utils.context(), filters, **page))
        return listing.collection('events', [render(e) for e in rows],
                                  params, page, lambda e: e['uuid'])

    @pecan.expose()
    def _lookup(self, uuid, *remainder):
        return EventController(uuid), remainder
