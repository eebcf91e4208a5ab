"""Policies of HaStack's overall status (``/v1/status``)."""

from oslo_policy import policy

from hastack.policies import base

PREFIX = 'hastack:status:%s'

rules = [
    policy.DocumentedRuleDefault(
        name=PREFIX % 'get',
        check_str=base.ADMIN_OR_SERVICE,
        description='Show the overall HA status of the cloud: whether HA '
                    'maintenance is on, whether self-defense holds, the '
                    'active strategy, the health of the plane clusters '
                    'and the shared storage, and host counts by state.',
        operations=[{'method': 'GET', 'path': '/v1/status'}],
        scope_types=['project']),
]


def list_rules():
    """The status policies, for the enforcer and the sample generator.

    :returns: a list of :class:`oslo_policy.policy.DocumentedRuleDefault`.
    """
    return rules
