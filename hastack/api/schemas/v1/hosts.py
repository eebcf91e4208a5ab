"""Schemas of /v1/hosts."""

from hastack.api.schemas.v1 import common
from hastack.common import states

list_query = common.list_query(
    ('name', 'state', 'created_at', 'id'),
    state={'type': 'string', 'enum': list(states.HOST_STATES)},
    ha_enabled={'type': 'boolean'},
    maintenance={'type': 'boolean'},
    mgmt_status=common.PLANE_STATUS,
    service_status=common.PLANE_STATUS,
    storage_status=common.PLANE_STATUS,
)

create = {
    'type': 'object',
    'properties': {
        'name': common.HOST_NAME,
        'ha_enabled': {'type': 'boolean', 'default': True},
        'maintenance': {'type': 'boolean', 'default': False},
        'maintenance_reason': common.REASON,
    },
    'required': ['name'],
    'additionalProperties': False,
}

update = {
    'type': 'object',
    'properties': {
        'ha_enabled': {'type': 'boolean'},
        'maintenance': {'type': 'boolean'},
        'maintenance_reason': common.REASON,
    },
    'minProperties': 1,
    'additionalProperties': False,
}
