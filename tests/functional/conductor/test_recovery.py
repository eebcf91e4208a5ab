"""hastack-conductor end to end on real parts: a host fails, it is fenced
with a proof, its HA instances (only those) are evacuated by the real
Nova, and when it comes back it returns to service."""

import json
import os

import testtools
from testtools import content

from tests.cluster import harness as cluster_mod
from tests.fixtures import conf as conf_fixture
from tests.functional.net import fixtures as net

REQUIRE = os.environ.get('HASTACK_TEST_REQUIRE_NET') == '1'


class ClusterTestCase(testtools.TestCase):
    """A test on a fresh :class:`cluster_mod.HaCluster`."""

    HOSTS = ('c1', 'c2', 'c3')
    CONDUCTORS = 1
    CONDUCTOR_OPTIONS = None

    def setUp(self):
        super().setUp()
        reason = net.skip_reason()
        if reason:
            if REQUIRE:
                self.fail(reason)
            self.skipTest(reason)
        self.useFixture(conf_fixture.ConfFixture())
        self.cluster = self.useFixture(cluster_mod.HaCluster(
            self.HOSTS, self.CONDUCTORS, self.CONDUCTOR_OPTIONS))
        self.addOnException(lambda exc_info: self.addDetail(
            'cluster-logs', content.text_content(self.cluster.logs())))
        self.cluster.wait_all_up()


class TestHostFailure(ClusterTestCase):

    def test_failed_host_is_fenced_evacuated_and_returns(self):
        c = self.cluster
        vm1 = c.boot('vm1', 'c1')
        vm2 = c.boot('vm2', 'c1')
        plain = c.boot('plain', 'c1', ha=False)
        other = c.boot('other', 'c2')

        # c1 loses its mgmt and service planes (its RPC goes with mgmt);
        # its nova-compute stops answering. Only the storage plane works:
        # the fence order and its acknowledgement must travel over it.
        c.hosts['c1'].cut('mgmt')
        c.hosts['c1'].cut('service')
        c.nova.stop_compute('c1')

        host = c.wait_host_state('c1', 'recovered', timeout=120)
        self.assertEqual(('down', 'down', 'up'),
                         (host.mgmt_status, host.service_status,
                          host.storage_status))
        for vm in (vm1, vm2):
            status, where = c.server(vm)
            self.assertEqual('ACTIVE', status)
            self.assertIn(where, ('c2', 'c3'))
        # Not HA-enabled: left alone. On another host: untouched.
        self.assertEqual(('ACTIVE', 'c1'), c.server(plain))
        self.assertEqual(('ACTIVE', 'c2'), c.server(other))

        tasks = c.tasks(host='c1')
        by_type = {}
        for task in tasks:
            by_type.setdefault(task.type, []).append(task)
        self.assertEqual({'force_down', 'fence', 'evacuate'}, set(by_type))
        self.assertEqual({vm1, vm2}, {t.instance_uuid
                                      for t in by_type['evacuate']})
        self.assertEqual({'succeeded'}, {t.state for t in tasks})
        self.assertEqual(1, len({t.failure_uuid for t in tasks}))
        fence = by_type['fence'][0]
        proof = json.loads(fence.fence_proof)
        self.assertEqual('agent_ack', proof['kind'])
        self.assertEqual('etcd:storage', proof['detail']['path'])
        for task in by_type['evacuate']:
            self.assertEqual(proof, json.loads(task.fence_proof))
        service = c.nova_client().services.list(
            host='c1', binary='nova-compute')[0]
        self.assertTrue(service.forced_down)
        steps = [e.type for e in c.events() if e.host == 'c1' and
                 e.type.startswith('host.state.')]
        self.assertEqual(['host.state.suspect', 'host.state.failed',
                          'host.state.fencing', 'host.state.fenced',
                          'host.state.recovered'], steps)

        # c1 comes back; Nova's compute restarts and deletes the guests
        # evacuated away; the host is forced up and active again.
        c.hosts['c1'].restore('mgmt')
        c.hosts['c1'].restore('service')
        c.nova.restart_compute('c1')
        c.wait_host_state('c1', 'active', timeout=90)
        service = c.nova_client().services.list(
            host='c1', binary='nova-compute')[0]
        self.assertFalse(service.forced_down)
        unforce = c.tasks(host='c1', type='unforce_down')
        self.assertEqual(['succeeded'], [t.state for t in unforce])
        self.assertIsNone(c.host('c1').failure_uuid)
        self.assertEqual(('ACTIVE', 'c1'), c.server(plain))
