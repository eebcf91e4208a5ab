"""Reading a server from Nova ahead of its evacuation.

An evacuation reads its server just before the evacuate call, to check
that it is still on the fenced host with no task under way (the fencing
proof covers that host only, and Nova would evacuate it from any host it
sees down). Under a rate limit the next evacuation in line is known
before its slot frees: its read can be made then, so that the slot goes
straight to the evacuate call (measured: the read was 0.1 to 0.3 s of
every evacuation's 2.5 to 15 s, benchmarks/recovery_pipeline).

SAFETY: a read made ahead is used only by a first attempt at its task
(no evacuate call of HaStack's precedes it) and only while it is at most
:data:`FRESH` seconds old, so the check-to-call window grows from the
read's round trip to at most that. A server on a dead, forced-down host
does not move by itself; an evacuation of it started by someone else
meanwhile makes Nova refuse ours (409, task state set) or, once over,
puts it on a host that Nova must also see down before it would accept
ours, which takes Nova's ``service_down_time`` (60 s) or a force-down.
Between those, in the moment Nova has cleared the task state but not yet
recorded the new host, Nova would accept a second call: a later attempt,
which may follow a call of its own, therefore reads now and asks Nova's
evacuation records first (:mod:`hastack.conductor.handlers`).
"""

import threading
import time

from oslo_log import log as logging

from hastack.conductor import nova_ops

LOG = logging.getLogger(__name__)

# Seconds a read made ahead stays usable (see SAFETY above). A slot frees
# every t/R seconds (t one evacuation, R the limit: 0.5 to 0.8 s in the
# benchmark), so the read is rarely older than one of those.
FRESH = 5.0


class _Read:
    """One read made ahead: dated by its start (the server was as read
    at some moment after it)."""

    def __init__(self):
        self.started = time.monotonic()
        self.done = threading.Event()
        self.ok = False
        self.facts = None


class ServerReadAhead:
    """Reads servers ahead on threads of their own; each read is used
    once, by the evacuation that asked for it, or dropped."""

    def __init__(self):
        self._lock = threading.Lock()
        self._reads = {}   # uuid -> _Read

    def request(self, uuid):
        """Start reading server ``uuid`` unless a fresh read exists or
        one is under way."""
        now = time.monotonic()
        with self._lock:
            # Reads nobody took (the task was cancelled, another
            # conductor claimed it) are dropped once stale.
            for key, read in list(self._reads.items()):
                if read.done.is_set() and now - read.started > FRESH:
                    del self._reads[key]
            if uuid in self._reads:
                return
            read = self._reads[uuid] = _Read()
        threading.Thread(target=self._read, args=(uuid, read), daemon=True,
                         name='read-ahead').start()

    @staticmethod
    def _read(uuid, read):
        try:
            read.facts = nova_ops.get_server(uuid)
            read.ok = True
        except Exception as e:  # noqa: BLE001 - the evacuation reads again
            LOG.debug('Reading server %s ahead failed: %s', uuid, e)
        finally:
            read.done.set()

    def get_server(self, uuid, ahead=True):
        """Server ``uuid``'s facts (:func:`nova_ops.get_server`): the read
        made ahead when it is fresh (waiting for it if it is under way:
        it is further along than a new one), else a read now.

        :param ahead: False to read now whatever was read ahead (which is
            dropped).
        """
        with self._lock:
            read = self._reads.pop(uuid, None)
        if read is not None and ahead:
            # Bounded: once FRESH has passed it would not be used anyway.
            read.done.wait(max(0.0, read.started + FRESH - time.monotonic()))
            if read.ok and time.monotonic() - read.started <= FRESH:
                return read.facts
        return nova_ops.get_server(uuid)
