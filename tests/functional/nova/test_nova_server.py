"""The Nova test server, driven like HaStack's conductor will drive Nova.

Only keystoneauth1 and python-novaclient from HaStack's venv talk to it:
two compute hosts, a server booted on the first with ``HA_Enabled=True``
metadata, the first host crashes, is forced down (os-services, 2.53+) and
the server is evacuated (2.94: below 2.95 an ACTIVE server stays ACTIVE)
until ``GET /servers/{id}`` shows it ACTIVE on the other host.
"""

import sys
import time

from keystoneauth1 import loading
from keystoneauth1 import session as ks_session
from novaclient import client as nova_client
from novaclient import exceptions as nova_exc
import testtools
from testtools import content

from tests.functional.nova import fixture as nova_fixture

# Evacuate below 2.95 (from 2.95 on an evacuated server ends SHUTOFF);
# also >= 2.53 (force-down by service id) and >= 2.74 (boot on a host).
MICROVERSION = '2.94'
TIMEOUT = 60


def wait_for(what, probe, timeout=TIMEOUT, interval=0.1):
    """Poll ``probe()`` until it returns something true; return that."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError('timed out after %d s waiting for %s'
                                 % (timeout, what))
        time.sleep(interval)


class TestNovaServer(testtools.TestCase):

    def report(self, name, text):
        self.addDetail(name, content.text_content(text))
        sys.stderr.write('%s: %s\n' % (self.id(), text))

    def test_evacuate_after_host_crash(self):
        started = time.monotonic()
        server = self.useFixture(nova_fixture.NovaServer())
        startup = time.monotonic() - started
        self.report('startup', 'Nova server ready in %.2f s' % startup)
        self.addOnException(lambda exc_info: self.addDetail(
            'nova-server-log', content.text_content(server.log()[-20000:])))

        admin = self._client(server, server.admin_credentials)
        member = self._client(server, server.credentials('alice', 'demo'))
        self.assertEqual(server.compute_url,
                         admin.client.session.get_endpoint(
                             service_type='compute', interface='public'))

        server.start_compute('c1')
        server.start_compute('c2')
        self.assertEqual([{'host': 'c1', 'running': True},
                          {'host': 'c2', 'running': True}],
                         server.computes())
        services = admin.services.list(binary='nova-compute')
        self.assertEqual([('c1', 'up'), ('c2', 'up')],
                         sorted((s.host, s.state) for s in services))

        # A project member boots; the scheduler picks the host.
        defaults = server.defaults
        vm = member.servers.create(
            'vm1', image=defaults['image_id'], flavor=defaults['flavor_id'],
            nics=defaults['networks'])
        vm = self._wait_for_server(admin, vm.id, 'ACTIVE')
        source = getattr(vm, 'OS-EXT-SRV-ATTR:host')
        target = {'c1': 'c2', 'c2': 'c1'}[source]

        member.servers.set_meta(vm.id, {'HA_Enabled': 'True'})
        self.assertEqual({'HA_Enabled': 'True'},
                         member.servers.get(vm.id).metadata)
        self.assertEqual([], admin.servers.list())
        listed = admin.servers.list(search_opts={'all_tenants': True})
        self.assertEqual([vm.id], [s.id for s in listed])
        self.assertEqual('True', listed[0].metadata['HA_Enabled'])
        self.assertNotEqual(listed[0].tenant_id,
                            admin.client.session.get_project_id())

        # The host crashes. Nova still thinks it is up (service_down_time
        # is 60 s) and refuses to evacuate from it until it is forced down.
        server.stop_compute(source)
        self.assertIn({'host': source, 'running': False},
                      server.computes())
        service = admin.services.list(host=source,
                                      binary='nova-compute')[0]
        self.assertEqual('up', service.state)
        error = self.assertRaises(nova_exc.BadRequest,
                                  admin.servers.evacuate, vm.id)
        self.assertIn('still in use', str(error))

        started = time.monotonic()
        service = admin.services.force_down(service.id, True)
        forced = time.monotonic() - started
        self.assertTrue(service.forced_down)
        self.assertEqual('down', admin.services.list(
            host=source, binary='nova-compute')[0].state)

        started = time.monotonic()
        admin.servers.evacuate(vm.id)
        vm = self._wait_for_server(admin, vm.id, 'ACTIVE', target)
        evacuation = time.monotonic() - started
        self.report('evacuation',
                    'force-down %.2f s; evacuate until ACTIVE on %s %.2f s'
                    % (forced, target, evacuation))
        self.assertEqual({'HA_Enabled': 'True'}, vm.metadata)
        self.assertEqual(
            [(source, target, 'done')],
            self._evacuations(admin, vm.id))

        # The host comes back: force-up is refused while the evacuation is
        # 'done'; the restarted nova-compute removes the evacuated guest
        # and completes the migration, then force-up works.
        error = self.assertRaises(nova_exc.BadRequest,
                                  admin.services.force_down,
                                  service.id, False)
        self.assertIn('evacuat', str(error))
        server.restart_compute(source)
        wait_for('evacuation completed',
                 lambda: self._evacuations(admin, vm.id) == [
                     (source, target, 'completed')])
        service = admin.services.force_down(service.id, False)
        self.assertFalse(service.forced_down)
        self.assertEqual('up', admin.services.list(
            host=source, binary='nova-compute')[0].state)
        vm = self._wait_for_server(admin, vm.id, 'ACTIVE', target)

    @staticmethod
    def _client(server, credentials):
        auth = loading.get_plugin_loader('v3password').load_from_options(
            auth_url=server.auth_url, **credentials)
        return nova_client.Client(MICROVERSION,
                                  session=ks_session.Session(auth=auth))

    @staticmethod
    def _evacuations(nova, server_id):
        return [(m.source_compute, m.dest_compute, m.status)
                for m in nova.migrations.list(instance_uuid=server_id,
                                              migration_type='evacuation')]

    def _wait_for_server(self, nova, server_id, status, host=None):
        def probe():
            vm = nova.servers.get(server_id)
            if vm.status == 'ERROR':
                raise AssertionError('server %s went to ERROR: %s'
                                     % (server_id, getattr(vm, 'fault', '')))
            if (vm.status == status
                    and host in (None, getattr(vm, 'OS-EXT-SRV-ATTR:host'))
                    and getattr(vm, 'OS-EXT-STS:task_state') is None):
                return vm
            return None
        return wait_for('server %s %s on %s' % (server_id, status, host),
                        probe)
