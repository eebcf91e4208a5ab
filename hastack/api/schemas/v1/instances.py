"""Schemas of /v1/instances."""

from hastack.api.schemas.v1 import common

list_query = common.list_query(
    ('created_at', 'uuid', 'priority', 'id'),
    project_id={'type': 'string', 'minLength': 1, 'maxLength': 255},
    host=common.HOST_NAME,
    ha_enabled={'type': 'boolean'},
    status={'type': 'string', 'minLength': 1, 'maxLength': 32},
)

update = {
    'type': 'object',
    'properties': {
        'ha_enabled': {'type': 'boolean'},
        'priority': {'type': 'integer', 'minimum': 0, 'maximum': 1000,
                     'description': 'Higher priority instances are '
                                    'evacuated first.'},
    },
    'minProperties': 1,
    'additionalProperties': False,
}
