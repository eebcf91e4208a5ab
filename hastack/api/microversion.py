"""API microversions of the ``high-availability`` service type.

A client asks for a version with ``OpenStack-API-Version:
high-availability X.Y``; without the header it gets the minimum, with
``latest`` the maximum. Every response names the version it was served at.
"""

import microversion_parse

from hastack.common import exception

SERVICE_TYPE = 'high-availability'
HEADER = 'OpenStack-API-Version'

# The version history, oldest first; each line says what it added. The
# document at doc/source/api-version-history.rst repeats it for readers.
VERSIONS = (
    '1.0',  # Hosts, decisions, instances, strategies, maintenance,
            # settings, tasks, events and status.
)
MIN_VERSION = VERSIONS[0]
MAX_VERSION = VERSIONS[-1]

ENVIRON_KEY = 'hastack.microversion'


def parse(environ):
    """The microversion a request asks for.

    :param environ: the WSGI environ.
    :returns: a ``microversion_parse.Version``.
    :raises InvalidSchema: the header is not a version.
    :raises NotAcceptable: the version is outside the supported range.
    """
    headers = microversion_parse.headers_from_wsgi_environ(environ)
    try:
        return microversion_parse.extract_version(headers, SERVICE_TYPE,
                                                  VERSIONS)
    except TypeError as e:
        raise exception.InvalidSchema(
            detail='Invalid %s header: %s' % (HEADER, e))
    except ValueError:
        requested = microversion_parse.get_version(
            headers, service_type=SERVICE_TYPE)
        raise exception.NotAcceptable(version=requested,
                                      min_version=MIN_VERSION,
                                      max_version=MAX_VERSION)


def response_headers(version):
    """The headers that tell a client which version answered."""
    return [(HEADER, '%s %s' % (SERVICE_TYPE, version)),
            ('Vary', HEADER)]
