"""Schemas of /v1/tasks."""

from hastack.api.schemas.v1 import common
from hastack.common import states

list_query = common.list_query(
    ('created_at', 'priority', 'state', 'id'),
    host=common.HOST_NAME,
    instance_uuid=common.UUID,
    state={'type': 'string', 'enum': list(states.TASK_STATES)},
    type={'type': 'string', 'enum': list(states.TASK_TYPES)},
    failure_uuid=common.UUID,
    project_id={'type': 'string', 'minLength': 1, 'maxLength': 255},
)
