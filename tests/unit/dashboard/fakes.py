"""API documents as HaStack's API v1 returns them."""

import copy


def host(name='compute-1', state='active', mgmt='up', service='up',
         storage='up', ha_enabled=True, maintenance=False, reason=None):
    """A host document (``GET /v1/hosts/{host}``)."""
    planes = {'mgmt': mgmt, 'service': service, 'storage': storage}
    return {
        'uuid': '6f1b7a3c-0000-4000-8000-%012d' % (sum(map(ord, name))),
        'name': name, 'state': state,
        'state_since': '2026-05-01T10:00:00.123456',
        'ha_enabled': ha_enabled, 'maintenance': maintenance,
        'maintenance_reason': reason,
        'planes': {p: {'status': s, 'last_seen': '2026-05-01T10:05:00'}
                   for p, s in planes.items()},
        'failure_uuid': None, 'agent_version': '0.1.0',
        'created_at': '2026-05-01T09:00:00', 'updated_at': None,
    }


def decision(name='compute-1', action='wait', mgmt='down', service='down',
             storage='up'):
    """A decision document (``GET /v1/hosts/{host}/decision``)."""
    return {
        'host': name,
        'vector': {'mgmt': mgmt, 'service': service, 'storage': storage},
        'strategy': 'default',
        'rule': {'mgmt': mgmt, 'service': service, 'storage': storage,
                 'recover': True},
        'gates': [
            {'name': 'ha_maintenance', 'open': True,
             'detail': 'ha_maintenance is off'},
            {'name': 'self_defense', 'open': True,
             'detail': 'self-defense inactive'},
            {'name': 'fencing_grant', 'open': False,
             'detail': 'no-fence grant until 2026-05-01T10:07:00'},
        ],
        'action': action,
        'reason': 'rule says recover; grace period ends at 10:07:00',
        'recover_at': '2026-05-01T10:07:00',
        'evaluated_at': '2026-05-01T10:05:30.5',
    }


def task(uuid='7d6c0a52-1111-4000-8000-000000000001', state='failed',
         type='evacuate', host='compute-1'):
    """A task document."""
    return {
        'uuid': uuid, 'type': type, 'state': state, 'host': host,
        'instance_uuid': 'a0c1f6de-2222-4000-8000-000000000001',
        'project_id': 'p1', 'failure_uuid': None, 'priority': 10,
        'attempts': 5, 'max_attempts': 5,
        'last_error': 'Nova refused the evacuation',
        'fence_proof': {'kind': 'agent_ack'}, 'owner': 'ctl-1',
        'next_attempt_at': None, 'started_at': '2026-05-01T10:08:00',
        'finished_at': None, 'created_at': '2026-05-01T10:07:00',
        'updated_at': None,
    }


def event(uuid='e1e1e1e1-3333-4000-8000-000000000001', severity='critical',
          acknowledged=False):
    """An event document."""
    return {
        'uuid': uuid, 'severity': severity, 'type': 'task.failed',
        'host': 'compute-1',
        'instance_uuid': 'a0c1f6de-2222-4000-8000-000000000001',
        'project_id': 'p1', 'message': 'evacuation failed 5 times',
        'request_id': 'req-1', 'acknowledged': acknowledged,
        'acknowledged_by': 'admin' if acknowledged else None,
        'acknowledged_at': None, 'created_at': '2026-05-01T10:09:00',
    }


DEFAULT_RULES = [
    {'mgmt': m, 'service': s, 'storage': st, 'recover': r}
    for (m, s, st), r in zip(
        [(m, s, st) for m in ('down', 'up') for s in ('down', 'up')
         for st in ('down', 'up')],
        [True, True, True, False, True, False, True, False])
]


def strategy(name='default', active=True, rules=None,
             uuid='5a5a5a5a-4444-4000-8000-000000000001'):
    """A strategy document."""
    return {
        'uuid': uuid, 'name': name, 'description': 'the design table',
        'rules': copy.deepcopy(rules or DEFAULT_RULES), 'active': active,
        'created_at': '2026-05-01T09:00:00', 'updated_at': None,
    }


def instance(uuid='a0c1f6de-2222-4000-8000-000000000001', name='web-1',
             ha_enabled=True, project_id='1'):
    """An instance document."""
    return {
        'uuid': uuid, 'name': name, 'project_id': project_id,
        'host': 'compute-1', 'status': 'ACTIVE', 'ha_enabled': ha_enabled,
        'priority': 0, 'created_at': '2026-05-01T09:00:00',
        'updated_at': None,
    }


def settings():
    """The settings document's ``settings`` (``GET /v1/settings``)."""
    return {
        'global_rate_limit': {'value': 20, 'default': 20,
                              'source': 'config'},
        'host_rate_limit': {'value': 3, 'default': 10, 'source': 'runtime'},
        'max_retries': {'value': 5, 'default': 5, 'source': 'config'},
        'grace_period': {'value': 120, 'default': 120, 'source': 'config'},
        'self_defense_ratio': {'value': 0.5, 'default': 0.5,
                               'source': 'config'},
        'self_recovery_ratio': {'value': 0.7, 'default': 0.7,
                                'source': 'config'},
    }


def maintenance(on=False, reason=None):
    """The maintenance document."""
    return {'ha_maintenance': on, 'reason': reason,
            'updated_by': 'admin' if on else None,
            'updated_at': '2026-05-01T08:00:00' if on else None}
