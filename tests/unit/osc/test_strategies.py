"""``openstack ha strategy ...``: rules from files and --rule options."""

import io
import itertools
import json
import os

import fixtures
from osc_lib import exceptions

from hastack.osc.v1 import strategies
from tests.unit.osc import fakes

VECTORS = list(itertools.product(('down', 'up'), repeat=3))


def rules(recover=lambda v: v != ('up', 'up', 'up')):
    """A complete rule set in table order; ``recover(vector)``."""
    return [{'mgmt': m, 'service': s, 'storage': t,
             'recover': recover((m, s, t))} for m, s, t in VECTORS]


def rule_options(rule_list):
    """``--rule`` options for ``rule_list``."""
    argv = []
    for r in rule_list:
        argv += ['--rule', 'mgmt=%s,service=%s,storage=%s,recover=%s'
                 % (r['mgmt'], r['service'], r['storage'],
                    'yes' if r['recover'] else 'no')]
    return argv


def strategy(name='s1', rule_list=None, active=False):
    """A strategy document as the API returns it."""
    return {'uuid': 'uuid-%s' % name, 'name': name, 'description': None,
            'rules': rule_list or rules(), 'active': active,
            'created_at': 't0', 'updated_at': None}


class TestParseRule(fakes.base.BaseTestCase):
    """The --rule syntax."""

    def test_valid(self):
        self.assertEqual(
            {'mgmt': 'down', 'service': 'up', 'storage': 'down',
             'recover': True},
            strategies.parse_rule('mgmt=down,service=up,storage=down,'
                                  'recover=yes'))
        self.assertEqual(
            {'mgmt': 'up', 'service': 'up', 'storage': 'up',
             'recover': False},
            strategies.parse_rule(' recover = False , Storage=UP,'
                                  'service=up,mgmt=up'))

    def test_invalid(self):
        cases = {
            'mgmt=down service=up': 'write it as',
            'mgmt=down,service=up,storage=down': 'it needs recover',
            'mgmt=sideways,service=up,storage=down,recover=yes':
                'mgmt is up or down',
            'mgmt=up,service=up,storage=down,recover=maybe':
                'recover is yes or no',
            'mgmt=up,service=up,storage=down,recover=yes,power=on':
                "unknown key 'power'",
            'mgmt=up,mgmt=down,service=up,storage=down,recover=yes':
                'mgmt is given twice',
            '': 'write it as',
        }
        for text, message in cases.items():
            e = self.assertRaises(exceptions.CommandError,
                                  strategies.parse_rule, text)
            self.assertIn(message, str(e))
            self.assertIn('Invalid --rule', str(e))
            self.assertNotIn('\n', str(e))


class TestStrategyCommands(fakes.CommandTestCase):
    """The strategy commands, with rules from files and options."""

    def write(self, content):
        """A temporary rules file holding ``content``; its path."""
        folder = self.useFixture(fixtures.TempDir()).path
        path = os.path.join(folder, 'strategy.json')
        with open(path, 'w') as f:
            f.write(content if isinstance(content, str)
                    else json.dumps(content))
        return path

    def assertRefused(self, command_class, argv, message):
        """The command fails locally, in one line, sending nothing."""
        cmd, parsed = self.parse(command_class, argv)
        e = self.assertRaises(exceptions.CommandError, cmd.take_action,
                              parsed)
        self.assertIn(message, str(e))
        self.assertNotIn('\n', str(e))
        self.assertNothingSent()
        return e

    def test_list(self):
        self.answer({'strategies': [strategy('default', active=True),
                                    strategy('cautious')]})
        rows = self.run_json(strategies.ListStrategy, ['--sort', 'name'])
        self.assertEqual([('default', True), ('cautious', False)],
                         [(r['Name'], r['Active']) for r in rows])
        self.assertEqual({'sort_key': 'name'}, self.last().query)

    def test_show_rules_for_people_and_machines(self):
        self.answer(strategy(), strategy())
        code, out = self.run_command(strategies.ShowStrategy, ['s1'])
        self.assertIn('mgmt=down, service=down, storage=down: recover',
                      out)
        self.assertIn('mgmt=up, service=up, storage=up: no recover', out)
        self.app.stdout = io.StringIO()
        doc = self.run_json(strategies.ShowStrategy, ['s1'])
        self.assertEqual(rules(), doc['rules'])

    def test_create_from_rule_options(self):
        self.answer(strategy('night'))
        shuffled = list(reversed(rules()))
        self.run_json(strategies.CreateStrategy,
                      ['night', '--description', 'd'] +
                      rule_options(shuffled))
        call = self.last()
        self.assertEqual(('POST', '/v1/strategies'), (call.method, call.path))
        self.assertEqual({'name': 'night', 'description': 'd',
                          'rules': rules()}, call.body)

    def test_create_from_file_list(self):
        self.answer(strategy('night'))
        path = self.write(rules())
        self.run_json(strategies.CreateStrategy,
                      ['night', '--rules-file', path])
        self.assertEqual({'name': 'night', 'rules': rules()},
                         self.last().body)

    def test_create_from_show_output(self):
        # What "ha strategy show -f json" printed can be fed back.
        self.answer(strategy('copy'))
        path = self.write(strategy('original'))
        self.run_json(strategies.CreateStrategy,
                      ['copy', '--rules-file', path])
        self.assertEqual({'name': 'copy', 'rules': rules()},
                         self.last().body)

    def test_create_from_standard_input(self):
        self.useFixture(fixtures.MonkeyPatch(
            'sys.stdin', io.StringIO(json.dumps(rules()))))
        self.answer(strategy('piped'))
        self.run_json(strategies.CreateStrategy,
                      ['piped', '--rules-file', '-'])
        self.assertEqual(rules(), self.last().body['rules'])

    def test_create_refuses_bad_files(self):
        missing = [r for r in rules() if (r['mgmt'], r['service'],
                                          r['storage']) != ('up', 'up',
                                                            'up')]
        cases = (
            ('{"rules": [', 'is not valid JSON'),
            ('{"name": "x"}', 'must hold a list of rules'),
            ('"text"', 'must hold a list of rules'),
            (json.dumps(missing),
             'No rule for mgmt=up, service=up, storage=up'),
            (json.dumps(rules() + [rules()[0]]),
             'Two rules for mgmt=down, service=down, storage=down'),
            (json.dumps(rules()[:7] + ['x']), 'Rule 8 of'),
            (json.dumps(rules()[:7] + [{'mgmt': 'up', 'service': 'up',
                                        'storage': 'up'}]),
             'missing recover'),
            (json.dumps(rules()[:7] + [{'mgmt': 'up', 'service': 'up',
                                        'storage': 'up', 'recover': 'yes'}]),
             'recover is true or false'),
            (json.dumps(rules()[:7] + [{'mgmt': 'up', 'service': 'on',
                                        'storage': 'up', 'recover': True}]),
             'service is "up" or "down"'),
            (json.dumps(rules()[:7] + [{'mgmt': 'up', 'service': 'up',
                                        'storage': 'up', 'recover': True,
                                        'power': 1}]),
             'unknown keys power'),
        )
        for content, message in cases:
            self.assertRefused(strategies.CreateStrategy,
                               ['x', '--rules-file', self.write(content)],
                               message)

    def test_create_unreadable_file(self):
        self.assertRefused(strategies.CreateStrategy,
                           ['x', '--rules-file', '/nonexistent/s.json'],
                           'Cannot read the rules file /nonexistent/s.json')

    def test_create_refuses_incomplete_rule_options(self):
        self.assertRefused(strategies.CreateStrategy,
                           ['x'] + rule_options(rules()[1:]),
                           'No rule for mgmt=down, service=down, '
                           'storage=down; a strategy needs one rule for '
                           'each of the 8 plane vectors.')
        self.assertRefused(strategies.CreateStrategy,
                           ['x', '--rule', 'mgmt=down'] +
                           rule_options(rules()), 'Invalid --rule')

    def test_create_needs_rules(self):
        self.assertRefused(strategies.CreateStrategy, ['x'],
                           'A strategy needs rules')

    def test_file_and_rule_options_exclude_each_other(self):
        self.useFixture(fixtures.MonkeyPatch('sys.stderr', io.StringIO()))
        cmd = strategies.CreateStrategy(self.app, None)
        parser = cmd.get_parser('openstack ha strategy create')
        self.assertRaises(SystemExit, parser.parse_args,
                          ['x', '--rules-file', 'f', '--rule', 'a=b'])

    def test_set_rule_options_merge_into_the_current_rules(self):
        current = rules()
        self.answer(strategy('s1', current), strategy('s1'))
        self.run_json(strategies.SetStrategy, [
            's1', '--rule', 'mgmt=up,service=up,storage=down,recover=no',
            '--rule', 'mgmt=up,service=up,storage=up,recover=yes'])
        get, patch = self.session.calls
        self.assertEqual(('GET', '/v1/strategies/s1'), (get.method,
                                                        get.path))
        self.assertEqual(('PATCH', '/v1/strategies/s1'), (patch.method,
                                                          patch.path))
        expected = rules(lambda v: v != ('up', 'up', 'down'))
        self.assertEqual({'rules': expected}, patch.body)

    def test_set_refuses_duplicate_rule_options(self):
        self.assertRefused(
            strategies.SetStrategy,
            ['s1', '--rule', 'mgmt=up,service=up,storage=up,recover=no',
             '--rule', 'mgmt=up,service=up,storage=up,recover=yes'],
            'Two --rule options for mgmt=up, service=up, storage=up')

    def test_set_file_replaces_every_rule(self):
        self.answer(strategy('s1'))
        path = self.write(rules(lambda v: True))
        self.run_json(strategies.SetStrategy,
                      ['s1', '--rules-file', path, '--name', 'all'])
        self.assertEqual({'rules': rules(lambda v: True), 'name': 'all'},
                         self.last().body)
        self.assertEqual(1, len(self.session.calls))

    def test_set_file_must_be_complete(self):
        self.assertRefused(strategies.SetStrategy,
                           ['s1', '--rules-file', self.write(rules()[:2])],
                           'No rule for')

    def test_set_description_only(self):
        self.answer(strategy('s1'))
        self.run_json(strategies.SetStrategy, ['s1', '--description', ''])
        self.assertEqual({'description': ''}, self.last().body)

    def test_set_nothing(self):
        self.assertRefused(strategies.SetStrategy, ['s1'], 'Nothing to set')

    def test_api_refusal_is_one_line(self):
        self.answer(fakes.error(400, 'Bad Request', 'Invalid input:\n'
                                "'a b/c' does not match",
                                'hastack.invalid'))
        cmd, parsed = self.parse(strategies.CreateStrategy,
                                 ['a b/c'] + rule_options(rules()))
        e = self.assertRaises(exceptions.CommandError, cmd.take_action,
                              parsed)
        self.assertEqual("Bad Request (HTTP 400, hastack.invalid): Invalid "
                         "input: 'a b/c' does not match (Request-ID: "
                         "req-1234)", str(e))

    def test_delete_and_activate(self):
        self.answer(None, None, strategy('b', active=True))
        cmd, parsed = self.parse(strategies.DeleteStrategy, ['a', 'my s'])
        cmd.take_action(parsed)
        doc = self.run_json(strategies.ActivateStrategy, ['b'])
        self.assertTrue(doc['active'])
        self.assertEqual(
            [('DELETE', '/v1/strategies/a'),
             ('DELETE', '/v1/strategies/my%20s'),
             ('POST', '/v1/strategies/b/activate')],
            [(c.method, c.path) for c in self.session.calls])
