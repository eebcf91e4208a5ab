"""The evacuate handler against the real Nova (the Nova test server, its
computes running on Nova's fake driver): a task taken over after its
first attempt called evacuate is followed to its end, never evacuated a
second time, even when the server reads as unmoved."""

import threading

from keystoneauth1 import loading as ks_loading

from hastack.common import nova
from hastack.common import states
from hastack.conductor import engine
from hastack.conductor import handlers
from hastack.conductor import nova_ops
from hastack.db import api as db_api
from hastack.db import recovery
from tests.functional.net import fixtures as net
from tests.functional.nova import fixture as nova_fixture
from tests.unit.conductor import test_recovery_db as base

TIMEOUT = 60


class TestTakenOverEvacuation(base.RecoveryDbTestCase):

    def setUp(self):
        super().setUp()
        self.nova = self.useFixture(nova_fixture.NovaServer())
        credentials = dict(self.nova.admin_credentials,
                           auth_url=self.nova.auth_url)
        # service_type and valid_interfaces too: their defaults, set when
        # [nova] is registered, do not survive an earlier test's
        # CONF.reset().
        self.conf.load_raw_values(group='nova', auth_type='password',
                                  service_type='compute',
                                  valid_interfaces='public', **credentials)
        nova.reset()
        self.addCleanup(nova.reset)
        # keystoneauth registers the password plugin's options on the
        # global CONF when it loads them (auth_url required): the next
        # test's CONF would refuse to parse without them.
        self.addCleanup(self._unregister_auth_options)
        for host in ('c1', 'c2'):
            self.nova.start_compute(host)
        self.client = nova_ops._client()

    def _unregister_auth_options(self):
        self.conf.conf.reset()
        self.conf.conf.unregister_opts(
            ks_loading.get_auth_plugin_conf_options('password'),
            group='nova')

    def boot(self, host):
        defaults = self.nova.defaults
        server = self.client.servers.create(
            'vm', image=defaults['image_id'], flavor=defaults['flavor_id'],
            nics=defaults['networks'], availability_zone='nova:%s' % host,
            meta={states.HA_METADATA_KEY: 'True'})
        net.wait_for(lambda: nova_ops.get_server(server.id)['status']
                     == 'ACTIVE', TIMEOUT, 0.2,
                     'server %s ACTIVE' % server.id)
        return server.id

    def evacuation_task(self, uuid):
        recovery.host_observe(self.context, 'c1', base.DOWN,
                              new_state=states.HOST_SUSPECT)
        db_api.instance_create(self.context, {
            'uuid': uuid, 'project_id': 'p', 'host': 'c1',
            'ha_enabled': True, 'priority': 0})
        _, tasks = self.declare()
        by_type = {t.type: t for t in tasks}
        fence = by_type[states.TASK_FENCE]
        recovery.task_claim(self.context, fence.uuid, 'me', base.now())
        recovery.task_finish(self.context, fence.uuid, 'me', 'succeeded',
                             'ok', fence_proof={'kind': 'agent_ack'})
        return by_type[states.TASK_EVACUATE]

    def run_attempt(self, hands, task, attempts):
        task.attempts = attempts
        return hands.evacuate(self.context, task,
                              engine.Runner(task, threading.Event()))

    def test_a_later_attempt_reading_the_server_unmoved_does_not_call(self):
        uuid = self.boot('c1')
        task = self.evacuation_task(uuid)
        self.nova.stop_compute('c1')
        nova_ops.set_forced_down('c1', True)
        unmoved = nova_ops.get_server(uuid)
        self.assertEqual(('c1', None),
                         (unmoved['host'], unmoved['task_state']))
        hands = handlers.Handlers(self.conf.conf, None, None)

        # Attempt 1 calls evacuate; its conductor dies before the end.
        nova_ops.evacuate(uuid)
        # Attempt 2 reads the server as Nova shows it between clearing
        # the task state and recording the new host: unmoved. (The
        # window is a few milliseconds here, seconds on a loaded
        # compute; the read is replayed to hit it every time.)
        reads = [unmoved]

        def get_server(server_uuid):
            return reads.pop() if reads else real_get_server(server_uuid)

        real_get_server = nova_ops.get_server
        self.patch(nova_ops, 'get_server', get_server)
        outcome = self.run_attempt(hands, task, attempts=2)

        self.assertEqual((engine.DONE, 'now ACTIVE on c2'),
                         (outcome.kind, outcome.message))
        moves = self.client.migrations.list(instance_uuid=uuid,
                                            migration_type='evacuation')
        self.assertEqual([('c1', 'c2')],
                         [(m.source_compute, m.dest_compute)
                          for m in moves])

    def test_a_later_attempt_after_a_failed_evacuation_calls_again(self):
        uuid = self.boot('c1')
        task = self.evacuation_task(uuid)
        self.nova.stop_compute('c1')
        nova_ops.set_forced_down('c1', True)
        c2 = nova_ops.compute_service('c2')
        hands = handlers.Handlers(self.conf.conf, None, None)
        # Attempt 1: no host can take it; Nova's migration ends in error
        # and the server stays on c1.
        self.client.services.disable(c2.id)
        outcome = self.run_attempt(hands, task, attempts=1)
        self.assertEqual(engine.RETRY, outcome.kind, outcome.message)
        self.assertEqual('c1', nova_ops.get_server(uuid)['host'])
        # Attempt 2, c2 enabled: the record says failed, it calls.
        self.client.services.enable(c2.id)
        outcome = self.run_attempt(hands, task, attempts=2)
        self.assertEqual((engine.DONE, 'now ACTIVE on c2'),
                         (outcome.kind, outcome.message))
        moves = self.client.migrations.list(instance_uuid=uuid,
                                            migration_type='evacuation')
        self.assertEqual(2, len(moves))
        self.assertEqual(1, len([m for m in moves if m.status == 'done']))

