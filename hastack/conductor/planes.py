"""The conductor's side of the three plane clusters: heartbeats read,
key messages sent and received, ``ha_maintenance`` published.

Every plane is read and written on its own; one dead cluster never hides
what the others say (design.md sections 2 and 3).
"""

import concurrent.futures
import json

from oslo_log import log as logging

from hastack.common import etcd
from hastack.common import keymsg
from hastack.common import states

LOG = logging.getLogger(__name__)


class Planes:
    """etcd access to each configured plane.

    :param conf: the ConfigOpts with the ``[plane_*]`` groups.
    :param message_ttl: seconds a key message sent to a host stays.
    """

    def __init__(self, conf, message_ttl=120):
        self.clients, self.errors = etcd.plane_clients(conf)
        self.message_ttl = message_ttl
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=len(states.PLANES), thread_name_prefix='plane')

    def close(self):
        """Stop the worker threads."""
        self._pool.shutdown(wait=False)

    def _each(self, action):
        """Run ``action(plane, client)`` on every plane in parallel.

        :returns: ``{plane: result or PlaneError}``; an unconfigured plane
            gives a PlaneError too.
        """
        futures = {p: self._pool.submit(self._guard, action, p, c)
                   for p, c in self.clients.items()}
        results = {p: etcd.PlaneError(e) for p, e in self.errors.items()}
        results.update({p: f.result() for p, f in futures.items()})
        return results

    @staticmethod
    def _guard(action, plane, client):
        try:
            return action(plane, client)
        except etcd.PlaneError as e:
            return e

    def heartbeats(self):
        """Who heartbeats on each plane.

        :returns: ``{plane: {host: facts} or PlaneError}``; a host absent
            from a readable plane's dict is down on that plane.
        """
        def read(plane, client):
            items = client.call(
                lambda c: c.get_prefix(keymsg.HEARTBEAT_PREFIX))
            seen = {}
            for raw, meta in items:
                host = keymsg.host_of_heartbeat_key(
                    _text(meta.get('key')))
                if host is None:
                    continue
                try:
                    facts = json.loads(raw)
                except ValueError:
                    facts = {}
                seen[host] = facts if isinstance(facts, dict) else {}
            return seen
        return self._each(read)

    def send(self, message):
        """Write a key message for its host on every plane.

        :returns: the planes that took it.
        """
        key = keymsg.TO_HOST % message['host'] + message['id']
        value = json.dumps(message)

        def put(plane, client):
            def action(c):
                lease = c.lease(self.message_ttl)
                return c.put(key, value, lease=lease)
            client.call(action)
            return True
        return sorted(p for p, r in self._each(put).items() if r is True)

    def inbox(self):
        """Key messages agents wrote for the controllers, every plane.

        :returns: ``[(message or None, plane, key)]``; None for a value
            that is not a valid message (it is logged, and should be
            deleted like the others).
        """
        def read(plane, client):
            return client.call(
                lambda c: c.get_prefix(keymsg.TO_CONTROLLER_PREFIX))
        found = []
        for plane, items in self._each(read).items():
            if isinstance(items, etcd.PlaneError):
                continue
            for raw, meta in items:
                key = _text(meta.get('key'))
                try:
                    message = json.loads(raw)
                except ValueError:
                    message = None
                if not keymsg.valid(message):
                    LOG.warning('Malformed key message %s on plane %s: '
                                '%.200r', key, plane, raw)
                    message = None
                found.append((message, plane, key))
        return found

    def delete(self, plane, key):
        """Remove one handled message key from one plane (best effort)."""
        client = self.clients.get(plane)
        if client is None:
            return
        try:
            client.call(lambda c: c.delete(key))
        except etcd.PlaneError as e:
            LOG.debug('Could not delete %s on plane %s: %s', key, plane, e)

    def publish_maintenance(self, enabled, reason, updated_at):
        """Write ``/hastack/config/ha_maintenance`` on every plane where it
        differs; returns the planes written."""
        value = {'enabled': bool(enabled), 'reason': reason,
                 'updated_at': updated_at}

        def sync(plane, client):
            current = client.call(
                lambda c: c.get(keymsg.MAINTENANCE_KEY))
            if current:
                try:
                    if json.loads(current[0]).get('enabled') == \
                            value['enabled']:
                        return False
                except (ValueError, AttributeError):
                    pass
            client.call(lambda c: c.put(keymsg.MAINTENANCE_KEY,
                                        json.dumps(value)))
            return True
        return sorted(p for p, r in self._each(sync).items() if r is True)


def _text(value):
    if isinstance(value, bytes):
        return value.decode('utf-8', 'replace')
    return value or ''
