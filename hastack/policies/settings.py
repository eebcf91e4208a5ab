"""Policies of HaStack's run-time settings (``/v1/settings``)."""

from oslo_policy import policy

from hastack.policies import base

PREFIX = 'hastack:settings:%s'

rules = [
    policy.DocumentedRuleDefault(
        name=PREFIX % 'get',
        check_str=base.ADMIN_OR_SERVICE,
        description='Show the effective run-time settings (grace period, '
                    'retries, global and per-host rate limits, '
                    'self-defense and self-recovery ratios, ...) and '
                    'which of them override the configuration file.',
        operations=[{'method': 'GET', 'path': '/v1/settings'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'update',
        check_str=base.ADMIN,
        description='Change run-time settings while HaStack runs, or '
                    'reset them to the values of the configuration file. '
                    'The conductors apply the new values without a '
                    'restart.',
        operations=[{'method': 'PATCH', 'path': '/v1/settings'}],
        scope_types=['project']),
]


def list_rules():
    """The settings policies, for the enforcer and the sample generator.

    :returns: a list of :class:`oslo_policy.policy.DocumentedRuleDefault`.
    """
    return rules
