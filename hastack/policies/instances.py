"""Policies of the instances HaStack protects (``/v1/instances``)."""

from oslo_policy import policy

from hastack.policies import base

PREFIX = 'hastack:instance:%s'

rules = [
    policy.DocumentedRuleDefault(
        name=PREFIX % 'list',
        check_str=base.PROJECT_READER_OR_ADMIN,
        description='List instances with their HA flag, evacuation '
                    'priority, host and last seen Nova status. Which '
                    'projects the list covers is decided by '
                    '"hastack:instance:list:all_projects".',
        operations=[{'method': 'GET', 'path': '/v1/instances'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'list:all_projects',
        check_str=base.ADMIN_OR_SERVICE,
        description='See the instances of every project when listing '
                    'instances. Callers who do not pass this check are '
                    'shown only the instances of the project their token '
                    'is scoped to.',
        operations=[{'method': 'GET', 'path': '/v1/instances'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'get',
        check_str=base.PROJECT_READER_OR_ADMIN,
        description='Show one instance: whether HA protects it, its '
                    'evacuation priority, its host and its last seen Nova '
                    'status.',
        operations=[{'method': 'GET',
                     'path': '/v1/instances/{instance_uuid}'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'update',
        check_str=base.PROJECT_MEMBER_OR_ADMIN,
        description='Update an instance: enable or disable HA for it, or '
                    'change its evacuation priority (higher priority '
                    'instances are evacuated first when their host '
                    'fails).',
        operations=[{'method': 'PATCH',
                     'path': '/v1/instances/{instance_uuid}'}],
        scope_types=['project']),
]


def list_rules():
    """The instance policies, for the enforcer and the sample generator.

    :returns: a list of :class:`oslo_policy.policy.DocumentedRuleDefault`.
    """
    return rules
