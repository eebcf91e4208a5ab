"""Key messages: validation, deduplication, replies."""

from oslotest import base

from hastack.agent import messages


class TestDeduplicator(base.BaseTestCase):

    def test_first_time_only(self):
        dedup = messages.Deduplicator()
        self.assertTrue(dedup.first_time('a', now=0))
        self.assertFalse(dedup.first_time('a', now=1))
        self.assertTrue(dedup.first_time('b', now=1))

    def test_bounded_in_size_and_age(self):
        dedup = messages.Deduplicator(size=2, max_age=10)
        for i, key in enumerate('abc'):
            dedup.first_time(key, now=i)
        self.assertTrue(dedup.first_time('a', now=3))  # evicted by size
        dedup = messages.Deduplicator(size=100, max_age=10)
        dedup.first_time('a', now=0)
        self.assertTrue(dedup.first_time('a', now=11))  # aged out


class TestBus(base.BaseTestCase):

    def setUp(self):
        super().setUp()
        self.bus = messages.MessageBus('compute-1', {}, ttl=60)
        self.handled = []
        self.bus.on('fence_order', self.handled.append)

    def test_copies_from_several_paths_handled_once(self):
        message = messages.make('fence_order', 'compute-1', {})
        self.assertTrue(self.bus.deliver(message, 'etcd:mgmt'))
        self.assertFalse(self.bus.deliver(dict(message), 'etcd:storage'))
        self.assertFalse(self.bus.deliver(dict(message), 'rpc'))
        self.assertEqual([message], self.handled)

    def test_message_for_another_host_dropped(self):
        message = messages.make('fence_order', 'compute-2', {})
        self.assertFalse(self.bus.deliver(message, 'rpc'))
        self.assertEqual([], self.handled)

    def test_malformed_messages_dropped(self):
        for bad in (None, [], 'text', {'id': 'x'},
                    {'id': 1, 'type': 't', 'host': 'compute-1'},
                    {'id': 'x', 'type': 't', 'host': 'compute-1',
                     'body': 'not a dict'}):
            self.assertFalse(self.bus.deliver(bad, 'etcd:mgmt'), bad)
        self.assertEqual([], self.handled)

    def test_reply_reaches_the_waiter_not_a_handler(self):
        question = messages.make('fencing_event', 'compute-1', {})
        reply = self.bus.expect_reply(question['id'])
        answer = messages.make('fence_answer', 'compute-1',
                               {'in_reply_to': question['id'],
                                'decision': 'fence'})
        self.assertTrue(self.bus.deliver(answer, 'etcd:service'))
        self.assertEqual(answer, reply.wait(0))
        self.assertEqual([], self.handled)

    def test_no_reply_is_none(self):
        reply = self.bus.expect_reply('nothing')
        self.assertIsNone(reply.wait(0.01))

    def test_handler_failure_does_not_stop_delivery(self):
        def broken(message):
            raise RuntimeError('boom')
        self.bus.on('fence_order', broken)
        message = messages.make('fence_order', 'compute-1', {})
        self.assertTrue(self.bus.deliver(message, 'rpc'))
