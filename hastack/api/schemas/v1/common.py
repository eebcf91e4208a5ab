"""Schema pieces several v1 resources share."""

from hastack.api import listing
from hastack.common import states


def name(pattern, description):
    """A schema for a resource name that is never mistaken for a uuid.

    Resources are found by name or uuid, so a name that looks like a uuid
    could never be found by name. (JSON Schema patterns are ECMA regular
    expressions, where ``$`` may match before a final newline; the ``not``
    clause also refuses that newline.)
    """
    return {'type': 'string', 'minLength': 1, 'maxLength': 255,
            'pattern': pattern, 'description': description,
            'not': {'anyOf': [{'pattern': r'\n'},
                              {'pattern': r'^(-*[0-9a-fA-F]-*){32}$'}],
                    'description': 'a name must not look like a uuid '
                                   'nor contain a line break'}}


HOST_NAME = name(r'^[A-Za-z0-9][A-Za-z0-9._-]*$',
                 'Compute host name, as Nova knows it.')
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
