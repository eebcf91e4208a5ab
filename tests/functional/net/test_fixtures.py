"""The network test fixtures, proven on real etcd, namespaces and veths."""

import contextlib
import ipaddress
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

from etcd3gw import exceptions as etcd_exc
from etcd3gw.client import Etcd3Client
import fixtures
from oslotest import base
import testtools

from tests.functional.net import fixtures as net_fixtures

REQUIRE = os.environ.get('HASTACK_TEST_REQUIRE_NET') == '1'

# Run inside a test host: put/get on each plane's etcd at once (one thread
# per plane, so a dead plane does not delay the others); prints
# {plane: "ok" | "timeout" | "failed: ..."}.
PROBE = r'''
import json, sys, threading, warnings
warnings.simplefilter('ignore')
import etcd3gw
from etcd3gw import exceptions

targets = json.loads(sys.argv[1])
timeout = float(sys.argv[2])
results = {}

def probe(plane, host, port):
    client = etcd3gw.client(host=host, port=port, timeout=timeout)
    key = '/probe/%s' % plane
    try:
        client.put(key, plane)
        value = client.get(key)
        results[plane] = 'ok' if value == [plane.encode()] else repr(value)
    except exceptions.ConnectionTimeoutError:
        results[plane] = 'timeout'
    except Exception as e:
        results[plane] = 'failed: %s %s' % (type(e).__name__, e)

threads = [threading.Thread(target=probe, args=t) for t in targets]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(json.dumps(results))
'''

# Run inside a test host: AMQP 0-9-1 protocol header to (host, port); the
# broker must answer with a Connection.Start method frame (class 10,
# method 10). Prints "connection.start", then, with "hold", waits until
# the connection is closed and prints "closed".
AMQP_PROBE = r'''
import socket, struct, sys
host, port, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
sock = socket.create_connection((host, port), timeout=5)
sock.sendall(b'AMQP\x00\x00\x09\x01')
def read(n):
    data = b''
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise SystemExit('EOF after %r' % data)
        data += chunk
    return data
kind, channel, size = struct.unpack('>BHI', read(7))
payload = read(size)
assert read(1) == b'\xce', 'bad frame end'
klass, method = struct.unpack('>HH', payload[:4])
assert (kind, channel, klass, method) == (1, 0, 10, 10), (kind, klass, method)
print('connection.start', flush=True)
if mode == 'hold':
    sock.settimeout(30)
    try:
        while sock.recv(4096):
            pass
    except ConnectionResetError:
        pass
    print('closed', flush=True)
'''

# Listen on each address given (port 0); print [[address, port], ...],
# then accept one connection per address and answer "hi".
LISTEN = r'''
import json, socket, sys
socks = []
for address in sys.argv[1:]:
    s = socket.socket()
    s.bind((address, 0))
    s.listen(1)
    socks.append(s)
print(json.dumps([s.getsockname() for s in socks]), flush=True)
for s in socks:
    conn, _ = s.accept()
    conn.sendall(b'hi')
    conn.close()
'''

CONNECT = r'''
import json, socket, sys
for address, port in json.loads(sys.argv[1]):
    with socket.create_connection((address, port), timeout=5) as c:
        assert c.recv(2) == b'hi'
print('ok')
'''


def _port_open(address, port, timeout=1.0):
    try:
        with socket.create_connection((address, port), timeout=timeout):
            return True
    except OSError:
        return False


def _links():
    out = subprocess.run(['ip', '-j', 'link', 'show'], capture_output=True,
                         text=True, check=True).stdout
    return {link['ifname']: link for link in json.loads(out)}


def _alive(pid):
    try:
        with open('/proc/%d/stat' % pid) as f:
            return f.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except FileNotFoundError:
        return False


class NetTestCase(base.BaseTestCase):
    """Skips (or fails with HASTACK_TEST_REQUIRE_NET=1) where the fixtures
    cannot run."""

    def setUp(self):
        super().setUp()
        reason = net_fixtures.skip_reason()
        if reason:
            if REQUIRE:
                self.fail(reason)
            self.skipTest(reason)

    def probe(self, host, clusters, timeout=1.5):
        """Put/get on ``clusters`` ({plane: EtcdCluster}) from inside
        ``host``; returns {plane: result}."""
        targets = [(plane, c.client_address, c.client_port)
                   for plane, c in clusters.items()]
        started = time.monotonic()
        proc = host.python(PROBE, json.dumps(targets), str(timeout),
                           timeout=30)
        self.assertEqual(0, proc.returncode, proc.stderr)
        self.addDetail('probe', testtools.content.text_content(
            '%s in %.2fs' % (proc.stdout, time.monotonic() - started)))
        return json.loads(proc.stdout)


class TestEtcdCluster(NetTestCase):

    def test_three_clusters_start_fast_and_healthy(self):
        started = time.monotonic()
        clusters = [self.useFixture(net_fixtures.EtcdCluster('plane%d' % i))
                    for i in range(3)]
        elapsed = time.monotonic() - started
        self.assertLess(elapsed, 3.0)
        ports = set()
        for i, cluster in enumerate(clusters):
            self.assertTrue(cluster.healthy())
            self.assertNotIn(cluster.client_port, (2379, 2380))
            self.assertNotIn(cluster.peer_port, (2379, 2380))
            ports.update((cluster.client_port, cluster.peer_port))
            self.assertEqual('http://127.0.0.1:%d' % cluster.client_port,
                             cluster.endpoint)
            client = cluster.client()
            self.assertIsInstance(client, Etcd3Client)
            client.put('/which', 'cluster%d' % i)
            self.assertEqual('/v3/', client.api_path)
        self.assertEqual(6, len(ports))
        # Three independent clusters: each kept its own value.
        for i, cluster in enumerate(clusters):
            self.assertEqual([b'cluster%d' % i],
                             cluster.client().get('/which'))

    def test_stop_start_keeps_data_and_ports(self):
        cluster = self.useFixture(net_fixtures.EtcdCluster('restart'))
        endpoint, data_dir = cluster.endpoint, cluster.data_dir
        cluster.client().put('/hastack/config/ha_maintenance', 'on')
        cluster.stop()
        self.assertFalse(cluster.running())
        self.assertFalse(cluster.healthy())
        self.assertRaises(etcd_exc.ConnectionFailedError,
                          cluster.client(timeout=1).get, '/x')
        started = time.monotonic()
        cluster.start()
        self.addDetail('restart', testtools.content.text_content(
            '%.2fs' % (time.monotonic() - started)))
        self.assertEqual((endpoint, data_dir),
                         (cluster.endpoint, cluster.data_dir))
        self.assertEqual(
            [b'on'],
            cluster.client().get('/hastack/config/ha_maintenance'))

    def test_pause_makes_requests_time_out(self):
        cluster = self.useFixture(net_fixtures.EtcdCluster('paused'))
        client = cluster.client(timeout=0.5)
        client.put('/k', 'v')
        cluster.pause()
        self.assertTrue(cluster.paused)
        # Still open: connections are accepted ...
        self.assertTrue(_port_open(cluster.client_address,
                                   cluster.client_port))
        # ... but nothing is answered.
        self.assertFalse(cluster.healthy(timeout=0.5))
        started = time.monotonic()
        self.assertRaises(etcd_exc.ConnectionTimeoutError,
                          cluster.client(timeout=0.5).get, '/k')
        self.assertLess(time.monotonic() - started, 3)
        self.assertRaises(etcd_exc.ConnectionTimeoutError, client.get, '/k')
        cluster.resume()
        self.assertEqual([b'v'], client.get('/k'))
        self.assertTrue(cluster.healthy())

    def test_paused_cluster_is_stopped_on_cleanup(self):
        cluster = net_fixtures.EtcdCluster('cleanup')
        cluster.setUp()
        pid, folder = cluster.pid, os.path.dirname(cluster.data_dir)
        cluster.pause()
        cluster.cleanUp()
        self.assertFalse(_alive(pid))
        self.assertFalse(os.path.exists(folder))

    def test_port_race_picks_other_ports(self):
        taken = socket.socket()
        self.addCleanup(taken.close)
        taken.bind(('127.0.0.1', 0))
        taken.listen(1)
        busy = taken.getsockname()[1]
        real = net_fixtures.free_port
        calls = []

        def racing_free_port(*args, **kwargs):
            calls.append(args)
            return busy if len(calls) == 1 else real(*args, **kwargs)

        self.useFixture(fixtures.MockPatchObject(
            net_fixtures, 'free_port', side_effect=racing_free_port))
        cluster = self.useFixture(net_fixtures.EtcdCluster('race'))
        self.assertNotEqual(busy, cluster.client_port)
        self.assertGreaterEqual(len(calls), 4)
        self.assertTrue(cluster.healthy())

    def test_default_ports_refused(self):
        self.assertRaises(ValueError, net_fixtures.EtcdCluster, 'x',
                          client_port=2379)
        self.assertRaises(ValueError, net_fixtures.EtcdCluster, 'x',
                          peer_port=2380)


class TestPlaneNetwork(NetTestCase):

    def setUp(self):
        super().setUp()
        started = time.monotonic()
        self.net = self.useFixture(net_fixtures.PlaneNetwork())
        self.hosts = [self.useFixture(net_fixtures.TestHost(self.net, n))
                      for n in ('compute1', 'compute2')]
        self.setup_time = time.monotonic() - started
        self.addDetail('setup', testtools.content.text_content(
            'network + 2 hosts: %.3fs' % self.setup_time))

    def test_layout(self):
        self.assertLess(self.setup_time, 2.0)
        links = _links()
        net_range = net_fixtures.NET_RANGE
        subnets = list(self.net.subnets.values())
        self.assertEqual(3, len(set(subnets)))
        for plane in net_fixtures.PLANES:
            bridge = self.net.bridges[plane]
            self.assertLessEqual(len(bridge), 15)
            self.assertIn(self.net.suffix, bridge)
            self.assertTrue(self.net.subnets[plane].subnet_of(net_range))
            out = subprocess.run(
                ['ip', '-j', '-4', 'addr', 'show', 'dev', bridge],
                capture_output=True, text=True, check=True).stdout
            self.assertEqual([self.net.bridge_address(plane)],
                             [a['local'] for a in
                              json.loads(out)[0]['addr_info']])
            for host in self.hosts:
                veth = host.veth(plane)
                self.assertLessEqual(len(veth), 15)
                self.assertEqual(bridge, links[veth].get('master'))
                self.assertIn(ipaddress.ip_address(host.address(plane)),
                              self.net.subnets[plane])
        self.assertEqual('service', net_fixtures.plane_name('svc'))
        self.assertEqual(self.net.bridge_address('service'),
                         self.net.bridge_address('svc'))
        host = self.hosts[0]
        self.assertTrue(host.namespace.startswith(
            'hastack-%s-' % self.net.suffix))
        out = host.execute(['ip', '-j', '-4', 'addr', 'show']).stdout
        inside = {link['ifname']: [a['local'] for a in link['addr_info']]
                  for link in json.loads(out)}
        self.assertEqual(
            {'lo': ['127.0.0.1'],
             'eth-mgmt': [host.address('mgmt')],
             'eth-svc': [host.address('service')],
             'eth-sto': [host.address('storage')]},
            inside)
        self.assertEqual('', host.execute(['ip', 'route', 'show',
                                           'default']).stdout.strip())
        # The hosts reach each other on every plane.
        other = self.hosts[1]
        addresses = [other.address(p) for p in net_fixtures.PLANES]
        listener = other.run(
            [sys.executable, '-c', LISTEN] + addresses,
            stdout=subprocess.PIPE, text=True)
        self.addCleanup(listener.kill)
        ports = json.loads(listener.stdout.readline())
        proc = host.python(CONNECT, json.dumps(ports), timeout=30)
        self.assertEqual('ok', proc.stdout.strip(), proc.stderr)

    def test_planes_reach_etcd_and_cut_restore(self):
        clusters = self.useFixture(net_fixtures.PlaneClusters(self.net))
        for plane in net_fixtures.PLANES:
            self.assertEqual(self.net.bridge_address(plane),
                             clusters[plane].client_address)
        host = self.hosts[0]
        everything_ok = dict.fromkeys(net_fixtures.PLANES, 'ok')
        self.assertEqual(everything_ok, self.probe(host, clusters.clusters))

        host.cut('service')
        self.assertTrue(host.is_cut('service'))
        self.assertFalse(host.is_cut('mgmt'))
        started = time.monotonic()
        self.assertEqual({'mgmt': 'ok', 'service': 'timeout',
                          'storage': 'ok'},
                         self.probe(host, clusters.clusters))
        # The dead plane's timeout did not hold up the others for long.
        self.assertLess(time.monotonic() - started, 10)
        # Only this host's cable is out.
        self.assertEqual(everything_ok,
                         self.probe(self.hosts[1], clusters.clusters))

        host.restore('service')
        self.assertFalse(host.is_cut('service'))
        self.assertEqual(everything_ok, self.probe(host, clusters.clusters))

    def test_crash_kills_every_process_of_the_namespace(self):
        host, other = self.hosts
        sleeper = host.run(['sleep', '300'])
        # A process tree that left its session: still in the namespace.
        tree = host.run(['sh', '-c', 'sleep 300 & sleep 300 & wait'],
                        start_new_session=True)
        bystander = other.run(['sleep', '300'])
        self.addCleanup(bystander.kill)
        net_fixtures.wait_for(lambda: len(host.pids()) >= 4, timeout=5)
        pids = host.pids()
        self.assertIn(sleeper.pid, pids)

        killed = host.crash()

        self.assertEqual(set(pids), set(pids) & set(killed))
        self.assertEqual([], host.pids())
        self.assertEqual(-signal.SIGKILL, sleeper.returncode)
        self.assertEqual(-signal.SIGKILL, tree.returncode)
        for pid in killed:
            self.assertFalse(_alive(pid), pid)
        self.assertIsNone(bystander.poll())
        self.assertEqual([bystander.pid], other.pids())
        # The host can be "rebooted": its network is still there.
        self.assertEqual(0, host.execute(['true']).returncode)

    def test_cleanup_when_test_fails(self):
        seen = {}

        class Failing(testtools.TestCase):
            def test_it(self):
                net = self.useFixture(net_fixtures.PlaneNetwork())
                host = self.useFixture(net_fixtures.TestHost(net, 'h'))
                etcd = self.useFixture(net_fixtures.EtcdCluster(
                    'f', client_address=net.bridge_address('mgmt')))
                seen.update(bridges=list(net.bridges.values()),
                            veths=list(host.veths.values()),
                            namespace=host.namespace,
                            process=host.run(['sleep', '300']),
                            etcd=etcd.pid)
                self.fail('on purpose')

        result = testtools.TestResult()
        Failing('test_it').run(result)
        self.assertEqual(1, len(result.failures))
        links = _links()
        for name in seen['bridges'] + seen['veths']:
            self.assertNotIn(name, links)
        self.assertNotIn(seen['namespace'], net_fixtures._namespaces())
        self.assertEqual(-signal.SIGKILL, seen['process'].returncode)
        self.assertFalse(_alive(seen['etcd']))

    def test_network_of_a_dead_test_process_is_swept(self):
        stale = net_fixtures.PlaneNetwork()
        stale.setUp()
        self.addCleanup(stale.cleanUp)
        host = net_fixtures.TestHost(stale, 'orphan')
        host.setUp()
        self.addCleanup(host.cleanUp)
        orphan = host.run(['sleep', '300'])
        # Pretend its owner died: a pid that is not running any more.
        dead = subprocess.Popen(['true'])
        dead.wait()
        with open(stale._state_file, 'w') as f:
            f.write('%d 0\n' % dead.pid)

        self.useFixture(net_fixtures.PlaneNetwork())

        links = _links()
        for name in (list(stale.bridges.values()) +
                     list(host.veths.values())):
            self.assertNotIn(name, links)
        self.assertNotIn(host.namespace, net_fixtures._namespaces())
        self.assertEqual(-signal.SIGKILL, orphan.wait(5))
        self.assertFalse(os.path.exists(stale._state_file))


class TestTcpForwarder(NetTestCase):

    def _echo_server(self):
        server = socket.socket()
        server.bind(('127.0.0.1', 0))
        server.listen(16)
        self.addCleanup(server.close)

        def serve(conn):
            with conn:
                with contextlib.suppress(OSError):
                    while data := conn.recv(4096):
                        conn.sendall(data)

        def accept():
            with contextlib.suppress(OSError):
                while True:
                    conn, _ = server.accept()
                    threading.Thread(target=serve, args=(conn,),
                                     daemon=True).start()

        threading.Thread(target=accept, daemon=True).start()
        return server.getsockname()[1]

    def test_relays_and_close_closes_connections(self):
        port = self._echo_server()
        fwd = self.useFixture(net_fixtures.TcpForwarder(
            '127.0.0.1', 0, '127.0.0.1', port))
        self.assertNotEqual(0, fwd.port)
        conns = [socket.create_connection(fwd.address, timeout=5)
                 for _ in range(3)]
        for conn in conns:
            self.addCleanup(conn.close)
        for i, conn in enumerate(conns):
            conn.sendall(b'hello %d' % i)
        for i, conn in enumerate(conns):
            self.assertEqual(b'hello %d' % i, conn.recv(100))
        # Half close: the reply still comes back, then EOF.
        conns[2].sendall(b'last')
        conns[2].shutdown(socket.SHUT_WR)
        self.assertEqual(b'last', conns[2].recv(100))
        self.assertEqual(b'', conns[2].recv(100))
        self.assertEqual(3, fwd.accepted)
        net_fixtures.wait_for(lambda: fwd.connections == 4, timeout=5)

        fwd.close()

        for conn in conns[:2]:
            with contextlib.suppress(ConnectionResetError):
                self.assertEqual(b'', conn.recv(100))
        self.assertEqual(0, fwd.connections)
        self.assertFalse(_port_open(*fwd.address))
        fwd.close()  # idempotent

    def test_unreachable_target_closes_client(self):
        dead_port = net_fixtures.free_port()
        fwd = self.useFixture(net_fixtures.TcpForwarder(
            '127.0.0.1', 0, '127.0.0.1', dead_port))
        with socket.create_connection(fwd.address, timeout=5) as conn:
            with contextlib.suppress(ConnectionResetError):
                self.assertEqual(b'', conn.recv(100))

    def test_rabbitmq_from_a_test_host(self):
        if not _port_open('127.0.0.1', 5672):
            if os.environ.get('HASTACK_TEST_REQUIRE_RABBIT') == '1':
                self.fail('RabbitMQ does not answer on 127.0.0.1:5672')
            self.skipTest('RabbitMQ does not answer on 127.0.0.1:5672')
        net = self.useFixture(net_fixtures.PlaneNetwork())
        host = self.useFixture(net_fixtures.TestHost(net, 'rabbit'))
        fwd = self.useFixture(net_fixtures.TcpForwarder(
            net.bridge_address('mgmt'), 0, '127.0.0.1', 5672))
        # Loopback inside the namespace is the namespace's own.
        proc = host.python(AMQP_PROBE, '127.0.0.1', '5672', 'once',
                           timeout=30)
        self.assertNotEqual(0, proc.returncode)

        proc = host.python(AMQP_PROBE, fwd.listen_address, str(fwd.port),
                           'once', timeout=30)
        self.assertEqual('connection.start', proc.stdout.strip(),
                         proc.stderr)

        held = host.run([sys.executable, '-c', AMQP_PROBE,
                         fwd.listen_address, str(fwd.port), 'hold'],
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                        text=True)
        self.addCleanup(held.kill)
        self.assertEqual('connection.start\n', held.stdout.readline())
        fwd.close()
        out, err = held.communicate(timeout=20)
        self.assertEqual('closed\n', out, err)
        proc = host.python(AMQP_PROBE, fwd.listen_address, str(fwd.port),
                           'once', timeout=30)
        self.assertNotEqual(0, proc.returncode)
        self.assertIn('ConnectionRefusedError', proc.stderr)
