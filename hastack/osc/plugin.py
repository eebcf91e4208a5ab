"""OpenStackClient plugin of HaStack: ``openstack ha ...``.

Loaded through the ``openstack.cli.extension`` entry point ``hastack``;
its commands are in the ``openstack.hastack.v1`` group. (python-
masakariclient registers the API name ``ha``; ours is ``hastack``, so both
plugins load side by side, and every HaStack command starts with ``ha``.)

The API microversion is chosen with ``--os-hastack-api-version`` or
``OS_HASTACK_API_VERSION`` (``1.0``, ...). The endpoint is the
``high-availability`` service of the Keystone catalog, unless
``high_availability_endpoint_override`` (clouds.yaml) or
``OS_HIGH_AVAILABILITY_ENDPOINT_OVERRIDE`` names another.
"""

import re

from keystoneauth1 import exceptions as ksa_exceptions
from osc_lib import exceptions
from osc_lib import utils

from hastack.osc import client

API_NAME = 'hastack'
API_VERSION_OPTION = 'os_hastack_api_version'
DEFAULT_API_VERSION = client.MAX_VERSION
# The versions this client was written against; others of major version 1
# are sent as asked and the API says whether it serves them.
API_VERSIONS = ('1.0',)
SERVICE_TYPE = client.SERVICE_TYPE

_VERSION = re.compile(r'^1\.(0|[1-9][0-9]*)$')


def check_api_version(check_version):
    """Validate the API version the user asked for.

    OpenStackClient calls this with the value of
    ``--os-hastack-api-version``; the command group it then loads is named
    after the major version, so only ``1.N`` can work.

    :param check_version: the version string.
    :returns: True: the version was checked here (OpenStackClient skips its
        own check against ``API_VERSIONS``).
    :raises osc_lib.exceptions.CommandError: not a ``1.N`` version.
    """
    if not _VERSION.match(str(check_version)):
        raise exceptions.CommandError(
            'Invalid --os-hastack-api-version %r: HaStack API versions are '
            '1.N (this client knows up to %s).'
            % (check_version, client.MAX_VERSION))
    return True


def make_client(instance):
    """Build the HaStack client for OpenStackClient's ClientManager.

    :param instance: the ``osc_lib.clientmanager.ClientManager``.
    :returns: a :class:`hastack.osc.client.Client`.
    :raises osc_lib.exceptions.CommandError: the catalog has no
        ``high-availability`` endpoint.
    """
    version = instance._api_version.get(API_NAME, DEFAULT_API_VERSION)
    try:
        endpoint = instance.get_endpoint_for_service_type(
            SERVICE_TYPE, region_name=instance.region_name,
            interface=instance.interface)
    except ksa_exceptions.EndpointNotFound:
        endpoint = None
    if not endpoint:
        raise exceptions.CommandError(
            'No %s endpoint in the service catalog (region %s, interface '
            '%s): register HaStack in Keystone or set '
            'high_availability_endpoint_override.'
            % (SERVICE_TYPE, instance.region_name or 'any',
               instance.interface or 'public'))
    return client.Client(instance.session, endpoint, api_version=version)


def build_option_parser(parser):
    """Add HaStack's global options to OpenStackClient's parser.

    :param parser: the ``argparse.ArgumentParser`` of ``openstack``.
    :returns: the same parser.
    """
    parser.add_argument(
        '--os-hastack-api-version',
        metavar='<hastack-api-version>',
        default=utils.env('OS_HASTACK_API_VERSION',
                          default=DEFAULT_API_VERSION),
        help='HaStack API microversion, 1.N (default: %s; Env: '
             'OS_HASTACK_API_VERSION)' % DEFAULT_API_VERSION)
    return parser
