"""Shared storage that one host can really lose: sshfs over its own veth.

:class:`SshfsStorage` serves one backing folder with an ``sshd`` of its
own (temporary host and client keys, a free port on the address of a
test bridge) and mounts it once per test host with ``sshfs``. Each host
is a network namespace with one veth to that bridge; its mount is made
with ``nsenter --net=<the host's namespace> sshfs ...``, so the mount
lives in the root mount namespace (every process sees it, at a path of
that host's own) while its traffic goes over that host's veth
(field-notes.md, "Shared storage that a plane cut really cuts").

:meth:`SshfsStorage.cut` sets the host-side veth down in the root
namespace: that host's storage I/O stalls and then fails, like a pulled
cable to an NFS or CephFS server, while every other host's mount goes on
working. :meth:`SshfsStorage.restore` sets it up again.

The sshfs options, each verified here (and checked again by
:meth:`SshfsStorage.verify_direct_io` on every set-up):

``direct_io``
    No page cache: an ``O_DIRECT|O_DSYNC`` aligned 4 KiB
    ``pwritev``/``preadv`` goes to the server every time, so what one
    host writes the other reads.
``sshfs_sync``
    Synchronous writes. Without it sshfs answers a write before the
    server has it: with the cable pulled, an ``O_DSYNC`` write still
    "succeeded" in 0.2 ms and never landed. With it the write waits for
    the server and fails (EIO) when the connection is declared dead.
``dir_cache=no``
    A lease file another host just created is found at once.
``reconnect``
    The mount outlives a dead connection, as an NFS or CephFS mount
    does (without it sshfs exits and the mount point silently becomes
    the empty local folder underneath). After a reconnect, files opened
    before it fail with EIO; files opened again work.
``ServerAliveInterval=2,ServerAliveCountMax=2``
    The connection is declared dead ~6 s (measured 5.1-5.9 s) after the
    server last answered. A cut that ends before that (measured: 3 s is
    fine, 4 s is not, because TCP retransmissions back off) leaves the
    connection and the open files intact: stalled I/O completes when the
    cable is back. :data:`CONNECTION_SURVIVES` and
    :data:`CONNECTION_DIES` are these two bounds.

Needs root, ``/dev/fuse`` and the Debian packages that
tools/install-test-packages.sh installs.
"""

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time

import fixtures

from hastack.fitlock import storage
from tests.functional.fitlock import fixtures as fl

SSHD = '/usr/sbin/sshd'
# A cut shorter than this leaves the ssh connection alive (measured: 3 s
# works every time, 4 s does not).
CONNECTION_SURVIVES = 3.0
# A cut longer than this has killed the ssh connection:
# ServerAliveInterval * (ServerAliveCountMax + 1) = 6 s after the last
# answer, plus scheduling.
CONNECTION_DIES = 7.0

SSHFS_OPTIONS = ('direct_io,sshfs_sync,dir_cache=no,reconnect,'
                 'ServerAliveInterval=2,ServerAliveCountMax=2')

_TOOLS = {
    'sshd': SSHD, 'sshfs': 'sshfs', 'ssh-keygen': 'ssh-keygen',
    'nsenter': 'nsenter', 'ip': 'ip',
}


def missing_tools():
    """What this machine lacks for :class:`SshfsStorage` (empty: none).

    :returns: a list of readable reasons.
    """
    missing = []
    if os.geteuid() != 0:
        missing.append('root (network namespaces, FUSE mounts)')
    if not os.path.exists('/dev/fuse'):
        missing.append('/dev/fuse')
    for name, command in sorted(_TOOLS.items()):
        if shutil.which(command) is None:
            missing.append(name)
    if not (shutil.which('fusermount3') or shutil.which('fusermount')):
        missing.append('fusermount3')
    return missing


def _run(*argv, check=True, timeout=30):
    result = subprocess.run(argv, capture_output=True, text=True,
                            timeout=timeout, check=False)
    if check and result.returncode != 0:
        raise RuntimeError('%s exited %d: %s' % (' '.join(argv),
                                                 result.returncode,
                                                 result.stderr.strip()))
    return result


def _used_ipv4_prefixes():
    out = _run('ip', '-o', '-4', 'addr', 'show').stdout
    out += _run('ip', '-4', 'route', 'show', 'table', 'all').stdout
    return out


def _free_subnet():
    """A 10.x.y.0/24 that no interface or route on this machine uses."""
    used = _used_ipv4_prefixes()
    for _ in range(100):
        x, y = 200 + secrets.randbelow(55), secrets.randbelow(256)
        prefix = '10.%d.%d.' % (x, y)
        if prefix not in used:
            return prefix
    raise RuntimeError('no free 10.x.y.0/24 test subnet found')


def _free_port(address):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((address, 0))
        return probe.getsockname()[1]


def _is_mounted(path):
    with open('/proc/self/mounts') as f:
        return any(line.split()[1] == path for line in f)


def _descendants(pid):
    """The pids of every descendant of ``pid`` (children first)."""
    parents = {}
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % entry) as f:
                ppid = int(f.read().rsplit(')', 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        parents.setdefault(ppid, []).append(int(entry))
    result, todo = [], [pid]
    while todo:
        children = parents.get(todo.pop(), [])
        result.extend(children)
        todo.extend(children)
    return result


def _terminate_group(process, timeout=5.0):
    """SIGTERM (then SIGKILL) the process group of a process we started
    with ``start_new_session`` and reap it."""
    if process.poll() is not None:
        return
    for signum in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, signum)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout)
            break
        except subprocess.TimeoutExpired:
            continue
    if process.poll() is None:
        process.wait(timeout)


class HostView:
    """What :class:`fixtures.Fitlockd` needs of a shared folder: one
    host's mount point of it and the lockspace name."""

    def __init__(self, host_id, path, lockspace):
        self.host_id = host_id
        self.path = path
        self.lockspace = lockspace


class SshfsStorage(fixtures.Fixture):
    """A folder served by a private sshd, mounted per host over its veth.

    :param hosts: the host ids that get a namespace and a mount.
    :param lockspace: the lockspace created once (through the first
        host's mount, so creation over sshfs is exercised too).
    :ivar backing: the served folder itself.
    :ivar server: the bridge address sshd listens on; ``port`` its port.
    """

    def __init__(self, hosts=(1, 2), lockspace='ls', max_hosts=8,
                 timing=fl.FAST):
        super().__init__()
        self.host_ids = tuple(hosts)
        self.lockspace = lockspace
        self.max_hosts = max_hosts
        self.timing = timing
        self.token = secrets.token_hex(3)
        self.bridge = 'flb%s' % self.token
        self._cut = set()
        self._mounts = {}
        self._probes = []

    # -- names ---------------------------------------------------------

    def netns(self, host_id):
        """The network namespace standing for host ``host_id``."""
        return 'fitlock-%s-h%d' % (self.token, host_id)

    def veth(self, host_id):
        """The host-side (root namespace) end of host ``host_id``'s veth:
        the cable :meth:`cut` pulls."""
        return 'flv%sh%d' % (self.token, host_id)

    def address(self, host_id):
        """Host ``host_id``'s address on the storage bridge."""
        return '%s%d' % (self.subnet, 10 + host_id)

    def mount_point(self, host_id):
        """Where host ``host_id`` sees the shared folder."""
        return os.path.join(self.mounts_dir, 'host%d' % host_id)

    def view(self, host_id):
        """A shared-folder object for :class:`fixtures.Fitlockd`."""
        return HostView(host_id, self.mount_point(host_id), self.lockspace)

    # -- set-up --------------------------------------------------------

    def _setUp(self):
        missing = missing_tools()
        if missing:
            raise RuntimeError(
                'SshfsStorage needs %s: run tools/install-test-packages.sh '
                'as root' % ', '.join(missing))
        top = self.useFixture(fixtures.TempDir()).path
        self.backing = os.path.join(top, 'backing')
        self.mounts_dir = os.path.join(top, 'mnt')
        self.ssh_dir = os.path.join(top, 'ssh')
        for path in (self.backing, self.mounts_dir, self.ssh_dir):
            os.makedirs(path, mode=0o700)
        self._make_keys()
        self._make_network()
        # After the unmounts (clean-ups run last first): stalled probes
        # have failed by then.
        self.addCleanup(self._reap_probes)
        self._start_sshd()
        for host_id in self.host_ids:
            self.mount(host_id)
        storage.create_lockspace(self.mount_point(self.host_ids[0]),
                                 self.lockspace, self.max_hosts,
                                 self.timing.io_timeout)
        self.verify_direct_io()

    def _make_keys(self):
        self.host_key = os.path.join(self.ssh_dir, 'host_key')
        self.client_key = os.path.join(self.ssh_dir, 'client_key')
        for key in (self.host_key, self.client_key):
            _run('ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C',
                 'fitlock-test', '-f', key)
        self.authorized_keys = os.path.join(self.ssh_dir, 'authorized_keys')
        shutil.copyfile(self.client_key + '.pub', self.authorized_keys)
        os.chmod(self.authorized_keys, 0o600)

    def _make_network(self):
        self.subnet = _free_subnet()
        self.server = self.subnet + '1'
        self.addCleanup(_run, 'ip', 'link', 'delete', self.bridge,
                        check=False)
        _run('ip', 'link', 'add', self.bridge, 'type', 'bridge')
        _run('ip', 'addr', 'add', self.server + '/24', 'dev', self.bridge)
        _run('ip', 'link', 'set', self.bridge, 'up')
        for host_id in self.host_ids:
            ns, veth = self.netns(host_id), self.veth(host_id)
            self.addCleanup(_run, 'ip', 'netns', 'delete', ns, check=False)
            _run('ip', 'netns', 'add', ns)
            # Deleting one end deletes both; before the namespace goes.
            self.addCleanup(_run, 'ip', 'link', 'delete', veth, check=False)
            _run('ip', 'link', 'add', veth, 'type', 'veth', 'peer', 'name',
                 'eth-sto', 'netns', ns)
            _run('ip', 'link', 'set', veth, 'master', self.bridge, 'up')
            _run('ip', '-n', ns, 'addr', 'add',
                 self.address(host_id) + '/24', 'dev', 'eth-sto')
            _run('ip', '-n', ns, 'link', 'set', 'eth-sto', 'up')
            _run('ip', '-n', ns, 'link', 'set', 'lo', 'up')

    def _start_sshd(self):
        # sshd insists on its privilege separation folder.
        os.makedirs('/run/sshd', mode=0o755, exist_ok=True)
        self.port = _free_port(self.server)
        self.sshd_log = os.path.join(self.ssh_dir, 'sshd.log')
        config = os.path.join(self.ssh_dir, 'sshd_config')
        user = 'root'
        with open(config, 'w') as f:
            f.write('\n'.join([
                'Port %d' % self.port,
                'ListenAddress %s' % self.server,
                'HostKey %s' % self.host_key,
                'PidFile none',
                'AuthorizedKeysFile %s' % self.authorized_keys,
                'AuthenticationMethods publickey',
                'PasswordAuthentication no',
                'KbdInteractiveAuthentication no',
                'PermitRootLogin prohibit-password',
                'AllowUsers %s' % user,
                'StrictModes no',
                'UsePAM no',
                'MaxStartups 100',
                # A session whose client vanished while its cable was cut
                # ends by itself instead of lingering for hours.
                'ClientAliveInterval 2',
                'ClientAliveCountMax 2',
                'Subsystem sftp internal-sftp',
                'LogLevel ERROR',
            ]) + '\n')
        with open(self.sshd_log, 'ab') as log:
            self.sshd = subprocess.Popen(
                [SSHD, '-D', '-e', '-f', config], stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True)
        self.addCleanup(self._stop_sshd)
        self.known_hosts = os.path.join(self.ssh_dir, 'known_hosts')
        with open(self.host_key + '.pub') as f:
            kind, key = f.read().split()[:2]
        with open(self.known_hosts, 'w') as f:
            f.write('[%s]:%d %s %s\n' % (self.server, self.port, kind, key))
        deadline = time.monotonic() + 10
        while True:
            if self.sshd.poll() is not None:
                raise RuntimeError('sshd exited %d: %s'
                                   % (self.sshd.returncode,
                                      self._read(self.sshd_log)))
            try:
                socket.create_connection((self.server, self.port),
                                         timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError('sshd does not listen on %s:%d: %s'
                                       % (self.server, self.port,
                                          self._read(self.sshd_log)))
                time.sleep(0.02)

    def _stop_sshd(self):
        # Each connection's sshd runs in a session of its own: not in the
        # listener's process group.
        sessions = _descendants(self.sshd.pid)
        _terminate_group(self.sshd)
        for pid in sessions:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    @staticmethod
    def _read(path):
        with open(path, encoding='utf-8', errors='replace') as f:
            return f.read()

    # -- mounts --------------------------------------------------------

    def sshfs_command(self, host_id):
        """The command line mounting host ``host_id``'s view."""
        return [
            'nsenter', '--net=/var/run/netns/%s' % self.netns(host_id),
            'sshfs', '-f', '-F', '/dev/null',
            '-o', SSHFS_OPTIONS,
            '-o', 'port=%d,IdentityFile=%s,IdentitiesOnly=yes,'
                  'BatchMode=yes,StrictHostKeyChecking=yes,'
                  'UserKnownHostsFile=%s,GlobalKnownHostsFile=/dev/null,'
                  'ConnectTimeout=2,LogLevel=ERROR'
                  % (self.port, self.client_key, self.known_hosts),
            'root@%s:%s' % (self.server, self.backing),
            self.mount_point(host_id),
        ]

    def mount(self, host_id):
        """Mount host ``host_id``'s view (waits until it is mounted)."""
        point = self.mount_point(host_id)
        os.makedirs(point, exist_ok=True)
        log_path = os.path.join(self.ssh_dir, 'sshfs-host%d.log' % host_id)
        with open(log_path, 'ab') as log:
            process = subprocess.Popen(
                self.sshfs_command(host_id), stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True)
        self._mounts[host_id] = process
        self.addCleanup(self.unmount, host_id)
        deadline = time.monotonic() + 15
        while not _is_mounted(point):
            if process.poll() is not None:
                raise RuntimeError('sshfs for host %d exited %d: %s'
                                   % (host_id, process.returncode,
                                      self._read(log_path)))
            if time.monotonic() > deadline:
                raise RuntimeError('sshfs for host %d did not mount: %s'
                                   % (host_id, self._read(log_path)))
            time.sleep(0.02)

    def unmount(self, host_id):
        """Detach host ``host_id``'s mount and stop its sshfs."""
        process = self._mounts.pop(host_id, None)
        if process is None:
            return
        # A cut link would make sshfs and ssh wait for the dead server.
        self.restore(host_id, wait=False)
        point = self.mount_point(host_id)
        fusermount = shutil.which('fusermount3') or 'fusermount'
        if _is_mounted(point):
            _run(fusermount, '-u', '-z', point, check=False)
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            pass
        _terminate_group(process)

    # -- faults --------------------------------------------------------

    def cut(self, host_id):
        """Pull host ``host_id``'s storage cable; returns the monotonic
        time it was pulled."""
        _run('ip', 'link', 'set', self.veth(host_id), 'down')
        self._cut.add(host_id)
        return time.monotonic()

    def restore(self, host_id, wait=True):
        """Plug the cable back in; with ``wait``, until the host reaches
        the server again (a new TCP connection from its namespace).

        :returns: the monotonic time the link was set up.
        """
        if host_id not in self._cut:
            return time.monotonic()
        _run('ip', 'link', 'set', self.veth(host_id), 'up')
        self._cut.discard(host_id)
        restored = time.monotonic()
        deadline = restored + 10
        while wait:
            probe = _run('nsenter', '--net=/var/run/netns/%s'
                         % self.netns(host_id), sys.executable, '-c',
                         'import socket; socket.create_connection('
                         '(%r, %d), timeout=1).close()'
                         % (self.server, self.port), check=False)
            if probe.returncode == 0:
                break
            if time.monotonic() > deadline:
                raise RuntimeError('host %d cannot reach the storage '
                                   'after restore: %s'
                                   % (host_id, probe.stderr.strip()))
            time.sleep(0.05)
        return restored

    def restore_all(self):
        """Plug every cut cable back in (without waiting)."""
        for host_id in sorted(self._cut):
            self.restore(host_id, wait=False)

    # -- checks --------------------------------------------------------

    def verify_direct_io(self):
        """Check what Fitlock relies on, through the real mounts: an
        ``O_DIRECT|O_DSYNC`` aligned 4 KiB ``pwritev`` through one host's
        mount is on the server when it returns and reads back with
        ``preadv`` through every other host's mount.

        :raises AssertionError: it is not so.
        """
        name = '.probe-%s' % self.token
        for writer in self.host_ids:
            data = (b'host %d wrote this ' % writer).ljust(storage.BLOCK,
                                                           b'.')
            path = os.path.join(self.mount_point(writer), name)
            fd = os.open(path, storage.open_flags() | os.O_CREAT, 0o600)
            try:
                storage.write_block(fd, 1, data)
            finally:
                os.close(fd)
            with open(os.path.join(self.backing, name), 'rb') as f:
                f.seek(storage.BLOCK)
                if f.read(storage.BLOCK) != data:
                    raise AssertionError('an O_DSYNC write through host '
                                         '%d\'s mount was not on the '
                                         'server when it returned' % writer)
            for reader in self.host_ids:
                fd = os.open(os.path.join(self.mount_point(reader), name),
                             storage.open_flags())
                try:
                    got = storage.read_blocks(fd, 1, 1)[0]
                finally:
                    os.close(fd)
                if got != data:
                    raise AssertionError('host %d does not read what host '
                                         '%d wrote' % (reader, writer))
        os.unlink(os.path.join(self.backing, name))

    def io_works(self, host_id, timeout):
        """Whether one O_DIRECT read of the lockspace header through host
        ``host_id``'s mount finishes (successfully) within ``timeout``.

        The read runs in a child process: a read stalled on a FUSE mount
        cannot be abandoned, and the process cannot even be killed until
        sshfs answers it (the kernel waits uninterruptibly for a request
        already sent). A probe still stalled at ``timeout`` is left to
        finish by itself (at the restore, or with EIO when the connection
        is declared dead) and reaped at clean-up.
        """
        path = storage.lockspace_path(self.mount_point(host_id),
                                      self.lockspace)
        process = subprocess.Popen(
            [sys.executable, '-I', '-S', '-c', _PROBE, path],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        process.stdout.readline()  # started; the clock starts now
        try:
            return process.wait(timeout) == 0
        except subprocess.TimeoutExpired:
            self._probes.append(process)
            return False
        finally:
            if process.poll() is not None:
                process.stdout.close()

    def _reap_probes(self):
        for process in self._probes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            process.stdout.close()
        self._probes = []


_PROBE = (
    'import mmap, os, sys\n'
    'sys.stdout.write("started\\n"); sys.stdout.flush()\n'
    'fd = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECT)\n'
    'buf = mmap.mmap(-1, 4096)\n'
    'sys.exit(0 if os.preadv(fd, [buf], 0) == 4096 else 1)\n'
)
