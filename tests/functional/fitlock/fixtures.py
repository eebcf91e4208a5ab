"""Real fitlockd processes, each playing one host, sharing one folder.

Timing is short for test speed but follows the same formulas
(hastack/fitlock/timing.py): with the defaults here N = 0.2 s, so R =
0.4 s, F = 1.6 s, W = 2 s and H = 3.6 s.
"""

import os
import signal
import subprocess
import sys
import time

import fixtures

from hastack.fitlock import client as client_mod
from hastack.fitlock import storage
from hastack.fitlock import timing as timing_mod

BIN = os.path.dirname(sys.executable)

FAST = timing_mod.Timing(io_timeout=0.2, watchdog=2.0, arbiter_wait=0.5,
                         kill_time=0.5, slop=0.2)


class SharedFolder(fixtures.Fixture):
    """A folder with one initialized lockspace.

    :ivar path: the folder; ``lockspace``: its lockspace name.
    """

    def __init__(self, lockspace='ls', max_hosts=8, timing=FAST):
        super().__init__()
        self.lockspace = lockspace
        self.max_hosts = max_hosts
        self.timing = timing

    def _setUp(self):
        self.path = self.useFixture(fixtures.TempDir()).path
        storage.create_lockspace(self.path, self.lockspace, self.max_hosts,
                                 self.timing.io_timeout)


class Fitlockd(fixtures.Fixture):
    """One fitlockd process: host ``host_id`` named ``host<host_id>``.

    Its state folder and socket live in a folder of its own that survives
    :meth:`restart`, as a host's local disk does.
    """

    def __init__(self, shared, host_id, timing=FAST, fence_command=None,
                 join=True, extra=''):
        super().__init__()
        self.shared = shared
        self.host_id = host_id
        self.timing = timing
        self.fence_command = fence_command
        self.join = join
        self.extra = extra
        self.process = None

    def _setUp(self):
        self.home = self.useFixture(fixtures.TempDir()).path
        self.socket_path = os.path.join(self.home, 'fitlockd.sock')
        self.log_path = os.path.join(self.home, 'fitlockd.log')
        self.boot_id_file = os.path.join(self.home, 'boot_id')
        with open(self.boot_id_file, 'w') as f:
            f.write('boot-1\n')
        self.config = os.path.join(self.home, 'fitlockd.conf')
        t = self.timing
        with open(self.config, 'w') as f:
            f.write('[DEFAULT]\nhost = host%d\n[fitlock]\n'
                    'directory = %s\nhost_id = %d\nio_timeout = %s\n'
                    'watchdog_timeout = %s\narbiter_wait = %s\n'
                    'kill_timeout = %s\nslop = %s\nsocket_path = %s\n'
                    'state_dir = %s\nboot_id_file = %s\nlockspaces = %s\n'
                    '%s%s'
                    % (self.host_id, self.shared.path, self.host_id,
                       t.io_timeout, t.watchdog, t.arbiter_wait,
                       t.kill_time, t.slop, self.socket_path,
                       os.path.join(self.home, 'state'),
                       self.boot_id_file,
                       self.shared.lockspace if self.join else '',
                       'fence_command = %s\n' % self.fence_command
                       if self.fence_command else '', self.extra))
        self.addCleanup(self.kill)
        self.start()

    def start(self, wait_joined=True):
        """Start the process; wait until it answers (and has joined)."""
        self.log = open(self.log_path, 'ab')
        self.process = subprocess.Popen(
            [os.path.join(BIN, 'fitlockd'), '--config-file', self.config],
            stdout=self.log, stderr=subprocess.STDOUT)
        self.started_at = time.monotonic()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError('fitlockd %d exited: %s'
                                     % (self.host_id, self.read_log()))
            try:
                status = self.call('status')
                if not wait_joined or not self.join or any(
                        ls['state'] == 'ok'
                        for ls in status['lockspaces']):
                    return status
            except (OSError, client_mod.RemoteError):
                pass
            time.sleep(0.02)
        raise AssertionError('fitlockd %d did not come up: %s'
                             % (self.host_id, self.read_log()))

    def read_log(self):
        """The process's log so far."""
        with open(self.log_path, encoding='utf-8', errors='replace') as f:
            return f.read()

    def call(self, op, **params):
        """One request on the socket."""
        with client_mod.Client(self.socket_path, timeout=30) as client:
            return client.call(op, **params)

    def lockspace_status(self):
        """This host's view of the shared lockspace."""
        for space in self.call('status')['lockspaces']:
            if space['lockspace'] == self.shared.lockspace:
                return space
        return None

    def acquire(self, resource, pid=None):
        """Take a lease; the RemoteError when refused."""
        params = {'lockspace': self.shared.lockspace, 'resource': resource}
        if pid:
            params['pid'] = pid
        return self.call('acquire', **params)

    def signal(self, signum):
        """Send a signal to the daemon."""
        os.kill(self.process.pid, signum)

    def stop(self):
        """SIGTERM and wait: a graceful stop that keeps the leases."""
        self.signal(signal.SIGTERM)
        self.process.wait(10)
        self.log.close()

    def kill(self):
        """SIGKILL (after SIGCONT, so a stopped process dies too)."""
        if self.process is not None and self.process.poll() is None:
            for signum in (signal.SIGCONT, signal.SIGKILL):
                try:
                    os.kill(self.process.pid, signum)
                except ProcessLookupError:
                    pass
            self.process.wait(10)
        if self.process is not None and not self.log.closed:
            self.log.close()

    def restart(self):
        """Stop gracefully and start again; returns the new status."""
        self.stop()
        return self.start()

    def reboot(self):
        """Simulate a host reboot: kill the daemon, change the boot id."""
        self.kill()
        with open(self.boot_id_file, 'w') as f:
            f.write('boot-%f\n' % time.time())


class Holder(fixtures.Fixture):
    """A process standing in for an instance: it just runs until killed."""

    def _setUp(self):
        self.process = subprocess.Popen([sys.executable, '-c',
                                         'import time; time.sleep(3600)'])
        self.addCleanup(self._kill)
        self.pid = self.process.pid

    def alive(self):
        """Whether it still runs."""
        return self.process.poll() is None

    def wait_dead(self, timeout):
        """Wait for it to exit; True when it did."""
        try:
            self.process.wait(timeout)
            return True
        except subprocess.TimeoutExpired:
            return False

    def _kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
