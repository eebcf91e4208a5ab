"""API v1: one controller module per resource."""

import pecan

from hastack.api import listing
from hastack.api import microversion
from hastack.api import openapi
from hastack.api.controllers.v1 import events
from hastack.api.controllers.v1 import hosts
from hastack.api.controllers.v1 import instances
from hastack.api.controllers.v1 import maintenance
from hastack.api.controllers.v1 import settings
from hastack.api.controllers.v1 import status
from hastack.api.controllers.v1 import strategies
from hastack.api.controllers.v1 import tasks
from hastack.api.controllers.v1 import utils

RESOURCES = ('hosts', 'instances', 'strategies', 'maintenance', 'settings',
             'tasks', 'events', 'status')


def version_document(base):
    """The description of API v1, as ``/`` and ``/v1`` show it."""
    return {
        'id': 'v1.0',
        'status': 'CURRENT',
        'min_version': microversion.MIN_VERSION,
        'version': microversion.MAX_VERSION,
        'links': [{'rel': 'self', 'href': '%s/v1' % base},
                  {'rel': 'describedby', 'type': 'application/json',
                   'href': '%s/v1/openapi.json' % base}],
        'media-types': [{'base': 'application/json',
                         'type': 'application/vnd.openstack.'
                                 'high-availability-v1+json'}],
    }


class V1Controller:
    """The root of /v1."""

    hosts = hosts.HostsController()
    instances = instances.InstancesController()
    strategies = strategies.StrategiesController()
    maintenance = maintenance.MaintenanceController()
    settings = settings.SettingsController()
    tasks = tasks.TasksController()
    events = events.EventsController()
    status = status.StatusController()

    @pecan.expose(generic=True, template='json')
    def index(self):
        """Methods other than GET."""
        utils.not_allowed('GET')

    @index.when(method='GET', template='json')
    def get(self):
        """GET /v1: this version and links to its resources."""
        base = listing.base_url()
        doc = version_document(base)
        doc['resources'] = {r: {'href': '%s/v1/%s' % (base, r)}
                            for r in RESOURCES}
        return {'version': doc}

    @pecan.expose(generic=True, template='json')
    def _openapi(self):
        """Methods other than GET."""
        utils.not_allowed('GET')

    @_openapi.when(method='GET', template='json')
    def _openapi_get(self):
        """GET /v1/openapi.json: the API reference, built from the
        schemas."""
        return openapi.document(listing.base_url())


# NOTE(hastack): "openapi.json" is not a Python name; pecan routes by
# attribute, so the handler is attached under that name.
setattr(V1Controller, 'openapi.json', V1Controller._openapi)
