"""Key messages at the conductor: stored once, fencing events answered
(fence by default, a recorded grant otherwise), acks recorded."""

import datetime

from hastack.common import keymsg
from hastack.conductor import keymessages
from hastack.db import api as db_api
from hastack.db import recovery
from tests import base

UP = {p: ('up', None) for p in ('mgmt', 'service', 'storage')}


class RecordingPlanes:
    """Test double of hastack.conductor.planes.Planes: records what would
    be written to etcd (the real plane access is exercised against real
    etcd in tests/functional/conductor)."""

    def __init__(self):
        self.sent = []

    def send(self, message):
        self.sent.append(message)
        return ['mgmt', 'service', 'storage']


class RecordingAgentAPI:
    """Test double of AgentAPI's cast (RPC runs for real in the
    functional tests)."""

    def __init__(self):
        self.delivered = []

    def deliver_message(self, context, host, message):
        self.delivered.append((host, message))


class TestKeyMessages(base.DbTestCase):

    def setUp(self):
        super().setUp()
        self.planes = RecordingPlanes()
        self.agents = RecordingAgentAPI()
        self.messages = keymessages.KeyMessages(self.conf.conf, self.planes,
                                                self.agents)
        for name in ('c1', 'c2', 'c3', 'c4'):
            recovery.host_observe(self.context, name, UP)

    def event(self, host='c1'):
        return keymsg.make(keymsg.FENCING_EVENT, host,
                           {'lockspace': 'hastack', 'timeout': 60})

    def test_fence_by_default_answered_once_on_every_path(self):
        message = self.event()
        answer = self.messages.receive(self.context, message, 'etcd:mgmt')
        self.assertEqual('fence', answer['decision'])
        # The RPC copy gets the same answer, and nothing is sent twice.
        again = self.messages.receive(self.context, message, 'rpc')
        self.assertEqual(answer, again)
        self.assertEqual(1, len(self.planes.sent))
        sent = self.planes.sent[0]
        self.assertEqual((keymsg.FENCE_ANSWER, 'c1', message['id']),
                         (sent['type'], sent['host'],
                          sent['body']['in_reply_to']))
        self.assertEqual([('c1', sent)], self.agents.delivered)
        self.assertIsNone(db_api.host_get(self.context,
                                          'c1').fence_grant_until)
        self.assertEqual(1, len([e for e in db_api.event_list(self.context)
                                 if e.type == 'fencing_event.fence']))

    def test_maintenance_gives_a_recorded_grant(self):
        db_api.maintenance_set(self.context, True, 'upgrade')
        before = datetime.datetime.utcnow()
        answer = self.messages.receive(self.context, self.event(), 'rpc')
        self.assertEqual(('no-fence', 120),
                         (answer['decision'], answer['grant_seconds']))
        until = db_api.host_get(self.context, 'c1').fence_grant_until
        # Stored end = grant + the longest delivery time (30 s RPC).
        self.assertGreaterEqual(until, before + datetime.timedelta(
            seconds=150))
        self.assertIn('ha_maintenance', answer['reason'])

    def test_many_hosts_losing_storage_is_no_fence(self):
        first = self.messages.receive(self.context, self.event('c1'), 'rpc')
        self.assertEqual('fence', first['decision'])
        # 2 of 4 hosts at once reaches 30% (and two hosts): the storage,
        # not the hosts, is at fault.
        second = self.messages.receive(self.context, self.event('c2'),
                                       'rpc')
        self.assertEqual('no-fence', second['decision'])
        self.assertIn('shared storage', second['reason'])

    def test_a_host_healthy_again_no_longer_counts(self):
        self.messages.receive(self.context, self.event('c1'), 'rpc')
        # c1's storage came back after its event: a later, unrelated
        # incident of c2 is c2's alone.
        later = datetime.datetime.utcnow() + datetime.timedelta(seconds=5)
        recovery.host_observe(self.context, 'c1', {
            'storage': ('up', later)}, storage_ok=True)
        answer = self.messages.receive(self.context, self.event('c2'),
                                       'rpc')
        self.assertEqual('fence', answer['decision'])

    def test_heartbeats_saying_the_folder_is_broken_count(self):
        recovery.host_observe(self.context, 'c3', UP, storage_ok=False)
        answer = self.messages.receive(self.context, self.event('c1'),
                                       'rpc')
        self.assertEqual('no-fence', answer['decision'])

    def test_malformed_messages_are_dropped(self):
        for bad in (None, 'x', {'id': '', 'type': 't', 'host': 'c1'},
                    {'id': 'a', 'type': 't', 'host': 'c1', 'body': []}):
            self.assertIsNone(self.messages.receive(self.context, bad,
                                                    'rpc'))
        self.assertEqual([], self.planes.sent)

    def test_fence_ack_is_recorded_for_the_fence_task(self):
        order = keymsg.make(keymsg.FENCE_ORDER, 'c1', {'instances': []})
        ack = keymsg.make(keymsg.FENCE_ACK, 'c1', {
            'in_reply_to': order['id'], 'stopped': ['a'],
            'not_running': [], 'failed': []})
        self.messages.receive(self.context, ack, 'etcd:storage')
        row = recovery.message_reply(self.context, order['id'],
                                     keymsg.FENCE_ACK)
        self.assertEqual(('etcd:storage', {'in_reply_to': order['id'],
                                           'stopped': ['a'],
                                           'not_running': [],
                                           'failed': []}),
                         (row.path, keymessages.body_of(row)))
        events = [e for e in db_api.event_list(self.context)
                  if e.type == 'fence.acknowledged']
        self.assertEqual(1, len(events))
