"""hastack-agent in a network-namespace host with three plane interfaces,
three real etcd clusters (one per plane) and RabbitMQ.

The test plays the conductor: an RPC server on the conductor topic and
etcd writes of key messages, as the conductor will do.
"""

import json
import os
import subprocess
import sys
import time

import fixtures
import oslo_messaging as messaging
from oslo_messaging import conffixture
import testtools

from hastack import conf as hastack_conf
from hastack.agent import heartbeat
from hastack.agent import messages
from hastack.agent import rpcapi as agent_rpcapi
from hastack.common import context as hastack_context
from hastack.common import rpc
from hastack.common import states
from hastack.conductor import rpcapi as conductor_rpcapi
from tests.functional.net import fixtures as net

REQUIRE = os.environ.get('HASTACK_TEST_REQUIRE_NET') == '1'
INTERVAL = 1  # heartbeat every second: TTL 3 s
HOST = 'compute-1'
CONF = hastack_conf.CONF


def wait_for(predicate, timeout, what):
    """Poll ``predicate`` until true or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError('timed out after %s s waiting for %s'
                         % (timeout, what))


class Conductor:
    """The conductor's RPC endpoint, as the tests need it."""

    target = messaging.Target(version='1.0')

    def __init__(self):
        self.registered = []
        self.acks = []
        self.delivered = []

    def register_host(self, context, host, facts):
        self.registered.append((host, facts))
        return {'ha_maintenance': False}

    def report_fence_ack(self, context, message):
        self.acks.append(message)

    def deliver_message(self, context, message):
        self.delivered.append(message)


class AgentTestBase(testtools.TestCase):
    """A host namespace with three planes, their etcd clusters, RabbitMQ
    through the mgmt plane, a test conductor and the agent's config."""

    CONDUCTOR = Conductor

    def setUp(self):
        super().setUp()
        reason = net.skip_reason()
        if reason:
            if REQUIRE:
                self.fail(reason)
            self.skipTest(reason)
        self.network = self.useFixture(net.PlaneNetwork())
        self.clusters = self.useFixture(net.PlaneClusters(self.network))
        self.host = self.useFixture(net.TestHost(self.network, 'c1'))
        rabbit = self.useFixture(net.TcpForwarder(
            self.network.bridge_address('mgmt'), 0, '127.0.0.1', 5672))
        self.exchange = 'hastack-test-%s' % self.network.suffix
        # NOTE(hastack): RabbitMQ queue names come from topics alone, not
        # the exchange: tests running at once need a virtual host each.
        self.vhost = self.exchange
        self._rabbitmqctl('add_vhost', self.vhost)
        self.addCleanup(self._rabbitmqctl, 'delete_vhost', self.vhost)
        self._rabbitmqctl('set_permissions', '-p', self.vhost, 'guest',
                          '.*', '.*', '.*')
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self._conductor(rabbit)
        self.config = os.path.join(self.tmp, 'agent.conf')
        self._write_config(rabbit)

    @staticmethod
    def _rabbitmqctl(*args):
        subprocess.run(['rabbitmqctl'] + list(args), check=True,
                       capture_output=True, timeout=60)

    def _conductor(self, rabbit):
        CONF([], project='hastack', default_config_files=[])
        self.addCleanup(CONF.reset)
        messaging_conf = self.useFixture(conffixture.ConfFixture(CONF))
        messaging_conf.transport_url = (
            'rabbit://guest:guest@127.0.0.1:5672/%s' % self.vhost)
        CONF.set_override('control_exchange', self.exchange)
        self.addCleanup(rpc.cleanup)
        self.conductor = self.CONDUCTOR()
        server = rpc.get_server(CONF, conductor_rpcapi.TOPIC, 'conductor-1',
                                [self.conductor])
        server.start()
        self.addCleanup(server.wait)
        self.addCleanup(server.stop)
        self.agent_api = agent_rpcapi.AgentAPI(CONF, timeout=10)
        self.context = hastack_context.get_admin_context()

    def _write_config(self, rabbit):
        planes = ''
        for plane in states.PLANES:
            group = {'mgmt': 'plane_mgmt', 'service': 'plane_service',
                     'storage': 'plane_storage'}[plane]
            planes += ('[%s]\nendpoints = %s\nlocal_address = %s\n'
                       'timeout = 1\n' % (group,
                                          self.clusters.endpoints[plane],
                                          self.host.address(plane)))
        with open(self.config, 'w') as f:
            f.write('[DEFAULT]\nhost = %s\ncontrol_exchange = %s\n'
                    'transport_url = rabbit://guest:guest@%s:%d/%s\n'
                    '[agent]\nheartbeat_interval = %d\n'
                    'shared_mount_point = %s\nshared_must_be_mount = false\n'
                    'libvirt_uri = test:///default\n'
                    '[fitlock]\nsocket_path = %s/no-fitlockd.sock\n%s'
                    % (HOST, self.exchange,
                       self.network.bridge_address('mgmt'), rabbit.port,
                       self.vhost,
                       INTERVAL, self.tmp, self.tmp, planes))

    def start_agent(self):
        log = open(os.path.join(self.tmp, 'agent.log'), 'ab')
        self.addCleanup(log.close)
        agent = os.path.join(os.path.dirname(sys.executable),
                             'hastack-agent')
        self.agent = self.host.run([agent, '--config-file', self.config],
                                   stdout=log, stderr=log)
        try:
            wait_for(lambda: self.heartbeat('mgmt'), 30,
                     'the agent\'s first heartbeat')
            wait_for(self._answers, 30, 'the agent to answer RPC')
        except AssertionError as e:
            raise AssertionError('%s; agent log:\n%s' % (e, self.agent_log()))

    def _answers(self):
        try:
            return self.agent_api.get_status(self.context, HOST)
        except messaging.MessagingTimeout:
            return None

    def agent_log(self):
        with open(os.path.join(self.tmp, 'agent.log'), errors='replace') as f:
            return f.read()

    def heartbeat(self, plane):
        client = self.clusters[plane].client(timeout=2)
        found = client.get(heartbeat.heartbeat_key(HOST))
        return json.loads(found[0]) if found else None

    def send_to_host(self, message, planes=states.PLANES):
        key = messages.TO_HOST % HOST + message['id']
        for plane in planes:
            client = self.clusters[plane].client(timeout=2)
            client.put(key, json.dumps(message), lease=client.lease(60))

    def acks_on(self, plane):
        client = self.clusters[plane].client(timeout=2)
        return [json.loads(v) for v, _ in
                client.get_prefix(messages.TO_CONTROLLER % HOST)
                if json.loads(v)['type'] == 'fence_ack']



class TestAgent(AgentTestBase):
    """The agent's own duties."""

    def test_heartbeats_follow_each_plane(self):
        self.start_agent()
        for plane in states.PLANES:
            beat = wait_for(lambda p=plane: self.heartbeat(p), 10,
                            'a heartbeat on %s' % plane)
            self.assertEqual(HOST, beat['host'])
            self.assertTrue(beat['storage_ok'])
        wait_for(lambda: self.conductor.registered, 30, 'registration')
        self.assertEqual(HOST, self.conductor.registered[0][0])
        self.host.cut('service')
        # Gone within the TTL (3 intervals) plus one interval of slack.
        wait_for(lambda: self.heartbeat('service') is None,
                 4 * INTERVAL + 2, 'the service heartbeat to expire')
        before = {p: self.heartbeat(p)['time'] for p in ('mgmt', 'storage')}
        time.sleep(2 * INTERVAL + 0.5)
        for plane in ('mgmt', 'storage'):
            self.assertNotEqual(before[plane], self.heartbeat(plane)['time'],
                                '%s stopped refreshing' % plane)
        self.host.restore('service')
        wait_for(lambda: self.heartbeat('service'), 4 * INTERVAL + 3,
                 'the service heartbeat to come back')

    def test_key_message_over_one_plane_handled_once(self):
        self.start_agent()
        status = self.agent_api.get_status(self.context, HOST)
        running = [i['uuid'] for i in status['instances']
                   if i['state'] == 'running']
        self.assertEqual(1, len(running))
        self.host.cut('service')
        self.host.cut('storage')
        order = messages.make('fence_order', HOST, {'instances': running})
        # Every plane gets a copy and RPC too; only mgmt works for the host.
        self.send_to_host(order)
        self.agent_api.deliver_message(self.context, HOST, order)
        ack = wait_for(lambda: self.acks_on('mgmt'), 15, 'a fence ack')
        self.assertEqual(1, len(ack))
        self.assertEqual(order['id'], ack[0]['body']['in_reply_to'])
        self.assertEqual(running, ack[0]['body']['stopped'])
        wait_for(lambda: self.conductor.acks, 10, 'the ack by RPC')
        time.sleep(1.5)  # room for duplicates to show up, if any
        self.assertEqual(1, len(self.conductor.acks))
        self.assertEqual(1, len(self.acks_on('mgmt')))
        status = self.agent_api.get_status(self.context, HOST)
        self.assertEqual(['stopped'],
                         [i['state'] for i in status['instances']])

    def test_maintenance_from_etcd(self):
        self.start_agent()
        client = self.clusters['storage'].client(timeout=2)
        client.put(messages.MAINTENANCE_KEY,
                   json.dumps({'enabled': True, 'reason': 'test'}))
        wait_for(lambda: self.agent_api.get_status(
            self.context, HOST)['ha_maintenance'], 10,
            'maintenance to reach the agent')
        self.agent_api.set_maintenance(self.context, HOST, False)
        client.delete(messages.MAINTENANCE_KEY)
        wait_for(lambda: not self.agent_api.get_status(
            self.context, HOST)['ha_maintenance'], 10,
            'maintenance off by RPC')

    def test_rpc_for_another_host_is_refused(self):
        self.start_agent()
        client = rpc.get_client(CONF, agent_rpcapi.TOPIC, '1.0').prepare(
            server=HOST, timeout=10)
        error = self.assertRaises(Exception, client.call, self.context,
                                  'get_status', host='compute-2')
        self.assertIn('not of compute-2', str(error))
        self.assertIn('reached the agent of compute-1', wait_for(
            lambda: 'compute-2' in self.agent_log() and self.agent_log(),
            5, 'the log line'))

    def test_unreachable_plane_at_start(self):
        self.clusters['storage'].stop()
        self.start_agent()
        wait_for(lambda: self.heartbeat('mgmt'), 10, 'mgmt heartbeat')
        wait_for(lambda: self.heartbeat('service'), 10, 'service heartbeat')
        self.clusters['storage'].start()
        wait_for(lambda: self.heartbeat('storage'), 4 * INTERVAL + 5,
                 'storage heartbeat once its cluster is up')
        self.assertIn('Heartbeat on plane storage failed', self.agent_log())
