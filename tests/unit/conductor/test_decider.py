"""The decider on SQLite (Nova not configured: instances as stored)."""

import datetime

from hastack.common import states
from hastack.conductor import decider
from hastack.db import api as db_api
from hastack.db import recovery
from tests.unit.conductor import test_recovery_db as base

UP = {p: ('up', None) for p in ('mgmt', 'service', 'storage')}


class TestDecider(base.RecoveryDbTestCase):

    def setUp(self):
        super().setUp()
        self.decider = decider.Decider(self.conf.conf)

    def test_recover_after_grace_once(self):
        self.suspect_host(instances=2)
        later = base.now() + datetime.timedelta(seconds=121)
        self.assertEqual({'c1': 'recover'},
                         self.decider.run_once(self.context, later))
        self.assertEqual({'c1': 'in_progress'},
                         self.decider.run_once(self.context, later))
        self.assertEqual(4, len(db_api.task_list(self.context)))

    def test_fenced_host_recovered_at_once_whatever_its_planes(self):
        recovery.host_observe(self.context, 'c1', UP)
        db_api.instance_create(self.context, {
            'uuid': 'a' * 36, 'project_id': 'p', 'host': 'c1',
            'ha_enabled': True})
        failure = self.decider.declare_fenced(self.context, 'c1',
                                              'told to fence')
        self.assertIsNotNone(failure)
        host = db_api.host_get(self.context, 'c1')
        self.assertEqual(states.HOST_FAILED, host.state)
        self.assertEqual(['evacuate', 'fence', 'force_down'], sorted(
            t.type for t in db_api.task_list(self.context)))

    def test_fenced_host_not_recovered_through_a_closed_gate(self):
        recovery.host_observe(self.context, 'c1', UP)
        db_api.maintenance_set(self.context, True)
        self.assertIsNone(self.decider.declare_fenced(self.context, 'c1',
                                                      'told to fence'))
        self.assertEqual('active', db_api.host_get(self.context,
                                                   'c1').state)

    def test_fenced_host_in_recovery_is_left_alone(self):
        self.suspect_host(instances=0)
        self.declare()
        self.assertIsNone(self.decider.declare_fenced(self.context, 'c1',
                                                      'again'))

    def test_fenced_then_evacuations_over_is_recovered(self):
        self.suspect_host(instances=1)
        failure, tasks = self.declare()
        recovery.host_transition(self.context, 'c1', ('failed',), 'fenced',
                                 'test')
        evacuate = [t for t in tasks if t.type == 'evacuate'][0]
        recovery.task_claim(self.context, evacuate.uuid, 'me', base.now())
        recovery.task_finish(self.context, evacuate.uuid, 'me', 'succeeded',
                             'ok')
        self.decider.run_once(self.context)
        self.assertEqual('recovered', db_api.host_get(self.context,
                                                      'c1').state)


class TestNovaReadOncePerPass(base.RecoveryDbTestCase):
    """Hosts failing together: Nova's servers are read once per pass.

    Nova itself is replaced by a counter here (the functional and
    cluster tests run the real one)."""

    def setUp(self):
        super().setUp()
        self.decider = decider.Decider(self.conf.conf)
        self.reads = []
        self.patch(decider.nova, 'is_configured', lambda: True)
        self.patch(decider.nova_ops, 'list_servers',
                   lambda: self.reads.append(1) or [])
        # The stored instances stand for what Nova would list.
        self.patch(decider.recovery, 'instances_sync',
                   lambda context, servers: None)

    def test_two_hosts_one_read(self):
        self.suspect_host('c1', instances=1)
        self.suspect_host('c2', instances=1)
        later = base.now() + datetime.timedelta(seconds=121)
        self.assertEqual({'c1': 'recover', 'c2': 'recover'},
                         self.decider.run_once(self.context, later))
        self.assertEqual(1, len(self.reads))
        self.assertEqual(6, len(db_api.task_list(self.context)))

    def test_each_pass_and_each_fence_reads_again(self):
        self.suspect_host('c1', instances=1)
        later = base.now() + datetime.timedelta(seconds=121)
        self.decider.run_once(self.context, later)
        recovery.host_observe(self.context, 'c2', UP)
        db_api.instance_create(self.context, {
            'uuid': 'c2-0' + '0' * 32, 'project_id': 'p', 'host': 'c2',
            'ha_enabled': True, 'priority': 0})
        self.decider.declare_fenced(self.context, 'c2', 'told to fence')
        self.assertEqual(2, len(self.reads))
