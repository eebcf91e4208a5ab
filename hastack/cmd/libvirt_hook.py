"""``hastack-libvirt-hook``: libvirt's qemu hook, guarding instance starts
with Fitlock instance leases.

Installed as ``/etc/libvirt/hooks/qemu`` on every HA compute host: a
symlink to this console script (``ln -s "$(command -v
hastack-libvirt-hook)" /etc/libvirt/hooks/qemu``), or a wrapper script
that sets ``HASTACK_CONFIG_FILES`` and execs it. libvirt looks for hooks
only in that compiled-in folder and only when the daemon starts (or on
SIGHUP): install it first, then (re)start libvirtd.

The calling contract (libvirt's docs/hooks.rst, "Hooks for specific system
management", and src/util/virhook.c; checked against libvirtd 9.0.0):

* argv: ``/etc/libvirt/hooks/qemu <domain name> <operation>
  <sub-operation> <extra>``; '-' stands for an absent sub-operation or
  extra (libvirt >= 10.5 passes the shutoff reason as extra of
  ``release end``).
* stdin: the full domain XML, with the domain's ``<uuid>``.
* environment: only ``LC_ALL=C``, ``PATH``, ``HOME``, ``USER``,
  ``LOGNAME``, ``TMPDIR`` and ``LD_PRELOAD``/``LD_LIBRARY_PATH``, as far as
  libvirtd has them. Anything else, ``HASTACK_CONFIG_FILES`` included,
  must be set by a wrapper script.
* exit status: libvirt waits for the hook (it must never call back into
  libvirt, and it must not hang). Non-zero from ``prepare begin`` (and
  ``start begin``) aborts the start, also of an incoming migration or a
  restore; libvirt then still runs ``stopped end`` and ``release end``.
  Non-zero from ``migrate begin``, ``restore begin`` or ``reconnect
  begin`` cancels the migration or restore, or kills the running
  domain; from ``stopped end`` and ``release end`` it is only logged.
  On failure libvirt logs the hook's stderr and puts it into the
  operation's error ("Hook script execution failed: ... unexpected exit
  status 1: <stderr>").
* stdout: read as a replacement domain XML for ``migrate begin`` and
  ``restore begin`` (empty means unchanged). This hook never writes to
  stdout.

What this hook does, keyed by the domain uuid (the Nova instance uuid),
in the first lockspace of ``[fitlock] lockspaces`` through fitlockd's
socket ``[fitlock] socket_path``:

* ``prepare begin``: acquire the instance lease. Exit 0 when this host
  holds it; 1 when another host that is or may be alive holds it (or is
  taking it right now): the start is refused; 2 when the lease could not
  be checked (fitlockd down, lockspace not healthy, storage error, bad
  configuration, timeout): the start is refused too, because an instance
  started without its lease could run on two hosts.
* ``release end``: release the lease. A lease this host does not hold
  (the start was refused, or the lease was taken over) is not an error.
* every other operation: nothing, exit 0.

On failure, one line on stderr says why. Every wait is bounded: one
deadline of ``max(MIN_TIMEOUT, F)`` seconds (``F = 8N``, ``N`` being
``[fitlock] io_timeout``; a healthy lockspace needs a few I/Os, each
bounded by ``N``) covers the whole call, waiting for a lockspace that is
still being joined (fitlockd starting or restarting) included, and an
alarm a little later ends the process whatever it is doing.

The configuration comes from ``/etc/hastack/hastack.conf``, or from the
comma-separated files in ``HASTACK_CONFIG_FILES``.

Decisions:

* Every domain is protected, not only the instances whose HA flag is set.
  The flag lives in Nova's metadata and the conductor, which a hook that
  must answer in a bounded time cannot ask; and an instance without HA
  can still be started twice (evacuate, an operator, a confused agent)
  on shared storage. A lease costs a few I/Os at start and nothing while
  the instance runs. The hook belongs on HA compute hosts, where fitlockd
  runs; on those, a domain that is not a Nova instance gets a lease named
  after its uuid just the same.
* The lease is taken without a holder pid: the QEMU process does not
  exist yet at ``prepare begin``, and the hook's own pid would make
  fitlockd release the lease as soon as the hook exits. When fitlockd
  fences, it stops the domain with ``[fitlock] fence_command`` (``virsh
  destroy {resource}``), which must be set on these hosts; ``virsh
  destroy`` returns only after libvirt has run this hook's ``release
  end``, so ``[fitlock] kill_timeout`` must leave room for it.
* Live migration between hosts running this hook is refused at the
  destination's ``prepare begin``, because the source still holds the
  lease (the safe outcome). Handing a lease over at the switch-over needs
  hooks that libvirt does not call; cold migration, resize and evacuation
  are not affected.
* fitlockd must outlive libvirtd at shutdown (order it before libvirtd),
  or the ``release end`` of the last instances fails and their leases
  stay with this host until it restarts them or is declared dead.
"""

import dataclasses
import os
import signal
import sys
import threading
import time
import uuid as uuid_mod
import xml.etree.ElementTree as ElementTree

from oslo_config import cfg

from hastack.conf import fitlock as fitlock_conf
from hastack.fitlock import client as client_mod
from hastack.fitlock import errors
from hastack.fitlock import timing as timing_mod

PROG = 'hastack-libvirt-hook'

CONFIG_ENV = 'HASTACK_CONFIG_FILES'
DEFAULT_CONFIG_FILES = ('/etc/hastack/hastack.conf',)

ACQUIRE = 'acquire'
RELEASE = 'release'
# (operation, sub-operation) -> what the hook does; anything else: nothing.
ACTIONS = {
    ('prepare', 'begin'): ACQUIRE,
    ('release', 'end'): RELEASE,
}

EXIT_OK = 0
EXIT_REFUSED = 1     # another live host holds the lease
EXIT_ERROR = 2       # the lease could not be checked (or bad invocation)

# Seconds: the shortest deadline, whatever io_timeout is.
MIN_TIMEOUT = 5.0
# Seconds the alarm adds to the deadline before it ends the process.
ALARM_GRACE = 5.0
# Seconds between two looks at a lockspace that is being joined.
JOIN_POLL = 0.25
# The domain XML is a few KiB; refuse anything absurd.
MAX_XML_BYTES = 16 * 1024 * 1024

# Release errors that mean "this host does not hold it": nothing to do.
_NOT_HELD = (errors.UnknownLease.code, errors.NotOwner.code)


class HookError(Exception):
    """The hook fails with one line on stderr and ``exit_code``."""

    def __init__(self, message, exit_code=EXIT_ERROR):
        super().__init__(message)
        self.exit_code = exit_code


class _Alarm(BaseException):
    """The hard deadline passed (raised from the SIGALRM handler)."""


@dataclasses.dataclass(frozen=True)
class Invocation:
    """One call of the hook, as libvirt's argv gives it."""

    domain: str
    operation: str
    sub_operation: str = '-'
    extra: str = '-'

    @property
    def action(self):
        """``ACQUIRE``, ``RELEASE`` or None (nothing to do)."""
        return ACTIONS.get((self.operation, self.sub_operation))


def parse_argv(args):
    """Parse libvirt's arguments (without the program name).

    :param args: ``[domain, operation, sub_operation, extra]``; libvirt
        always passes four, later arguments are ignored.
    :raises HookError: fewer than three arguments.
    """
    if len(args) < 3:
        raise HookError('expected "<domain> <operation> <sub-operation> '
                        '[<extra>]" as libvirt passes them, got %d '
                        'argument(s)' % len(args))
    return Invocation(*args[:4])


def domain_uuid(xml_data):
    """The canonical (lower-case, dashed) uuid of a domain XML.

    :param xml_data: the domain XML (bytes or str) libvirt gave on stdin.
    :raises HookError: not a domain XML, or no valid ``<uuid>``.
    """
    if not xml_data or not xml_data.strip():
        raise HookError('no domain XML on stdin')
    try:
        # The XML comes from libvirtd (root), not from a guest or a user.
        root = ElementTree.fromstring(xml_data)  # noqa: S314
    except ElementTree.ParseError as e:
        raise HookError('the domain XML on stdin is not well-formed: %s' % e)
    if root.tag != 'domain':
        raise HookError('stdin holds a <%s> document, not a <domain>'
                        % root.tag)
    element = root.find('uuid')
    if element is None or not (element.text or '').strip():
        raise HookError('the domain XML has no <uuid>')
    try:
        return str(uuid_mod.UUID(element.text.strip()))
    except ValueError:
        raise HookError('the domain XML has an invalid <uuid> %r'
                        % element.text.strip())


def config_files(environ):
    """The configuration files: ``HASTACK_CONFIG_FILES`` (comma-separated)
    when it is set and not empty, else /etc/hastack/hastack.conf."""
    value = environ.get(CONFIG_ENV, '')
    files = [f.strip() for f in value.split(',') if f.strip()]
    return files or list(DEFAULT_CONFIG_FILES)


def load_config(files):
    """A ConfigOpts with the [fitlock] options read from ``files``.

    :raises HookError: a file is missing or unreadable, or a value is
        invalid.
    """
    conf = cfg.ConfigOpts()
    fitlock_conf.register_opts(conf)
    try:
        conf(args=[], default_config_files=list(files),
             default_config_dirs=[], use_env=False)
        group = conf.fitlock
        settings = (group.socket_path, list(group.lockspaces),
                    group.io_timeout)
    except cfg.ConfigFilesNotFoundError as e:
        raise HookError('cannot read the configuration %s (set %s to use '
                        'other files)' % (', '.join(e.config_files),
                                          CONFIG_ENV))
    except (cfg.Error, ValueError) as e:
        raise HookError('bad configuration in %s: %s'
                        % (', '.join(files), e))
    if not settings[1]:
        raise HookError('[fitlock] lockspaces is empty in %s: no lockspace '
                        'to take instance leases in' % ', '.join(files))
    return conf


def timeout_for(io_timeout):
    """Seconds the whole call may take: ``max(MIN_TIMEOUT, F)``."""
    return max(MIN_TIMEOUT, timing_mod.FAIL_FACTOR * io_timeout)


def one_line(text):
    """``text`` on a single line (libvirt quotes the hook's stderr)."""
    return ' '.join(str(text).split())


class _Fitlockd:
    """Requests to fitlockd, each bounded by one overall deadline."""

    def __init__(self, socket_path, lockspace, deadline):
        self.socket_path = socket_path
        self.lockspace = lockspace
        self.deadline = deadline

    def remaining(self):
        return self.deadline - time.monotonic()

    def call(self, op, **params):
        """One request on a fresh connection.

        :raises HookError: fitlockd is unreachable or too slow.
        :raises client.RemoteError: fitlockd answered with an error.
        """
        timeout = self.remaining()
        if timeout <= 0:
            raise HookError('fitlockd did not answer in time')
        try:
            with client_mod.Client(self.socket_path,
                                   timeout=timeout) as client:
                return client.call(op, **params)
        except client_mod.RemoteError:
            raise
        except TimeoutError:
            raise HookError('fitlockd on %s did not answer within %.1f s'
                            % (self.socket_path, timeout))
        except OSError as e:
            raise HookError('fitlockd is not answering on %s: %s'
                            % (self.socket_path,
                               e.strerror or e.__class__.__name__))
        except errors.FitlockError as e:
            raise HookError('fitlockd on %s: %s' % (self.socket_path, e))
        except ValueError as e:
            raise HookError('fitlockd on %s sent a malformed reply: %s'
                            % (self.socket_path, e))

    def joining(self):
        """Whether our lockspace is being joined (so worth waiting for)."""
        try:
            status = self.call('status')
        except (HookError, client_mod.RemoteError):
            return False
        for space in (status or {}).get('lockspaces') or ():
            if space.get('lockspace') == self.lockspace:
                return space.get('state') == 'joining'
        return False

    def owner_of(self, resource):
        """Best effort: ``"host 2 (compute-2)"`` for the lease's owner."""
        try:
            view = self.call('inquire', lockspace=self.lockspace,
                             resource=resource)
        except (HookError, client_mod.RemoteError):
            return None
        if not view or view.get('owner_id') is None:
            return None
        name = view.get('owner_name')
        return 'host %s%s' % (view['owner_id'],
                              ' (%s)' % name if name else '')


def acquire(fitlockd, resource):
    """Take the instance lease; wait while the lockspace is being joined.

    :raises HookError: refused (EXIT_REFUSED) or not checked (EXIT_ERROR).
    """
    while True:
        try:
            fitlockd.call('acquire', lockspace=fitlockd.lockspace,
                          resource=resource)
            return
        except client_mod.RemoteError as e:
            if e.code == errors.LeaseBusy.code:
                raise HookError('another host is taking its instance lease '
                                'in lockspace %s right now (%s)'
                                % (fitlockd.lockspace, e), EXIT_REFUSED)
            if e.code == errors.LeaseHeld.code:
                owner = fitlockd.owner_of(resource)
                raise HookError(
                    'its instance lease in lockspace %s is held by %s, '
                    'which is or may be alive' % (fitlockd.lockspace, owner)
                    if owner else '%s (lockspace %s)'
                    % (e, fitlockd.lockspace), EXIT_REFUSED)
            if (fitlockd.remaining() > JOIN_POLL and
                    fitlockd.joining()):
                time.sleep(JOIN_POLL)
                continue
            raise HookError('could not take its instance lease in '
                            'lockspace %s: %s (%s)'
                            % (fitlockd.lockspace, e, e.code))


def release(fitlockd, resource):
    """Give the instance lease up; one not held here is fine.

    A lockspace being joined (fitlockd restarting) may not know its leases
    yet: wait for it, or the lease would stay with this host.
    """
    while True:
        try:
            fitlockd.call('release', lockspace=fitlockd.lockspace,
                          resource=resource)
            return
        except client_mod.RemoteError as e:
            if (fitlockd.remaining() > JOIN_POLL and
                    fitlockd.joining()):
                time.sleep(JOIN_POLL)
                continue
            if e.code in _NOT_HELD:
                return
            raise HookError('lockspace %s: %s (%s)'
                            % (fitlockd.lockspace, e, e.code))


def _read_stdin(stream):
    data = stream.read(MAX_XML_BYTES + 1)
    if len(data) > MAX_XML_BYTES:
        raise HookError('the domain XML on stdin exceeds %d bytes'
                        % MAX_XML_BYTES)
    return data


def run(invocation, xml_data, environ):
    """Do what ``invocation`` asks for.

    :raises HookError: with the exit code and the line to print.
    """
    action = invocation.action
    if action is None:
        return
    what = 'domain %s' % invocation.domain
    try:
        resource = domain_uuid(xml_data)
        what = 'domain %s (%s)' % (invocation.domain, resource)
        conf = load_config(config_files(environ))
        group = conf.fitlock
        fitlockd = _Fitlockd(
            group.socket_path, group.lockspaces[0],
            time.monotonic() + timeout_for(group.io_timeout))
        _with_alarm(fitlockd.remaining() + ALARM_GRACE,
                    acquire if action == ACQUIRE else release,
                    fitlockd, resource)
    except HookError as e:
        raise HookError('%s %s: %s' % (
            'refusing to start' if action == ACQUIRE else
            'could not release the instance lease of', what, e),
            e.exit_code)


def _with_alarm(seconds, function, *args):
    # The socket timeouts bound every wait; the alarm bounds whatever
    # they do not (a reply trickling in byte by byte, a bug).
    if threading.current_thread() is not threading.main_thread():
        return function(*args)

    def _expired(signum, frame):
        raise _Alarm()

    previous = signal.signal(signal.SIGALRM, _expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return function(*args)
    except _Alarm:
        raise HookError('gave up after %.0f s: fitlockd is too slow'
                        % seconds)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def main(argv=None, stdin=None, environ=None):
    """Run as libvirt's qemu hook; returns the exit status."""
    args = sys.argv[1:] if argv is None else argv
    if args[:1] in (['-h'], ['--help']):
        print(__doc__)
        return EXIT_OK
    stdin = sys.stdin.buffer if stdin is None else stdin
    environ = os.environ if environ is None else environ
    try:
        invocation = parse_argv(args)
        # Always drain stdin: libvirt writes the whole XML to it.
        xml_data = _read_stdin(stdin)
        run(invocation, xml_data, environ)
    except HookError as e:
        sys.stderr.write('%s: %s\n' % (PROG, one_line(e)))
        sys.stderr.flush()
        return e.exit_code
    return EXIT_OK
