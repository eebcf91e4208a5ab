"""The "process" hypervisor: each instance is a local process that left
``<uuid>.pid`` in a folder.

This is a fake at the hypervisor boundary, which cannot run on the test
machines (no KVM); it is what the cluster harness (tests/cluster) runs on
its namespace hosts, where each instance process holds its Fitlock lease
and writes its disk on the shared storage, so two copies of one instance
would really collide. Stopping is SIGKILL (a power-off, not a shutdown),
as the libvirt driver's destroy is.
"""

import os
import signal
import threading
import time

from oslo_log import log as logging

from hastack.agent.hypervisor import base

LOG = logging.getLogger(__name__)

# Seconds a killed process may take to disappear before destroy fails.
KILL_WAIT = 5.0
# Seconds between two looks at the folder for watch().
WATCH_INTERVAL = 0.5


def _alive(pid):
    """Whether ``pid`` runs (a zombie does not count)."""
    try:
        with open('/proc/%d/stat' % pid) as f:
            return f.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except (OSError, IndexError):
        return False


class ProcessDriver(base.Driver):
    """Instances are the processes named by ``<folder>/<uuid>.pid``.

    :param folder: where instance processes register.
    """

    def __init__(self, folder):
        self.folder = folder
        os.makedirs(folder, exist_ok=True)
        self._stop = threading.Event()

    def _pids(self):
        found = {}
        for name in os.listdir(self.folder):
            if not name.endswith('.pid'):
                continue
            try:
                with open(os.path.join(self.folder, name)) as f:
                    found[name[:-4]] = int(f.read().split()[0])
            except (OSError, ValueError, IndexError):
                continue
        return found

    def list_instances(self):
        """Every registered instance; running while its process lives."""
        return [base.Instance(uuid, uuid,
                              base.RUNNING if _alive(pid) else base.STOPPED)
                for uuid, pid in sorted(self._pids().items())]

    def destroy(self, uuid):
        """SIGKILL the instance's process and wait until it is gone."""
        pid = self._pids().get(uuid)
        if pid is None or not _alive(pid):
            return False
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            return False
        deadline = time.monotonic() + KILL_WAIT
        while _alive(pid):
            if time.monotonic() > deadline:
                raise base.HypervisorError('instance %s (pid %d) survives '
                                           'SIGKILL' % (uuid, pid))
            time.sleep(0.01)
        LOG.warning('Instance %s (pid %d) powered off', uuid, pid)
        return True

    def watch(self, callback):
        """Report state changes by looking at the folder twice a second."""
        def run():
            last = {}
            while not self._stop.wait(WATCH_INTERVAL):
                now = {i.uuid: i.state for i in self.list_instances()}
                for uuid, state in now.items():
                    if last.get(uuid) != state:
                        callback(uuid, state)
                last = now
        threading.Thread(target=run, daemon=True,
                         name='process-watch').start()

    def close(self):
        """Stop watching."""
        self._stop.set()
