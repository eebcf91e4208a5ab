"""Key messages over every path at once: RPC and the three etcd planes.

A key message (a fencing event, a fence order, an answer) must get
through if any one plane works (design.md section 2). The sender writes
it to ``/hastack/messages/to-controller/<host>/<id>`` on every plane's
etcd (under a short lease, so it is collected) and sends it by RPC; the
receiver takes the first copy and drops the rest by message id.
"""

import collections
import concurrent.futures
import json
import threading
import time

from oslo_log import log as logging

from hastack.common import etcd
from hastack.common import keymsg

LOG = logging.getLogger(__name__)

# The contract lives in hastack.common.keymsg; these names stay for the
# agent's callers.
TO_CONTROLLER = keymsg.TO_CONTROLLER
TO_HOST = keymsg.TO_HOST
MAINTENANCE_KEY = keymsg.MAINTENANCE_KEY
make = keymsg.make
valid = keymsg.valid


class Deduplicator:
    """Remembers message ids seen recently (bounded in count and age)."""

    def __init__(self, size=10000, max_age=3600.0):
        self.size = size
        self.max_age = max_age
        self._seen = collections.OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, message_id, now=None):
        """True the first time an id is offered, False for its copies."""
        now = time.monotonic() if now is None else now
        with self._lock:
            while self._seen and (
                    len(self._seen) >= self.size or
                    now - next(iter(self._seen.values())) > self.max_age):
                self._seen.popitem(last=False)
            if message_id in self._seen:
                return False
            self._seen[message_id] = now
            return True


class MessageBus:
    """Sends this host's key messages and receives those for it.

    :param host: this host's name.
    :param planes: ``{plane: etcd.PlaneClient}``.
    :param ttl: seconds a sent message stays in etcd.
    :param poll_interval: seconds between two reads of each plane's inbox.
    """

    def __init__(self, host, planes, ttl, poll_interval=1.0):
        self.host = host
        self.planes = planes
        self.ttl = ttl
        self.poll_interval = poll_interval
        self.dedup = Deduplicator()
        self.handlers = {}
        self.maintenance_listeners = []
        self._replies = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = []
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=max(1, len(planes)), thread_name_prefix='bus-send')

    # -- sending -------------------------------------------------------

    def publish(self, message):
        """Write ``message`` to every plane's etcd, in parallel.

        :returns: the planes that took it.
        """
        key = TO_CONTROLLER % self.host + message['id']
        value = json.dumps(message)

        def put(plane, client):
            def action(c):
                lease = c.lease(self.ttl)
                return c.put(key, value, lease=lease)
            try:
                client.call(action)
                return plane
            except etcd.PlaneError as e:
                LOG.warning('Message %s (%s) not written on plane %s: %s',
                            message['id'], message['type'], plane, e)
                return None

        futures = [self._pool.submit(put, p, c)
                   for p, c in self.planes.items()]
        return [f.result() for f in futures if f.result()]

    def expect_reply(self, message_id):
        """Register interest in the answer to ``message_id``.

        :returns: a :class:`Reply` that :meth:`deliver` fills.
        """
        reply = Reply()
        with self._lock:
            self._replies[message_id] = reply
        return reply

    def forget_reply(self, message_id):
        """Stop waiting for an answer."""
        with self._lock:
            self._replies.pop(message_id, None)

    # -- receiving -----------------------------------------------------

    def on(self, message_type, handler):
        """Call ``handler(message)`` for each new message of a type."""
        self.handlers[message_type] = handler

    def deliver(self, message, path):
        """Take one received message (from a plane or RPC).

        :returns: True when it was new and handled.
        """
        if not valid(message):
            LOG.warning('Dropped a malformed message from %s: %.200r', path,
                        message)
            return False
        if message['host'] != self.host:
            LOG.warning('Dropped message %s from %s: it is for host %s, '
                        'not %s', message['id'], path, message['host'],
                        self.host)
            return False
        if not self.dedup.first_time(message['id']):
            return False
        LOG.info('Message %s (%s) arrived via %s', message['id'],
                 message['type'], path)
        in_reply_to = message.get('body', {}).get('in_reply_to')
        if in_reply_to:
            with self._lock:
                reply = self._replies.get(in_reply_to)
            if reply is not None:
                reply.set(message)
                return True
        handler = self.handlers.get(message['type'])
        if handler is None:
            LOG.warning('No handler for message type %s', message['type'])
            return False
        try:
            handler(message)
        except Exception:  # noqa: BLE001 - one bad message never stops us
            LOG.exception('Handling message %s failed', message['id'])
        return True

    def start(self):
        """Start one inbox reader per plane."""
        for plane, client in self.planes.items():
            thread = threading.Thread(target=self._read_inbox,
                                      args=(plane, client), daemon=True,
                                      name='inbox-%s' % plane)
            thread.start()
            self._threads.append(thread)

    def stop(self):
        """Stop reading."""
        self._stop.set()
        self._pool.shutdown(wait=False)

    def _read_inbox(self, plane, client):
        prefix = TO_HOST % self.host
        while not self._stop.is_set():
            try:
                items = client.call(lambda c: c.get_prefix(prefix))
                for raw, _meta in items:
                    try:
                        message = json.loads(raw)
                    except ValueError:
                        LOG.warning('Dropped undecodable message on plane '
                                    '%s: %.200r', plane, raw)
                        continue
                    self.deliver(message, 'etcd:%s' % plane)
                maintenance = client.call(lambda c: c.get(MAINTENANCE_KEY))
                if maintenance:
                    self._maintenance(maintenance[0], plane)
            except etcd.PlaneError:
                pass  # the heartbeat of that plane reports it
            self._stop.wait(self.poll_interval)

    def _maintenance(self, raw, plane):
        try:
            doc = json.loads(raw)
            enabled = bool(doc['enabled'])
        except (ValueError, KeyError, TypeError):
            LOG.warning('Ignored a malformed ha_maintenance value on plane '
                        '%s: %.200r', plane, raw)
            return
        for listener in self.maintenance_listeners:
            listener(enabled, 'etcd:%s' % plane)


class Reply:
    """The answer to one message, whichever path brings it first."""

    def __init__(self):
        self._event = threading.Event()
        self.message = None

    def set(self, message):
        """Record the answer (the first one wins)."""
        if not self._event.is_set():
            self.message = message
            self._event.set()

    def wait(self, timeout):
        """The answer, or None when none came within ``timeout``."""
        self._event.wait(max(0.0, timeout))
        return self.message
