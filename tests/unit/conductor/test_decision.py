"""The HA decision: every action, every gate, the grace period."""

import datetime

from oslotest import base
import testscenarios

from hastack.conductor import decision
from hastack.conductor import strategy

NOW = datetime.datetime(2026, 11, 25, 12, 0, 0)
GRACE = 120


def host(vector=('down', 'down', 'down'), state='suspect', since=None,
         ha_enabled=True, maintenance=False, fence_grant_until=None):
    return decision.HostView(
        name='compute-1', state=state,
        state_since=since or NOW - datetime.timedelta(seconds=GRACE + 1),
        ha_enabled=ha_enabled, maintenance=maintenance,
        planes=dict(zip(('mgmt', 'service', 'storage'), vector)),
        fence_grant_until=fence_grant_until)


def cluster(**kw):
    values = dict(ha_maintenance=False, self_defense=False,
                  components={'etcd-mgmt': 'ok'},
                  rules=tuple(strategy.DEFAULT_RULES),
                  strategy_name='default', grace=GRACE)
    values.update(kw)
    return decision.ClusterView(**values)


class TestDesignTable(testscenarios.WithScenarios, base.BaseTestCase):
    """Past grace, with every gate open, the action is the design table's."""

    scenarios = [
        ('%s-%s-%s' % v, {'vector': v, 'expected': a}) for v, a in (
            (('down', 'down', 'down'), decision.ACTION_RECOVER),
            (('down', 'down', 'up'), decision.ACTION_RECOVER),
            (('down', 'up', 'down'), decision.ACTION_RECOVER),
            (('down', 'up', 'up'), decision.ACTION_NO_RECOVER),
            (('up', 'down', 'down'), decision.ACTION_RECOVER),
            (('up', 'down', 'up'), decision.ACTION_NO_RECOVER),
            (('up', 'up', 'down'), decision.ACTION_RECOVER),
            (('up', 'up', 'up'), decision.ACTION_NONE),
        )]

    def test_action(self):
        result = decision.decide(host(self.vector), cluster(), NOW)
        self.assertEqual(self.expected, result.action, result.reason)
        self.assertEqual(dict(zip(('mgmt', 'service', 'storage'),
                                  self.vector)), result.vector)
        self.assertEqual(self.vector, strategy.vector_of(result.rule))


class TestGates(testscenarios.WithScenarios, base.BaseTestCase):
    """Any closed gate blocks a recovery the rule would allow."""

    scenarios = [
        ('ha_maintenance', {'host_kw': {},
                            'cluster_kw': {'ha_maintenance': True}}),
        ('self_defense', {'host_kw': {},
                          'cluster_kw': {'self_defense': True}}),
        ('core_components', {'host_kw': {}, 'cluster_kw': {
            'components': {'etcd-storage': 'abnormal'}}}),
        ('host_ha_enabled', {'host_kw': {'ha_enabled': False},
                             'cluster_kw': {}}),
        ('host_maintenance', {'host_kw': {'maintenance': True},
                              'cluster_kw': {}}),
        ('fencing_grant', {'host_kw': {
            'fence_grant_until': NOW + datetime.timedelta(seconds=1)},
            'cluster_kw': {}}),
    ]

    def test_blocked(self):
        result = decision.decide(host(**self.host_kw),
                                 cluster(**self.cluster_kw), NOW)
        self.assertEqual(decision.ACTION_BLOCKED, result.action)
        closed = [g.name for g in result.gates if not g.open]
        self.assertEqual([self._get_scenario_name()], closed)
        self.assertIn('will not act', result.reason)

    def _get_scenario_name(self):
        return self.id().rsplit('(', 1)[1].rstrip(')')


class TestTiming(base.BaseTestCase):

    def test_an_ended_fencing_grant_no_longer_blocks(self):
        result = decision.decide(host(fence_grant_until=NOW), cluster(),
                                 NOW)
        self.assertEqual(decision.ACTION_RECOVER, result.action)

    def test_waits_inside_grace(self):
        since = NOW - datetime.timedelta(seconds=30)
        result = decision.decide(host(since=since), cluster(), NOW)
        self.assertEqual(decision.ACTION_WAIT, result.action)
        self.assertEqual(since + datetime.timedelta(seconds=GRACE),
                         result.recover_at)

    def test_recovers_exactly_at_grace(self):
        since = NOW - datetime.timedelta(seconds=GRACE)
        result = decision.decide(host(since=since), cluster(), NOW)
        self.assertEqual(decision.ACTION_RECOVER, result.action)

    def test_active_host_seen_down_first_time_starts_grace_now(self):
        # Stored 'active' with down planes: the monitor has not marked it
        # suspect yet, so the whole grace period is ahead of it.
        old = NOW - datetime.timedelta(days=1)
        result = decision.decide(host(state='active', since=old), cluster(),
                                 NOW)
        self.assertEqual(decision.ACTION_WAIT, result.action)
        self.assertEqual(NOW + datetime.timedelta(seconds=GRACE),
                         result.recover_at)

    def test_zero_grace_recovers_at_once(self):
        result = decision.decide(host(since=NOW), cluster(grace=0), NOW)
        self.assertEqual(decision.ACTION_RECOVER, result.action)


class TestOtherOutcomes(base.BaseTestCase):

    def test_unknown_plane_is_undecidable_and_closes_core_gate(self):
        result = decision.decide(host(('unknown', 'down', 'down')),
                                 cluster(), NOW)
        self.assertEqual(decision.ACTION_UNDECIDABLE, result.action)
        self.assertIsNone(result.rule)
        core = [g for g in result.gates if g.name == 'core_components'][0]
        self.assertFalse(core.open)

    def test_recovery_in_progress_is_not_started_again(self):
        for state in ('failed', 'fencing', 'fenced', 'recovering',
                      'recovered'):
            result = decision.decide(host(state=state), cluster(), NOW)
            self.assertEqual(decision.ACTION_IN_PROGRESS, result.action,
                             state)

    def test_custom_strategy_is_obeyed(self):
        rules = tuple(dict(r, recover=False)
                      for r in strategy.DEFAULT_RULES)
        result = decision.decide(host(), cluster(rules=rules,
                                                 strategy_name='never'),
                                 NOW)
        self.assertEqual(decision.ACTION_NO_RECOVER, result.action)
        self.assertIn("'never'", result.reason)

    def test_as_dict_is_json_ready(self):
        doc = decision.decide(host(), cluster(), NOW).as_dict()
        self.assertEqual('recover', doc['action'])
        self.assertEqual(6, len(doc['gates']))
        self.assertIsInstance(doc['recover_at'], str)


class TestNoUsableStrategy(base.BaseTestCase):

    def test_blocked_not_undecidable(self):
        result = decision.decide(
            host(), cluster(rules=(), components={'active-strategy':
                                                  'abnormal'}), NOW)
        self.assertEqual(decision.ACTION_BLOCKED, result.action)
        self.assertIn('active-strategy=abnormal', result.reason)
