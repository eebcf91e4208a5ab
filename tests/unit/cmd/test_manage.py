"""Tests of hastack-manage: the real console script, and main() in-process."""

import io
import os
import subprocess
import sys
from unittest import mock

import fixtures
from oslo_db import exception as db_exception
from oslotest import base

from hastack.cmd import manage
from hastack.db import migration

BIN_DIR = os.path.dirname(sys.executable)


def _script(name):
    """The path of an installed console script of this virtualenv."""
    return os.path.join(BIN_DIR, name)


class ManageCommandTestCase(base.BaseTestCase):
    """hastack-manage run as operators run it: a separate process."""

    def setUp(self):
        super().setUp()
        self.manage = _script('hastack-manage')
        if not os.path.exists(self.manage):
            self.fail('%s is not installed; run "pip install -e ." in this '
                      'virtualenv' % self.manage)
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.config = self._write_config(
            'sqlite:///%s' % os.path.join(self.tmp, 'hastack.sqlite'))

    def _write_config(self, connection, name='hastack.conf', extra=''):
        path = os.path.join(self.tmp, name)
        with open(path, 'w') as conf:
            conf.write('[DEFAULT]\nstate_path = %s\n[database]\n'
                       'connection = %s\n%s' % (self.tmp, connection, extra))
        return path

    def _run(self, *args, config=None):
        return subprocess.run(
            [self.manage, '--config-file', config or self.config, *args],
            capture_output=True, text=True, timeout=120, cwd=self.tmp)

    def _last_line(self, text):
        return text.strip().splitlines()[-1]

    def test_version_of_new_database_is_none(self):
        result = self._run('db', 'version')

        self.assertEqual(0, result.returncode, result.stderr)
        self.assertEqual('None', self._last_line(result.stdout))

    def test_sync_then_version(self):
        result = self._run('db', 'sync')
        self.assertEqual(0, result.returncode, result.stderr)

        result = self._run('db', 'version')
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertEqual(migration.head(), result.stdout.strip())

    def test_sync_to_a_revision_then_again(self):
        result = self._run('db', 'sync', '--revision', migration.head())
        self.assertEqual(0, result.returncode, result.stderr)

        result = self._run('db', 'sync')
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertEqual(migration.head(),
                         self._last_line(self._run('db', 'version').stdout))

    def test_unknown_revision_is_one_line_error(self):
        result = self._run('db', 'sync', '--revision', 'nosuchrev')

        self.assertEqual(1, result.returncode)
        errors = [line for line in result.stderr.splitlines()
                  if 'hastack-manage' in line]
        self.assertEqual(1, len(errors), result.stderr)
        self.assertIn('nosuchrev', errors[0])
        self.assertNotIn('Traceback', result.stderr)

    def test_unreachable_database_is_one_line_error(self):
        # NOTE(hastack): nothing listens on port 1; one attempt keeps
        # oslo.db from retrying for its default 100 seconds.
        config = self._write_config(
            'mysql+pymysql://hastack:secret@127.0.0.1:1/hastack',
            name='unreachable.conf',
            extra='max_retries = 1\nretry_interval = 0\n')

        result = self._run('db', 'version', config=config)

        self.assertEqual(1, result.returncode)
        self.assertNotIn('Traceback', result.stderr)
        error = [line for line in result.stderr.splitlines()
                 if line.startswith('hastack-manage: error:')]
        self.assertEqual(1, len(error), result.stderr)
        self.assertIn('db version failed', error[0])
        self.assertIn("Can't connect", error[0])

    def test_missing_action_is_usage_error(self):
        result = self._run('db')

        self.assertEqual(2, result.returncode)
        self.assertIn('usage:', result.stderr)


class ManageMainTestCase(base.BaseTestCase):
    """main() in this process, with the migration functions mocked."""

    def setUp(self):
        super().setUp()
        tmp = self.useFixture(fixtures.TempDir()).path
        self.config = os.path.join(tmp, 'hastack.conf')
        with open(self.config, 'w') as conf:
            conf.write('[database]\nconnection = sqlite://\n')
        # NOTE(hastack): main() parses the global CONF and registers its
        # 'command' option there; later tests in this process (hastack-status
        # has a 'command' of its own) must find neither.
        self.addCleanup(self._restore_conf)
        # oslo.log would add handlers to the test runner's root logger.
        self.useFixture(fixtures.MockPatchObject(manage.logging, 'setup'))
        self.stdout = self.useFixture(
            fixtures.MockPatch('sys.stdout', new_callable=io.StringIO)).mock
        self.stderr = self.useFixture(
            fixtures.MockPatch('sys.stderr', new_callable=io.StringIO)).mock

    def _restore_conf(self):
        manage.CONF.reset()
        manage.CONF.unregister_opt(manage.command_opt)

    def _main(self, *args):
        return manage.main(['--config-file', self.config, *args])

    @mock.patch.object(migration, 'version', return_value='abc')
    @mock.patch.object(migration, 'upgrade')
    def test_sync_default_revision_is_head(self, upgrade, version):
        self.assertEqual(0, self._main('db', 'sync'))
        upgrade.assert_called_once_with('head')

    @mock.patch.object(migration, 'version', return_value='abc')
    @mock.patch.object(migration, 'upgrade')
    def test_sync_given_revision(self, upgrade, version):
        self.assertEqual(0, self._main('db', 'sync', '--revision', 'abc'))
        upgrade.assert_called_once_with('abc')

    @mock.patch.object(migration, 'version', return_value='abc')
    def test_version_prints_revision(self, version):
        self.assertEqual(0, self._main('db', 'version'))
        self.assertEqual('abc\n', self.stdout.getvalue())

    @mock.patch.object(migration, 'upgrade')
    def test_database_error_is_one_line(self, upgrade):
        upgrade.side_effect = db_exception.DBConnectionError(
            'connection refused\n(Background on this error at: ...)')

        self.assertEqual(1, self._main('db', 'sync'))

        self.assertEqual('hastack-manage: error: db sync failed: '
                         'connection refused\n', self.stderr.getvalue())

    @mock.patch.object(migration, 'upgrade')
    def test_other_errors_are_not_hidden(self, upgrade):
        upgrade.side_effect = RuntimeError('bug')

        self.assertRaises(RuntimeError, self._main, 'db', 'sync')
