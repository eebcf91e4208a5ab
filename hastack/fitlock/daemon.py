"""fitlockd: the per-host lease manager and its unix-socket API.

One JSON object per line each way. Requests carry ``op`` and ``id``;
replies carry the same ``id``, ``ok`` and either ``result`` or ``error``
(``code``, ``message``). Operations: ``ping``, ``join``, ``leave``,
``acquire``, ``release``, ``inquire``, ``add_holder``, ``status``,
``hosts``, ``dump``, ``register_arbiter``.

The arbiter (hastack-agent) keeps its connection open after
``register_arbiter``; fitlockd sends it ``{"op": "fence_query", "id",
"lockspace", "deadline", "timeout"}`` and ``{"op": "event", ...}`` lines,
and it answers a query with ``{"op": "fence_answer", "id", "decision":
"fence"|"no-fence", "grant_seconds"}``.

A malformed message gets an error reply; nothing a client sends can stop
the daemon or release a lease it did not name.
"""

import fcntl
import itertools
import json
import math
import os
import socket
import socketserver
import threading
import time

from oslo_log import log as logging

from hastack.fitlock import dump
from hastack.fitlock import errors
from hastack.fitlock import lockspace as lockspace_mod
from hastack.fitlock import records
from hastack.fitlock import state as state_file
from hastack.fitlock import storage
from hastack.fitlock import timing as timing_mod

LOG = logging.getLogger(__name__)

# A request line longer than this is refused (and the connection closed):
# no legitimate request comes near it.
MAX_LINE = 64 * 1024


def _is_int(value):
    # JSON true/false decode to bool, which Python counts as int.
    return isinstance(value, int) and not isinstance(value, bool)


def _checked_name(value, what):
    """A lockspace or lease name: printable UTF-8 of at most 64 bytes, no
    "/", not starting with "." (it names files in the shared folder).

    :raises BadRequest: otherwise.
    """
    problem = None
    if not isinstance(value, str) or not value:
        problem = 'must be a non-empty string'
    else:
        try:
            size = len(value.encode('utf-8'))
        except UnicodeEncodeError:
            size = None
        if size is None:
            problem = 'must be valid UTF-8'
        elif size > records.NAME_BYTES:
            problem = 'must be at most %d bytes' % records.NAME_BYTES
        elif '/' in value or value.startswith('.') or \
                not value.isprintable():
            problem = ('must not contain "/" or control characters, nor '
                       'start with "."')
    if problem:
        raise errors.BadRequest('"%s" %s' % (what, problem))
    return value


class _Arbiter:
    """The registered arbiter's connection and its pending queries."""

    def __init__(self, send):
        self.send = send
        self.answers = {}
        self.waiting = {}
        self.lock = threading.Lock()
        self.ids = itertools.count(1)

    def ask(self, lockspace, deadline):
        """Send a fence query; wait for its answer until ``deadline``."""
        query_id = 'q%d' % next(self.ids)
        event = threading.Event()
        with self.lock:
            self.waiting[query_id] = event
        timeout = max(0.0, deadline - time.monotonic())
        try:
            self.send({'op': 'fence_query', 'id': query_id,
                       'lockspace': lockspace,
                       'deadline': time.time() + timeout,
                       'timeout': timeout})
        except OSError:
            return None
        event.wait(timeout)
        with self.lock:
            self.waiting.pop(query_id, None)
            return self.answers.pop(query_id, None)

    def answered(self, message):
        """Take a ``fence_answer`` line from the arbiter."""
        with self.lock:
            event = self.waiting.get(message.get('id'))
            if event is None:
                return False
            self.answers[message['id']] = message
            event.set()
            return True


class Daemon:
    """The lockspaces of this host and the API over them.

    :param conf: the parsed ConfigOpts ([fitlock] group).
    """

    def __init__(self, conf):
        group = conf.fitlock
        self.conf = conf
        self.directory = group.directory
        self.host_id = group.host_id
        self.owner = group.host_name or conf.host
        self.timing = timing_mod.Timing(
            io_timeout=group.io_timeout, watchdog=group.watchdog_timeout,
            arbiter_wait=group.arbiter_wait, kill_time=group.kill_timeout,
            slop=group.slop).check()
        self.state_dir = group.state_dir
        self.boot = state_file.boot_id(group.boot_id_file)
        self.expiry_path = group.watchdog_expiry_file
        self.lockspaces = {}
        # {lockspace: watchdog expiry} for the holders a previous
        # incarnation of this boot left, until a join resumed or fenced
        # them.
        self.saved_expiry = {}
        self.lock = threading.Lock()
        self.arbiter = None
        self._lock_fd = None
        self._publish_lock = threading.Lock()
        self._stop = threading.Event()

    # -- life cycle ----------------------------------------------------

    def lock_state_dir(self):
        """Make sure no other fitlockd uses this state folder.

        :raises FitlockError: another daemon holds it.
        """
        os.makedirs(self.state_dir, exist_ok=True)
        fd = os.open(os.path.join(self.state_dir, 'fitlockd.lock'),
                     os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise errors.FitlockError(
                'another fitlockd already runs with state folder %s'
                % self.state_dir)
        self._lock_fd = fd
        self._load_saved_expiry()
        self.publish_expiry()

    def _load_saved_expiry(self):
        # NOTE(hastack): a previous incarnation's holders run on while we
        # start, and joining may take long (H when the slot must be
        # waited for, and lockspaces are joined one after the other).
        # Until a join has resumed or fenced them, they keep the expiry
        # where the previous incarnation left it: the watchdog resets
        # the host if nothing renews for them. Another boot's holders
        # died with it.
        for name in state_file.lockspaces(self.state_dir):
            try:
                saved = state_file.load(self.state_dir, name)
            except state_file.Unreadable as e:
                LOG.error('Lockspace %s: saved state unreadable (%s): its '
                          'holders are unknown, the watchdog is not fed',
                          name, e)
                self.saved_expiry[name] = -math.inf
                continue
            if saved and saved['boot_id'] == self.boot and saved['leases']:
                last = saved['last_renewal_monotonic']
                self.saved_expiry[name] = (
                    -math.inf if last is None
                    else last + self.timing.trusted_age)

    def join(self, name, host_id=None):
        """Join lockspace ``name`` (blocking; see Lockspace.join)."""
        with self.lock:
            if name in self.lockspaces:
                raise errors.FitlockError('lockspace %s is already joined'
                                          % name)
            host_id = host_id or self.host_id
            if not host_id:
                raise errors.BadRequest('no host_id: set [fitlock] host_id '
                                        'or pass one')
            try:
                header = storage.read_header(self.directory, name)
            except FileNotFoundError:
                raise errors.UnknownLockspace(
                    'lockspace %s does not exist in %s (fitlock init '
                    'creates it)' % (name, self.directory))
            if header.io_timeout_ms != int(self.timing.io_timeout * 1000):
                raise errors.FitlockError(
                    'lockspace %s was made with io_timeout %s s but this '
                    'host is configured with %s s; every host must use '
                    'the same, or one could take over too early'
                    % (name, header.io_timeout_ms / 1000.0,
                       self.timing.io_timeout))
            space = lockspace_mod.Lockspace(
                name, self.directory, host_id, self.owner, self.timing,
                self.state_dir, self.boot, self._ask_arbiter,
                self.conf.fitlock.fence_command,
                lambda event, detail: self._notify(name, event, detail),
                publish=self.publish_expiry)
            self.lockspaces[name] = space
        try:
            result = space.join()
        except Exception:
            with self.lock:
                self.lockspaces.pop(name, None)
            raise
        with self.lock:
            # Resumed (the lockspace's own expiry covers the leases) or
            # fenced: the saved holders no longer need the saved expiry.
            self.saved_expiry.pop(name, None)
        space.start()
        LOG.info('Joined lockspace %s as host %d generation %d%s', name,
                 host_id, result['generation'],
                 ' (resumed)' if result['resumed'] else '')
        return result

    def leave(self, name):
        """Leave a lockspace cleanly (no lease may be held)."""
        space = self._space(name)
        space.leave()
        with self.lock:
            self.lockspaces.pop(name, None)
        return {'left': name}

    def stop(self):
        """Stop renewing without releasing: a restart resumes."""
        self._stop.set()
        with self.lock:
            spaces = list(self.lockspaces.values())
        for space in spaces:
            space.stop()

    def watchdog_expiry(self):
        """Until when (monotonic) the watchdog may be fed: the earliest
        expiry of every lockspace, and of the holders a previous
        incarnation left in lockspaces not joined again yet."""
        with self.lock:
            spaces = list(self.lockspaces.values())
            saved = list(self.saved_expiry.values())
        return min([s.watchdog_expiry() for s in spaces] + saved,
                   default=math.inf)

    def publish_expiry(self):
        """Write the watchdog expiry file now (when one is configured)."""
        path = self.expiry_path
        if not path:
            return
        with self._publish_lock:
            expiry = self.watchdog_expiry()
            tmp = path + '.tmp'
            with open(tmp, 'w') as f:
                f.write('%r\n' % expiry)
            os.replace(tmp, path)

    def publish_watchdog_expiry(self, path=None):
        """Keep the expiry file up to date until the daemon stops.

        :param path: the file; defaults to ``[fitlock]
            watchdog_expiry_file``.
        """
        if path:
            self.expiry_path = path
        # Every N / 2 at most (and at least every second): the feeder
        # sees a new expiry well within one keep-alive interval.
        interval = min(1.0, self.timing.io_timeout / 2)
        while True:
            self.publish_expiry()
            if self._stop.wait(interval):
                return

    # -- arbiter -------------------------------------------------------

    def _ask_arbiter(self, lockspace, deadline):
        arbiter = self.arbiter
        if arbiter is None:
            LOG.warning('No arbiter registered: lockspace %s fences',
                        lockspace)
            return None
        return arbiter.ask(lockspace, deadline)

    def _notify(self, lockspace, event, detail):
        arbiter = self.arbiter
        if arbiter is not None:
            try:
                arbiter.send({'op': 'event', 'lockspace': lockspace,
                              'event': event, 'detail': detail})
            except OSError:
                pass

    # -- requests ------------------------------------------------------

    def _space(self, name):
        name = _checked_name(name, 'lockspace')
        with self.lock:
            space = self.lockspaces.get(name)
        if space is None:
            raise errors.UnknownLockspace('lockspace %s is not joined'
                                          % name)
        return space

    def handle(self, request):
        """Answer one request dict (not register_arbiter/fence_answer)."""
        op = request.get('op')
        handler = getattr(self, '_op_%s' % op, None) \
            if isinstance(op, str) else None
        if handler is None:
            raise errors.BadRequest('unknown op %r' % (op,))
        return handler(request)

    @staticmethod
    def _resource(request):
        return _checked_name(request.get('resource'), 'resource')

    def _op_ping(self, request):
        return {'pong': True, 'host': self.owner}

    def _op_join(self, request):
        host_id = request.get('host_id')
        if host_id is not None and not _is_int(host_id):
            raise errors.BadRequest('"host_id" must be an integer')
        return self.join(self._name(request), host_id)

    def _name(self, request):
        return _checked_name(request.get('lockspace'), 'lockspace')

    def _op_leave(self, request):
        return self.leave(self._name(request))

    def _op_acquire(self, request):
        pid = request.get('pid')
        if pid is not None and (not _is_int(pid) or pid <= 0):
            raise errors.BadRequest('"pid" must be a positive integer')
        space = self._space(request.get('lockspace'))
        leader = space.acquire(self._resource(request), pid)
        return {'resource': leader.resource, 'lver': leader.lver,
                'owner_id': leader.owner_id,
                'owner_generation': leader.owner_generation}

    def _op_release(self, request):
        space = self._space(request.get('lockspace'))
        space.release(self._resource(request))
        return {'released': request['resource']}

    def _op_add_holder(self, request):
        pid = request.get('pid')
        if not _is_int(pid) or pid <= 0:
            raise errors.BadRequest('"pid" must be a positive integer')
        space = self._space(request.get('lockspace'))
        space.add_holder(self._resource(request), pid)
        return {'resource': request['resource'], 'pid': pid}

    def _op_inquire(self, request):
        space = self._space(request.get('lockspace'))
        return space.inquire(self._resource(request))

    def _op_status(self, request):
        with self.lock:
            spaces = list(self.lockspaces.values())
        return {'host': self.owner, 'boot_id': self.boot,
                'arbiter': self.arbiter is not None,
                'lockspaces': [s.status() for s in spaces]}

    def _op_hosts(self, request):
        return {'hosts': self._space(request.get('lockspace')).hosts()}

    def _op_dump(self, request):
        name = self._name(request)
        try:
            return dump.lockspace(self.directory, name)
        except FileNotFoundError:
            raise errors.UnknownLockspace('lockspace %s does not exist in '
                                          '%s' % (name, self.directory))


class _Handler(socketserver.StreamRequestHandler):
    """One client connection: JSON lines in, JSON lines out."""

    def setup(self):
        super().setup()
        self.send_lock = threading.Lock()

    def send(self, message):
        data = (json.dumps(message) + '\n').encode()
        with self.send_lock:
            self.wfile.write(data)
            self.wfile.flush()

    def handle(self):
        daemon = self.server.daemon
        arbiter = None
        try:
            while True:
                line = self.rfile.readline(MAX_LINE + 1)
                if not line:
                    break
                if len(line) > MAX_LINE:
                    self.send({'id': None, 'ok': False, 'error': {
                        'code': 'bad_request',
                        'message': 'request longer than %d bytes'
                                   % MAX_LINE}})
                    break
                if not line.strip():
                    continue
                arbiter = self._one(daemon, line, arbiter)
        except (OSError, ValueError):
            pass
        finally:
            if arbiter is not None and daemon.arbiter is arbiter:
                daemon.arbiter = None
                LOG.warning('The arbiter disconnected')

    def _one(self, daemon, line, arbiter):
        try:
            request = json.loads(line)
            if not isinstance(request, dict):
                raise ValueError('a request is a JSON object')
        except ValueError as e:
            self.send({'id': None, 'ok': False, 'error': {
                'code': 'bad_request', 'message': 'malformed JSON: %s' % e}})
            return arbiter
        request_id = request.get('id')
        op = request.get('op')
        if op == 'fence_answer':
            if arbiter is None or not arbiter.answered(request):
                self.send({'id': request_id, 'ok': False, 'error': {
                    'code': 'bad_request',
                    'message': 'no fence query with that id is waiting'}})
            return arbiter
        if op == 'register_arbiter':
            arbiter = _Arbiter(self.send)
            daemon.arbiter = arbiter
            LOG.info('Arbiter registered')
            self.send({'id': request_id, 'ok': True,
                       'result': {'registered': True}})
            return arbiter
        try:
            result = daemon.handle(request)
            reply = {'id': request_id, 'ok': True, 'result': result}
        except errors.FitlockError as e:
            reply = {'id': request_id, 'ok': False,
                     'error': {'code': e.code, 'message': str(e)}}
        except Exception as e:  # noqa: BLE001 - the daemon keeps running
            LOG.exception('Request %s failed', op)
            reply = {'id': request_id, 'ok': False,
                     'error': {'code': 'internal', 'message': str(e)}}
        self.send(reply)
        return arbiter


class _Server(socketserver.ThreadingUnixStreamServer):
    daemon_threads = True


def serve(daemon, socket_path):
    """Listen on ``socket_path`` (replacing a stale socket file).

    :returns: the server; call ``serve_forever()`` on it.
    :raises FitlockError: a live fitlockd already listens there.
    """
    if os.path.exists(socket_path):
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(socket_path)
        except OSError:
            os.unlink(socket_path)
        else:
            raise errors.FitlockError('a fitlockd already listens on %s'
                                      % socket_path)
        finally:
            probe.close()
    os.makedirs(os.path.dirname(socket_path) or '.', exist_ok=True)
    server = _Server(socket_path, _Handler)
    os.chmod(socket_path, 0o660)
    server.daemon = daemon
    return server
