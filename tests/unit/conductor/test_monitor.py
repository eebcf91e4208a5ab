"""The plane monitor's writes on SQLite: hosts that keep their state are
written in bulk, exactly as one host_observe per host would write them."""

from unittest import mock

from hastack.common import exception
from hastack.conductor import monitor
from hastack.db import api as db_api
from hastack.db import recovery
from tests.unit.conductor import test_recovery_db as base

PLANES = ('mgmt', 'service', 'storage')


class FakePlanes:

    def __init__(self):
        self.seen = {p: {} for p in PLANES}

    def beat(self, host, planes=PLANES, version='1.0', storage_ok=True):
        for plane in PLANES:
            self.seen[plane].pop(host, None)
        for plane in planes:
            self.seen[plane][host] = {'host': host,
                                      'agent_version': version,
                                      'storage_ok': storage_ok}

    def heartbeats(self):
        return {p: dict(hosts) for p, hosts in self.seen.items()}


class FakeKeyMessages:

    def storage_abnormal(self, context, now):
        return False


class TestMonitorWrites(base.RecoveryDbTestCase):

    def setUp(self):
        super().setUp()
        self.planes = FakePlanes()
        self.monitor = monitor.Monitor(self.conf.conf, self.planes,
                                       FakeKeyMessages())

    def events(self, etype):
        return [e for e in db_api.event_list(self.context)
                if e.type == etype]

    def test_steady_hosts_get_what_host_observe_writes(self):
        for name in ('c1', 'c2', 'c3'):
            self.planes.beat(name)
        self.monitor.run_once(self.context)
        self.assertEqual(3, len(self.events('host.discovered')))
        # c1 stays up with a new agent; c2 loses its service plane's
        # heartbeat and turns suspect (a state change: host_observe);
        # c3 reports its shared folder unusable.
        self.planes.beat('c1', version='2.0')
        self.planes.beat('c2', planes=('mgmt', 'storage'))
        self.planes.beat('c3', storage_ok=False)
        now = base.now()
        self.monitor.run_once(self.context, now)
        c1 = db_api.host_get(self.context, 'c1')
        self.assertEqual('active', c1.state)
        self.assertEqual('2.0', c1.agent_version)
        self.assertEqual(('up', 'up', 'up'), (
            c1.mgmt_status, c1.service_status, c1.storage_status))
        self.assertEqual([now] * 3, [c1.mgmt_last_seen, c1.service_last_seen,
                                     c1.storage_last_seen])
        self.assertIsNotNone(c1.updated_at)
        c2 = db_api.host_get(self.context, 'c2')
        self.assertEqual(('suspect', 'down'), (c2.state, c2.service_status))
        self.assertEqual(1, len(self.events('host.state.suspect')))
        self.assertFalse(db_api.host_get(self.context, 'c3').storage_ok)
        # A plane down on a suspect host that stays suspect: bulk, and
        # its last-seen time on that plane is kept.
        seen_before = c2.service_last_seen
        later = base.now()
        self.monitor.run_once(self.context, later)
        c2 = db_api.host_get(self.context, 'c2')
        self.assertEqual(('suspect', 'down', seen_before, later),
                         (c2.state, c2.service_status, c2.service_last_seen,
                          c2.mgmt_last_seen))
        self.assertEqual(1, len(self.events('host.state.suspect')))
        self.assertEqual(3, len(self.events('host.discovered')))

    def test_host_deleted_during_the_pass_is_registered_again(self):
        self.planes.beat('c1')
        self.planes.beat('c2')
        self.monitor.run_once(self.context)
        real = db_api.host_fields

        def read_then_delete(context, fields):
            rows = real(context, fields)
            if fields == ('state',):
                db_api.host_delete(context, 'c2')
            return rows

        with mock.patch.object(db_api, 'host_fields', read_then_delete):
            self.monitor.run_once(self.context)
        self.assertEqual('up', db_api.host_get(self.context,
                                               'c2').mgmt_status)
        self.assertEqual(3, len(self.events('host.discovered')))


class TestHostsObserved(base.RecoveryDbTestCase):

    def test_same_row_as_host_observe(self):
        up = {p: ('up', base.now()) for p in PLANES}
        for name in ('a', 'b'):
            recovery.host_observe(self.context, name, {})
        recovery.host_observe(self.context, 'a', up, agent_version='v',
                              storage_ok=True)
        self.assertEqual(['gone'], db_api.hosts_observed(
            self.context, [('b', up, 'v', True), ('gone', up, 'v', True)]))
        a, b = (db_api.host_get(self.context, n) for n in ('a', 'b'))
        columns = ('state', 'agent_version', 'storage_ok') + tuple(
            '%s_%s' % (p, c) for p in PLANES for c in ('status',
                                                      'last_seen'))
        self.assertEqual([getattr(a, c) for c in columns],
                         [getattr(b, c) for c in columns])
        self.assertRaises(exception.HostNotFound, db_api.host_get,
                          self.context, 'gone')

    def test_none_values_keep_the_stored_ones(self):
        recovery.host_observe(self.context, 'a', {'mgmt': ('up', base.now())},
                              agent_version='v', storage_ok=False)
        before = db_api.host_get(self.context, 'a')
        db_api.hosts_observed(self.context,
                              [('a', {'mgmt': ('down', None)}, None, None)])
        after = db_api.host_get(self.context, 'a')
        self.assertEqual(('down', before.mgmt_last_seen, 'v', False),
                         (after.mgmt_status, after.mgmt_last_seen,
                          after.agent_version, after.storage_ok))

    def test_unchanged_row_is_not_touched(self):
        down = {p: ('down', None) for p in PLANES}
        recovery.host_observe(self.context, 'a', down, agent_version='v')
        before = db_api.host_get(self.context, 'a')
        self.assertEqual([], db_api.hosts_observed(
            self.context, [('a', down, 'v', None)]))
        self.assertEqual(before.updated_at,
                         db_api.host_get(self.context, 'a').updated_at)
        db_api.hosts_observed(self.context, [('a', down, 'w', None)])
        after = db_api.host_get(self.context, 'a')
        self.assertEqual('w', after.agent_version)
        self.assertNotEqual(before.updated_at, after.updated_at)
