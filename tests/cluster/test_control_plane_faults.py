"""Control-plane faults on the whole system: RabbitMQ stopped, the
database stalled, while a compute host crashes.

Neither may make HaStack recover what did not fail, nor run an instance
twice; both must leave it able to finish the recovery once they are over.
"""

import json
import time

import oslo_messaging

from tests.cluster import harness
from tests.cluster import test_split_brain

wait_for = harness.wait_for


class ControlPlaneFaultTestCase(test_split_brain.SplitBrainTestCase):
    """Three hosts, two conductors (either may be leader)."""

    CONDUCTORS = 2

    def assert_conductors_alive(self):
        """No conductor process died of the fault."""
        for name, process in self.cluster.conductors.items():
            self.assertIsNone(process.poll(), '%s exited' % name)


class TestRabbitMQStopped(ControlPlaneFaultTestCase):
    """RabbitMQ down alone changes nothing. Down while a host crashes:
    heartbeats and key messages travel on the etcd planes, so the failure
    is still detected; the fencing proof from a peer's view of the lease
    is asked by RPC, so the evacuations wait for the broker, and run once
    when it is back."""

    def test_outage_alone_then_a_crash_during_one(self):
        c = self.cluster
        vms = {c.boot('vm-%s' % h, h): h for h in self.HOSTS}
        vm = [v for v, h in vms.items() if h == 'c1'][0]
        c.stop_rabbitmq()
        time.sleep(harness.GRACE + harness.FITLOCK_TIMING.host_dead)
        c.start_rabbitmq()
        # The conductors serve RPC again (what an agent's restart asks),
        # once their reconnection backoff (up to 30 s) has run.
        answer = wait_for(lambda: _register(c, 'c2'), 90,
                          'a conductor answering RPC')
        self.assertEqual({'ha_maintenance': False}, answer)
        self.assertEqual([], c.tasks(type='evacuate'))
        for host in self.HOSTS:
            self.assertEqual('active', c.host(host).state)
        for server, host in vms.items():
            self.assertEqual(host, c.server(server)[1])
        self.assert_running_once(list(vms))

        c.stop_rabbitmq()
        c.crash_host('c1')
        # Declared (then fencing at once, waiting for its proof).
        wait_for(lambda: c.host('c1').state in ('failed', 'fencing'), 60,
                 'c1 declared failed')
        # The outage lasts longer than the lease's H (8 s): had anything
        # been started without a proof, it would show now.
        time.sleep(harness.FITLOCK_TIMING.host_dead + 4)
        self.assertNotIn(vm, c.instance_pids())
        self.assertEqual([], [t for t in c.tasks(type='evacuate')
                              if t.state == 'succeeded'])
        c.start_rabbitmq()
        c.wait_host_state('c1', 'recovered', timeout=120)
        fence = c.tasks(host='c1', type='fence')[0]
        self.assertEqual('lease_expired',
                         json.loads(fence.fence_proof)['kind'])
        self.assert_running_once([vm], ('c2', 'c3'))
        self.assert_running_once([v for v in vms if v != vm])
        for server, host in vms.items():
            if server != vm:
                self.assertEqual(host, c.server(server)[1])
        self.assertEqual(['succeeded'], [
            t.state for t in c.tasks(type='evacuate')])
        self.assert_conductors_alive()
        self.assert_no_split_brain()


class TestDatabaseStalled(ControlPlaneFaultTestCase):
    """The database hangs (every query waits): alone, nothing is
    recovered after it; while a host crashes, the conductors wait with
    it, then detect, fence and recover once."""

    def test_stall_alone_then_a_crash_during_one(self):
        c = self.cluster
        vms = {c.boot('vm-%s' % h, h): h for h in self.HOSTS}
        vms.update({c.boot('vm2-c1', 'c1'): 'c1'})
        c.stall_database()
        time.sleep(harness.GRACE + harness.FITLOCK_TIMING.host_dead)
        c.resume_database()
        # Several monitor cycles after the stall, nothing was declared.
        time.sleep(harness.GRACE + 2)
        for host in self.HOSTS:
            self.assertEqual('active', c.host(host).state)
        self.assertEqual([], c.tasks(type='evacuate'))
        self.assert_running_once(list(vms))

        on_c1 = sorted(v for v, h in vms.items() if h == 'c1')
        c.stall_database()
        c.crash_host('c1')
        # Longer than grace + H and than a task claim's heartbeat
        # timeout (8 s): every timer of the conductors runs out.
        time.sleep(harness.GRACE + harness.FITLOCK_TIMING.host_dead + 4)
        c.resume_database()
        c.wait_host_state('c1', 'recovered', timeout=120)
        self.assert_running_once(on_c1, ('c2', 'c3'))
        for server, host in vms.items():
            if host != 'c1':
                self.assertEqual(host, c.server(server)[1])
        evacuations = c.tasks(type='evacuate')
        self.assertEqual(on_c1, sorted(t.instance_uuid
                                       for t in evacuations))
        self.assertEqual({'succeeded'}, {t.state for t in evacuations})
        self.assertEqual(1, len({t.failure_uuid for t in evacuations}))
        self.assert_conductors_alive()
        self.assert_no_split_brain()


def _register(cluster, host):
    """register_host by RPC, or None while no conductor answers."""
    try:
        return cluster.conductor_rpc().register_host(
            cluster.context, host, {'storage_ok': True})
    except oslo_messaging.MessagingTimeout:
        return None
