"""Every HaStack policy rule checked against every persona.

The expected personas of each rule are written out here rather than derived
from the check strings, so that a change of a default shows up as a test
failure to review.
"""

import collections

import fixtures
from oslo_config import fixture as config_fixture
from oslo_policy import policy as oslo_policy
from oslotest import base
import testscenarios

from hastack import policies
from hastack.api import policy
from hastack.common import context
from hastack.common import exception

PROJECT_A = 'project-a'
PROJECT_B = 'project-b'
SERVICE_PROJECT = 'service'

# Keystone expands implied roles into the token: admin implies member,
# member implies reader.
PERSONAS = {
    'admin_a': (PROJECT_A, ['admin', 'member', 'reader']),
    'member_a': (PROJECT_A, ['member', 'reader']),
    'reader_a': (PROJECT_A, ['reader']),
    'member_b': (PROJECT_B, ['member', 'reader']),
    'service': (SERVICE_PROJECT, ['service']),
    'no_roles_a': (PROJECT_A, []),
}

ADMIN = {'admin_a'}
ADMIN_OR_SERVICE = {'admin_a', 'service'}
PROJECT_READER_OR_ADMIN = {'admin_a', 'member_a', 'reader_a', 'service'}
PROJECT_MEMBER_OR_ADMIN = {'admin_a', 'member_a', 'service'}

# rule name -> the personas it allows on a target in project A.
EXPECTED = {
    'hastack:host:list': ADMIN_OR_SERVICE,
    'hastack:host:get': ADMIN_OR_SERVICE,
    'hastack:host:create': ADMIN_OR_SERVICE,
    'hastack:host:update': ADMIN_OR_SERVICE,
    'hastack:host:delete': ADMIN,
    'hastack:host:decision': ADMIN_OR_SERVICE,
    'hastack:instance:list': PROJECT_READER_OR_ADMIN,
    'hastack:instance:list:all_projects': ADMIN_OR_SERVICE,
    'hastack:instance:get': PROJECT_READER_OR_ADMIN,
    'hastack:instance:update': PROJECT_MEMBER_OR_ADMIN,
    'hastack:strategy:list': ADMIN_OR_SERVICE,
    'hastack:strategy:get': ADMIN_OR_SERVICE,
    'hastack:strategy:create': ADMIN,
    'hastack:strategy:update': ADMIN,
    'hastack:strategy:delete': ADMIN,
    'hastack:strategy:activate': ADMIN,
    'hastack:maintenance:get': ADMIN_OR_SERVICE,
    'hastack:maintenance:update': ADMIN,
    'hastack:settings:get': ADMIN_OR_SERVICE,
    'hastack:settings:update': ADMIN,
    'hastack:task:list': PROJECT_READER_OR_ADMIN,
    'hastack:task:list:all_projects': ADMIN_OR_SERVICE,
    'hastack:task:get': PROJECT_READER_OR_ADMIN,
    'hastack:task:retry': ADMIN,
    'hastack:task:cancel': ADMIN,
    'hastack:event:list': PROJECT_READER_OR_ADMIN,
    'hastack:event:list:all_projects': ADMIN_OR_SERVICE,
    'hastack:event:get': PROJECT_READER_OR_ADMIN,
    'hastack:event:ack': ADMIN,
    'hastack:status:get': ADMIN_OR_SERVICE,
}


def make_context(persona):
    """A project-scoped RequestContext of one of the PERSONAS.

    :param persona: a key of PERSONAS.
    :returns: a :class:`hastack.common.context.RequestContext`.
    """
    project_id, roles = PERSONAS[persona]
    return context.RequestContext(user_id='user-' + persona,
                                  project_id=project_id, roles=roles)


class PolicyFixture(fixtures.Fixture):
    """A parsed CONF without config files and a fresh enforcer."""

    def setUp(self):
        super().setUp()
        self.conf = self.useFixture(config_fixture.Config(policy.CONF))
        policy.CONF([], project='hastack', default_config_files=[],
                     default_config_dirs=[])
        policy.reset()
        self.addCleanup(policy.reset)


class TestRuleDefinitions(base.BaseTestCase):
    """The shape of every rule, independent of any persona."""

    def setUp(self):
        super().setUp()
        self.rules = policies.list_rules()

    def test_names_unique(self):
        counts = collections.Counter(rule.name for rule in self.rules)
        self.assertEqual([], [name for name, n in counts.items() if n > 1])

    def test_every_rule_is_expected(self):
        self.assertEqual(sorted(EXPECTED),
                         sorted(rule.name for rule in self.rules))

    def test_names_follow_convention(self):
        for rule in self.rules:
            parts = rule.name.split(':')
            self.assertEqual('hastack', parts[0], rule.name)
            self.assertGreaterEqual(len(parts), 3, rule.name)

    def test_documented_with_project_scope(self):
        for rule in self.rules:
            self.assertIsInstance(rule, oslo_policy.DocumentedRuleDefault)
            self.assertEqual(['project'], rule.scope_types, rule.name)
            self.assertTrue(rule.description.strip(), rule.name)

    def test_operations(self):
        methods = {'GET', 'POST', 'PUT', 'PATCH', 'DELETE'}
        for rule in self.rules:
            self.assertGreaterEqual(len(rule.operations), 1, rule.name)
            for operation in rule.operations:
                self.assertIn(operation['method'], methods, rule.name)
                self.assertTrue(operation['path'].startswith('/v1/'),
                                rule.name)

    def test_enforcer_registers_every_rule(self):
        self.useFixture(PolicyFixture())
        self.assertEqual(sorted(EXPECTED),
                         sorted(policy.get_enforcer().registered_rules))


class TestPersonas(testscenarios.WithScenarios, base.BaseTestCase):
    """Which personas each rule allows on a target in project A."""

    scenarios = [(name, {'action': name, 'allowed': allowed})
                 for name, allowed in sorted(EXPECTED.items())]

    def setUp(self):
        super().setUp()
        self.useFixture(PolicyFixture())
        self.target = {'project_id': PROJECT_A}

    def test_allowed(self):
        for persona in sorted(self.allowed):
            ctx = make_context(persona)
            self.assertTrue(policy.check(ctx, self.action, self.target),
                            persona)
            self.assertTrue(policy.authorize(ctx, self.action, self.target))

    def test_denied(self):
        for persona in sorted(set(PERSONAS) - self.allowed):
            ctx = make_context(persona)
            self.assertFalse(policy.check(ctx, self.action, self.target),
                             persona)
            exc = self.assertRaises(exception.Forbidden, policy.authorize,
                                    ctx, self.action, self.target)
            self.assertIn(self.action, str(exc))

    def test_system_scope_denied(self):
        # HaStack has no system-scoped operations: even a system admin's
        # token is refused.
        ctx = context.RequestContext(user_id='system-admin',
                                     system_scope='all',
                                     roles=['admin', 'member', 'reader'])
        self.assertFalse(policy.check(ctx, self.action, self.target))
        exc = self.assertRaises(exception.Forbidden, policy.authorize,
                                ctx, self.action, self.target)
        self.assertIn(self.action, str(exc))


class TestEnforcer(base.BaseTestCase):
    """The behaviour of hastack.api.policy around the rules."""

    def setUp(self):
        super().setUp()
        self.useFixture(PolicyFixture())

    def test_forbidden_message_names_action(self):
        ctx = make_context('reader_a')
        exc = self.assertRaises(exception.Forbidden, policy.authorize, ctx,
                                'hastack:host:delete')
        self.assertEqual(
            'Policy does not allow hastack:host:delete to be performed.',
            str(exc))
        self.assertEqual({'action': 'hastack:host:delete'}, exc.kwargs)

    def test_default_target_is_callers_project(self):
        ctx = make_context('reader_a')
        self.assertTrue(policy.authorize(ctx, 'hastack:instance:get'))
        self.assertTrue(policy.check(ctx, 'hastack:instance:get'))
        self.assertFalse(policy.check(ctx, 'hastack:instance:get',
                                      {'project_id': PROJECT_B}))

    def test_other_project_denied(self):
        ctx = make_context('member_b')
        self.assertRaises(exception.Forbidden, policy.authorize, ctx,
                          'hastack:instance:update',
                          {'project_id': PROJECT_A})

    def test_admin_context_allowed_everywhere(self):
        ctx = context.get_admin_context()
        for action in EXPECTED:
            self.assertTrue(policy.check(ctx, action,
                                         {'project_id': PROJECT_A}), action)

    def test_unregistered_action(self):
        ctx = make_context('admin_a')
        self.assertRaises(oslo_policy.PolicyNotRegistered, policy.authorize,
                          ctx, 'hastack:nothing:here')
        self.assertRaises(oslo_policy.PolicyNotRegistered, policy.check,
                          ctx, 'hastack:nothing:here')

    def test_new_defaults_enforced(self):
        self.assertTrue(policy.CONF.oslo_policy.enforce_new_defaults)
        self.assertEqual('policy.yaml', policy.CONF.oslo_policy.policy_file)

    def test_get_enforcer_is_lazy_singleton(self):
        self.assertIs(policy.get_enforcer(), policy.get_enforcer())
        first = policy.get_enforcer()
        policy.reset()
        self.assertIsNot(first, policy.get_enforcer())

    def test_get_enforcer_keeps_parsed_conf(self):
        policy.CONF([], project='hastack-test', default_config_files=[],
                    default_config_dirs=[])
        policy.reset()
        policy.get_enforcer()
        self.assertEqual('hastack-test', policy.CONF.project)

    def test_get_enforcer_parses_unparsed_conf(self):
        policy.CONF.reset()
        policy.reset()
        self.assertIsNotNone(policy.get_enforcer())
        self.assertEqual('hastack', policy.CONF.project)

    def test_policy_file_overrides_default(self):
        policy_file = self.useFixture(fixtures.TempDir()).join('policy.yaml')
        with open(policy_file, 'w') as f:
            f.write('"hastack:host:delete": "role:reader"\n')
        policy.CONF.set_override('policy_file', policy_file,
                                 group='oslo_policy')
        policy.reset()
        self.assertTrue(policy.check(make_context('reader_a'),
                                     'hastack:host:delete'))
