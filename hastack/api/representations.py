"""What each API v1 response holds: the fields of every representation
and which representation each route returns.

The API reference (doc/ext/hastack_apiref.py) renders them, the OpenAPI
document (:mod:`hastack.api.openapi`) turns them into response schemas,
and tests/unit/test_docs.py checks them against what the API returns.
Descriptions are reStructuredText.
"""

from hastack.common import settings as settings_mod
from hastack.common import states

TIME = 'string (ISO 8601, UTC)'
TIME_OR_NULL = 'string (ISO 8601, UTC) or null'


def one_of(values):
    """``a``, ``b``, ... (reStructuredText literals)."""
    return ', '.join('``%s``' % v for v in values)


# Each representation: (field, type, description), in the order the API
# renders them.
FIELDS = {
    'host': (
        ('uuid', 'string', 'The host\'s uuid.'),
        ('name', 'string', 'Compute host name, as Nova knows it.'),
        ('state', 'string', 'HA state: %s.' % one_of(states.HOST_STATES)),
        ('state_since', TIME, 'When the host entered its state.'),
        ('ha_enabled', 'boolean', 'Whether HA protects the host.'),
        ('maintenance', 'boolean',
         'Whether the host is in maintenance (never recovered).'),
        ('maintenance_reason', 'string or null', 'Why, when in maintenance.'),
        ('planes', 'object',
         'One object per plane (``mgmt``, ``service``, ``storage``): '
         '``status`` (%s) and ``last_seen`` (the last time the conductor '
         'saw the host\'s heartbeat on that plane, or null).'
         % one_of(states.PLANE_STATUSES)),
        ('failure_uuid', 'string or null',
         'The failure being handled now; every task of its recovery '
         'carries it.'),
        ('agent_version', 'string or null',
         'Version of the host\'s hastack-agent, from its heartbeats.'),
        ('created_at', TIME, 'When HaStack first knew the host.'),
        ('updated_at', TIME_OR_NULL, 'Last change.'),
    ),
    'decision': (
        ('host', 'string', 'The host\'s name.'),
        ('vector', 'object',
         'The plane vector: ``mgmt``, ``service``, ``storage``, each %s.'
         % one_of(states.PLANE_STATUSES)),
        ('strategy', 'string or null', 'Name of the active strategy.'),
        ('rule', 'object or null',
         'The active strategy\'s rule for this vector '
         '(``mgmt``, ``service``, ``storage``, ``recover``); null when a '
         'plane is ``unknown``.'),
        ('gates', 'array',
         'Every gate, in a fixed order, as ``{"name", "open", "detail"}``: '
         '``ha_maintenance``, ``self_defense``, ``core_components``, '
         '``host_ha_enabled``, ``host_maintenance``, ``fencing_grant``.'),
        ('action', 'string',
         'What HA does now: ``none`` (every plane up), ``no_recover`` (the '
         'rule says no), ``wait`` (the grace period runs), ``recover``, '
         '``blocked`` (a gate is closed), ``in_progress`` (a recovery of '
         'this failure exists) or ``undecidable`` (a plane is unknown).'),
        ('reason', 'string', 'The action, explained in one sentence.'),
        ('recover_at', TIME_OR_NULL,
         'When the grace period ends (with ``wait`` and ``recover``).'),
        ('evaluated_at', TIME, 'The "now" the decision was made for.'),
    ),
    'instance': (
        ('uuid', 'string', 'The Nova server uuid.'),
        ('name', 'string or null', 'The server name.'),
        ('project_id', 'string', 'The project that owns the server.'),
        ('host', 'string or null', 'The compute host it runs on.'),
        ('status', 'string or null',
         'The Nova server status at the last synchronisation.'),
        ('ha_enabled', 'boolean',
         'Whether HA evacuates it (Nova metadata ``%s``).'
         % states.HA_METADATA_KEY),
        ('priority', 'integer',
         'Evacuation priority, 0 to 1000; higher goes first.'),
        ('created_at', TIME, 'When HaStack first knew the instance.'),
        ('updated_at', TIME_OR_NULL, 'Last change.'),
    ),
    'strategy': (
        ('uuid', 'string', 'The strategy\'s uuid.'),
        ('name', 'string', 'The strategy\'s name.'),
        ('description', 'string or null', 'What it is for.'),
        ('rules', 'array',
         'Eight rules, one per plane vector: ``{"mgmt", "service", '
         '"storage", "recover"}``.'),
        ('active', 'boolean', 'Whether it is the active strategy.'),
        ('created_at', TIME, 'Creation time.'),
        ('updated_at', TIME_OR_NULL, 'Last change.'),
    ),
    'maintenance': (
        ('ha_maintenance', 'boolean', 'Whether HA is switched off.'),
        ('reason', 'string or null', 'Why, as given with the last change.'),
        ('updated_by', 'string or null', 'Who made the last change.'),
        ('updated_at', TIME_OR_NULL, 'When.'),
    ),
    'settings': (
        ('settings', 'object',
         'One object per setting (%s): ``value`` (in force), ``default`` '
         '(from the ``[ha]`` option of the same name) and ``source`` '
         '(``runtime`` when set through the API, else ``config``).'
         % one_of(settings_mod.DEFINITIONS)),
    ),
    'task': (
        ('uuid', 'string', 'The task\'s uuid.'),
        ('type', 'string', 'One of %s.' % one_of(states.TASK_TYPES)),
        ('state', 'string', 'One of %s.' % one_of(states.TASK_STATES)),
        ('host', 'string', 'The failed (or returning) host.'),
        ('instance_uuid', 'string or null',
         'The instance, for ``evacuate``.'),
        ('project_id', 'string or null', 'The instance\'s project.'),
        ('failure_uuid', 'string or null',
         'The host failure the task belongs to.'),
        ('priority', 'integer', 'Higher runs first.'),
        ('attempts', 'integer', 'Attempts made so far.'),
        ('max_attempts', 'integer',
         'Attempts allowed (the first one plus the retries).'),
        ('last_error', 'string or null',
         'Why the last attempt failed, or why the task is deferred.'),
        ('fence_proof', 'object or null',
         'How the host was proven fenced: ``{"kind", "detail", "at"}``, '
         '``kind`` one of %s.' % one_of(states.FENCE_PROOF_KINDS)),
        ('owner', 'string or null', 'The conductor that claimed it.'),
        ('next_attempt_at', TIME_OR_NULL, 'When a retry is due.'),
        ('started_at', TIME_OR_NULL, 'When the first attempt started.'),
        ('finished_at', TIME_OR_NULL, 'When it ended.'),
        ('created_at', TIME, 'Creation time.'),
        ('updated_at', TIME_OR_NULL, 'Last change.'),
    ),
    'event': (
        ('uuid', 'string', 'The event\'s uuid.'),
        ('severity', 'string', 'One of %s.' % one_of(states.SEVERITIES)),
        ('type', 'string',
         'What happened, e.g. ``host.state.failed``, ``task.failed``.'),
        ('host', 'string or null', 'The host concerned.'),
        ('instance_uuid', 'string or null', 'The instance concerned.'),
        ('project_id', 'string or null', 'The instance\'s project.'),
        ('message', 'string', 'The event, in one sentence.'),
        ('request_id', 'string or null',
         'The API request that caused it, if any.'),
        ('acknowledged', 'boolean', 'Whether an operator acknowledged it.'),
        ('acknowledged_by', 'string or null', 'Who acknowledged it.'),
        ('acknowledged_at', TIME_OR_NULL, 'When.'),
        ('created_at', TIME, 'When it happened.'),
    ),
    'status': (
        ('hosts', 'object',
         '``total`` and ``by_state`` (a count for every host state).'),
        ('ha_maintenance', 'boolean', 'The ``ha_maintenance`` switch.'),
        ('self_defense', 'object',
         '``active`` (boolean) and ``since`` (time or null).'),
        ('active_strategy', 'object', '``uuid`` and ``name``.'),
        ('tasks', 'object',
         '``queue_length`` (pending, running and deferred tasks) and '
         '``by_state`` (a count for every task state).'),
        ('components', 'array',
         'The core components, ``{"name", "status", "detail", '
         '"updated_at"}``: ``etcd-mgmt``, ``etcd-service``, '
         '``etcd-storage``, ``shared-storage`` and ``active-strategy``; '
         'status ``ok`` or ``abnormal``.'),
        ('unacknowledged_alarms', 'integer',
         'Events of severity ``warning`` or above not yet acknowledged.'),
    ),
}

# (method, path) -> None (no body), ('one', representation) or
# ('list', collection key, representation).
RESPONSES = {
    ('get', '/v1/hosts'): ('list', 'hosts', 'host'),
    ('post', '/v1/hosts'): ('one', 'host'),
    ('get', '/v1/hosts/{host}'): ('one', 'host'),
    ('patch', '/v1/hosts/{host}'): ('one', 'host'),
    ('delete', '/v1/hosts/{host}'): None,
    ('get', '/v1/hosts/{host}/decision'): ('one', 'decision'),
    ('get', '/v1/instances'): ('list', 'instances', 'instance'),
    ('get', '/v1/instances/{instance}'): ('one', 'instance'),
    ('patch', '/v1/instances/{instance}'): ('one', 'instance'),
    ('get', '/v1/strategies'): ('list', 'strategies', 'strategy'),
    ('post', '/v1/strategies'): ('one', 'strategy'),
    ('get', '/v1/strategies/{strategy}'): ('one', 'strategy'),
    ('patch', '/v1/strategies/{strategy}'): ('one', 'strategy'),
    ('delete', '/v1/strategies/{strategy}'): None,
    ('post', '/v1/strategies/{strategy}/activate'): ('one', 'strategy'),
    ('get', '/v1/maintenance'): ('one', 'maintenance'),
    ('put', '/v1/maintenance'): ('one', 'maintenance'),
    ('get', '/v1/settings'): ('one', 'settings'),
    ('patch', '/v1/settings'): ('one', 'settings'),
    ('get', '/v1/tasks'): ('list', 'tasks', 'task'),
    ('get', '/v1/tasks/{task}'): ('one', 'task'),
    ('post', '/v1/tasks/{task}/retry'): ('one', 'task'),
    ('post', '/v1/tasks/{task}/cancel'): ('one', 'task'),
    ('get', '/v1/events'): ('list', 'events', 'event'),
    ('get', '/v1/events/{event}'): ('one', 'event'),
    ('post', '/v1/events/{event}/ack'): ('one', 'event'),
    ('get', '/v1/status'): ('one', 'status'),
}
