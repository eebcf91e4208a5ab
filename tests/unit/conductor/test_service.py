"""The conductor's instance sync waits while evacuations run (Nova is
then the recovery's bottleneck), SYNC_DEFER_MAX intervals at most."""

import types
from unittest import mock

from hastack.conductor import nova_ops
from hastack.conductor import service
from hastack.db import recovery
from tests.unit.conductor import test_recovery_db as base


class TestInstanceSync(base.RecoveryDbTestCase):

    def setUp(self):
        super().setUp()
        self.clock = [1000.0]
        patcher = mock.patch.object(service.time, 'monotonic',
                                    lambda: self.clock[0])
        patcher.start()
        self.addCleanup(patcher.stop)
        self.conductor = types.SimpleNamespace(conf=self.conf.conf,
                                               _synced_at=None)
        self.interval = self.conf.conf.conductor.instance_sync_interval

    def sync(self):
        with mock.patch.object(nova_ops, 'list_servers',
                               return_value=[]) as list_servers:
            service.Conductor._sync_instances(self.conductor, self.context)
        return list_servers.called

    def test_waits_while_evacuations_run_then_no_longer(self):
        self.assertTrue(self.sync())
        self.suspect_host(instances=1)
        _, tasks = self.declare()
        evacuation = [t for t in tasks if t.type == 'evacuate'][0]
        recovery.task_claim(self.context, evacuation.uuid, 'me',
                            base.now())
        # An evacuation runs: the next syncs wait...
        self.clock[0] += self.interval
        self.assertFalse(self.sync())
        self.clock[0] += (service.SYNC_DEFER_MAX - 1) * self.interval - 1
        self.assertFalse(self.sync())
        # ...SYNC_DEFER_MAX intervals at most.
        self.clock[0] += 1
        self.assertTrue(self.sync())
        # None runs: it syncs.
        recovery.task_finish(self.context, evacuation.uuid, 'me',
                             'succeeded', 'ok')
        self.clock[0] += self.interval
        self.assertTrue(self.sync())

    def test_the_first_sync_never_waits(self):
        self.suspect_host(instances=1)
        _, tasks = self.declare()
        evacuation = [t for t in tasks if t.type == 'evacuate'][0]
        recovery.task_claim(self.context, evacuation.uuid, 'me',
                            base.now())
        self.assertTrue(self.sync())
