"""Policies of the HA tasks (``/v1/tasks``).

A task is one persistent HA action (fence a host, force its compute
service down, evacuate one instance, ...). Tasks that act on an instance
carry the instance's project, so a project reader can follow the recovery
of the project's instances.
"""

from oslo_policy import policy

from hastack.policies import base

PREFIX = 'hastack:task:%s'

rules = [
    policy.DocumentedRuleDefault(
        name=PREFIX % 'list',
        check_str=base.PROJECT_READER_OR_ADMIN,
        description='List HA tasks with their type, state, host, '
                    'instance and attempts. Which projects the list '
                    'covers is decided by "hastack:task:list:all_projects".',
        operations=[{'method': 'GET', 'path': '/v1/tasks'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'list:all_projects',
        check_str=base.ADMIN_OR_SERVICE,
        description='See the HA tasks of every project, and the tasks '
                    'that belong to no project (fencing a host, forcing '
                    'its compute service down), when listing tasks. '
                    'Callers who do not pass this check are shown only '
                    'the tasks of the instances of the project their '
                    'token is scoped to.',
        operations=[{'method': 'GET', 'path': '/v1/tasks'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'get',
        check_str=base.PROJECT_READER_OR_ADMIN,
        description='Show one HA task: its type, state, attempts, last '
                    'error, the proof that the instance was fenced and '
                    'the conductor running it.',
        operations=[{'method': 'GET', 'path': '/v1/tasks/{task_uuid}'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'retry',
        check_str=base.ADMIN,
        description='Retry an HA task that failed after its last attempt: '
                    'it is queued again for a conductor to run.',
        operations=[{'method': 'POST',
                     'path': '/v1/tasks/{task_uuid}/retry'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'cancel',
        check_str=base.ADMIN,
        description='Cancel an HA task that has not started (pending '
                    'or deferred): HaStack will not act on it and leaves '
                    'the instance or host to the operator. A running task '
                    'cannot be cancelled.',
        operations=[{'method': 'POST',
                     'path': '/v1/tasks/{task_uuid}/cancel'}],
        scope_types=['project']),
]


def list_rules():
    """The task policies, for the enforcer and the sample generator.

    :returns: a list of :class:`oslo_policy.policy.DocumentedRuleDefault`.
    """
    return rules
