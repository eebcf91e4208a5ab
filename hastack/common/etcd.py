"""One etcd client per network plane, sending from that plane's address.

Each plane's requests leave through the plane's own interface (the
session binds the source address), so a heartbeat on a plane proves that
plane works end to end. A request that fails on one member of the
plane's cluster is tried on the next.
"""

import threading
from urllib import parse

import etcd3gw
from etcd3gw import exceptions as etcd_exc
from oslo_log import log as logging
import requests
from requests import adapters

from hastack.common import states
from hastack.conf import agent as agent_conf

LOG = logging.getLogger(__name__)

# What a dead, cut or unhealthy cluster raises through etcd3gw.
ERRORS = (etcd_exc.Etcd3Exception, requests.RequestException, OSError,
          ValueError, KeyError)


class _SourceAddressAdapter(adapters.HTTPAdapter):
    """Makes every connection from ``source_address``."""

    def __init__(self, source_address, **kwargs):
        self.source_address = source_address
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        kwargs['source_address'] = (self.source_address, 0)
        super().init_poolmanager(*args, **kwargs)


class PlaneError(Exception):
    """No member of a plane's etcd cluster answered."""


class PlaneClient:
    """etcd access over one plane.

    :param plane: the plane's name (for messages).
    :param endpoints: the cluster members' URLs.
    :param local_address: the address to send from, or None.
    :param timeout: seconds per request.
    :raises ValueError: no endpoint, or one that is not an http(s) URL.
    """

    def __init__(self, plane, endpoints, local_address=None, timeout=5.0):
        if not endpoints:
            raise ValueError('plane %s has no etcd endpoints configured'
                             % plane)
        self.plane = plane
        self.timeout = timeout
        self._clients = [self._client(url, local_address, timeout)
                         for url in endpoints]
        self._current = 0
        self._lock = threading.Lock()

    @staticmethod
    def _client(url, local_address, timeout):
        parsed = parse.urlsplit(url)
        if parsed.scheme not in ('http', 'https') or not parsed.hostname:
            raise ValueError('%r is not an http(s) etcd endpoint URL' % url)
        session = requests.Session()
        if local_address:
            adapter = _SourceAddressAdapter(local_address)
            session.mount('http://', adapter)
            session.mount('https://', adapter)
        # NOTE(hastack): the /v3 gateway path is given, not discovered:
        # discovery would cost a request per client on a dead plane.
        return etcd3gw.client(host=parsed.hostname,
                              port=parsed.port or 2379,
                              protocol=parsed.scheme, timeout=timeout,
                              api_path='/v3/', session=session)

    def call(self, action):
        """Run ``action(client)`` on the first member that answers.

        :raises PlaneError: every member failed.
        """
        with self._lock:
            start = self._current
        errors = []
        for offset in range(len(self._clients)):
            index = (start + offset) % len(self._clients)
            try:
                result = action(self._clients[index])
            except ERRORS as e:
                errors.append('%s: %s' % (self._clients[index].host, e))
                continue
            with self._lock:
                self._current = index
            return result
        raise PlaneError('plane %s: no etcd member answered (%s)'
                         % (self.plane, '; '.join(errors)))


def plane_clients(conf):
    """A :class:`PlaneClient` per plane from the ``[plane_*]`` groups.

    :returns: ``(clients, errors)``: ``{plane: PlaneClient}`` for the
        planes configured well, ``{plane: reason}`` for the others (an
        operator error, logged; the other planes still work).
    """
    clients, errors = {}, {}
    for plane in states.PLANES:
        group = conf[agent_conf.PLANE_GROUPS[plane]]
        try:
            clients[plane] = PlaneClient(plane, group.endpoints,
                                         group.local_address, group.timeout)
        except ValueError as e:
            errors[plane] = str(e)
            LOG.error('Plane %s is not usable: %s', plane, e)
    return clients, errors
