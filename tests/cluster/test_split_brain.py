"""The slides' split-brain cases on the whole system, with instances that
really collide: each instance is a process on its host holding its
Fitlock lease and writing its disk on the shared storage, and the
invariant checker reads every disk afterwards."""

import json
import os
import time

import testtools
from testtools import content

from hastack.db import api as db_api
from tests.cluster import harness
from tests.cluster import invariants
from tests.fixtures import conf as conf_fixture
from tests.functional.fitlock import storage_fixtures
from tests.functional.net import fixtures as net

REQUIRE = os.environ.get('HASTACK_TEST_REQUIRE_NET') == '1'
wait_for = harness.wait_for


class SplitBrainTestCase(testtools.TestCase):
    """A fresh cluster with Fitlock, shared storage and process guests."""

    HOSTS = ('c1', 'c2', 'c3')
    CONDUCTORS = 1
    CONDUCTOR_OPTIONS = None
    # False: no shared storage, fitlockd or process guests (Nova's plain
    # fake guests), for scenarios about the conductor's decisions alone.
    FITLOCK = True

    def setUp(self):
        super().setUp()
        missing = storage_fixtures.missing_tools() if self.FITLOCK else []
        reason = net.skip_reason() or (
            'missing %s' % ', '.join(missing) if missing else None)
        if reason:
            if REQUIRE:
                self.fail(reason)
            self.skipTest(reason)
        self.useFixture(conf_fixture.ConfFixture())
        self.cluster = self.useFixture(harness.HaCluster(
            self.HOSTS, conductors=self.CONDUCTORS,
            conductor_options=self.CONDUCTOR_OPTIONS, fitlock=self.FITLOCK))
        self.addOnException(lambda exc_info: self.addDetail(
            'cluster-logs', content.text_content(self.cluster.logs())))
        self.cluster.wait_all_up()

    def assert_no_split_brain(self):
        """No disk was written by two hosts at once."""
        violations, report = invariants.check_disks(self.cluster.disks_dir())
        self.addDetail('disks', content.text_content('\n'.join(
            '%s: %s' % (disk, ', '.join('%s/%d %.2f-%.2f (%d lines)' % (
                s.host, s.pid, s.first, s.last, s.lines) for s in writers))
            for disk, writers in report.items())))
        self.assertEqual([], [str(v) for v in violations])
        return report

    def assert_running_once(self, vms, where=None):
        """Each of ``vms`` runs as exactly one process (on ``where``)."""
        alive = self.cluster.instance_pids()
        for vm in vms:
            copies = alive.get(vm, [])
            self.assertEqual(1, len(copies), '%s runs %r' % (vm, copies))
            if where:
                self.assertIn(copies[0][0], where)


class TestSpawn(SplitBrainTestCase):
    """Case 1: a spawned HA instance holds its lease; a second copy of it
    cannot start anywhere while the first runs."""

    def test_lease_registered_and_second_copy_refused(self):
        c = self.cluster
        vm = c.boot('vm', 'c1')
        self.assert_running_once([vm], ('c1',))
        lease = c.fitlock_call('c2', 'inquire', lockspace=harness.LOCKSPACE,
                               resource=vm)
        self.assertEqual(c.host_id('c1'), lease['owner_id'])
        # What an operator's manual evacuation would do, HA switched off:
        # Nova starts the instance on another host, which must fail.
        db_api.maintenance_set(c.context, True, 'manual evacuation test')
        nova = c.nova_client()
        service = nova.services.list(host='c1', binary='nova-compute')[0]
        nova.services.force_down(service.id, True)
        nova.servers.evacuate(vm)
        wait_for(lambda: nova.servers.get(vm).status == 'ERROR', 60,
                 'the evacuation to fail')
        self.assert_running_once([vm], ('c1',))
        self.assert_no_split_brain()


class TestIsolatedHost(SplitBrainTestCase):
    """Case 4: a host cut from everything (all three planes, storage
    with them) stops its HA instances itself; they are evacuated once
    its lease is dead, never while it could still write."""

    def test_isolated_host_fenced_by_its_lease(self):
        c = self.cluster
        vms = [c.boot('vm%d' % i, 'c1') for i in range(2)]
        other = c.boot('other', 'c2')
        for plane in ('mgmt', 'service', 'storage'):
            c.hosts['c1'].cut(plane)
        c.nova.stop_compute('c1')
        c.wait_host_state('c1', 'recovered', timeout=120)
        fence = c.tasks(host='c1', type='fence')[0]
        self.assertEqual('lease_expired',
                         json.loads(fence.fence_proof)['kind'])
        self.assert_running_once(vms, ('c2', 'c3'))
        self.assert_running_once([other], ('c2',))
        # The cables come back: c1's own copies were stopped by its
        # fitlockd (no arbiter answer means fence) and never write again.
        for plane in ('mgmt', 'service', 'storage'):
            c.hosts['c1'].restore(plane)
        c.nova.restart_compute('c1')
        c.wait_host_state('c1', 'active', timeout=90)
        self.assert_running_once(vms, ('c2', 'c3'))
        report = self.assert_no_split_brain()
        for vm in vms:
            self.assertEqual('c1', report[vm][0].host)
            self.assertEqual(2, len(report[vm]), report[vm])
            self.assertIn(report[vm][1].host, ('c2', 'c3'))


class TestCutFromControllers(SplitBrainTestCase):
    """Case 3: a host cut from the controllers (mgmt and service) but not
    from storage still renews its lease: its instances cannot start
    elsewhere until it stopped them on the fence order that reached it
    over the storage plane."""

    def test_fenced_over_the_storage_plane_then_evacuated(self):
        c = self.cluster
        vm = c.boot('vm', 'c1')
        c.hosts['c1'].cut('mgmt')
        c.hosts['c1'].cut('service')
        c.nova.stop_compute('c1')
        c.wait_host_state('c1', 'recovered', timeout=90)
        fence = c.tasks(host='c1', type='fence')[0]
        proof = json.loads(fence.fence_proof)
        self.assertEqual(('agent_ack', 'etcd:storage'),
                         (proof['kind'], proof['detail']['path']))
        self.assertEqual([vm], proof['detail']['stopped'])
        self.assert_running_once([vm], ('c2', 'c3'))
        report = self.assert_no_split_brain()
        self.assertEqual(['c1'], [s.host for s in report[vm][:1]])


class TestHostCrash(SplitBrainTestCase):
    """A crashed host (every process of it killed, its nova-compute
    gone): no one can confirm anything, so the proof is its lease, dead
    for H as a peer sees it."""

    def test_crash_recovered_on_the_dead_lease(self):
        c = self.cluster
        vms = [c.boot('vm%d' % i, 'c1') for i in range(2)]
        plain = c.boot('plain', 'c1', ha=False)
        c.crash_host('c1')
        c.wait_host_state('c1', 'recovered', timeout=90)
        fence = c.tasks(host='c1', type='fence')[0]
        proof = json.loads(fence.fence_proof)
        self.assertEqual('lease_expired', proof['kind'])
        self.assertIn(proof['detail']['observer'], ('c2', 'c3'))
        self.assert_running_once(vms, ('c2', 'c3'))
        self.assertNotIn(plain, c.instance_pids())
        self.assert_no_split_brain()


class TestStorageInaccessible(SplitBrainTestCase):
    """Case 2: the shared storage fails while the networks work."""

    def test_one_host_loses_it_fenced_and_recovered(self):
        c = self.cluster
        vm = c.boot('vm', 'c1')
        c.lose_storage('c1')
        # Its fitlockd asks, the conductor answers fence (c1 alone is in
        # trouble), fitlockd stops the instance, and HA recovers it
        # although every plane still looks up (so the host is at once
        # "returning", and its recovery goes on all the same).
        wait_for(lambda: [t for t in c.tasks(type='evacuate')
                          if t.state == 'succeeded'], 90,
                 'the evacuation of vm')
        self.assertEqual(['fencing_event.fence'], [
            e.type for e in c.events() if e.type.startswith(
                'fencing_event.') and e.host == 'c1'][:1])
        self.assert_running_once([vm], ('c2', 'c3'))
        c.regain_storage('c1')
        c.nova.restart_compute('c1')
        c.wait_host_state('c1', 'active', timeout=60)
        self.assert_no_split_brain()

    def test_every_host_loses_it_nothing_moves(self):
        c = self.cluster
        vms = {c.boot('vm-%s' % h, h): h for h in self.HOSTS}
        for host in self.HOSTS:
            c.lose_storage(host)
        # Fencing every host would stop the whole cloud: the answer is
        # no-fence, with grants that block any recovery.
        wait_for(lambda: len({e.host for e in c.events(
            'fencing_event.no-fence')}) == len(self.HOSTS), 60,
            'every host answered no-fence')
        for host in self.HOSTS:
            c.regain_storage(host)
        harness.wait_for(lambda: c.host('c1') and all(
            c.host(h).state == 'active' for h in self.HOSTS), 60,
            'hosts active')
        self.assertEqual([], c.tasks(type='evacuate'))
        for vm, host in vms.items():
            self.assertEqual(host, c.server(vm)[1])
        self.assert_no_split_brain()


class TestShortIsolation(SplitBrainTestCase):
    """A host isolated long enough for its fitlockd to fence (no answer
    from any conductor), but back before the grace period ends: the
    planes never made it a failure, yet its HA instances were stopped.
    Its agent keeps reporting the fence until a conductor hears it, and
    HA recovers them."""

    # Grace far longer than the isolation; F + A = 6 s (harness timing).
    CONDUCTOR_OPTIONS = {'ha': {'grace_period': 60}}

    def test_instances_stopped_by_the_fence_are_recovered(self):
        c = self.cluster
        vm = c.boot('vm', 'c1')
        other = c.boot('other', 'c2')
        for plane in ('mgmt', 'service', 'storage'):
            c.hosts['c1'].cut(plane)
        # fitlockd fences once the agent's wait for an answer (A) ran
        # out. (The guest, blocked on the dead mount, dies when its I/O
        # fails; the shared folder cannot take its writes meanwhile.)
        wait_for(lambda: '"event": "fenced"' in c.agent_log('c1'), 60,
                 'fitlockd of c1 fencing')
        time.sleep(2)
        for plane in ('mgmt', 'service', 'storage'):
            c.hosts['c1'].restore(plane)
        # No failure by the planes (grace 60 s): the late report of the
        # fence makes the conductor recover c1.
        wait_for(lambda: [t for t in c.tasks(type='evacuate')
                          if t.state == 'succeeded'], 90,
                 'the evacuation of vm')
        self.assertTrue([e for e in c.events('fencing_event.fence')
                         if e.host == 'c1'])
        # It was the agent's late report that got through.
        self.assertIn('(decided without an answer) reached a conductor',
                      c.agent_log('c1'))
        self.assert_running_once([vm], ('c2', 'c3'))
        self.assert_running_once([other], ('c2',))
        c.nova.restart_compute('c1')
        c.wait_host_state('c1', 'active', timeout=90)
        self.assert_no_split_brain()
