"""Leadership bookkeeping (tooz itself runs on real etcd in
tests/functional/conductor and tests/cluster)."""

from unittest import mock

from oslotest import base

from hastack.conductor import coordination


class TestLockTtl(base.BaseTestCase):

    def test_from_url(self):
        self.assertEqual(4.0, coordination.lock_ttl(
            'etcd3+http://h:2379?timeout=5&lock_timeout=4'))
        self.assertEqual(5.0, coordination.lock_ttl(
            'etcd3+http://h:2379?timeout=5'))
        self.assertEqual(30.0, coordination.lock_ttl('etcd3+http://h:2379'))


class TestRefresh(base.BaseTestCase):

    def leadership(self):
        leading = coordination.Leadership('etcd3+http://h?lock_timeout=4',
                                          'c1')
        leading._coordinator = mock.Mock()
        leading._lock = mock.Mock(acquired=True)
        return leading

    @mock.patch('time.monotonic')
    def test_a_late_renewal_gives_the_leadership_up(self, monotonic):
        leading = self.leadership()
        leading._lock.acquire.return_value = True
        monotonic.return_value = 100.0
        self.assertTrue(leading.refresh())
        monotonic.return_value = 103.0
        self.assertTrue(leading.refresh())
        # The next pass comes 5 s later: the 4 s lease may be another's.
        monotonic.return_value = 108.0
        leading._lock.acquire.return_value = False
        self.assertFalse(leading.refresh())
        leading._lock.release.assert_called_once_with()

    def test_without_backend_always_leads(self):
        self.assertTrue(coordination.Leadership(None, 'c1').refresh())
