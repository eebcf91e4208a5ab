"""Tests of hastack-status upgrade check."""

import json
import os
import subprocess
import sys

import fixtures
from oslo_upgradecheck import upgradecheck
from oslotest import base
import sqlalchemy as sa

from hastack.cmd import status
from hastack.conductor import strategy
from hastack.db import migration

SUCCESS = upgradecheck.Code.SUCCESS
FAILURE = upgradecheck.Code.FAILURE


class _SQLiteTestCase(base.BaseTestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.url = 'sqlite:///%s' % os.path.join(self.tmp, 'hastack.sqlite')
        self.engine = sa.create_engine(self.url)
        self.addCleanup(self.engine.dispose)


class ChecksTestCase(_SQLiteTestCase):
    """Each check on its own, on a SQLite database in this process."""

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.MockPatchObject(
            status, '_get_engine', return_value=self.engine))
        self.checks = status.Checks()

    def _execute(self, statement, **params):
        with self.engine.begin() as connection:
            connection.execute(sa.text(statement), params)

    def _set_active_rules(self, rules_text):
        self._execute('UPDATE strategies SET rules = :rules',
                      rules=rules_text)

    def test_schema_of_empty_database(self):
        result = self.checks._check_schema()

        self.assertEqual(FAILURE, result.code)
        self.assertIn('no HaStack schema', result.details)
        self.assertIn('hastack-manage db sync', result.details)

    def test_schema_at_head(self):
        migration.upgrade(engine=self.engine)

        self.assertEqual(SUCCESS, self.checks._check_schema().code)

    def test_schema_behind_head(self):
        migration.upgrade(engine=self.engine)
        self._execute("UPDATE alembic_version SET version_num = '0ld'")

        result = self.checks._check_schema()

        self.assertEqual(FAILURE, result.code)
        self.assertIn('0ld', result.details)
        self.assertIn(migration.head(), result.details)
        self.assertIn('hastack-manage db sync', result.details)

    def test_schema_database_unreadable(self):
        self.engine = sa.create_engine(
            'sqlite:///%s' % os.path.join(self.tmp, 'no', 'such', 'dir'))
        status._get_engine.return_value = self.engine

        result = self.checks._check_schema()

        self.assertEqual(FAILURE, result.code)
        self.assertIn('Cannot read', result.details)
        self.assertEqual(1, len(result.details.splitlines()))

    def test_default_strategy_is_complete(self):
        migration.upgrade(engine=self.engine)

        self.assertEqual(SUCCESS, self.checks._check_active_strategy().code)

    def test_strategy_without_tables(self):
        result = self.checks._check_active_strategy()

        self.assertEqual(FAILURE, result.code)
        self.assertIn('hastack-manage db sync', result.details)

    def test_strategy_ha_status_row_missing(self):
        migration.upgrade(engine=self.engine)
        self._execute('DELETE FROM ha_status')

        result = self.checks._check_active_strategy()

        self.assertEqual(FAILURE, result.code)
        self.assertIn('ha_status row', result.details)

    def test_active_strategy_missing(self):
        migration.upgrade(engine=self.engine)
        self._execute('DELETE FROM strategies')

        result = self.checks._check_active_strategy()

        self.assertEqual(FAILURE, result.code)
        self.assertIn('does not exist', result.details)

    def test_strategy_with_seven_rules(self):
        migration.upgrade(engine=self.engine)
        self._set_active_rules(json.dumps(
            [dict(r) for r in strategy.DEFAULT_RULES[:7]]))

        result = self.checks._check_active_strategy()

        self.assertEqual(FAILURE, result.code)
        self.assertIn('unusable', result.details)
        self.assertIn('mgmt=up, service=up, storage=up', result.details)

    def test_strategy_with_duplicate_rule(self):
        migration.upgrade(engine=self.engine)
        rules = [dict(r) for r in strategy.DEFAULT_RULES]
        rules[7] = dict(rules[6])
        self._set_active_rules(json.dumps(rules))

        result = self.checks._check_active_strategy()

        self.assertEqual(FAILURE, result.code)
        self.assertIn('duplicate', result.details)

    def test_strategy_rules_not_json(self):
        migration.upgrade(engine=self.engine)
        self._set_active_rules('{not json')

        result = self.checks._check_active_strategy()

        self.assertEqual(FAILURE, result.code)
        self.assertIn('not valid JSON', result.details)

    def test_strategy_rules_wrong_shape(self):
        migration.upgrade(engine=self.engine)
        self._set_active_rules(json.dumps([{'mgmt': 'up'}] * 8))

        result = self.checks._check_active_strategy()

        self.assertEqual(FAILURE, result.code)
        self.assertIn('not a list of', result.details)

    def test_policy_file_check_is_registered(self):
        names = [name for name, _check in status.Checks._upgrade_checks]

        self.assertEqual(['Database schema', 'Active HA strategy',
                          'Policy File JSON to YAML Migration'], names)


class StatusCommandTestCase(_SQLiteTestCase):
    """hastack-status run as operators run it: a separate process."""

    def setUp(self):
        super().setUp()
        self.status = os.path.join(os.path.dirname(sys.executable),
                                   'hastack-status')
        if not os.path.exists(self.status):
            self.fail('%s is not installed; run "pip install -e ." in this '
                      'virtualenv' % self.status)

    def _run(self, *args, extra=''):
        config = os.path.join(self.tmp, 'hastack.conf')
        with open(config, 'w') as conf:
            conf.write('[DEFAULT]\nstate_path = %s\n[database]\n'
                       'connection = %s\n%s' % (self.tmp, self.url, extra))
        return subprocess.run(
            [self.status, '--config-file', config, 'upgrade', 'check',
             *args],
            capture_output=True, text=True, timeout=120, cwd=self.tmp)

    def test_empty_database_fails(self):
        result = self._run()

        self.assertEqual(FAILURE, result.returncode, result.stderr)
        self.assertIn('Failure', result.stdout)
        self.assertIn('hastack-manage db sync', result.stdout)

    def test_database_at_head_succeeds(self):
        migration.upgrade(engine=self.engine)

        result = self._run()

        self.assertEqual(SUCCESS, result.returncode,
                         result.stdout + result.stderr)
        self.assertNotIn('Failure', result.stdout)

    def test_json_output(self):
        migration.upgrade(engine=self.engine)

        result = self._run('--json')

        self.assertEqual(SUCCESS, result.returncode, result.stderr)
        output = json.loads(result.stdout)
        self.assertEqual(
            {'Database schema': SUCCESS, 'Active HA strategy': SUCCESS,
             'Policy File JSON to YAML Migration': SUCCESS},
            {check['check']: check['result'] for check in output['checks']})

    def test_json_policy_file_fails(self):
        migration.upgrade(engine=self.engine)
        policy = os.path.join(self.tmp, 'policy.json')
        with open(policy, 'w') as policy_file:
            json.dump({'hastack:host:list': 'role:reader'}, policy_file)

        result = self._run(
            '--json', extra='[oslo_policy]\npolicy_file = %s\n' % policy)

        self.assertEqual(FAILURE, result.returncode, result.stderr)
        checks = {check['check']: check
                  for check in json.loads(result.stdout)['checks']}
        self.assertEqual(
            FAILURE, checks['Policy File JSON to YAML Migration']['result'])
        self.assertEqual(SUCCESS, checks['Database schema']['result'])
