"""Agent wiring: a plane missing from the config, status, maintenance."""

import fixtures
from oslo_messaging import conffixture

from hastack.agent import service
from hastack.common import rpc
from tests import base


class TestAgentConfig(base.TestCase):

    def setUp(self):
        super().setUp()
        messaging_conf = self.useFixture(
            conffixture.ConfFixture(self.conf.conf))
        messaging_conf.transport_url = 'fake:/'
        self.addCleanup(rpc.cleanup)
        self.flags(group='agent', libvirt_uri='test:///default')
        self.flags(host='compute-1')

    def test_missing_plane_is_logged_and_others_still_run(self):
        self.flags(group='plane_mgmt', endpoints=['http://127.0.0.1:1'])
        self.flags(group='plane_storage', endpoints=['http://127.0.0.1:2'])
        logs = self.useFixture(fixtures.FakeLogger())
        agent = service.Agent(self.conf.conf)
        self.addCleanup(agent.driver.close)
        self.assertEqual(['mgmt', 'storage'], sorted(agent.planes))
        self.assertEqual(['mgmt', 'storage'], sorted(agent.heartbeats))
        self.assertIn('Plane service is not usable', logs.output)

    def test_bad_endpoint_url_is_refused_clearly(self):
        self.flags(group='plane_mgmt', endpoints=['etcd.example:2379'])
        logs = self.useFixture(fixtures.FakeLogger())
        agent = service.Agent(self.conf.conf)
        self.addCleanup(agent.driver.close)
        self.assertNotIn('mgmt', agent.planes)
        self.assertIn('is not an http(s) etcd endpoint URL', logs.output)

    def test_status_reports_instances_and_maintenance(self):
        self.flags(group='plane_mgmt', endpoints=['http://127.0.0.1:1'])
        agent = service.Agent(self.conf.conf)
        self.addCleanup(agent.driver.close)
        agent.maintenance.set(True, 'test')
        status = agent.status()
        self.assertTrue(status['ha_maintenance'])
        self.assertEqual(1, len(status['instances']))
        self.assertEqual('compute-1', agent.facts()['host'])
