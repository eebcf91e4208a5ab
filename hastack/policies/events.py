"""Policies of the events and alarms HaStack records (``/v1/events``)."""

from oslo_policy import policy

from hastack.policies import base

PREFIX = 'hastack:event:%s'

rules = [
    policy.DocumentedRuleDefault(
        name=PREFIX % 'list',
        check_str=base.PROJECT_READER_OR_ADMIN,
        description='List events and alarms: every host state change, HA '
                    'decision and task transition, with its severity. '
                    'Which projects the list covers is decided by '
                    '"hastack:event:list:all_projects".',
        operations=[{'method': 'GET', 'path': '/v1/events'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'list:all_projects',
        check_str=base.ADMIN_OR_SERVICE,
        description='See the events of every project, and the events that '
                    'belong to no project (host and cluster events), when '
                    'listing events. Callers who do not pass this check '
                    'are shown only the events about the instances of the '
                    'project their token is scoped to.',
        operations=[{'method': 'GET', 'path': '/v1/events'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'get',
        check_str=base.PROJECT_READER_OR_ADMIN,
        description='Show one event: its type, severity, message, host '
                    'or instance, the request that caused it and whether '
                    'it was acknowledged.',
        operations=[{'method': 'GET', 'path': '/v1/events/{event_uuid}'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=PREFIX % 'ack',
        check_str=base.ADMIN,
        description='Acknowledge an event or alarm, recording who did so '
                    'and when.',
        operations=[{'method': 'POST',
                     'path': '/v1/events/{event_uuid}/ack'}],
        scope_types=['project']),
]


def list_rules():
    """The event policies, for the enforcer and the sample generator.

    :returns: a list of :class:`oslo_policy.policy.DocumentedRuleDefault`.
    """
    return rules
