"""The libvirt driver on libvirt's own test driver (test:///default)."""

import threading

from oslotest import base

from hastack.agent.hypervisor import base as hv_base
from hastack.agent.hypervisor import libvirt_driver


class TestLibvirtDriver(base.BaseTestCase):

    def setUp(self):
        super().setUp()
        self.driver = libvirt_driver.LibvirtDriver('test:///default')
        self.addCleanup(self.driver.close)

    def test_lists_the_test_domain_running(self):
        instances = self.driver.list_instances()
        self.assertEqual(1, len(instances))
        self.assertEqual(hv_base.RUNNING, instances[0].state)

    def test_destroy_and_stop_instances(self):
        uuid = self.driver.list_instances()[0].uuid
        result = self.driver.stop_instances([uuid, 'not-here'])
        self.assertEqual([uuid], result['stopped'])
        self.assertEqual(['not-here'], result['not_running'])
        self.assertEqual(hv_base.STOPPED,
                         self.driver.list_instances()[0].state)
        self.assertFalse(self.driver.destroy(uuid))

    def test_destroy_unknown_uuid_is_an_error(self):
        self.assertRaises(hv_base.HypervisorError, self.driver.destroy,
                          '00000000-0000-0000-0000-000000000000')

    def test_lifecycle_events(self):
        seen = []
        got = threading.Event()

        def callback(uuid, state):
            seen.append((uuid, state))
            got.set()

        self.driver.watch(callback)
        uuid = self.driver.list_instances()[0].uuid
        self.driver.destroy(uuid)
        self.assertTrue(got.wait(5))
        self.assertIn((uuid, hv_base.STOPPED), seen)

    def test_bad_uri(self):
        self.assertRaises(hv_base.HypervisorError,
                          libvirt_driver.LibvirtDriver, 'nonsense:///x')
