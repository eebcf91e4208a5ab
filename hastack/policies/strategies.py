"""Policies of the HA strategies (``/v1/strategies``).

A strategy says, for each of the eight up/down vectors of a host's three
planes, whether a host in that vector is recovered. Exactly one strategy
is active at a time.
"""

from oslo_policy import policy

from hastack.policies import base

PREFIX = 'hastack:strategy:%s'

rules = [
    policy.DocumentedRuleDefault(
        name=PREFIX % 'list',
        check_str=base.ADMIN_OR_SERVICE,
        description='List the HA strategies and which one is active.',
        operations=[{'method': 'GET', 'path': '/v1/strategies'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'get',
        check_str=base.ADMIN_OR_SERVICE,
        description='Show one HA strategy with its recover or no-recover '
                    'rule for every plane vector.',
        operations=[{'method': 'GET',
                     'path': '/v1/strategies/{strategy_ident}'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'create',
        check_str=base.ADMIN,
        description='Create an HA strategy. Its rules must cover every '
                    'plane vector exactly once. A new strategy is not '
                    'active until it is activated.',
        operations=[{'method': 'POST', 'path': '/v1/strategies'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'update',
        check_str=base.ADMIN,
        description='Change the name, description or rules of an HA '
                    'strategy. Changing the active strategy changes what '
                    'HA does from its next decision on.',
        operations=[{'method': 'PATCH',
                     'path': '/v1/strategies/{strategy_ident}'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'delete',
        check_str=base.ADMIN,
        description='Delete an HA strategy. The active strategy cannot be '
                    'deleted; activate another one first.',
        operations=[{'method': 'DELETE',
                     'path': '/v1/strategies/{strategy_ident}'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'activate',
        check_str=base.ADMIN,
        description='Make an HA strategy the active one: every HA decision '
                    'from then on follows its rules.',
        operations=[{'method': 'POST',
                     'path': '/v1/strategies/{strategy_ident}/activate'}],
        scope_types=['project']),
]


def list_rules():
    """The strategy policies, for the enforcer and the sample generator.

    :returns: a list of :class:`oslo_policy.policy.DocumentedRuleDefault`.
    """
    return rules
