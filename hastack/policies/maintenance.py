"""Policies of the cloud-wide HA maintenance switch (``/v1/maintenance``)."""

from oslo_policy import policy

from hastack.policies import base

PREFIX = 'hastack:maintenance:%s'

rules = [
    policy.DocumentedRuleDefault(
        name=PREFIX % 'get',
        check_str=base.ADMIN_OR_SERVICE,
        description='Show whether HA maintenance is on, why, who set it '
                    'and when. While it is on HaStack recovers no host.',
        operations=[{'method': 'GET', 'path': '/v1/maintenance'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'update',
        check_str=base.ADMIN,
        description='Turn HA maintenance on or off for the whole cloud, '
                    'with a reason. Turning it on stops every new HA '
                    'recovery until it is turned off again.',
        operations=[{'method': 'PUT', 'path': '/v1/maintenance'}],
        scope_types=['project']),
]


def list_rules():
    """The maintenance policies, for the enforcer and the sample generator.

    :returns: a list of :class:`oslo_policy.policy.DocumentedRuleDefault`.
    """
    return rules
