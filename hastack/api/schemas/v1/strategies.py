"""Schemas of /v1/strategies."""

from hastack.api.schemas.v1 import common

_PLANE = {'type': 'string', 'enum': ['up', 'down']}

RULE = {
    'type': 'object',
    'properties': {
        'mgmt': _PLANE,
        'service': _PLANE,
        'storage': _PLANE,
        'recover': {'type': 'boolean'},
    },
    'required': ['mgmt', 'service', 'storage', 'recover'],
    'additionalProperties': False,
}

_NAME = common.name(r'^[A-Za-z0-9][A-Za-z0-9 ._-]*$',
                    'Strategy name: letters, digits, space, ".", "_", "-".')
_DESCRIPTION = {'type': ['string', 'null'], 'maxLength': 4096}
# Exactly one rule per plane vector: 8 items. Which vectors they cover is
# checked in hastack.conductor.strategy.validate_rules.
_RULES = {'type': 'array', 'items': RULE, 'minItems': 8, 'maxItems': 8}

list_query = common.list_query(('name', 'created_at', 'id'))

create = {
    'type': 'object',
    'properties': {'name': _NAME, 'description': _DESCRIPTION,
                   'rules': _RULES},
    'required': ['name', 'rules'],
    'additionalProperties': False,
}

update = {
    'type': 'object',
    'properties': {'name': _NAME, 'description': _DESCRIPTION,
                   'rules': _RULES},
    'minProperties': 1,
    'additionalProperties': False,
}
