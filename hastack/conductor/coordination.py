"""Which conductor monitors and decides: a leadership held through tooz.

The leader holds a tooz lock (on etcd: ``etcd3+http://``) and renews it
with the coordinator's heartbeat; when it dies, its lease runs out and
another conductor takes the lock. Safety never depends on there being
one leader: two deciders both trying to declare one failure create one
recovery (the database compare-and-set), and tasks are claimed in the
database. Leadership only keeps the monitoring work single.
"""

import time
from urllib import parse

from oslo_log import log as logging
from tooz import coordination

LOG = logging.getLogger(__name__)

LOCK_NAME = b'hastack-conductor-leader'
# tooz's own default lock lease, in seconds.
DEFAULT_LOCK_TTL = 30.0


def lock_ttl(backend_url):
    """The lease of the leadership lock a tooz URL asks for
    (``lock_timeout``, else ``timeout``, else tooz's default)."""
    query = parse.parse_qs(parse.urlsplit(backend_url).query)
    for key in ('lock_timeout', 'timeout'):
        if key in query:
            return float(query[key][0])
    return DEFAULT_LOCK_TTL


class Leadership:
    """This conductor's claim to lead.

    :param backend_url: the tooz URL, or None for a lone conductor that
        always leads.
    :param member_id: this conductor's name.
    """

    def __init__(self, backend_url, member_id):
        self.backend_url = backend_url
        self.member_id = member_id
        self._coordinator = None
        self._lock = None
        self.leading = backend_url is None
        self.ttl = lock_ttl(backend_url) if backend_url else None
        self._renewed = None

    def start(self):
        """Connect to the backend (nothing to do without one)."""
        if self.backend_url is None:
            LOG.warning('No [conductor] coordination_backend_url: this '
                        'conductor leads alone')
            return
        self._coordinator = coordination.get_coordinator(
            self.backend_url, self.member_id.encode('utf-8'))
        self._coordinator.start(start_heart=False)
        self._lock = self._coordinator.get_lock(LOCK_NAME)

    def stop(self):
        """Give the leadership up (another conductor takes it at once)."""
        if self._coordinator is None:
            return
        try:
            if self.leading:
                self._lock.release()
            self._coordinator.stop()
        except coordination.ToozError as e:
            LOG.warning('Leaving the coordination backend: %s', e)
        self.leading = False
        self._coordinator = None

    def refresh(self):
        """Renew or try to take the leadership; returns whether we lead.

        Called every cycle: the heartbeat renews the lock's lease; a lock
        we no longer hold (lease lost while we were cut off) ends our
        leadership, and a free lock is taken.
        """
        if self._coordinator is None:
            return self.leading
        now = time.monotonic()
        try:
            # NOTE(hastack): tooz renews the lock's lease without telling
            # whether it had already run out. A renewal later than the
            # lease's TTL after the last one may come after another
            # conductor took the lock: the leadership is given up (the
            # compare-on-value release leaves another's lock alone) and
            # taken again only through a fresh acquire.
            late = self.leading and now - self._renewed > self.ttl
            self._coordinator.heartbeat()
            if self.leading and (late or not self._lock.acquired):
                LOG.error('Lost the conductor leadership: its lease was '
                          'last renewed %.1f s ago (TTL %.0f s)',
                          now - self._renewed, self.ttl)
                self._lock.release()
                self.leading = False
            if self.leading:
                self._renewed = now
            elif self._lock.acquire(blocking=False):
                LOG.warning('This conductor (%s) now leads: it monitors '
                            'the planes and decides', self.member_id)
                self.leading = True
                self._renewed = now
        except coordination.ToozError as e:
            if self.leading:
                LOG.error('Coordination backend failed, leadership given '
                          'up: %s', e)
            self.leading = False
        return self.leading
