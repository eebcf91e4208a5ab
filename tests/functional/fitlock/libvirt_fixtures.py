"""The libvirt hook run as libvirt runs it, and a real libvirtd with QEMU.

:func:`run_hook` calls ``hastack-libvirt-hook`` through a symlink named
``qemu``, with libvirt's arguments, the domain XML on stdin and the scrubbed
environment libvirtd gives its hooks (LC_ALL=C, PATH, HOME), plus
``HASTACK_CONFIG_FILES``, which a wrapper sets in production when the
configuration is not /etc/hastack/hastack.conf.

:class:`Libvirtd` starts a privileged libvirtd of its own: private socket
folder, pid file and log (libvirtd.conf), in a private mount namespace
where

* ``/etc/libvirt/hooks`` is a folder of the test whose ``qemu`` is the hook
  (a wrapper that sets HASTACK_CONFIG_FILES and execs
  hastack-libvirt-hook). libvirt reads hooks only from that compiled-in
  folder (virhook.c: SYSCONFDIR "/libvirt/hooks"), only at start, and no
  configuration points elsewhere; the bind mount gives this libvirtd the
  test's hook without touching the host's /etc/libvirt/hooks.
* ``/etc/libvirt/qemu.conf`` runs QEMU as root. With the default
  libvirt-qemu user, the /dev/kvm here (root:root 0600, KVM unusable)
  makes libvirt find its cached QEMU capabilities stale on every look-up
  ("KVM was enabled when probing ..., but it is not available now") and
  re-probe both emulators each time: ``virsh create`` took 40 s instead of
  1 s, and libvirtd 12 s instead of 0.4 s to start.

Domains are transient (``virsh create``), diskless and ``type='qemu'``
(TCG). Packages: tools/install-test-packages.sh.
"""

import fcntl
import os
import re
import shlex
import shutil
import socket
import subprocess
import time

import fixtures
from testtools import content

from tests.functional.fitlock import fixtures as fl

HOOK = os.path.join(fl.BIN, 'hastack-libvirt-hook')
HOOKS_DIR = '/etc/libvirt/hooks'
QEMU_CONF = '/etc/libvirt/qemu.conf'
VIRTLOGD_SOCK = '/run/libvirt/virtlogd-sock'
SYSTEM_QEMU_DRIVER_PID = '/run/libvirt/qemu/driver.pid'
DOMAIN_PREFIX = 'hastack-hook-test-'
INSTALL_SCRIPT = 'tools/install-test-packages.sh'
# libvirtd's debug line for each hook call (util.hook, libvirt 9.0).
_HOOK_CALL = re.compile(r'Calling hook /etc/libvirt/hooks/qemu id=(\S+) '
                        r'op=(\S+) subop=(\S+) extra=(\S+)')


def domain_xml(name, uuid, memory_mib=64):
    """A diskless TCG domain: it boots nothing, which is all we need."""
    return ("<domain type='qemu'>\n"
            "  <name>%s</name>\n"
            "  <uuid>%s</uuid>\n"
            "  <memory unit='MiB'>%d</memory>\n"
            "  <vcpu>1</vcpu>\n"
            "  <os><type arch='x86_64'>hvm</type></os>\n"
            "  <devices>\n"
            "    <emulator>/usr/bin/qemu-system-x86_64</emulator>\n"
            "  </devices>\n"
            "</domain>\n" % (name, uuid, memory_mib))


def libvirt_environment(config_files=None):
    """The environment libvirtd (9.0) gives a hook, plus our config."""
    env = {'LC_ALL': 'C', 'PATH': os.environ.get('PATH', '/usr/bin:/bin'),
           'HOME': os.environ.get('HOME', '/root')}
    if config_files:
        env['HASTACK_CONFIG_FILES'] = ','.join(config_files)
    return env


class HookDir(fixtures.Fixture):
    """A hooks folder: ``qemu`` is a symlink to hastack-libvirt-hook, as
    an operator installs it.

    :ivar qemu: the hook's path.
    """

    def _setUp(self):
        self.path = self.useFixture(fixtures.TempDir()).path
        self.qemu = os.path.join(self.path, 'qemu')
        os.symlink(HOOK, self.qemu)


class ConfigCopy(fixtures.Fixture):
    """A copy of the config file ``source`` with ``old`` replaced by
    ``new``.

    :ivar path: the copy.
    """

    def __init__(self, source, old, new):
        super().__init__()
        self.source = source
        self.old = old
        self.new = new

    def _setUp(self):
        with open(self.source) as f:
            text = f.read()
        if self.old not in text:
            raise AssertionError('%r is not in %s' % (self.old, self.source))
        self.path = os.path.join(self.useFixture(fixtures.TempDir()).path,
                                 'hastack.conf')
        with open(self.path, 'w') as f:
            f.write(text.replace(self.old, self.new))


def run_hook(hook, domain, operation, sub_operation='-', extra='-',
             xml='', config_files=None, timeout=60):
    """Run the hook as libvirtd does; the CompletedProcess, with
    ``elapsed`` (seconds) added."""
    started = time.monotonic()
    result = subprocess.run(
        [hook, domain, operation, sub_operation, extra],
        input=xml.encode(), capture_output=True, timeout=timeout,
        env=libvirt_environment(config_files), cwd='/', check=False)
    result.elapsed = time.monotonic() - started
    result.err = result.stderr.decode('utf-8', 'replace')
    return result


def _connects(path):
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    probe.settimeout(2)
    try:
        probe.connect(path)
        return True
    except OSError:
        return False
    finally:
        probe.close()


def _tail(path, lines=15):
    try:
        with open(path, encoding='utf-8', errors='replace') as f:
            return ' | '.join(f.read().strip().splitlines()[-lines:])
    except OSError as e:
        return '(no log: %s)' % e


def _driver_pid_locked():
    """Whether another privileged libvirtd/virtqemud runs the QEMU driver
    (it holds a lock on its pid file)."""
    try:
        fd = os.open(SYSTEM_QEMU_DRIVER_PID, os.O_RDWR)
    except OSError:
        return False
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.lockf(fd, fcntl.LOCK_UN)
        return False
    except OSError:
        return True
    finally:
        os.close(fd)


def unavailable_reason():
    """Why a private libvirtd cannot run here, or None."""
    if os.geteuid() != 0:
        return ('not root: a privileged libvirtd (the one Nova uses) needs '
                'root, and so do the bind mounts of its hook folder')
    for tool in ('libvirtd', 'virtlogd', 'virsh', 'qemu-system-x86_64',
                 'unshare'):
        if shutil.which(tool) is None:
            return ('%s is not installed (%s installs libvirt and QEMU)'
                    % (tool, INSTALL_SCRIPT))
    if not os.path.isfile(QEMU_CONF):
        return '%s is missing (libvirt-daemon-driver-qemu)' % QEMU_CONF
    if _driver_pid_locked():
        return ('another libvirtd already runs the QEMU driver (%s is '
                'locked); a second privileged one cannot start'
                % SYSTEM_QEMU_DRIVER_PID)
    return None


class Unavailable(Exception):
    """libvirtd cannot run here; the message says exactly why."""


def use_libvirtd(test, config_files):
    """Start a :class:`Libvirtd` for ``test`` (its log becomes the
    test's ``libvirtd-log`` detail), or skip the test saying why."""
    reason = unavailable_reason()
    if reason:
        test.skipTest('no real libvirtd: %s' % reason)
    libvirtd = Libvirtd(config_files)
    try:
        libvirtd.setUp()
    except fixtures.MultipleExceptions as e:
        if isinstance(e.args[0][1], Unavailable):
            test.skipTest('no real libvirtd: %s' % e.args[0][1])
        raise
    test.addCleanup(libvirtd.cleanUp)
    # Runs before the cleanUp above, while the log still exists.
    test.addCleanup(lambda: test.addDetail(
        'libvirtd-log', content.content_from_file(libvirtd.log_path,
                                                  buffer_now=True)))
    return libvirtd


class Libvirtd(fixtures.Fixture):
    """A privileged libvirtd of its own (see the module docstring), whose
    /etc/libvirt/hooks/qemu is a wrapper that sets HASTACK_CONFIG_FILES to
    ``config_files`` and execs hastack-libvirt-hook.

    :raises Unavailable: libvirtd cannot run here (see use_libvirtd).
    """

    def __init__(self, config_files, start_timeout=90):
        super().__init__()
        self.config_files = config_files
        self.start_timeout = start_timeout
        self.domains = set()
        self.process = None

    def _setUp(self):
        reason = unavailable_reason()
        if reason:
            raise Unavailable(reason)
        self.home = self.useFixture(fixtures.TempDir()).path
        self._hook_folder()
        self._virtlogd()
        self._libvirtd()

    def _hook_folder(self):
        self.hooks_dir = os.path.join(self.home, 'hooks')
        os.mkdir(self.hooks_dir)
        with open(os.path.join(self.hooks_dir, 'qemu'), 'w') as f:
            f.write('#!/bin/sh\n'
                    '# libvirtd passes hooks no other environment.\n'
                    'HASTACK_CONFIG_FILES=%s\nexport HASTACK_CONFIG_FILES\n'
                    'exec %s "$@"\n'
                    % (shlex.quote(','.join(self.config_files)),
                       shlex.quote(HOOK)))
            os.fchmod(f.fileno(), 0o755)
        self.qemu_conf = os.path.join(self.home, 'qemu.conf')
        with open(self.qemu_conf, 'w') as f:
            f.write('user = "root"\ngroup = "root"\n')
        # The mount point; libvirt's docs say to create it by hand anyway.
        os.makedirs(HOOKS_DIR, exist_ok=True)

    def _virtlogd(self):
        # libvirtd sends QEMU's output through virtlogd's fixed socket.
        if _connects(VIRTLOGD_SOCK):
            return
        log = open(os.path.join(self.home, 'virtlogd.log'), 'ab')
        self.addCleanup(log.close)
        process = subprocess.Popen(
            ['virtlogd', '-p', os.path.join(self.home, 'virtlogd.pid')],
            stdout=log, stderr=subprocess.STDOUT)
        self.addCleanup(self._stop, process)
        deadline = time.monotonic() + 20
        while not _connects(VIRTLOGD_SOCK):
            if process.poll() is not None or time.monotonic() > deadline:
                raise Unavailable(
                    'virtlogd did not start: %s'
                    % _tail(os.path.join(self.home, 'virtlogd.log')))
            time.sleep(0.05)

    def _libvirtd(self):
        sock_dir = os.path.join(self.home, 'sock')
        os.makedirs(sock_dir)
        self.log_path = os.path.join(self.home, 'libvirtd.log')
        config = os.path.join(self.home, 'libvirtd.conf')
        with open(config, 'w') as f:
            f.write('unix_sock_dir = "%s"\nunix_sock_group = "root"\n'
                    'unix_sock_ro_perms = "0700"\n'
                    'unix_sock_rw_perms = "0700"\n'
                    'auth_unix_ro = "none"\nauth_unix_rw = "none"\n'
                    # Errors, and every hook call libvirtd makes.
                    'log_filters = "1:util.hook 3:*"\n'
                    'log_outputs = "1:file:%s"\n'
                    % (sock_dir, self.log_path))
        self.socket = os.path.join(sock_dir, 'libvirt-sock')
        self.uri = 'qemu:///system?socket=%s' % self.socket
        out = open(os.path.join(self.home, 'libvirtd.out'), 'ab')
        self.addCleanup(out.close)
        started = time.monotonic()
        # unshare execs the shell, which execs libvirtd: one pid.
        self.process = subprocess.Popen(
            ['unshare', '--mount', '--propagation', 'private', '--', 'sh',
             '-ec', 'mount --bind "$1" %s; mount --bind "$2" %s; shift 2; '
             'exec libvirtd "$@"' % (HOOKS_DIR, QEMU_CONF), 'sh',
             self.hooks_dir, self.qemu_conf, '-f', config,
             '-p', os.path.join(self.home, 'libvirtd.pid')],
            stdout=out, stderr=subprocess.STDOUT)
        self.addCleanup(self._shutdown)
        deadline = started + self.start_timeout
        while not _connects(self.socket):
            if self.process.poll() is not None:
                raise Unavailable(
                    'libvirtd exited with %s: %s %s'
                    % (self.process.returncode,
                       _tail(os.path.join(self.home, 'libvirtd.out')),
                       _tail(self.log_path)))
            if time.monotonic() > deadline:
                raise Unavailable(
                    'libvirtd did not listen within %s s: %s'
                    % (self.start_timeout, _tail(self.log_path)))
            time.sleep(0.1)
        version = self.virsh('version')
        if version.returncode != 0:
            raise Unavailable(
                'the QEMU driver of libvirtd does not answer: %s %s'
                % (version.err.strip(), _tail(self.log_path)))
        self.startup_time = time.monotonic() - started

    def virsh(self, *args, timeout=60):
        """Run virsh against this libvirtd; the CompletedProcess (with
        ``out``, ``err`` as text and ``elapsed``)."""
        started = time.monotonic()
        result = subprocess.run(['virsh', '-c', self.uri] + list(args),
                                capture_output=True, timeout=timeout,
                                check=False)
        result.elapsed = time.monotonic() - started
        result.out = result.stdout.decode('utf-8', 'replace')
        result.err = result.stderr.decode('utf-8', 'replace')
        return result

    def create(self, name, uuid):
        """``virsh create`` a transient domain (started by that)."""
        assert name.startswith(DOMAIN_PREFIX), name
        path = os.path.join(self.home, '%s.xml' % name)
        with open(path, 'w') as f:
            f.write(domain_xml(name, uuid))
        self.domains.add(name)
        return self.virsh('create', path)

    def hook_calls(self, name):
        """The (operation, sub-operation, extra) of each qemu hook call
        libvirtd logged for domain ``name``, in order."""
        calls = []
        with open(self.log_path, errors='replace') as f:
            for line in f:
                match = _HOOK_CALL.search(line)
                if match and match.group(1) == name:
                    calls.append(match.group(2, 3, 4))
        return calls

    def running(self):
        """Names of the running domains."""
        return set(self.virsh('list', '--name').out.split())

    def _shutdown(self):
        # Domains outlive libvirtd: destroy ours first.
        if self.process.poll() is None:
            for name in self.running() & self.domains:
                self.virsh('destroy', name)
        self._stop(self.process)
        for name in self.domains:
            for suffix in ('', '.1'):
                path = '/var/log/libvirt/qemu/%s.log%s' % (name, suffix)
                if os.path.exists(path):
                    os.unlink(path)

    @staticmethod
    def _stop(process):
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
