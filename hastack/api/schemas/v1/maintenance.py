"""Schemas of /v1/maintenance."""

from hastack.api.schemas.v1 import common

update = {
    'type': 'object',
    'properties': {
        'ha_maintenance': {'type': 'boolean'},
        'reason': common.REASON,
    },
    'required': ['ha_maintenance'],
    'additionalProperties': False,
}
