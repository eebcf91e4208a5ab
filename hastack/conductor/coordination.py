"""Which conductor monitors and decides: a leadership held through tooz.

The leader holds a tooz lock (on etcd: ``etcd3+http://``) and renews it
with the coordinator's heartbeat; when it dies, its lease runs out and
another conductor takes the lock. Safety never depends on there being
one leader: two deciders both trying to declare one failure create one
recovery (the database compare-and-set), and tasks are claimed in the
database. Leadership only keeps the monitoring work single.
"""

from oslo_log import log as logging
from tooz import coordination

LOG = logging.getLogger(__name__)

LOCK_NAME = b'hastack-conductor-leader'


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
        try:
            self._coordinator.heartbeat()
            if self.leading and not self._lock.acquired:
                LOG.error('Lost the conductor leadership')
                self.leading = False
            if not self.leading and self._lock.acquire(blocking=False):
                LOG.warning('This conductor (%s) now leads: it monitors '
                            'the planes and decides', self.member_id)
                self.leading = True
        except coordination.ToozError as e:
            if self.leading:
                LOG.error('Coordination backend failed, leadership given '
                          'up: %s', e)
            self.leading = False
        return self.leading
