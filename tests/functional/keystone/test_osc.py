"""``openstack ha ...`` as real processes against Keystone and hastack-api.

Each command is run the way an operator runs it: the ``openstack`` console
script of python-openstackclient, loading HaStack's plugin through its
entry points, authenticating with a password to the real Keystone,
finding HaStack as the ``high-availability`` service of the catalog and
calling hastack-api, which validates the token with Keystone. Output is
checked with ``-f json`` (and ``yaml``/``value``); failures must be one
readable line on stderr with a non-zero exit, and bad local input must
send nothing to the API.
"""

import itertools
import json
import os
import subprocess
import sys

import fixtures
import testtools
import yaml

from tests.functional.keystone import base
from tests.unit.osc import test_plugin

OPENSTACK = os.path.join(os.path.dirname(sys.executable), 'openstack')
VECTORS = list(itertools.product(('down', 'up'), repeat=3))


def rule_options(skip=(), recover_all=False):
    """``--rule`` options for every vector but those in ``skip``."""
    argv = []
    for vector in VECTORS:
        if vector in skip:
            continue
        recover = recover_all or vector != ('up', 'up', 'up')
        argv += ['--rule', 'mgmt=%s,service=%s,storage=%s,recover=%s'
                 % (vector + ('yes' if recover else 'no',))]
    return argv


class TestOpenStackClient(base.DeploymentTestCase):
    """Real ``openstack ha`` processes against the deployment."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        d = cls.deployment
        cls.project_a = d.keystone.project_id('project-a')
        cls.project_b = d.keystone.project_id('project-b')
        cls.instance_a = d.add_instance(cls.project_a)
        cls.instance_b = d.add_instance(cls.project_b)
        cls.failed_task = d.add_task(cls.project_a, 'failed',
                                     cls.instance_a)
        cls.pending_task = d.add_task(cls.project_a, 'pending',
                                      cls.instance_a)
        cls.event_a = d.add_event(cls.project_a, 'vm of A evacuated',
                                  cls.instance_a)
        cls.event_b = d.add_event(cls.project_b, 'vm of B evacuated',
                                  cls.instance_b)

    def openstack(self, persona, *args, env=None):
        """Run ``openstack <args>`` as ``persona``; the CompletedProcess."""
        full_env = self.keystone.openstack_env(persona)
        full_env['PYTHONWARNINGS'] = 'ignore'
        # No clouds.yaml of the machine's user may change the outcome.
        full_env['HOME'] = self.useFixture(fixtures.TempDir()).path
        full_env.pop('XDG_CONFIG_HOME', None)
        full_env.update(env or {})
        return subprocess.run([OPENSTACK] + list(args), env=full_env,
                              capture_output=True, text=True, timeout=120,
                              check=False)

    def ok(self, persona, *args, **kwargs):
        """Run a command that must succeed; its stdout."""
        result = self.openstack(persona, *args, **kwargs)
        self.assertEqual(0, result.returncode,
                         'openstack %s: %s' % (' '.join(args),
                                               result.stderr))
        return result.stdout

    def json(self, persona, *args, **kwargs):
        """Run a command with ``-f json``; its decoded output."""
        return json.loads(self.ok(persona, *(args + ('-f', 'json')),
                                  **kwargs))

    def fails(self, persona, *args, **kwargs):
        """Run a command that must fail with one line on stderr; the
        line."""
        result = self.openstack(persona, *args, **kwargs)
        self.assertNotEqual(0, result.returncode, result.stdout)
        lines = result.stderr.strip().splitlines()
        self.assertEqual(1, len(lines), result.stderr)
        self.assertEqual('', result.stdout)
        return lines[0]

    def api_requests(self, method, path):
        """How many ``method path`` requests hastack-api logged."""
        return self.api.log().count('"%s %s ' % (method, path))

    def test_hosts(self):
        created = self.json('admin', 'ha', 'host', 'create', 'compute-osc')
        self.assertEqual(('compute-osc', True, False),
                         (created['name'], created['ha_enabled'],
                          created['maintenance']))
        self.json('admin', 'ha', 'host', 'create', 'compute-osc-2')
        rows = self.json('admin', 'ha', 'host', 'list', '--long')
        names = [r['Name'] for r in rows]
        self.assertLessEqual({'compute-osc', 'compute-osc-2'}, set(names))
        self.assertIn('Mgmt', rows[0])
        one = self.json('admin', 'ha', 'host', 'list', '--limit', '1',
                        '--sort', 'name:desc')
        self.assertEqual([max(names)], [r['Name'] for r in one])
        changed = self.json('admin', 'ha', 'host', 'set', 'compute-osc',
                            '--maintenance', '--reason', 'disk swap',
                            '--no-ha')
        self.assertEqual((True, 'disk swap', False),
                         (changed['maintenance'],
                          changed['maintenance_reason'],
                          changed['ha_enabled']))
        shown = yaml.safe_load(self.ok('admin', 'ha', 'host', 'show',
                                       created['uuid'], '-f', 'yaml'))
        self.assertEqual('compute-osc', shown['name'])
        self.assertIn(shown['mgmt_status'], ('up', 'down', 'unknown'))
        self.assertEqual('compute-osc\n', self.ok(
            'admin', 'ha', 'host', 'show', 'compute-osc', '-f', 'value',
            '-c', 'name'))
        decision = self.json('admin', 'ha', 'host', 'decision',
                             'compute-osc')
        self.assertEqual('compute-osc', decision['host'])
        self.assertIn('action', decision)
        self.assertIsInstance(decision['gates'], list)
        self.assertEqual('', self.ok('admin', 'ha', 'host', 'delete',
                                     'compute-osc', 'compute-osc-2'))
        line = self.fails('admin', 'ha', 'host', 'show', 'compute-osc')
        self.assertTrue(line.startswith('Not Found (HTTP 404, '), line)
        self.assertIn('(Request-ID: req-', line)

    def test_forbidden_is_one_line(self):
        line = self.fails('member-a', 'ha', 'host', 'list')
        self.assertTrue(line.startswith(
            'Forbidden (HTTP 403, hastack.forbidden): '), line)
        self.assertIn('(Request-ID: req-', line)
        line = self.fails('hastack', 'ha', 'strategy', 'create', 'x',
                          *rule_options())
        self.assertTrue(line.startswith('Forbidden (HTTP 403'), line)

    def test_strategies(self):
        name = 'night shift'
        created = self.json('admin', 'ha', 'strategy', 'create', name,
                            '--description', 'fewer recoveries',
                            *rule_options())
        self.assertEqual((name, False), (created['name'], created['active']))
        self.assertEqual(8, len(created['rules']))
        # --rule replaces the rule of its vector and keeps the others.
        changed = self.json(
            'admin', 'ha', 'strategy', 'set', name, '--rule',
            'mgmt=up,service=up,storage=down,recover=no')
        by_vector = {(r['mgmt'], r['service'], r['storage']): r['recover']
                     for r in changed['rules']}
        self.assertFalse(by_vector[('up', 'up', 'down')])
        self.assertTrue(by_vector[('down', 'down', 'down')])
        self.assertTrue(self.json('admin', 'ha', 'strategy', 'activate',
                                  name)['active'])
        listed = {r['Name']: r['Active'] for r in
                  self.json('admin', 'ha', 'strategy', 'list')}
        self.assertEqual((True, False), (listed[name], listed['default']))
        line = self.fails('admin', 'ha', 'strategy', 'delete', name)
        self.assertIn('(HTTP 409', line)
        self.json('admin', 'ha', 'strategy', 'activate', 'default')
        # What "show -f json" prints is a rules file.
        shown = self.ok('admin', 'ha', 'strategy', 'show', name,
                        '-f', 'json')
        path = os.path.join(self.useFixture(fixtures.TempDir()).path,
                            'night.json')
        with open(path, 'w') as f:
            f.write(shown)
        copy = self.json('admin', 'ha', 'strategy', 'create', 'copy',
                         '--rules-file', path)
        self.assertEqual(json.loads(shown)['rules'], copy['rules'])
        self.ok('admin', 'ha', 'strategy', 'delete', name, 'copy')
        listed = [r['Name'] for r in
                  self.json('admin', 'ha', 'strategy', 'list')]
        self.assertNotIn(name, listed)
        self.assertNotIn('copy', listed)

    def test_bad_local_input_sends_nothing(self):
        folder = self.useFixture(fixtures.TempDir()).path
        bad_json = os.path.join(folder, 'bad.json')
        with open(bad_json, 'w') as f:
            f.write('{"rules": [')
        before = self.api_requests('POST', '/v1/strategies')
        cases = (
            (('--rules-file', bad_json), 'is not valid JSON'),
            (tuple(rule_options(skip=[('up', 'up', 'up')])),
             'No rule for mgmt=up, service=up, storage=up'),
            (('--rule', 'mgmt=down;service=up') + tuple(rule_options()),
             'Invalid --rule'),
            (('--rule', 'mgmt=down,service=up,storage=down,recover=maybe'),
             'recover is yes or no'),
        )
        for argv, message in cases:
            line = self.fails('admin', 'ha', 'strategy', 'create', 'bad',
                              *argv)
            self.assertIn(message, line)
        line = self.fails('admin', 'ha', 'strategy', 'set', 'default',
                          '--rules-file', bad_json)
        self.assertIn('is not valid JSON', line)
        self.assertEqual(before, self.api_requests('POST',
                                                   '/v1/strategies'))
        self.assertEqual(0, self.api_requests('PATCH',
                                              '/v1/strategies/default'))
        # The log does record requests: the list below is counted.
        lists = self.api_requests('GET', '/v1/strategies')
        listed = [r['Name'] for r in
                  self.json('admin', 'ha', 'strategy', 'list')]
        self.assertNotIn('bad', listed)
        self.assertEqual(lists + 1, self.api_requests('GET',
                                                      '/v1/strategies'))

    def test_maintenance_and_settings(self):
        doc = self.json('admin', 'ha', 'maintenance', 'set', '--on',
                        '--reason', 'osc test')
        self.assertEqual((True, 'osc test'), (doc['ha_maintenance'],
                                              doc['reason']))
        self.assertTrue(self.json('admin', 'ha', 'maintenance',
                                  'show')['ha_maintenance'])
        self.assertFalse(self.json('admin', 'ha', 'maintenance', 'set',
                                   '--off')['ha_maintenance'])
        rows = self.json('admin', 'ha', 'settings', 'set',
                         '--global-rate-limit', '20',
                         '--host-rate-limit', '3')
        by_name = {r['Setting']: r for r in rows}
        self.assertEqual((20, 'runtime'),
                         (by_name['global_rate_limit']['Value'],
                          by_name['global_rate_limit']['Source']))
        self.assertEqual(3, by_name['host_rate_limit']['Value'])
        shown = {r['Setting']: r['Value'] for r in
                 self.json('admin', 'ha', 'settings', 'show')}
        self.assertEqual(20, shown['global_rate_limit'])
        line = self.fails('admin', 'ha', 'settings', 'set',
                          '--self-recovery-ratio', '0.1')
        self.assertIn('(HTTP 400', line)
        rows = self.json('admin', 'ha', 'settings', 'set', '--reset',
                         'global_rate_limit', '--reset', 'host_rate_limit')
        self.assertEqual({'config'}, {r['Source'] for r in rows
                                      if r['Setting'].endswith('rate_limit')})

    def test_instances_as_project_users(self):
        rows = self.json('member-a', 'ha', 'instance', 'list', '--long')
        self.assertEqual({self.project_a}, {r['Project'] for r in rows})
        self.assertIn(self.instance_a, {r['UUID'] for r in rows})
        doc = self.json('member-a', 'ha', 'instance', 'set',
                        self.instance_a, '--priority', '7')
        self.assertEqual(7, doc['priority'])
        line = self.fails('reader-a', 'ha', 'instance', 'set',
                          self.instance_a, '--priority', '8')
        self.assertTrue(line.startswith(
            'Forbidden (HTTP 403, hastack.forbidden)'), line)
        line = self.fails('member-b', 'ha', 'instance', 'show',
                          self.instance_a)
        self.assertTrue(line.startswith('Not Found (HTTP 404'), line)
        rows = self.json('admin', 'ha', 'instance', 'list', '--project',
                         self.project_b)
        self.assertEqual([self.instance_b], [r['UUID'] for r in rows])

    def test_tasks_and_events(self):
        rows = self.json('admin', 'ha', 'task', 'list', '--project',
                         self.project_a, '--long')
        self.assertLessEqual({self.failed_task, self.pending_task},
                             {r['UUID'] for r in rows})
        self.assertEqual('pending', self.json(
            'admin', 'ha', 'task', 'retry', self.failed_task)['state'])
        self.assertEqual('cancelled', self.json(
            'admin', 'ha', 'task', 'cancel', self.pending_task)['state'])
        line = self.fails('admin', 'ha', 'task', 'cancel',
                          self.pending_task)
        self.assertIn('(HTTP 409', line)
        self.assertEqual('cancelled', self.json(
            'reader-a', 'ha', 'task', 'show', self.pending_task)['state'])
        events = self.json('member-a', 'ha', 'event', 'list')
        self.assertIn(self.event_a, {e['UUID'] for e in events})
        self.assertNotIn(self.event_b, {e['UUID'] for e in events})
        self.assertEqual('', self.ok('admin', 'ha', 'event', 'ack',
                                     self.event_a))
        doc = self.json('admin', 'ha', 'event', 'show', self.event_a)
        self.assertTrue(doc['acknowledged'])
        self.assertTrue(doc['acknowledged_by'])
        unacked = {e['UUID'] for e in self.json(
            'admin', 'ha', 'event', 'list', '--unacknowledged')}
        self.assertNotIn(self.event_a, unacked)
        self.assertIn(self.event_b, unacked)

    def test_status(self):
        doc = self.json('admin', 'ha', 'status')
        self.assertEqual('default', doc['active_strategy'])
        self.assertIsInstance(doc['hosts_by_state'], dict)
        self.assertIsInstance(doc['components'], list)
        self.assertIn('task_queue_length', doc)

    def test_api_versions(self):
        self.assertEqual('default\n', self.ok(
            'admin', '--os-hastack-api-version', '1.0', 'ha', 'status',
            '-f', 'value', '-c', 'active_strategy'))
        line = self.fails('admin', 'ha', 'status',
                          env={'OS_HASTACK_API_VERSION': '1.99'})
        self.assertTrue(line.startswith('Not Acceptable (HTTP 406'), line)
        line = self.fails('admin', '--os-hastack-api-version', '2.0',
                          'ha', 'status')
        self.assertIn('Invalid --os-hastack-api-version', line)


class TestPluginsSideBySide(testtools.TestCase):
    """HaStack's plugin loads beside python-masakariclient's, which owns
    the OSC API name ``ha`` (no authentication needed)."""

    def openstack(self, *args):
        """Run ``openstack <args>`` with no cloud configured."""
        env = {k: v for k, v in os.environ.items()
               if not k.startswith('OS_')}
        env['PYTHONWARNINGS'] = 'ignore'
        env['HOME'] = self.useFixture(fixtures.TempDir()).path
        result = subprocess.run([OPENSTACK] + list(args), env=env,
                                capture_output=True, text=True,
                                timeout=120, check=False)
        self.assertEqual(0, result.returncode, result.stderr)
        return result.stdout

    def test_both_command_groups_load(self):
        groups = {g['Command Group']: g['Commands'] for g in json.loads(
            self.openstack('command', 'list', '-f', 'json'))}
        self.assertEqual(sorted(test_plugin.EXPECTED_COMMANDS),
                         sorted(groups['openstack.hastack.v1']))
        self.assertIn('segment list', groups['openstack.ha.v1'])
        self.assertFalse(set(groups['openstack.ha.v1']) &
                         set(groups['openstack.hastack.v1']))

    def test_help(self):
        out = self.openstack('ha', 'strategy', 'create', '--help')
        self.assertIn('--rules-file', out)
        self.assertIn('Repeat for more rules.', out)
        self.assertIn('This command is provided by the hastack plugin.', out)
