"""Schema pieces several v1 resources share."""

from hastack.api import listing
from hastack.common import states

HOST_NAME = {'type': 'string', 'minLength': 1, 'maxLength': 255,
             'pattern': r'^[A-Za-z0-9][A-Za-z0-9._-]*$',
             'description': 'Compute host name, as Nova knows it.'}
UUID = {'type': 'string', 'format': 'uuid',
        'pattern': '^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?'
                   '[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$'}
REASON = {'type': ['string', 'null'], 'maxLength': 255}
PLANE_STATUS = {'type': 'string', 'enum': list(states.PLANE_STATUSES)}


def list_query(sort_keys, **filters):
    """A list query schema: paging and sorting plus ``filters``."""
    props = listing.query_properties(sort_keys)
    props.update(filters)
    return {'type': 'object', 'properties': props,
            'additionalProperties': False}
