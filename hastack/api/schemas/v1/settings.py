"""Schemas of /v1/settings, built from the setting definitions."""

from hastack.common import settings


def _property(definition):
    kind = 'integer' if definition.type is int else 'number'
    return {'type': [kind, 'null'],
            'minimum': definition.minimum,
            'maximum': definition.maximum,
            'description': definition.description +
            ' null resets it to the configured default.'}


update = {
    'type': 'object',
    'properties': {key: _property(d)
                   for key, d in settings.DEFINITIONS.items()},
    'minProperties': 1,
    'additionalProperties': False,
}
