"""``openstack ha host ...`` against a FakeSession."""

import fixtures
from osc_lib import exceptions

from hastack.osc import client
from hastack.osc.v1 import hosts
from tests.unit.osc import fakes


def host(name='compute-1', **extra):
    """A host document as the API returns it."""
    doc = {'uuid': 'uuid-%s' % name, 'name': name, 'state': 'active',
           'state_since': '2026-01-01T00:00:00+00:00', 'ha_enabled': True,
           'maintenance': False, 'maintenance_reason': None,
           'planes': {'mgmt': {'status': 'up', 'last_seen': 't1'},
                      'service': {'status': 'down', 'last_seen': 't2'},
                      'storage': {'status': 'unknown', 'last_seen': None}},
           'failure_uuid': None, 'agent_version': '1.0',
           'created_at': 't0', 'updated_at': None}
    doc.update(extra)
    return doc


class TestHostCommands(fakes.CommandTestCase):
    """ha host ..."""

    def test_list_sends_filters_and_paging(self):
        self.answer({'hosts': [host()]})
        rows = self.run_json(hosts.ListHost, [
            '--state', 'suspect', '--ha-disabled', '--maintenance',
            '--storage-status', 'down', '--limit', '5', '--marker', 'm',
            '--sort', 'name:desc'])
        self.assertEqual({'state': 'suspect', 'ha_enabled': 'false',
                          'maintenance': 'true', 'storage_status': 'down',
                          'limit': '5', 'marker': 'm', 'sort_key': 'name',
                          'sort_dir': 'desc'}, self.last().query)
        self.assertEqual([{'UUID': 'uuid-compute-1', 'Name': 'compute-1',
                           'State': 'active', 'HA Enabled': True,
                           'Maintenance': False}], rows)

    def test_list_long_shows_planes(self):
        self.answer({'hosts': [host()]})
        rows = self.run_json(hosts.ListHost, ['--long'])
        self.assertEqual(('up', 'down', 'unknown', '1.0'),
                         (rows[0]['Mgmt'], rows[0]['Service'],
                          rows[0]['Storage'], rows[0]['Agent Version']))
        self.assertEqual({}, self.last().query)

    def test_bad_sort_sends_nothing(self):
        for sort in ('colour', 'name:sideways'):
            cmd, parsed = self.parse(hosts.ListHost, ['--sort', sort])
            e = self.assertRaises(exceptions.CommandError,
                                  cmd.take_action, parsed)
            self.assertIn('Invalid --sort', str(e))
        self.assertNothingSent()

    def test_show_flattens_planes(self):
        self.answer(host())
        doc = self.run_json(hosts.ShowHost, ['compute-1'])
        self.assertEqual('/v1/hosts/compute-1', self.last().path)
        self.assertNotIn('planes', doc)
        self.assertEqual(('up', 't1', 'down', 'unknown', None),
                         (doc['mgmt_status'], doc['mgmt_last_seen'],
                          doc['service_status'], doc['storage_status'],
                          doc['storage_last_seen']))

    def test_create(self):
        self.answer(host('c9', ha_enabled=False, maintenance=True,
                         maintenance_reason='racking'))
        doc = self.run_json(hosts.CreateHost, [
            'c9', '--no-ha', '--maintenance', '--reason', 'racking'])
        call = self.last()
        self.assertEqual(('POST', '/v1/hosts'), (call.method, call.path))
        self.assertEqual({'name': 'c9', 'ha_enabled': False,
                          'maintenance': True,
                          'maintenance_reason': 'racking'}, call.body)
        self.assertEqual('racking', doc['maintenance_reason'])

    def test_create_plain(self):
        self.answer(host('c9'))
        self.run_json(hosts.CreateHost, ['c9'])
        self.assertEqual({'name': 'c9'}, self.last().body)

    def test_create_reason_needs_maintenance(self):
        cmd, parsed = self.parse(hosts.CreateHost, ['c9', '--reason', 'x'])
        self.assertRaises(exceptions.CommandError, cmd.take_action, parsed)
        self.assertNothingSent()

    def test_set(self):
        self.answer(host(ha_enabled=False))
        self.run_json(hosts.SetHost, ['compute-1', '--no-ha',
                                      '--maintenance', '--reason', 'disk'])
        call = self.last()
        self.assertEqual(('PATCH', '/v1/hosts/compute-1'),
                         (call.method, call.path))
        self.assertEqual({'ha_enabled': False, 'maintenance': True,
                          'maintenance_reason': 'disk'}, call.body)

    def test_set_nothing(self):
        cmd, parsed = self.parse(hosts.SetHost, ['compute-1'])
        e = self.assertRaises(exceptions.CommandError, cmd.take_action,
                              parsed)
        self.assertIn('Nothing to set', str(e))
        self.assertNothingSent()

    def test_delete_one_failing_raises_the_api_error(self):
        self.answer(fakes.error(409, 'Conflict', 'Host compute-1 has open '
                                'tasks.', 'hastack.host.busy'))
        cmd, parsed = self.parse(hosts.DeleteHost, ['compute-1'])
        e = self.assertRaises(client.ApiError, cmd.take_action, parsed)
        self.assertEqual(409, e.status)

    def test_delete_several(self):
        log = self.useFixture(fixtures.FakeLogger())
        self.answer(None, fakes.error(404, 'Not Found', 'No host c2.',
                                      'hastack.host.not_found'), None)
        cmd, parsed = self.parse(hosts.DeleteHost, ['c1', 'c2', 'c3'])
        e = self.assertRaises(exceptions.CommandError, cmd.take_action,
                              parsed)
        self.assertEqual('Failed to delete 1 of 3 hosts.', str(e))
        self.assertEqual(['/v1/hosts/c1', '/v1/hosts/c2', '/v1/hosts/c3'],
                         [c.path for c in self.session.calls])
        self.assertEqual({'DELETE'}, {c.method for c in self.session.calls})
        self.assertIn('Failed to delete c2: Not Found (HTTP 404, '
                      'hastack.host.not_found): No host c2.', log.output)

    def test_decision(self):
        self.answer({'host': 'compute-1',
                     'vector': {'mgmt': 'down', 'service': 'down',
                                'storage': 'up'},
                     'strategy': 'default',
                     'rule': {'mgmt': 'down', 'service': 'down',
                              'storage': 'up', 'recover': True},
                     'gates': [{'name': 'maintenance', 'open': True,
                                'detail': 'off'},
                               {'name': 'grace', 'open': False,
                                'detail': '20 s left'}],
                     'action': 'wait', 'reason': 'grace period',
                     'recover_at': None, 'evaluated_at': 't'})
        code, out = self.run_command(hosts.ShowHostDecision, ['compute-1'])
        self.assertEqual(0, code)
        self.assertEqual('/v1/hosts/compute-1/decision', self.last().path)
        self.assertIn('open maintenance: off', out)
        self.assertIn('closed grace: 20 s left', out)

    def test_decision_json_keeps_structures(self):
        self.answer({'host': 'c1', 'gates': [{'name': 'g', 'open': True,
                                              'detail': 'd'}],
                     'vector': {'mgmt': 'up'}, 'action': 'none'})
        doc = self.run_json(hosts.ShowHostDecision, ['c1'])
        self.assertEqual([{'name': 'g', 'open': True, 'detail': 'd'}],
                         doc['gates'])
        self.assertEqual({'mgmt': 'up'}, doc['vector'])
