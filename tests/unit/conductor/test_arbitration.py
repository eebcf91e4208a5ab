"""Answers to fencing events."""

from oslotest import base

from hastack.conductor import arbitration


class TestAnswer(base.BaseTestCase):

    def test_fence_by_default(self):
        result = arbitration.answer(False, False, False, 120)
        self.assertEqual(('fence', 0), (result.decision,
                                        result.grant_seconds))

    def test_each_reason_gives_a_grant(self):
        for args, words in (((True, False, False), 'ha_maintenance'),
                            ((False, True, False), 'self-defense'),
                            ((False, False, True), 'shared storage')):
            result = arbitration.answer(*args, grant_seconds=90)
            self.assertEqual('no-fence', result.decision)
            self.assertEqual(90, result.grant_seconds)
            self.assertIn(words, result.reason)

    def test_reasons_are_all_listed(self):
        result = arbitration.answer(True, True, True, 60)
        self.assertEqual(3, result.reason.count(';') + 1)
        self.assertEqual({'decision': 'no-fence', 'grant_seconds': 60,
                          'reason': result.reason}, result.as_dict())


class TestStorageAbnormal(base.BaseTestCase):

    def test_one_host_alone_is_never_abnormal(self):
        self.assertFalse(arbitration.storage_abnormal(1, 2, 0.3))
        self.assertFalse(arbitration.storage_abnormal(1, 1, 0.0))

    def test_ratio_of_hosts(self):
        self.assertFalse(arbitration.storage_abnormal(2, 10, 0.3))
        self.assertTrue(arbitration.storage_abnormal(3, 10, 0.3))
        self.assertTrue(arbitration.storage_abnormal(2, 4, 0.3))
