"""The arbiter's answers: maintenance, conductor answers, no answer.

The conductor is a real RPC server on oslo.messaging's fake:// transport.
"""

import threading
import time

import oslo_messaging as messaging
from oslo_messaging import conffixture

from hastack.agent import arbiter
from hastack.agent import messages
from hastack.common import rpc
from hastack.conductor import rpcapi
from tests import base


class Conductor:
    """An RPC endpoint answering fencing events from a script."""

    target = messaging.Target(version='1.0')

    def __init__(self, answer):
        self.answer = answer
        self.events = []

    def report_fencing_event(self, context, message):
        self.events.append(message)
        return self.answer


class TestArbiter(base.TestCase):

    def setUp(self):
        super().setUp()
        messaging_conf = self.useFixture(
            conffixture.ConfFixture(self.conf.conf))
        messaging_conf.transport_url = 'fake:/'
        self.addCleanup(rpc.cleanup)
        self.bus = messages.MessageBus('compute-1', {}, ttl=60)
        self.maintenance = arbiter.Maintenance()

    def arbiter(self, conductor_api, report_window=0.0):
        arb = arbiter.Arbiter('/nonexistent', 'compute-1', self.bus,
                              conductor_api, self.maintenance, margin=0.1,
                              maintenance_grant=30,
                              report_window=report_window)
        self.addCleanup(arb.stop)
        return arb

    def record_published(self):
        """The list of messages the bus publishes on the planes from now
        on (they are still published)."""
        published = []
        original = self.bus.publish
        self.bus.publish = lambda m: published.append(m) or original(m)
        return published

    def serve(self, endpoint):
        server = rpc.get_server(self.conf.conf, rpcapi.TOPIC, 'conductor-1',
                                [endpoint])
        server.start()
        self.addCleanup(server.wait)
        self.addCleanup(server.stop)

    def test_maintenance_answers_no_fence_locally(self):
        self.maintenance.set(True, 'test')
        answer = self.arbiter(None).decide({'lockspace': 'ls',
                                            'timeout': 5})
        self.assertEqual('no-fence', answer['decision'])
        self.assertEqual(30, answer['grant_seconds'])

    def test_conductor_answer_by_rpc(self):
        conductor = Conductor({'decision': 'no-fence', 'grant_seconds': 40})
        self.serve(conductor)
        answer = self.arbiter(rpcapi.ConductorAPI(self.conf.conf)).decide(
            {'lockspace': 'ls', 'timeout': 5})
        self.assertEqual('no-fence', answer['decision'])
        self.assertEqual(40, answer['grant_seconds'])
        self.assertEqual('fencing_event', conductor.events[0]['type'])
        self.assertEqual('ls', conductor.events[0]['body']['lockspace'])

    def test_answer_over_etcd_path_counts(self):
        # No RPC conductor; the answer comes as a key message.
        arb = self.arbiter(None)
        original = self.bus.publish

        def publish(message):
            answer = messages.make('fence_answer', 'compute-1', {
                'in_reply_to': message['id'], 'decision': 'fence'})
            threading.Timer(0.05, self.bus.deliver,
                            (answer, 'etcd:mgmt')).start()
            return original(message)

        self.bus.publish = publish
        answer = arb.decide({'lockspace': 'ls', 'timeout': 2})
        self.assertEqual('fence', answer['decision'])
        self.assertEqual('the conductor decided', answer['reason'])

    def test_no_answer_means_fence(self):
        answer = self.arbiter(rpcapi.ConductorAPI(self.conf.conf)).decide(
            {'lockspace': 'ls', 'timeout': 0.5})
        self.assertEqual('fence', answer['decision'])
        self.assertEqual('no answer from the conductor', answer['reason'])

    def test_unusable_answer_means_fence(self):
        self.serve(Conductor({'decision': 'maybe'}))
        answer = self.arbiter(rpcapi.ConductorAPI(self.conf.conf)).decide(
            {'lockspace': 'ls', 'timeout': 3})
        self.assertEqual('fence', answer['decision'])

    def test_deadline_already_past_means_fence(self):
        answer = self.arbiter(None).decide({'lockspace': 'ls',
                                            'timeout': 0.05})
        self.assertEqual('fence', answer['decision'])

    def test_fence_without_answer_is_reported_until_answered(self):
        self.patch(arbiter, 'LATE_REPORT_INTERVAL', 0.05)
        self.patch(arbiter, 'LATE_REPORT_WAIT', 2.0)
        arb = self.arbiter(rpcapi.ConductorAPI(self.conf.conf),
                           report_window=30)
        answer = arb.decide({'lockspace': 'ls', 'timeout': 0.5})
        self.assertEqual('no answer from the conductor', answer['reason'])
        # A conductor comes back: it gets the same event (same id, so it
        # acts once), and the reports stop once it answered.
        conductor = Conductor({'decision': 'fence', 'grant_seconds': 0})
        self.serve(conductor)
        deadline = time.monotonic() + 10
        while not conductor.events and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        # (The first call, queued by the fake transport, may arrive too.)
        self.assertEqual(1, len({e['id'] for e in conductor.events}))
        self.assertEqual('fencing_event', conductor.events[0]['type'])
        delivered = len(conductor.events)
        time.sleep(0.5)
        self.assertEqual(delivered, len(conductor.events))

    def test_a_late_answer_to_the_first_report_ends_the_reports(self):
        # The first report's RPC call can get through once the network
        # is back, after the query gave up: its answer counts.
        self.patch(arbiter, 'LATE_REPORT_INTERVAL', 0.2)
        published = self.record_published()
        arb = self.arbiter(None, report_window=30)
        answer = arb.decide({'lockspace': 'ls', 'timeout': 0.4})
        self.assertEqual('no answer from the conductor', answer['reason'])
        event_id = published[0]['id']
        deadline = time.monotonic() + 5
        while event_id not in self.bus._replies:
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.01)
        self.bus.deliver(messages.make('fence_answer', 'compute-1', {
            'in_reply_to': event_id, 'decision': 'fence'}), 'rpc')
        time.sleep(0.7)
        self.assertEqual(1, len(published))
        self.assertNotIn(event_id, self.bus._replies)

    def test_without_a_report_window_it_is_sent_once(self):
        self.patch(arbiter, 'LATE_REPORT_INTERVAL', 0.05)
        published = self.record_published()
        arb = self.arbiter(None, report_window=0)
        arb.decide({'lockspace': 'ls', 'timeout': 0.3})
        time.sleep(0.3)
        self.assertEqual(1, len(published))
