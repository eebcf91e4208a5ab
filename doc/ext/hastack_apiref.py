# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""The REST API reference, rendered from the code.

``.. hastack-api-reference::`` renders every route of
:data:`hastack.api.openapi.ROUTES` (the table ``/v1/openapi.json`` is built
from) with the JSON Schemas the API validates requests with, the policy
and its default from :mod:`hastack.policies`, the microversion range from
:mod:`hastack.api.microversion` and the error codes from
:mod:`hastack.common.exception`.

The fields of each response and which response each route returns come
from :mod:`hastack.api.representations` (checked against what the API
really returns by ``tests/unit/test_docs.py``). What the code does not
describe declaratively, this module does: which errors beyond the
common ones each route can answer (:data:`ERRORS`). The test fails when
a route of the controllers is missing from here or from ``ROUTES``.

Everything but :func:`setup` is plain Python (no Sphinx import), so the
unit tests can check the reference without Sphinx installed.
"""

import json

from hastack import policies
from hastack.api import listing
from hastack.api import microversion
from hastack.api import openapi
from hastack.api import representations
from hastack.common import exception
from hastack.common import states
from hastack.conf import api as api_conf

# -- What each response holds -------------------------------------------------

# (field, type, description) per representation, and (method, path) ->
# None (no body), ('one', representation) or ('list', collection key,
# representation): kept with the API, which publishes them in its OpenAPI
# document too.
REPRESENTATIONS = representations.FIELDS
RESPONSES = representations.RESPONSES

# -- Errors -------------------------------------------------------------------

# Every route can answer these (authentication, policy, microversion).
COMMON_ERRORS = (
    ('NotAuthorized', 'No valid token (``auth_strategy = keystone``).'),
    ('Forbidden', 'The policy does not allow the caller.'),
    ('MethodNotAllowed',
     'Another method than those of the path (an ``Allow`` header lists '
     'them).'),
    ('NotAcceptable', 'The requested microversion is not served.'),
)

# (method, path) -> the other errors, as (exception class name, when).
ERRORS = {
    ('get', '/v1/hosts'): (),
    ('post', '/v1/hosts'): (
        ('Invalid', '``maintenance_reason`` without ``"maintenance": '
                    'true``.'),
        ('HostExists', 'A host of that name exists.'),
    ),
    ('get', '/v1/hosts/{host}'): (('HostNotFound', 'No such host.'),),
    ('patch', '/v1/hosts/{host}'): (
        ('HostNotFound', 'No such host.'),
        ('Conflict', '``maintenance_reason`` for a host that is not (and '
                     'does not go) in maintenance.'),
    ),
    ('delete', '/v1/hosts/{host}'): (
        ('HostNotFound', 'No such host.'),
        ('HostBusy', 'The host has pending, running or deferred tasks.'),
    ),
    ('get', '/v1/hosts/{host}/decision'): (
        ('HostNotFound', 'No such host.'),),
    ('get', '/v1/instances'): (),
    ('get', '/v1/instances/{instance}'): (
        ('InstanceNotFound', 'No such instance, or another project\'s.'),),
    ('patch', '/v1/instances/{instance}'): (
        ('InstanceNotFound', 'No such instance, or another project\'s.'),
        ('NovaUnavailable', 'Nova did not take the new ``%s`` metadata '
                            '(nothing was changed).'
         % states.HA_METADATA_KEY),
    ),
    ('get', '/v1/strategies'): (),
    ('post', '/v1/strategies'): (
        ('InvalidStrategy', 'The rules do not name each plane vector '
                            'exactly once.'),
        ('StrategyExists', 'A strategy of that name exists.'),
    ),
    ('get', '/v1/strategies/{strategy}'): (
        ('StrategyNotFound', 'No such strategy.'),),
    ('patch', '/v1/strategies/{strategy}'): (
        ('StrategyNotFound', 'No such strategy.'),
        ('InvalidStrategy', 'The rules do not name each plane vector '
                            'exactly once.'),
        ('StrategyExists', 'Another strategy has the new name.'),
    ),
    ('delete', '/v1/strategies/{strategy}'): (
        ('StrategyNotFound', 'No such strategy.'),
        ('StrategyActive', 'It is the active strategy.'),
    ),
    ('post', '/v1/strategies/{strategy}/activate'): (
        ('StrategyNotFound', 'No such strategy.'),),
    ('get', '/v1/maintenance'): (),
    ('put', '/v1/maintenance'): (),
    ('get', '/v1/settings'): (),
    ('patch', '/v1/settings'): (
        ('InvalidSetting', 'The change would leave ``self_recovery_ratio`` '
                           'at or below 1 - ``self_defense_ratio``.'),
    ),
    ('get', '/v1/tasks'): (),
    ('get', '/v1/tasks/{task}'): (
        ('TaskNotFound', 'No such task, or another project\'s.'),),
    ('post', '/v1/tasks/{task}/retry'): (
        ('TaskNotFound', 'No such task.'),
        ('TaskStateConflict', 'The task is not ``failed``.'),
    ),
    ('post', '/v1/tasks/{task}/cancel'): (
        ('TaskNotFound', 'No such task.'),
        ('TaskStateConflict', 'The task is not ``pending`` or '
                              '``deferred``.'),
    ),
    ('get', '/v1/events'): (),
    ('get', '/v1/events/{event}'): (
        ('EventNotFound', 'No such event, or another project\'s.'),),
    ('post', '/v1/events/{event}/ack'): (
        ('EventNotFound', 'No such event.'),
        ('EventAlreadyAcknowledged', 'It was acknowledged before.'),
    ),
    ('get', '/v1/status'): (),
}

# The microversion each route appeared in; a route not named here has
# been there since the first version.
INTRODUCED = {}

# Routes outside ROUTES: version discovery and the health check. They need
# no token.
EXTRA_ROUTES = (
    ('get', '/', 'The API versions this server serves: ``{"versions": '
                 '[...]}``, each with ``id``, ``status`` (``CURRENT``), '
                 '``min_version``, ``version`` (the maximum microversion), '
                 '``links`` and ``media-types``.'),
    ('get', '/v1', 'The same document for v1 alone, under ``version``, '
                   'with a ``resources`` object linking each collection.'),
    ('get', '/v1/openapi.json',
     'This reference as an OpenAPI 3.1 document, built from the same '
     'schemas.'),
    ('get', '/healthcheck',
     'oslo.middleware\'s health check (no authentication).'),
)

_RESOURCE_TITLES = (
    ('/v1/hosts', 'Hosts'),
    ('/v1/instances', 'Instances'),
    ('/v1/strategies', 'Strategies'),
    ('/v1/maintenance', 'HA maintenance'),
    ('/v1/settings', 'Run-time settings'),
    ('/v1/tasks', 'Tasks'),
    ('/v1/events', 'Events'),
    ('/v1/status', 'Status'),
)


def routes():
    """Every documented route: ``[(method, path)]`` of ``ROUTES``."""
    return [(r[0], r[1]) for r in openapi.ROUTES]


def error_class(name):
    """The exception class called ``name`` in hastack.common.exception."""
    cls = getattr(exception, name)
    if not (isinstance(cls, type) and
            issubclass(cls, exception.HastackException)):
        raise TypeError('%s is not a HastackException' % name)
    return cls


def _policy_defaults():
    return {rule.name: rule.check_str for rule in policies.list_rules()}


# -- Rendering ----------------------------------------------------------------

def _type_of(prop):
    kind = prop.get('type', 'any')
    if isinstance(kind, list):
        kind = ' or '.join(kind)
    if kind == 'array' and 'items' in prop:
        kind = 'array of %s' % _type_of(prop['items'])
    if prop.get('format'):
        kind = '%s (%s)' % (kind, prop['format'])
    return kind


def _constraints(prop):
    parts = []
    if 'enum' in prop:
        parts.append('One of %s.' % representations.one_of(prop['enum']))
    low, high = prop.get('minimum'), prop.get('maximum')
    if low is not None and high is not None:
        parts.append('From %s to %s.' % (low, high))
    elif low is not None:
        parts.append('At least %s.' % low)
    elif high is not None:
        parts.append('At most %s.' % high)
    if 'maxLength' in prop:
        parts.append('%s to %s characters.'
                     % (prop.get('minLength', 0), prop['maxLength']))
    if 'minItems' in prop or 'maxItems' in prop:
        if prop.get('minItems') == prop.get('maxItems'):
            parts.append('Exactly %s items.' % prop['minItems'])
        else:
            parts.append('%s to %s items.' % (prop.get('minItems', 0),
                                              prop.get('maxItems', 'any')))
    if 'pattern' in prop:
        parts.append('Matches ``%s``.' % prop['pattern'])
    if isinstance(prop.get('not'), dict) and prop['not'].get('description'):
        parts.append('Refused: %s.' % prop['not']['description'])
    if 'default' in prop:
        parts.append('Default: ``%s``.' % json.dumps(prop['default']))
    return parts


def _escape(text):
    return text.replace('\\', '\\\\').replace('*', '\\*')


def _table(header, rows, widths):
    lines = ['.. list-table::', '   :header-rows: 1',
             '   :widths: %s' % ' '.join(str(w) for w in widths), '']
    for row in [header] + rows:
        first = True
        for cell in row:
            cell_lines = str(cell).split('\n') if cell != '' else ['']
            prefix = '   * - ' if first else '     - '
            lines.append((prefix + cell_lines[0]).rstrip())
            lines.extend('       ' + more for more in cell_lines[1:])
            first = False
    lines.append('')
    return lines


def _schema_rows(schema, required=(), filters=False):
    rows = []
    for name, prop in (schema.get('properties') or {}).items():
        text = [_escape(prop['description'])] if prop.get('description') \
            else []
        if not text and filters:
            text = ['Only items whose ``%s`` is this.' % name]
        text.extend(_constraints(prop))
        rows.append(['``%s``' % name, _type_of(prop),
                     'yes' if name in required else 'no',
                     ' '.join(text) or ' '])
    return rows


def _request_body(body):
    lines = ['**Request body** (JSON object)', '']
    notes = []
    if body.get('minProperties'):
        notes.append('At least %d of these fields.' % body['minProperties'])
    if body.get('additionalProperties') is False:
        notes.append('No other field is accepted.')
    if notes:
        lines += [' '.join(notes), '']
    lines += _table(['Field', 'Type', 'Required', 'Description'],
                    _schema_rows(body, body.get('required', ())),
                    (20, 20, 10, 50))
    lines += ['The JSON Schema it is validated with:', '',
              '.. code-block:: json', '']
    lines += ['   ' + line for line in
              json.dumps(body, indent=2, sort_keys=True).splitlines()]
    lines.append('')
    return lines


def _query(query):
    lines = ['**Query parameters**', '']
    lines += _table(['Parameter', 'Type', 'Required', 'Description'],
                    _schema_rows(query, filters=True), (20, 20, 10, 50))
    return lines


def _response(status, response):
    lines = ['**Response**: ``%d``' % status]
    if status == 201:
        lines[0] += ' with a ``Location`` header (the new item\'s URL) and'
    elif response is not None:
        lines[0] += ','
    if response is None:
        lines[0] += ' with no body.'
        return lines + ['']
    lines[0] += ' a JSON object'
    if response[0] == 'list':
        _, key, representation = response
        lines[0] += (' with ``%s`` (an array of the objects below) and, '
                     'when the page is full, ``next`` (the URL of the next '
                     'page).' % key)
    else:
        representation = response[1]
        lines[0] += ':'
    lines.append('')
    rows = [['``%s``' % f, t, d]
            for f, t, d in REPRESENTATIONS[representation]]
    lines += _table(['Field', 'Type', 'Description'], rows, (22, 22, 56))
    return lines


def _errors(method, path, body, query):
    rows = []
    if body is not None or query is not None:
        rows.append(('InvalidSchema',
                     'The %s fails its schema, or the body is not JSON.'
                     % ('body' if body is not None else 'query string')))
    if query is not None:
        rows.append(('InvalidMarker', '``marker`` names no item of the '
                                      'list.'))
    rows.extend(ERRORS[(method, path)])
    rows.extend(COMMON_ERRORS)
    table = []
    for name, when in sorted(rows, key=lambda r: int(error_class(r[0])
                                                     .status)):
        cls = error_class(name)
        table.append([str(int(cls.status)), '``%s``' % cls.code, when])
    return ['**Errors**', ''] + _table(['Status', 'Code', 'When'], table,
                                       (10, 35, 55))


def _versions(method, path):
    since = INTRODUCED.get((method, path), microversion.MIN_VERSION)
    return 'Microversions: %s and later (this release serves up to %s).' % (
        since, microversion.MAX_VERSION)


def route_rst(route, policy_defaults):
    """The reStructuredText of one route of ``openapi.ROUTES``."""
    method, path, summary, policy, body, query, status = route
    title = '%s %s' % (method.upper(), path)
    lines = ['.. _api-%s-%s:' % (method, path.strip('/').replace('/', '-')
                                 .replace('{', '').replace('}', '')),
             '', title, '-' * len(title), '', summary, '',
             _versions(method, path), '',
             'Policy: ``%s`` (default: ``%s``).'
             % (policy, policy_defaults[policy]), '']
    params = [s[1:-1] for s in path.split('/') if s.startswith('{')]
    if params:
        lines += ['Path: %s, by %s.' % (
            ', '.join('``%s``' % p for p in params),
            'name or uuid' if params[0] in ('host', 'strategy')
            else 'uuid'), '']
    if query is not None:
        lines += _query(query)
    if body is not None:
        lines += _request_body(body)
    lines += _response(status, RESPONSES[(method, path)])
    lines += _errors(method, path, body, query)
    return lines


def _general():
    header = microversion.HEADER
    service = microversion.SERVICE_TYPE
    max_limit = next(o.default for o in api_conf.opts
                     if o.name == 'max_limit')
    paging = listing.query_properties(('<key>',))
    lines = [
        'General', '=' * 7, '',
        'The API is the ``%s`` service in the Keystone catalog. Every '
        'path below is relative to its endpoint. Requests and responses '
        'are JSON; a request with a body needs ``Content-Type: '
        'application/json``. Unless ``[api] auth_strategy = noauth`` '
        '(development only), every request but version discovery and '
        '``/healthcheck`` needs a Keystone token in ``X-Auth-Token``.'
        % service, '',
        'Microversions', '-' * 13, '',
        'Ask for a microversion with the header ``%s: %s X.Y`` (or '
        '``latest``). Without it a request is served at the minimum '
        'version. Every response names the version that served it in the '
        'same header, with ``Vary: %s``. This server serves %s to %s; a '
        'version outside that range is refused with ``406`` (see '
        ':doc:`/api-version-history`).'
        % (header, service, header, microversion.MIN_VERSION,
           microversion.MAX_VERSION), '',
        'Lists, pages and sorting', '-' * 24, '',
        'Every list takes these query parameters besides its filters '
        '(a boolean filter takes ``true``/``false``, ``yes``/``no``, '
        '``on``/``off`` or ``1``/``0``; a parameter may appear once):',
        '',
    ]
    rows = []
    for name, prop in paging.items():
        desc = prop.get('description', '')
        if name == 'sort_key':
            desc += ' Each list names its keys below.'
        rows.append(['``%s``' % name, _type_of(prop), _escape(desc)])
    lines += _table(['Parameter', 'Type', 'Description'], rows,
                    (20, 20, 60))
    lines += [
        'A list returns at most ``limit`` items, and never more than '
        '``[api] max_limit`` (%d by default). When a page is full the '
        'document also has ``next``: the URL of the next page (the same '
        'filters, with ``marker`` set to the uuid of the last item). '
        'Follow ``next`` until it is absent.' % max_limit, '',
        'Errors', '-' * 6, '',
        'Every error answers with one document, whoever produced it:', '',
        '.. code-block:: json', '',
        '   {"errors": [{"status": 404, "title": "Not Found",',
        '                "detail": "Host compute-9 could not be found.",',
        '                "code": "hastack.host.not_found",',
        '                "request_id": "req-..."}]}', '',
        '``code`` is stable: scripts should test it rather than the '
        '``detail`` text.', '',
        'Discovery and health', '-' * 20, '',
    ]
    lines += _table(['Method and path', 'What it returns'],
                    [['``%s %s``' % (m.upper(), p), d]
                     for m, p, d in EXTRA_ROUTES], (30, 70))
    return lines


def reference_rst():
    """The whole API reference as reStructuredText lines."""
    policy_defaults = _policy_defaults()
    lines = _general()
    for prefix, title in _RESOURCE_TITLES:
        lines += [title, '=' * len(title), '']
        for route in openapi.ROUTES:
            path = route[1]
            if path == prefix or path.startswith(prefix + '/'):
                lines += route_rst(route, policy_defaults)
    return lines


def documented_paths():
    """``{(method, path)}`` of every route this reference renders."""
    rendered = set()
    for prefix, _ in _RESOURCE_TITLES:
        for route in openapi.ROUTES:
            if route[1] == prefix or route[1].startswith(prefix + '/'):
                rendered.add((route[0], route[1]))
    rendered.update((m, p) for m, p, _ in EXTRA_ROUTES)
    return rendered


# -- Sphinx -------------------------------------------------------------------

def setup(app):
    """Register ``.. hastack-api-reference::``."""
    from docutils import nodes
    from docutils import statemachine
    from docutils.parsers import rst
    from sphinx.util import nodes as sphinx_nodes

    class ApiReferenceDirective(rst.Directive):
        """Renders :func:`reference_rst`."""

        has_content = False

        def run(self):
            source = '<hastack-api-reference>'
            result = statemachine.StringList()
            for number, line in enumerate(reference_rst()):
                result.append(line, source, number)
            node = nodes.section()
            node.document = self.state.document
            sphinx_nodes.nested_parse_with_titles(self.state, result, node)
            return node.children

    app.add_directive('hastack-api-reference', ApiReferenceDirective)
    return {'parallel_read_safe': True, 'parallel_write_safe': True}
