"""Real etcd clusters, plane networks and test hosts for functional tests.

These fixtures build the test environment of the design brief (section 7)
out of real parts on this machine:

- :class:`EtcdCluster`: one single-member etcd cluster (Debian's
  ``etcd-server``) on free ports, never the default 2379/2380.
- :class:`PlaneNetwork`: the three plane bridges (mgmt, service, storage)
  in the root network namespace, each with a private test subnet and an
  address of its own.
- :class:`PlaneClusters`: one :class:`EtcdCluster` per plane, bound to
  that plane's bridge address.
- :class:`TestHost`: a network namespace with one veth per plane, standing
  for a compute host; a plane can be cut (a pulled cable) and restored,
  and the host crashed (every process in it killed).
- :class:`TcpForwarder`: a threaded TCP relay that makes a loopback-only
  service (RabbitMQ, a database) reachable from inside the namespaces over
  the mgmt bridge address.

Everything is removed on cleanup, also when the test fails. Names carry a
random suffix so parallel test processes do not collide, and a network
left behind by a test process that was killed is removed by the next
:class:`PlaneNetwork` set up on the machine.

Things to know:

- A cut plane times out (packets are lost); it does not fail fast. Clients
  need a timeout (:meth:`EtcdCluster.client` sets 5 s by default).
- ``ip netns exec`` gives each command a private mount namespace: a mount
  made inside :meth:`TestHost.run` is not seen by anybody else.
- etcd and processes in test hosts die with the test process only when
  started from the main thread (parent-death signal); a network left
  behind is swept by the next :class:`PlaneNetwork`.
- Importing ``etcd3gw`` prints an EventletDeprecationWarning (through
  futurist) on stderr.

Needs root, ``ip`` (iproute2) and ``etcd`` (``etcd-server``);
``tools/install-test-packages.sh`` installs them. :func:`skip_reason`
says why they cannot run here.
"""

import contextlib
import fcntl
import http.client
import ipaddress
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid

import etcd3gw
import fixtures
import requests

from hastack.common import states

#: The planes, in the order of a plane vector.
PLANES = states.PLANES
#: Interface name of each plane inside a test host.
INTERFACES = {'mgmt': 'eth-mgmt', 'service': 'eth-svc', 'storage': 'eth-sto'}
#: Short name of each plane, used in bridge and veth names.
SHORT = {'mgmt': 'mgmt', 'service': 'svc', 'storage': 'sto'}
_ALIASES = {'mgmt': 'mgmt', 'management': 'mgmt',
            'service': 'service', 'svc': 'service',
            'storage': 'storage', 'sto': 'storage'}

#: The private range plane subnets are taken from (one /24 per plane);
#: ``HASTACK_TEST_NET_RANGE`` overrides it. Subnets already routed on the
#: machine are never used.
NET_RANGE = ipaddress.ip_network(
    os.environ.get('HASTACK_TEST_NET_RANGE', '10.199.0.0/16'))
#: Host part of the bridge address and of the first test host.
BRIDGE_HOST = 1
FIRST_HOST = 10

ETCD_DEFAULT_PORTS = (2379, 2380)
LOCK_FILE = '/run/lock/hastack-net-test.lock'
STATE_DIR = '/run/hastack-net-test'
_IFNAMSIZ = 15
_NAME_RE = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_.-]*$')


def plane_name(plane):
    """The canonical plane name (``mgmt``/``service``/``storage``) of
    ``plane``; ``management``, ``svc`` and ``sto`` are accepted too."""
    try:
        return _ALIASES[plane]
    except KeyError:
        raise ValueError('unknown plane %r (one of %s)'
                         % (plane, ', '.join(sorted(_ALIASES))))


def skip_reason():
    """Why these fixtures cannot run here, or None."""
    if os.geteuid() != 0:
        return 'network test fixtures need root'
    for binary in ('ip', 'etcd'):
        if shutil.which(binary) is None:
            return ('%s is not installed '
                    '(tools/install-test-packages.sh)' % binary)
    return None


def _main_thread():
    return threading.current_thread() is threading.main_thread()


def _die_with_parent(argv):
    """``argv`` prefixed to get SIGKILL when the test process dies.

    Only from the main thread: the kernel sends the signal when the
    *thread* that forked the child exits, so a child started from a helper
    thread would die with that thread.
    """
    if _main_thread() and shutil.which('setpriv'):
        return ['setpriv', '--pdeathsig', 'KILL', '--'] + list(argv)
    return list(argv)


def _ip(*args, batch=None, namespace=None, check=True):
    """Run ``ip``; ``batch`` is a list of command lines for ``-batch -``."""
    argv = ['ip']
    if namespace:
        argv += ['-n', namespace]
    argv += list(args)
    if batch is not None:
        argv += ['-batch', '-']
    proc = subprocess.run(argv, input='\n'.join(batch or []) + '\n',
                          capture_output=True, text=True, timeout=30,
                          check=False)
    if check and proc.returncode:
        raise RuntimeError('%s failed (%d): %s%s'
                           % (' '.join(argv), proc.returncode,
                              proc.stderr.strip(),
                              ('\n' + '\n'.join(batch)) if batch else ''))
    return proc


def _link_names():
    out = _ip('-o', 'link', 'show').stdout
    return {line.split(':', 2)[1].strip().split('@')[0]
            for line in out.splitlines() if ':' in line}


def _namespaces():
    try:
        return set(os.listdir('/run/netns'))
    except FileNotFoundError:
        return set()


def _used_networks():
    """Every IPv4 network routed or addressed on the machine (root ns)."""
    used = []
    routes = json.loads(_ip('-j', '-4', 'route', 'show', 'table',
                            'all').stdout or '[]')
    for route in routes:
        dst = route.get('dst')
        if not dst or dst == 'default':
            continue
        try:
            used.append(ipaddress.ip_network(dst, strict=False))
        except ValueError:
            pass
    for link in json.loads(_ip('-j', '-4', 'addr', 'show').stdout or '[]'):
        for info in link.get('addr_info', []):
            used.append(ipaddress.ip_network(
                '%s/%s' % (info['local'], info['prefixlen']), strict=False))
    return used


def namespace_pids(namespace):
    """Pids of the processes whose network namespace is ``namespace``."""
    try:
        target = os.stat('/run/netns/%s' % namespace)
    except FileNotFoundError:
        return []
    pids = []
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            st = os.stat('/proc/%s/ns/net' % entry)
        except OSError:
            continue
        if (st.st_dev, st.st_ino) == (target.st_dev, target.st_ino):
            pids.append(int(entry))
    return pids


def kill_namespace(namespace, sig=signal.SIGKILL, timeout=10):
    """Send ``sig`` to every process of ``namespace`` until none is left
    (SIGKILL) or once (other signals); returns the pids signalled."""
    killed = []
    deadline = time.monotonic() + timeout
    while True:
        pids = namespace_pids(namespace)
        if not pids:
            return killed
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
            if pid not in killed:
                killed.append(pid)
        if sig != signal.SIGKILL:
            return killed
        if time.monotonic() > deadline:
            raise RuntimeError('processes %s of %s survive SIGKILL'
                               % (pids, namespace))
        time.sleep(0.01)


def _delete_by_suffix(suffix):
    """Remove the namespaces, veths and bridges named with ``suffix``."""
    for ns in sorted(_namespaces()):
        if ns.startswith('hastack-%s-' % suffix):
            kill_namespace(ns)
            _ip('netns', 'delete', ns, check=False)
    for link in sorted(_link_names()):
        if link.startswith('v%s-' % suffix):
            _ip('link', 'delete', link, check=False)
    for link in sorted(_link_names()):
        if link.startswith('br-') and link.endswith('-%s' % suffix):
            _ip('link', 'delete', link, check=False)


def _process_start(pid):
    try:
        with open('/proc/%d/stat' % pid) as f:
            return f.read().rsplit(')', 1)[1].split()[19]
    except (OSError, IndexError):
        return None


@contextlib.contextmanager
def _machine_lock():
    """Serialize subnet choice and namespace creation between processes."""
    os.makedirs(os.path.dirname(LOCK_FILE), exist_ok=True)
    with open(LOCK_FILE, 'a') as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _sweep_stale():
    """Remove the networks of test processes that died (call locked)."""
    try:
        entries = os.listdir(STATE_DIR)
    except FileNotFoundError:
        return
    for suffix in entries:
        path = os.path.join(STATE_DIR, suffix)
        try:
            with open(path) as f:
                pid, start = f.read().split()
        except (OSError, ValueError):
            continue
        if _process_start(int(pid)) == start:
            continue
        _delete_by_suffix(suffix)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def free_port(address='127.0.0.1', avoid=()):
    """A TCP port on ``address`` that nothing listens on right now
    (bound to port 0); never one of etcd's default ports or ``avoid``."""
    while True:
        with socket.socket() as s:
            s.bind((address, 0))
            port = s.getsockname()[1]
        if port not in ETCD_DEFAULT_PORTS and port not in avoid:
            return port


class EtcdCluster(fixtures.Fixture):
    """A single-member etcd cluster in a temporary data folder.

    :param name: member name and cluster token.
    :param client_address: address to listen on for clients and peers,
        e.g. a plane bridge address; loopback by default.
    :param client_port: client port; a free one by default (picked by
        binding port 0, and picked again if another process takes it
        before etcd does).
    :param peer_port: peer port; free one by default.

    :ivar endpoint: ``http://<client_address>:<client_port>``.
    :ivar client_port: the client port in use.
    :ivar peer_port: the peer port in use.
    :ivar data_dir: the member's data folder (kept across stop/start).
    :ivar log_path: etcd's log (warn level, zap); :meth:`log` reads it.
    :ivar process: the running ``subprocess.Popen`` or None.
    """

    #: Seconds a start may take before it counts as failed.
    START_TIMEOUT = 20
    #: How often the ports are picked again when a port race is lost.
    PORT_ATTEMPTS = 5
    #: Raft timing (ms). A single member cannot lose its leadership, so
    #: short timeouts only make it elect itself (start, restart) in ~0.15 s
    #: instead of 0.4-0.9 s with etcd's defaults (100/1000), for ~2% of a
    #: core while idle.
    HEARTBEAT_INTERVAL = 20
    ELECTION_TIMEOUT = 200

    def __init__(self, name, client_address='127.0.0.1', client_port=None,
                 peer_port=None):
        super().__init__()
        for port in (client_port, peer_port):
            if port in ETCD_DEFAULT_PORTS:
                raise ValueError('etcd default port %d is not for tests'
                                 % port)
        self.name = name
        self.client_address = client_address
        self.client_port = client_port
        self.peer_port = peer_port
        self._fixed_ports = client_port is not None or peer_port is not None
        self.process = None
        self._paused = False

    def _setUp(self):
        folder = self.useFixture(fixtures.TempDir()).path
        self.data_dir = os.path.join(folder, 'data')
        self.log_path = os.path.join(folder, 'etcd.log')
        self.addCleanup(self._cleanup)
        attempts = 1 if self._fixed_ports else self.PORT_ATTEMPTS
        for attempt in range(attempts):
            if self.client_port is None or attempt:
                self.client_port = free_port(self.client_address)
            if self.peer_port is None or attempt:
                self.peer_port = free_port(self.client_address,
                                           avoid=(self.client_port,))
            try:
                self.start()
                return
            except _PortTaken:
                if attempt == attempts - 1:
                    raise
                # The data folder may hold a half-made member: start over.
                shutil.rmtree(self.data_dir, ignore_errors=True)

    @property
    def endpoint(self):
        """The client URL, ``http://<client_address>:<client_port>``."""
        return 'http://%s:%d' % (self._url_host(), self.client_port)

    @property
    def peer_url(self):
        """The peer URL (same address, :attr:`peer_port`)."""
        return 'http://%s:%d' % (self._url_host(), self.peer_port)

    def _url_host(self):
        if ':' in self.client_address:
            return '[%s]' % self.client_address
        return self.client_address

    @property
    def pid(self):
        """The etcd process id, or None while stopped."""
        return self.process.pid if self.process else None

    def running(self):
        """True while the etcd process lives (paused or not)."""
        return self.process is not None and self.process.poll() is None

    def _argv(self):
        return ['etcd',
                '--name', self.name,
                '--data-dir', self.data_dir,
                '--listen-client-urls', self.endpoint,
                '--advertise-client-urls', self.endpoint,
                '--listen-peer-urls', self.peer_url,
                '--initial-advertise-peer-urls', self.peer_url,
                '--initial-cluster', '%s=%s' % (self.name, self.peer_url),
                '--initial-cluster-state', 'new',
                '--initial-cluster-token', self.name,
                '--heartbeat-interval', str(self.HEARTBEAT_INTERVAL),
                '--election-timeout', str(self.ELECTION_TIMEOUT),
                '--log-level', 'warn', '--logger', 'zap']

    def start(self, timeout=None):
        """Start etcd (again) on the same data folder and ports and wait
        until it reports healthy. Nothing happens while it runs."""
        if self.running():
            return
        timeout = self.START_TIMEOUT if timeout is None else timeout
        with open(self.log_path, 'ab') as log:
            log.write(b'--- start\n')
            log.flush()
            self.process = subprocess.Popen(
                _die_with_parent(self._argv()), stdout=log,
                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self._paused = False
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                text = self.log()
                self.process = None
                if 'address already in use' in text.rsplit('--- start',
                                                           1)[-1]:
                    raise _PortTaken('etcd %s: port taken:\n%s'
                                     % (self.name, text))
                raise RuntimeError('etcd %s exited on start:\n%s'
                                   % (self.name, text))
            if self.healthy(timeout=1):
                return
            if time.monotonic() > deadline:
                self.stop(graceful=False)
                raise RuntimeError('etcd %s not healthy after %ss:\n%s'
                                   % (self.name, timeout, self.log()))
            time.sleep(0.02)

    def stop(self, graceful=True, timeout=10):
        """Stop etcd (SIGTERM, or SIGKILL when not ``graceful``); its data
        folder and ports stay for :meth:`start`."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        if self._paused:
            process.send_signal(signal.SIGCONT)
            self._paused = False
        if graceful:
            process.terminate()
            try:
                process.wait(timeout)
                return
            except subprocess.TimeoutExpired:
                pass
        process.kill()
        process.wait(timeout)

    def pause(self):
        """Freeze etcd (SIGSTOP): its ports still accept connections but
        no request is answered, like a hung, unhealthy cluster."""
        if not self.running():
            raise RuntimeError('etcd %s is not running' % self.name)
        self.process.send_signal(signal.SIGSTOP)
        self._paused = True

    def resume(self):
        """Undo :meth:`pause` (SIGCONT)."""
        if self.running():
            self.process.send_signal(signal.SIGCONT)
        self._paused = False

    @property
    def paused(self):
        """True between :meth:`pause` and :meth:`resume`."""
        return self._paused

    def healthy(self, timeout=1.0):
        """True when ``GET /health`` answers ``"health": "true"`` within
        ``timeout`` seconds."""
        conn = http.client.HTTPConnection(self.client_address,
                                          self.client_port, timeout=timeout)
        try:
            conn.request('GET', '/health')
            resp = conn.getresponse()
            body = json.loads(resp.read() or b'{}')
            return resp.status == 200 and body.get('health') == 'true'
        except (OSError, ValueError, http.client.HTTPException):
            return False
        finally:
            conn.close()

    def client(self, timeout=5.0):
        """An ``etcd3gw`` client of this cluster (``/v3/`` gateway,
        discovered from ``/version``) whose requests give up after
        ``timeout`` seconds and never go through a proxy."""
        session = requests.Session()
        session.trust_env = False
        return etcd3gw.client(host=self.client_address,
                              port=self.client_port, timeout=timeout,
                              session=session)

    def log(self):
        """What etcd wrote to its log so far."""
        try:
            with open(self.log_path, encoding='utf-8',
                      errors='replace') as f:
                return f.read()
        except FileNotFoundError:
            return ''

    def _cleanup(self):
        self.stop(graceful=False)


class _PortTaken(RuntimeError):
    pass


class PlaneNetwork(fixtures.Fixture):
    """The three plane bridges in the root network namespace.

    Each plane gets a /24 from :data:`NET_RANGE` that nothing on the
    machine routes yet, a bridge ``br-<mgmt|svc|sto>-<suffix>`` and the
    subnet's ``.1`` address on that bridge. Processes of the test (an etcd
    cluster, a :class:`TcpForwarder`) bind to the bridge addresses to be
    reachable from :class:`TestHost` namespaces over that plane only.

    :ivar suffix: six hex digits that name this network's interfaces and
        namespaces.
    :ivar bridges: plane -> bridge name.
    :ivar subnets: plane -> ``ipaddress.IPv4Network``.
    :ivar addresses: plane -> bridge address (str).
    """

    def __init__(self):
        super().__init__()
        self._next_index = 0
        self._index_lock = threading.Lock()

    def _setUp(self):
        self.bridges = {}
        self.subnets = {}
        self.addresses = {}
        with _machine_lock():
            _sweep_stale()
            links = _link_names()
            while True:
                self.suffix = uuid.uuid4().hex[:6]
                if not any(self.suffix in name for name in links):
                    break
            self._register()
            self.addCleanup(self._cleanup)
            subnets = self._choose_subnets()
            commands = []
            for plane, subnet in zip(PLANES, subnets, strict=True):
                bridge = 'br-%s-%s' % (SHORT[plane], self.suffix)
                address = subnet.network_address + BRIDGE_HOST
                self.bridges[plane] = bridge
                self.subnets[plane] = subnet
                self.addresses[plane] = str(address)
                commands += [
                    'link add %s type bridge' % bridge,
                    'addr add %s/%d dev %s' % (address, subnet.prefixlen,
                                               bridge),
                    'link set %s up' % bridge,
                ]
            _ip(batch=commands)

    def _register(self):
        os.makedirs(STATE_DIR, exist_ok=True)
        self._state_file = os.path.join(STATE_DIR, self.suffix)
        with open(self._state_file, 'w') as f:
            f.write('%d %s\n' % (os.getpid(), _process_start(os.getpid())))

    @staticmethod
    def _choose_subnets():
        used = _used_networks()
        blocks = list(NET_RANGE.subnets(new_prefix=24))
        groups = [blocks[i:i + 3] for i in range(0, len(blocks) - 2, 3)]
        order = sorted(range(len(groups)),
                       key=lambda _: uuid.uuid4().int)
        for i in order:
            if not any(s.overlaps(u) for s in groups[i] for u in used):
                return groups[i]
        raise RuntimeError('no free /24 triple left in %s' % NET_RANGE)

    def bridge_address(self, plane):
        """The root namespace's address on ``plane``'s bridge."""
        return self.addresses[plane_name(plane)]

    def host_address(self, index, plane):
        """The address test host number ``index`` gets on ``plane``."""
        subnet = self.subnets[plane_name(plane)]
        address = subnet.network_address + FIRST_HOST + index
        if address >= subnet.broadcast_address:
            raise RuntimeError('too many test hosts on %s' % subnet)
        return str(address)

    def _allocate_index(self):
        with self._index_lock:
            index, self._next_index = self._next_index, self._next_index + 1
        return index

    def _cleanup(self):
        with _machine_lock():
            _delete_by_suffix(self.suffix)
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._state_file)


class PlaneClusters(fixtures.Fixture):
    """One :class:`EtcdCluster` per plane, bound to the plane's bridge
    address, so a test host reaches each only over that plane.

    :ivar clusters: plane -> :class:`EtcdCluster`.
    :ivar endpoints: plane -> endpoint URL.
    """

    def __init__(self, network, name_prefix='plane'):
        super().__init__()
        self.network = network
        self.name_prefix = name_prefix

    def _setUp(self):
        self.clusters = {}
        for plane in PLANES:
            self.clusters[plane] = self.useFixture(EtcdCluster(
                '%s-%s' % (self.name_prefix, plane),
                client_address=self.network.bridge_address(plane)))
        self.endpoints = {p: c.endpoint for p, c in self.clusters.items()}

    def __getitem__(self, plane):
        return self.clusters[plane_name(plane)]


class TestHost(fixtures.Fixture):
    """A compute host: network namespace ``hastack-<suffix>-<name>`` on a
    :class:`PlaneNetwork`.

    For each plane a veth pair: the host-side end ``v<suffix>-<n><short>``
    is a port of the plane's bridge in the root namespace, the other end is
    ``eth-mgmt``/``eth-svc``/``eth-sto`` inside the namespace with the
    host's address in the plane's subnet. Loopback is up; there is no
    default route.

    :ivar name: the host name given.
    :ivar namespace: the namespace's name.
    :ivar index: the host's number on its network.
    :ivar addresses: plane -> the host's address (str).
    :ivar interfaces: plane -> interface name inside the namespace.
    :ivar veths: plane -> host-side veth name in the root namespace.
    """

    __test__ = False  # not a test case, whatever its name says

    def __init__(self, network, name):
        super().__init__()
        if not _NAME_RE.match(name):
            raise ValueError('bad test host name %r' % name)
        self.network = network
        self.name = name
        self._processes = []

    def _setUp(self):
        net = self.network
        self.index = net._allocate_index()
        self.namespace = 'hastack-%s-%s' % (net.suffix, self.name)
        self.addresses = {p: net.host_address(self.index, p)
                          for p in PLANES}
        self.interfaces = dict(INTERFACES)
        self.veths = {p: 'v%s-%d%s' % (net.suffix, self.index, SHORT[p])
                      for p in PLANES}
        for veth in self.veths.values():
            if len(veth) > _IFNAMSIZ:
                raise RuntimeError('interface name %s too long' % veth)
        with _machine_lock():
            if self.namespace in _namespaces():
                raise RuntimeError('namespace %s exists' % self.namespace)
            _ip('netns', 'add', self.namespace)
        self.addCleanup(self._cleanup)
        root = []
        inside = ['link set lo up']
        for plane in PLANES:
            veth, peer = self.veths[plane], self.interfaces[plane]
            root += ['link add %s type veth peer name %s netns %s'
                     % (veth, peer, self.namespace),
                     'link set %s master %s' % (veth,
                                                net.bridges[plane]),
                     'link set %s up' % veth]
            subnet = net.subnets[plane]
            inside += ['addr add %s/%d dev %s' % (self.addresses[plane],
                                                  subnet.prefixlen, peer),
                       'link set %s up' % peer]
        _ip(batch=root)
        _ip(batch=inside, namespace=self.namespace)

    def address(self, plane):
        """The host's address on ``plane``."""
        return self.addresses[plane_name(plane)]

    def interface(self, plane):
        """The namespace-side interface of ``plane``."""
        return self.interfaces[plane_name(plane)]

    def veth(self, plane):
        """The host-side (root namespace) veth of ``plane``."""
        return self.veths[plane_name(plane)]

    def command(self, argv):
        """``argv`` wrapped to run inside the namespace."""
        return ['ip', 'netns', 'exec', self.namespace] + list(argv)

    def run(self, argv, **popen_kwargs):
        """Start ``argv`` inside the namespace (``ip netns exec``); returns
        the ``subprocess.Popen``. Killed on cleanup if still running.

        ``ip netns exec`` gives the process a private mount namespace
        (with the namespace's /sys): mounts it makes are not seen outside.
        """
        popen_kwargs.setdefault('stdin', subprocess.DEVNULL)
        process = subprocess.Popen(self.command(argv), **popen_kwargs)
        self._processes.append(process)
        self._wait_entered(process)
        return process

    def _wait_entered(self, process, timeout=10):
        # Popen returns once ``ip`` is exec'd, before it has joined the
        # namespace; a sweep or kill_namespace() in that window would not
        # see the process, which would then outlive its namespace.
        target = os.stat('/run/netns/%s' % self.namespace).st_ino
        deadline = time.monotonic() + timeout
        while process.poll() is None and time.monotonic() < deadline:
            try:
                if os.stat('/proc/%d/ns/net' % process.pid).st_ino == target:
                    return
            except FileNotFoundError:
                return
            time.sleep(0.002)

    def execute(self, argv, timeout=60, **run_kwargs):
        """Run ``argv`` inside the namespace to completion; returns the
        ``subprocess.CompletedProcess`` (text output captured)."""
        run_kwargs.setdefault('capture_output', True)
        run_kwargs.setdefault('text', True)
        run_kwargs.setdefault('check', False)
        run_kwargs.setdefault('stdin', subprocess.DEVNULL)
        return subprocess.run(self.command(argv), timeout=timeout,
                              **run_kwargs)

    def python(self, code, *args, timeout=60, **run_kwargs):
        """Run python ``code`` (with ``args`` in ``sys.argv[1:]``) with the
        test's interpreter inside the namespace; see :meth:`execute`."""
        return self.execute([sys.executable, '-c', code] + list(args),
                            timeout=timeout, **run_kwargs)

    def cut(self, plane):
        """Pull the cable of ``plane``: the host-side veth goes down in the
        root namespace; the namespace's traffic on it is lost (times out)
        and the namespace side sees no carrier."""
        _ip('link', 'set', self.veth(plane), 'down')

    def restore(self, plane):
        """Plug the cable of ``plane`` back in (undo :meth:`cut`).

        The neighbour (ARP) entries of the plane are flushed on both sides:
        entries that failed while the cable was out would otherwise make
        new connections fail with "no route to host" for about a second.
        """
        plane = plane_name(plane)
        _ip('link', 'set', self.veth(plane), 'up')
        _ip('neigh', 'flush', 'dev', self.interfaces[plane],
            namespace=self.namespace, check=False)
        _ip('neigh', 'flush', 'to', self.addresses[plane], 'dev',
            self.network.bridges[plane], check=False)

    def is_cut(self, plane):
        """True while ``plane``'s host-side veth is down."""
        out = _ip('-o', 'link', 'show', self.veth(plane)).stdout
        flags = out.split('<', 1)[1].split('>', 1)[0].split(',')
        return 'UP' not in flags

    def pids(self):
        """Pids of the processes now running inside the namespace."""
        return namespace_pids(self.namespace)

    def crash(self, sig=signal.SIGKILL):
        """Crash the host: send ``sig`` (SIGKILL by default, repeated until
        nothing is left) to every process of the namespace, whoever started
        it. Returns the pids signalled. The network stays as it was."""
        killed = []
        if sig == signal.SIGKILL:
            # A process started by run() a moment ago may still be ``ip``
            # on its way into the namespace: kill those directly too.
            for process in self._processes:
                if process.poll() is None:
                    with contextlib.suppress(ProcessLookupError):
                        process.kill()
                    killed.append(process.pid)
        killed += [pid for pid in kill_namespace(self.namespace, sig)
                   if pid not in killed]
        if sig == signal.SIGKILL:
            self._reap()
        return killed

    def _reap(self):
        for process in self._processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(5)
        self._processes = [p for p in self._processes
                           if p.returncode is None]

    def _cleanup(self):
        for process in self._processes:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
        kill_namespace(self.namespace)
        self._reap()
        for veth in self.veths.values():
            _ip('link', 'delete', veth, check=False)
        _ip('netns', 'delete', self.namespace, check=False)


class TcpForwarder(fixtures.Fixture):
    """A TCP relay in the test process: connections accepted on
    ``listen_address:listen_port`` are relayed to
    ``target_address:target_port``, one thread per direction.

    Typical use: make a loopback-only service reachable from test hosts,
    ``TcpForwarder(net.bridge_address('mgmt'), 0, '127.0.0.1', 5672)``.

    :param listen_port: 0 picks a free port.
    :ivar port: the port listened on.
    :ivar address: ``(listen_address, port)``.
    :ivar accepted: how many connections were accepted so far.
    """

    def __init__(self, listen_address, listen_port, target_address,
                 target_port, connect_timeout=5.0):
        super().__init__()
        self.listen_address = listen_address
        self.listen_port = listen_port
        self.target = (target_address, target_port)
        self.connect_timeout = connect_timeout
        self.accepted = 0
        self._lock = threading.Lock()
        self._sockets = set()
        self._threads = []
        self._closed = threading.Event()
        self._paused = False

    def _setUp(self):
        self._listener = self._listen(self.listen_port)
        self.port = self._listener.getsockname()[1]
        self.address = (self.listen_address, self.port)
        self.addCleanup(self.close)
        self._start_thread(self._accept_loop, self._listener)

    def _listen(self, port):
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listener.bind((self.listen_address, port))
            listener.listen(64)
        except OSError:
            listener.close()
            raise
        listener.settimeout(0.1)
        return listener

    def pause(self):
        """Behave like a stopped server: stop listening (new connections
        are refused) and reset every relayed connection."""
        with self._lock:
            if self._paused or self._closed.is_set():
                return
            self._paused = True
            listener = self._listener
            socks = list(self._sockets)
        listener.close()
        self._drop(*socks)

    def resume(self):
        """Listen again on the same port after :meth:`pause`."""
        with self._lock:
            if not self._paused or self._closed.is_set():
                return
            self._listener = self._listen(self.port)
            self._paused = False
        self._start_thread(self._accept_loop, self._listener)

    def _start_thread(self, target, *args):
        thread = threading.Thread(target=target, args=args, daemon=True,
                                  name='tcp-forwarder-%s' % self.port)
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(thread)
        thread.start()

    def _accept_loop(self, listener):
        while not self._closed.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            with self._lock:
                if self._closed.is_set() or self._paused:
                    client.close()
                    return
                self._sockets.add(client)
                self.accepted += 1
            self._start_thread(self._connect, client)

    def _connect(self, client):
        try:
            upstream = socket.create_connection(self.target,
                                                self.connect_timeout)
            upstream.settimeout(None)
        except OSError:
            self._drop(client)
            return
        with self._lock:
            stopped = self._closed.is_set() or self._paused
            if not stopped:
                self._sockets.add(upstream)
        if stopped:
            upstream.close()
            self._drop(client)
            return
        done = []
        self._start_thread(self._pump, upstream, client, done)
        self._pump(client, upstream, done)

    def _pump(self, source, sink, done):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    with contextlib.suppress(OSError):
                        sink.shutdown(socket.SHUT_WR)
                    break
                sink.sendall(data)
        except OSError:
            self._drop(source, sink)
            return
        with self._lock:
            done.append(source)
            finished = len(done) == 2
        if finished:
            self._drop(source, sink)

    def _drop(self, *socks):
        for sock in socks:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
            with self._lock:
                self._sockets.discard(sock)

    @property
    def connections(self):
        """How many relayed sockets (both ends) are open now."""
        with self._lock:
            return len(self._sockets)

    def close(self):
        """Stop listening and close every relayed connection (the peers
        see EOF or a reset). Idempotent."""
        if self._closed.is_set():
            return
        self._closed.set()
        self._listener.close()
        with self._lock:
            socks = list(self._sockets)
        self._drop(*socks)
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            if thread is not threading.current_thread():
                thread.join(5)


def wait_for(predicate, timeout=10.0, interval=0.02, message=None):
    """Poll ``predicate`` until it returns true; its value, or
    AssertionError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(message or 'timed out waiting for %r'
                                 % predicate)
        time.sleep(interval)


__all__ = ['EtcdCluster', 'PlaneClusters', 'PlaneNetwork', 'TcpForwarder',
           'TestHost', 'INTERFACES', 'PLANES', 'free_port',
           'kill_namespace', 'namespace_pids', 'plane_name', 'skip_reason',
           'wait_for']
