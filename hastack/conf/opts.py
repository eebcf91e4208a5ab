"""The option list for oslo-config-generator, in alphabetical group order."""

from oslo_middleware import cors

from hastack.conf import agent
from hastack.conf import api
from hastack.conf import conductor
from hastack.conf import database
from hastack.conf import default
from hastack.conf import fitlock
from hastack.conf import ha
from hastack.conf import nova


def list_opts():
    """Every HaStack option by group, for the sample config generator.

    :returns: a list of ``(group, [opts])`` pairs.
    """
    return [
        ('DEFAULT', default.opts),
        (agent.group, agent.opts),
        (api.group, api.opts),
        (conductor.group, conductor.opts),
        (fitlock.group, fitlock.opts),
        (ha.group, ha.opts),
        (nova.group, nova.list_opts()),
    ] + database.list_opts() + agent.list_opts()[1:]


def set_defaults():
    """Set HaStack's defaults on options owned by libraries (CORS)."""
    cors.set_defaults(
        allow_headers=['X-Auth-Token', 'X-OpenStack-Request-ID',
                       'X-Identity-Status', 'X-Roles', 'X-Service-Catalog',
                       'X-User-Id', 'X-Tenant-Id', 'OpenStack-API-Version'],
        expose_headers=['X-Auth-Token', 'X-OpenStack-Request-ID',
                        'X-Subject-Token', 'X-Service-Token',
                        'OpenStack-API-Version', 'Vary'],
        allow_methods=['GET', 'PUT', 'POST', 'DELETE', 'PATCH'])
