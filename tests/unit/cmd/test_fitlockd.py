"""fitlockd's start: lockspaces whose storage failed are joined again."""

from unittest import mock

import testtools

from hastack.cmd import fitlockd
from hastack.fitlock import errors
from hastack.fitlock import timing


class TestJoinAll(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.daemon = mock.Mock(timing=timing.Timing(io_timeout=1.0))
        self.waits = []

    def wait(self, seconds):
        self.waits.append(seconds)
        return False

    def test_storage_failures_are_tried_again_with_backoff(self):
        failures = {'ls': 4}

        def join(name):
            if failures.get(name):
                failures[name] -= 1
                raise errors.IOFailure('read timed out')
        self.daemon.join.side_effect = join
        fitlockd._join_all(self.daemon, ['ls', 'other'], self.wait)
        # 2N = 2 s first, doubling, at most JOIN_RETRY_MAX.
        self.assertEqual([2.0, 4.0, 8.0, 16.0], self.waits)
        self.assertEqual(['ls', 'other', 'ls', 'ls', 'ls', 'ls'],
                         [c.args[0] for c in self.daemon.join.call_args_list])

    def test_the_wait_is_capped(self):
        failures = {'ls': 7}

        def join(name):
            if failures[name]:
                failures[name] -= 1
                raise errors.IOFailure('read timed out')
        self.daemon.join.side_effect = join
        fitlockd._join_all(self.daemon, ['ls'], self.wait)
        self.assertEqual(fitlockd.JOIN_RETRY_MAX, self.waits[-1])

    def test_configuration_errors_are_not_tried_again(self):
        self.daemon.join.side_effect = errors.UnknownLockspace('no ls')
        fitlockd._join_all(self.daemon, ['ls'], self.wait)
        self.assertEqual([], self.waits)
        self.assertEqual(1, self.daemon.join.call_count)

    def test_stopping_ends_the_tries(self):
        self.daemon.join.side_effect = errors.IOFailure('read timed out')
        fitlockd._join_all(self.daemon, ['ls'], lambda seconds: True)
        self.assertEqual(1, self.daemon.join.call_count)
