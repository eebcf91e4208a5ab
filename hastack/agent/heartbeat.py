"""Heartbeats: one etcd key per plane under a lease, refreshed every
interval, each plane on its own thread so a dead plane never delays the
others (design.md section 3)."""

import json
import threading
import time

from etcd3gw import lease as etcd_lease
from oslo_log import log as logging

from hastack.common import etcd
from hastack.common import keymsg

LOG = logging.getLogger(__name__)

heartbeat_key = keymsg.heartbeat_key


class PlaneHeartbeat:
    """Keeps ``/hastack/hosts/<host>/heartbeat`` alive on one plane.

    :param client: the plane's :class:`etcd.PlaneClient`.
    :param host: this host's name.
    :param interval: seconds between refreshes.
    :param facts: callable returning the JSON-ready value to publish.
    """

    def __init__(self, client, host, interval, facts):
        self.client = client
        self.host = host
        self.interval = interval
        # NOTE(hastack): TTL = 3 intervals (design.md section 3): one lost
        # refresh never expires the key; a dead plane does within 3.
        self.ttl = 3 * interval
        self.facts = facts
        self.lease = None
        self.last_success = None
        self.last_error = None
        self._stop = threading.Event()
        self._thread = None

    def beat(self):
        """One heartbeat: refresh (or re-grant) the lease and put the key.

        :returns: True when the key is in place.
        """
        value = json.dumps(self.facts())
        try:
            if self.lease is not None:
                lease_id = self.lease.id
                # Any member of the plane's cluster can refresh it.
                ttl = self.client.call(
                    lambda c: etcd_lease.Lease(lease_id, client=c).refresh())
                if ttl <= 0:
                    # Expired while the plane was down: the key is gone.
                    self.lease = None
            if self.lease is None:
                self.lease = self.client.call(lambda c: c.lease(self.ttl))
            self.client.call(lambda c: c.put(heartbeat_key(self.host),
                                             value, lease=self.lease))
        except etcd.PlaneError as e:
            if self.last_error is None:
                LOG.warning('Heartbeat on plane %s failed: %s',
                            self.client.plane, e)
            self.last_error = str(e)
            return False
        if self.last_error is not None:
            LOG.info('Heartbeat on plane %s works again', self.client.plane)
        self.last_error = None
        self.last_success = time.monotonic()
        return True

    def running(self):
        """Whether the heartbeat thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def healthy(self, now=None):
        """Whether the last success is within one TTL."""
        now = time.monotonic() if now is None else now
        return (self.last_success is not None and
                now - self.last_success < self.ttl)

    def start(self):
        """Beat every interval on a thread of its own."""
        self._thread = threading.Thread(
            target=self._run, daemon=True,
            name='heartbeat-%s' % self.client.plane)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            started = time.monotonic()
            self.beat()
            self._stop.wait(max(0.0, started + self.interval -
                                time.monotonic()))

    def stop(self):
        """Stop beating; the key expires with its lease."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self.client.timeout * 3 + 1)
