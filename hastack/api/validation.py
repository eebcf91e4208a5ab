"""JSON Schema validation of request bodies and query strings.

Query strings arrive as text; :func:`validate_query` first turns each
parameter into the type its schema property declares, so one schema
describes both the API reference and the check.
"""

import json

import jsonschema
from oslo_utils import strutils
from oslo_utils import timeutils

from hastack.common import exception

_BOOL_WORDS = ('true', 'false', '1', '0', 'yes', 'no', 'on', 'off')


def _message(error):
    path = '.'.join(str(p) for p in error.absolute_path)
    where = "'%s': " % path if path else ''
    text = error.message
    if error.validator == 'not' and 'description' in error.validator_value:
        # jsonschema would print the whole sub-schema; say what it means.
        text = '%r is refused: %s' % (error.instance,
                                     error.validator_value['description'])
    return '%s%s' % (where, text)


def validate(schema, document):
    """Check ``document`` against ``schema``.

    :raises InvalidSchema: with the first violation, naming its place.
    """
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(document),
                    key=lambda e: list(e.absolute_path))
    if errors:
        raise exception.InvalidSchema(
            detail='Invalid input: %s' % _message(errors[0]))
    return document


def _reject_constant(name):
    # NOTE(hastack): Python's json accepts NaN and Infinity, which are not
    # JSON; NaN passes every range check and would break ratio settings.
    raise ValueError('%s is not a JSON value' % name)


def decode_json(raw):
    """Decode a request body as strict JSON.

    :param raw: the body's bytes.
    :raises InvalidSchema: the body is not JSON (NaN and Infinity are not;
        nesting too deep for the decoder is refused, not a crash).
    """
    try:
        return json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError) as e:
        raise exception.InvalidSchema(
            detail='Malformed JSON in request body: %s' % e)
    except RecursionError:
        raise exception.InvalidSchema(
            detail='Malformed JSON in request body: nested too deeply')


def parse_body(request, schema):
    """Decode a JSON request body and validate it.

    :param request: the webob request.
    :param schema: the body's JSON Schema.
    :returns: the decoded body.
    :raises InvalidSchema: the body is not JSON or fails the schema.
    """
    if not request.body:
        raise exception.InvalidSchema(
            detail='This request needs a JSON body.')
    return validate(schema, decode_json(request.body))


def _coerce(name, value, prop):
    kind = prop.get('type')
    if prop.get('format') == 'date-time':
        try:
            return timeutils.normalize_time(timeutils.parse_isotime(value))
        except (ValueError, OverflowError):
            raise exception.InvalidSchema(
                detail="Invalid input: '%s': %r is not an ISO 8601 time"
                       % (name, value))
    if kind == 'integer':
        try:
            return int(value)
        except ValueError:
            raise exception.InvalidSchema(
                detail="Invalid input: '%s': %r is not an integer"
                       % (name, value))
    if kind == 'boolean':
        if value.lower() not in _BOOL_WORDS:
            raise exception.InvalidSchema(
                detail="Invalid input: '%s': %r is not a boolean"
                       % (name, value))
        return strutils.bool_from_string(value, strict=True)
    return value


def validate_query(request, schema):
    """Turn a request's query string into typed, validated values.

    :param request: the webob request.
    :param schema: an object schema whose properties describe each
        parameter (``additionalProperties: false`` rejects unknown ones).
    :returns: ``{name: value}`` with each value of its declared type.
    :raises InvalidSchema: an unknown, repeated or malformed parameter.
    """
    props = schema.get('properties', {})
    params = {}
    for name in request.GET:
        values = request.GET.getall(name)
        if len(values) > 1:
            raise exception.InvalidSchema(
                detail="Invalid input: '%s' is given more than once" % name)
        params[name] = values[0]
    typed = {}
    for name, value in params.items():
        prop = props.get(name, {})
        typed[name] = _coerce(name, value, prop)
    # Dates were parsed above; check the rest of the shape with the schema.
    shape = dict(schema)
    shape['properties'] = {n: {k: v for k, v in p.items() if k != 'format'}
                           for n, p in props.items()}
    checked = {n: (v.isoformat() if hasattr(v, 'isoformat') else v)
               for n, v in typed.items()}
    for name, prop in props.items():
        if prop.get('format') == 'date-time':
            shape['properties'][name] = {'type': 'string'}
    validate(shape, checked)
    return typed
