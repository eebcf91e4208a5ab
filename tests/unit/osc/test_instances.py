"""``openstack ha instance ...`` against a FakeSession."""

import io

import fixtures
from osc_lib import exceptions

from hastack.osc.v1 import instances
from tests.unit.osc import fakes

UUID = '6f2b7c1e-8d34-4e0a-9a51-3f0f3c1d2e11'


def instance(**extra):
    """An instance document as the API returns it."""
    doc = {'uuid': UUID, 'name': 'web-1', 'project_id': 'p1',
           'host': 'compute-1', 'status': 'ACTIVE', 'ha_enabled': True,
           'priority': 10, 'created_at': 't0', 'updated_at': None}
    doc.update(extra)
    return doc


class TestInstanceCommands(fakes.CommandTestCase):
    """ha instance ..."""

    def test_list(self):
        self.answer({'instances': [instance()]})
        rows = self.run_json(instances.ListInstance, [
            '--project', 'p1', '--host', 'compute-1', '--ha-disabled',
            '--status', 'ACTIVE', '--sort', 'priority:desc', '--long'])
        self.assertEqual({'project_id': 'p1', 'host': 'compute-1',
                          'ha_enabled': 'false', 'status': 'ACTIVE',
                          'sort_key': 'priority', 'sort_dir': 'desc'},
                         self.last().query)
        self.assertEqual('/v1/instances', self.last().path)
        self.assertEqual([(UUID, 'p1', 10)],
                         [(r['UUID'], r['Project'], r['Priority'])
                          for r in rows])

    def test_show(self):
        self.answer(instance())
        doc = self.run_json(instances.ShowInstance, [UUID])
        self.assertEqual('/v1/instances/%s' % UUID, self.last().path)
        self.assertEqual(instance(), doc)

    def test_set(self):
        self.answer(instance(ha_enabled=False, priority=900))
        self.run_json(instances.SetInstance, [UUID, '--no-ha',
                                              '--priority', '900'])
        call = self.last()
        self.assertEqual(('PATCH', {'ha_enabled': False, 'priority': 900}),
                         (call.method, call.body))

    def test_set_nothing(self):
        cmd, parsed = self.parse(instances.SetInstance, [UUID])
        self.assertRaises(exceptions.CommandError, cmd.take_action, parsed)
        self.assertNothingSent()

    def test_priority_bounds(self):
        self.useFixture(fixtures.MonkeyPatch('sys.stderr', io.StringIO()))
        for bad in ('-1', '1001', 'high'):
            self.assertRaises(SystemExit, self.parse, instances.SetInstance,
                              [UUID, '--priority', bad])
        self.assertEqual(1000, self.parse(instances.SetInstance, [
            UUID, '--priority', '1000'])[1].priority)
