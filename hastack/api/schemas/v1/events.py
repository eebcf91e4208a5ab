"""Schemas of /v1/events."""

from hastack.api.schemas.v1 import common
from hastack.common import states

list_query = common.list_query(
    ('created_at', 'severity', 'id'),
    severity={'type': 'string', 'enum': list(states.SEVERITIES)},
    type={'type': 'string', 'minLength': 1, 'maxLength': 64},
    host=common.HOST_NAME,
    instance_uuid=common.UUID,
    acknowledged={'type': 'boolean'},
    since={'type': 'string', 'format': 'date-time',
           'description': 'Only events at or after this ISO 8601 time.'},
    project_id={'type': 'string', 'minLength': 1, 'maxLength': 255},
)
