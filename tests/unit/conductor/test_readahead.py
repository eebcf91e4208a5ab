"""Servers read ahead of their evacuation: used once, only while fresh."""

import threading
from unittest import mock

import fixtures
import testtools

from hastack.conductor import nova_ops
from hastack.conductor import readahead


class TestServerReadAhead(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.reads = []
        self.clock = [1000.0]
        # The module's clock only: threading keeps the real one.
        self.useFixture(fixtures.MockPatch(
            'hastack.conductor.readahead.time',
            new=mock.Mock(monotonic=lambda: self.clock[0])))
        self.ahead = readahead.ServerReadAhead()

    def get_server(self, uuid):
        self.reads.append(uuid)
        return {'uuid': uuid, 'read': len(self.reads)}

    def request_and_wait(self, uuid):
        self.ahead.request(uuid)
        self.assertTrue(self.ahead._reads[uuid].done.wait(10))

    @mock.patch.object(nova_ops, 'get_server')
    def test_a_fresh_read_is_used_once(self, get_server):
        get_server.side_effect = self.get_server
        self.request_and_wait('s1')
        self.clock[0] += readahead.FRESH - 0.1
        self.assertEqual({'uuid': 's1', 'read': 1},
                         self.ahead.get_server('s1'))
        # Used: the next evacuation of it reads again.
        self.assertEqual(2, self.ahead.get_server('s1')['read'])

    @mock.patch.object(nova_ops, 'get_server')
    def test_a_stale_read_is_not_used(self, get_server):
        get_server.side_effect = self.get_server
        self.request_and_wait('s1')
        self.clock[0] += readahead.FRESH + 0.1
        self.assertEqual(2, self.ahead.get_server('s1')['read'])

    @mock.patch.object(nova_ops, 'get_server')
    def test_a_deleted_server_read_ahead_is_none(self, get_server):
        get_server.return_value = None
        self.request_and_wait('s1')
        self.assertIsNone(self.ahead.get_server('s1'))
        self.assertEqual(1, get_server.call_count)

    @mock.patch.object(nova_ops, 'get_server')
    def test_a_failed_read_ahead_is_read_again(self, get_server):
        get_server.side_effect = [nova_ops.NovaRefused(detail='x'),
                                  {'uuid': 's1'}]
        self.request_and_wait('s1')
        self.assertEqual({'uuid': 's1'}, self.ahead.get_server('s1'))
        self.assertEqual(2, get_server.call_count)

    @mock.patch.object(nova_ops, 'get_server')
    def test_one_read_at_a_time_and_stale_ones_dropped(self, get_server):
        get_server.side_effect = self.get_server
        self.request_and_wait('s1')
        # A fresh read is not made twice.
        self.ahead.request('s1')
        self.assertEqual(['s1'], self.reads)
        # One nobody took is dropped once stale, and made again.
        self.clock[0] += readahead.FRESH + 1
        self.request_and_wait('s1')
        self.assertEqual(['s1', 's1'], self.reads)

    @mock.patch.object(nova_ops, 'get_server')
    def test_a_read_still_running_is_waited_for(self, get_server):
        release = threading.Event()
        self.addCleanup(release.set)

        def slow(uuid):
            release.wait(10)
            return {'uuid': uuid, 'read': 'ahead'}
        get_server.side_effect = slow
        self.ahead.request('s1')
        threading.Timer(0.1, release.set).start()
        # Further along than a new read: its answer is the one used.
        self.assertEqual('ahead', self.ahead.get_server('s1')['read'])
        self.assertEqual(1, get_server.call_count)
