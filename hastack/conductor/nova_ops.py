"""What the conductor asks of Nova: force a compute service down or up,
read a server, evacuate it, list the servers for the instance sync.

Every call goes through :func:`hastack.common.nova.client` (the
keystoneauth ``[nova]`` section). Errors come back as two exceptions: Nova
refused the request (:class:`NovaRefused`, a 4xx: retrying may help once
the cloud changes, e.g. a host comes back), or could not be reached or
failed (:class:`hastack.common.exception.NovaUnavailable`).
"""

from keystoneauth1 import exceptions as ks_exc
from novaclient import exceptions as nova_exc

from hastack.common import exception
from hastack.common import nova
from hastack.common import states

# NOTE(hastack): 2.53 is the first version that forces a service down by
# its id; from 2.95 on an evacuated ACTIVE server ends SHUTOFF. 2.94 keeps
# ACTIVE servers ACTIVE and SHUTOFF ones SHUTOFF (Nova stops a server
# rebuilt from a stopped one) and needs no on_shared_storage flag (2.14+).
MICROVERSION = '2.94'


class NovaRefused(exception.HastackException):
    """Nova answered the request with a client error (4xx)."""

    msg_fmt = 'Nova refused: %(detail)s'
    code = 'hastack.nova.refused'


def _call(what, func, *args, **kwargs):
    try:
        return func(*args, **kwargs)
    except nova_exc.NotFound:
        raise
    except (nova_exc.BadRequest, nova_exc.Conflict,
            nova_exc.Forbidden) as e:
        raise NovaRefused(detail='%s: %s' % (what, e))
    except (nova_exc.ClientException, ks_exc.ClientException) as e:
        raise exception.NovaUnavailable(detail='%s: %s' % (what, e))


def _client():
    return nova.client(MICROVERSION)


def compute_service(host):
    """The nova-compute service record of ``host``, or None."""
    services = _call('list services of %s' % host,
                     _client().services.list, host=host,
                     binary='nova-compute')
    return services[0] if services else None


def set_forced_down(host, forced):
    """Force ``host``'s nova-compute down (or clear it).

    :returns: False when Nova has no nova-compute on ``host``.
    :raises NovaRefused: e.g. force-up while evacuated guests are not
        cleaned up yet on the returning host.
    """
    service = compute_service(host)
    if service is None:
        return False
    _call('force %s %s' % (host, 'down' if forced else 'up'),
          _client().services.force_down, service.id, forced)
    return True


def describe(server):
    """The facts HA needs of a novaclient Server."""
    metadata = getattr(server, 'metadata', None) or {}
    return {
        'uuid': server.id,
        'name': getattr(server, 'name', None),
        'project_id': getattr(server, 'tenant_id', None),
        'host': getattr(server, 'OS-EXT-SRV-ATTR:host', None),
        'status': getattr(server, 'status', None),
        'task_state': getattr(server, 'OS-EXT-STS:task_state', None),
        'ha_enabled': str(metadata.get(states.HA_METADATA_KEY, '')
                          ).strip().lower() in ('true', '1', 'yes', 'on'),
    }


def get_server(uuid):
    """One server's facts (:func:`describe`), or None when deleted."""
    try:
        server = _call('get server %s' % uuid, _client().servers.get, uuid)
    except nova_exc.NotFound:
        return None
    return describe(server)


def evacuate(uuid):
    """Ask Nova to evacuate a server; the scheduler picks the host."""
    try:
        _call('evacuate %s' % uuid, _client().servers.evacuate, uuid)
    except nova_exc.NotFound:
        raise NovaRefused(detail='server %s no longer exists' % uuid)


def evacuations(uuid, source):
    """Nova's evacuation records of a server away from ``source``.

    :returns: ``[{"status", "dest_compute", "created_at"}]``, oldest
        first.
    """
    migrations = _call('list evacuations of %s' % uuid,
                       _client().migrations.list, instance_uuid=uuid,
                       migration_type='evacuation')
    return sorted(({'status': m.status, 'dest_compute': m.dest_compute,
                    'created_at': m.created_at}
                   for m in migrations if m.source_compute == source),
                  key=lambda m: m['created_at'])


def list_servers():
    """Every server of every project, as :func:`describe` facts."""
    servers = _call('list servers', _client().servers.list, detailed=True,
                    search_opts={'all_tenants': True}, limit=-1)
    return [describe(s) for s in servers]


def servers_on(host):
    """The servers Nova places on ``host``."""
    servers = _call('list servers of %s' % host, _client().servers.list,
                    detailed=True,
                    search_opts={'all_tenants': True, 'host': host},
                    limit=-1)
    return [describe(s) for s in servers]
