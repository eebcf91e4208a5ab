"""Policies of the compute hosts HaStack watches (``/v1/hosts``)."""

from oslo_policy import policy

from hastack.policies import base

PREFIX = 'hastack:host:%s'

rules = [
    policy.DocumentedRuleDefault(
        name=PREFIX % 'list',
        check_str=base.ADMIN_OR_SERVICE,
        description='List the compute hosts HaStack watches, with their '
                    'HA state, maintenance flag and the status of each of '
                    'their three network planes.',
        operations=[{'method': 'GET', 'path': '/v1/hosts'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'get',
        check_str=base.ADMIN_OR_SERVICE,
        description='Show one compute host: its HA state and since when, '
                    'whether HA is enabled on it, its maintenance flag, '
                    'the last heartbeat seen on each plane and the failure '
                    'being handled, if any.',
        operations=[{'method': 'GET', 'path': '/v1/hosts/{host}'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'create',
        check_str=base.ADMIN_OR_SERVICE,
        description='Register a compute host with HaStack so that its '
                    'planes are monitored and its instances protected. '
                    'HaStack agents register the host they run on, hence '
                    'the service role.',
        operations=[{'method': 'POST', 'path': '/v1/hosts'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'update',
        check_str=base.ADMIN_OR_SERVICE,
        description='Update a compute host: enable or disable HA on it, '
                    'put it into or take it out of maintenance (HaStack '
                    'never recovers a host in maintenance) or record the '
                    'version of its agent. HaStack agents update the host '
                    'they run on, hence the service role.',
        operations=[{'method': 'PATCH', 'path': '/v1/hosts/{host}'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'delete',
        check_str=base.ADMIN,
        description='Stop watching a compute host and forget it. A host '
                    'with open HA tasks cannot be deleted until they '
                    'finish or are cancelled.',
        operations=[{'method': 'DELETE', 'path': '/v1/hosts/{host}'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'decision',
        check_str=base.ADMIN_OR_SERVICE,
        description='Show what HA would do for a compute host now and '
                    'why, without acting: its plane vector, the rule of '
                    'the active strategy that matches it, the gates that '
                    'are open or closed and the resulting action.',
        operations=[{'method': 'GET',
                     'path': '/v1/hosts/{host}/decision'}],
        scope_types=['project']),
]


def list_rules():
    """The host policies, for the enforcer and the sample generator.

    :returns: a list of :class:`oslo_policy.policy.DocumentedRuleDefault`.
    """
    return rules
