"""HaStack's Nova client, configured by the [nova] options.

HaStack acts on Nova with its own service user, after its own policy has
decided that the caller may ask for the change.
"""

import threading

from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import loading as ks_loading
from novaclient import client as nova_client
from novaclient import exceptions as nova_exc
from oslo_log import log as logging

from hastack import conf
from hastack.common import exception
from hastack.common import states
from hastack.conf import nova as nova_conf

CONF = conf.CONF
LOG = logging.getLogger(__name__)

# Metadata calls exist in every compute API version; 2.1 is the base.
_METADATA_VERSION = '2.1'

_lock = threading.Lock()
_session = None


def is_configured():
    """Whether HaStack talks to Nova (``[nova] auth_type`` is set)."""
    return bool(CONF.nova.auth_type)


def reset():
    """Forget the cached session (tests, or after a config reload)."""
    global _session
    with _lock:
        _session = None


def _get_session():
    global _session
    with _lock:
        if _session is None:
            auth = ks_loading.load_auth_from_conf_options(
                CONF, nova_conf.GROUP)
            _session = ks_loading.load_session_from_conf_options(
                CONF, nova_conf.GROUP, auth=auth)
        return _session


def client(version=_METADATA_VERSION):
    """A novaclient Client at microversion ``version``."""
    group = CONF.nova
    return nova_client.Client(
        version, session=_get_session(),
        service_type=group.service_type,
        interface=(group.valid_interfaces or ['public'])[0],
        region_name=group.region_name,
        endpoint_override=group.endpoint_override)


def set_ha_flag(instance_uuid, enabled):
    """Write an instance's HA flag into its Nova server metadata.

    The key is ``HA_Enabled`` with the value ``True`` or ``False``, as
    Masakari reads it, so images and templates made for it keep working.

    :raises InstanceNotFound: Nova has no such server.
    :raises NovaUnavailable: Nova could not be reached or refused.
    """
    value = 'True' if enabled else 'False'
    try:
        client().servers.set_meta(instance_uuid,
                                  {states.HA_METADATA_KEY: value})
    except nova_exc.NotFound:
        raise exception.InstanceNotFound(instance=instance_uuid)
    except (nova_exc.ClientException, ks_exc.ClientException) as e:
        LOG.warning('Could not set %s=%s on server %s: %s',
                    states.HA_METADATA_KEY, value, instance_uuid, e)
        raise exception.NovaUnavailable(detail=str(e))
