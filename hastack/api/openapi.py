"""The OpenAPI 3.1 document of API v1, built from the JSON Schemas.

The request schemas the API validates with are the ones this document
publishes, so the reference cannot drift from the checks. The response
schemas come from :mod:`hastack.api.representations`, which a unit test
checks against what the API returns.
"""

import re

from hastack import version
from hastack.api import microversion
from hastack.api import representations
from hastack.api.schemas.v1 import events
from hastack.api.schemas.v1 import hosts
from hastack.api.schemas.v1 import instances
from hastack.api.schemas.v1 import maintenance
from hastack.api.schemas.v1 import settings
from hastack.api.schemas.v1 import strategies
from hastack.api.schemas.v1 import tasks

# (method, path, summary, policy, body schema, query schema, status)
ROUTES = (
    ('get', '/v1/hosts', 'List hosts with their plane status.',
     'hastack:host:list', None, hosts.list_query, 200),
    ('post', '/v1/hosts', 'Pre-register a host.',
     'hastack:host:create', hosts.create, None, 201),
    ('get', '/v1/hosts/{host}', 'Show a host (by name or uuid).',
     'hastack:host:get', None, None, 200),
    ('patch', '/v1/hosts/{host}',
     'Change a host\'s ha_enabled or maintenance (with a reason).',
     'hastack:host:update', hosts.update, None, 200),
    ('delete', '/v1/hosts/{host}', 'Delete a host without open tasks.',
     'hastack:host:delete', None, None, 204),
    ('get', '/v1/hosts/{host}/decision',
     'Dry run: what HA would do for the host now, and why.',
     'hastack:host:decision', None, None, 200),
    ('get', '/v1/instances', 'List instances (own project unless admin).',
     'hastack:instance:list', None, instances.list_query, 200),
    ('get', '/v1/instances/{instance}', 'Show an instance.',
     'hastack:instance:get', None, None, 200),
    ('patch', '/v1/instances/{instance}',
     'Change an instance\'s ha_enabled or priority.',
     'hastack:instance:update', instances.update, None, 200),
    ('get', '/v1/strategies', 'List strategies.',
     'hastack:strategy:list', None, strategies.list_query, 200),
    ('post', '/v1/strategies', 'Create a strategy (all 8 plane vectors).',
     'hastack:strategy:create', strategies.create, None, 201),
    ('get', '/v1/strategies/{strategy}', 'Show a strategy.',
     'hastack:strategy:get', None, None, 200),
    ('patch', '/v1/strategies/{strategy}', 'Change a strategy.',
     'hastack:strategy:update', strategies.update, None, 200),
    ('delete', '/v1/strategies/{strategy}',
     'Delete a strategy that is not active.',
     'hastack:strategy:delete', None, None, 204),
    ('post', '/v1/strategies/{strategy}/activate',
     'Make a strategy the active one.',
     'hastack:strategy:activate', None, None, 200),
    ('get', '/v1/maintenance', 'Show the ha_maintenance switch.',
     'hastack:maintenance:get', None, None, 200),
    ('put', '/v1/maintenance', 'Switch ha_maintenance on or off.',
     'hastack:maintenance:update', maintenance.update, None, 200),
    ('get', '/v1/settings', 'Show the run-time settings.',
     'hastack:settings:get', None, None, 200),
    ('patch', '/v1/settings',
     'Change run-time settings; they apply without a restart.',
     'hastack:settings:update', settings.update, None, 200),
    ('get', '/v1/tasks', 'List HA tasks.',
     'hastack:task:list', None, tasks.list_query, 200),
    ('get', '/v1/tasks/{task}', 'Show a task.',
     'hastack:task:get', None, None, 200),
    ('post', '/v1/tasks/{task}/retry', 'Retry a failed task.',
     'hastack:task:retry', None, None, 200),
    ('post', '/v1/tasks/{task}/cancel',
     'Cancel a pending or deferred task.',
     'hastack:task:cancel', None, None, 200),
    ('get', '/v1/events', 'List events and alarms, newest first.',
     'hastack:event:list', None, events.list_query, 200),
    ('get', '/v1/events/{event}', 'Show an event.',
     'hastack:event:get', None, None, 200),
    ('post', '/v1/events/{event}/ack', 'Acknowledge an event.',
     'hastack:event:ack', None, None, 200),
    ('get', '/v1/status', 'Summary of HA\'s state.',
     'hastack:status:get', None, None, 200),
)

_ERROR = {
    'type': 'object',
    'properties': {'errors': {'type': 'array', 'items': {
        'type': 'object',
        'properties': {'status': {'type': 'integer'},
                       'title': {'type': 'string'},
                       'detail': {'type': 'string'},
                       'code': {'type': 'string'},
                       'request_id': {'type': ['string', 'null']}},
        'required': ['status', 'title', 'detail', 'code', 'request_id']}}},
    'required': ['errors'],
}

_VERSION_HEADER = {
    'name': microversion.HEADER, 'in': 'header', 'required': False,
    'description': 'Microversion: "%s X.Y" or "%s latest".'
                   % (microversion.SERVICE_TYPE, microversion.SERVICE_TYPE),
    'schema': {'type': 'string'},
}


def _markdown(rst):
    """reStructuredText literals (````x````) as CommonMark ones."""
    return re.sub(r'``(.+?)``', r'`\1`', rst)


def _field_schema(kind, description):
    """The JSON Schema of a field documented as ``kind`` (e.g. ``string
    or null``, :data:`representations.TIME`)."""
    base, _, null = kind.partition(' or ')
    if base.startswith('string ('):
        schema = {'type': 'string', 'format': 'date-time'}
    else:
        schema = {'type': base}
    if null:
        schema['type'] = [schema['type'], 'null']
    schema['description'] = _markdown(description)
    return schema


def _component(name):
    return ''.join(part.title() for part in name.split('_'))


def _representation_schemas():
    """``{component name: schema}`` of every representation."""
    return {_component(name): {
        'type': 'object',
        'properties': {field: _field_schema(kind, description)
                       for field, kind, description in fields},
        'required': [field for field, _, _ in fields],
    } for name, fields in representations.FIELDS.items()}


def _response_schema(response):
    """The schema of a route's response body (None: no body)."""
    if response is None:
        return None
    ref = {'$ref': '#/components/schemas/%s' % _component(response[-1])}
    if response[0] == 'one':
        return ref
    return {'type': 'object',
            'properties': {
                response[1]: {'type': 'array', 'items': ref},
                'next': {'type': 'string', 'format': 'uri',
                         'description': 'The next page; only when this '
                                        'page is full.'}},
            'required': [response[1]]}


def _operation(summary, policy, body, query, status, path, method):
    success = {'description': 'Success.'}
    schema = _response_schema(representations.RESPONSES[(method, path)])
    if schema is not None:
        success['content'] = {'application/json': {'schema': schema}}
    op = {'summary': summary,
          'description': 'Policy: `%s`.' % policy,
          'operationId': policy.replace(':', '_'),
          'parameters': [_VERSION_HEADER],
          'responses': {
              str(status): success,
              'default': {'description': 'An error.', 'content': {
                  'application/json': {
                      'schema': {'$ref': '#/components/schemas/Error'}}}},
          }}
    for segment in path.split('/'):
        if segment.startswith('{'):
            op['parameters'].append({'name': segment[1:-1], 'in': 'path',
                                     'required': True,
                                     'schema': {'type': 'string'}})
    for name, prop in ((query or {}).get('properties') or {}).items():
        op['parameters'].append({'name': name, 'in': 'query',
                                 'required': False, 'schema': prop})
    if body is not None:
        op['requestBody'] = {'required': True, 'content': {
            'application/json': {'schema': body}}}
    return op


def document(base_url):
    """The OpenAPI document, with ``base_url`` as its server."""
    paths = {}
    for method, path, summary, policy, body, query, status in ROUTES:
        paths.setdefault(path, {})[method] = _operation(
            summary, policy, body, query, status, path, method)
    return {
        'openapi': '3.1.0',
        'info': {'title': 'HaStack high-availability API',
                 'version': '%s (microversions %s to %s)'
                            % (version.version_string,
                               microversion.MIN_VERSION,
                               microversion.MAX_VERSION)},
        'servers': [{'url': base_url}],
        'paths': paths,
        'components': {'schemas': dict(_representation_schemas(),
                                       Error=_ERROR)},
    }
