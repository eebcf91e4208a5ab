"""List requests: limit, marker, sort and the ``next`` link."""

from urllib import parse

import pecan

from hastack import conf

CONF = conf.CONF


def query_properties(sort_keys):
    """The JSON Schema properties every list query accepts.

    :param sort_keys: the columns this list can be sorted by.
    """
    return {
        'limit': {'type': 'integer', 'minimum': 1,
                  'description': 'Most items to return (capped by '
                                 '[api] max_limit).'},
        'marker': {'type': 'string', 'minLength': 1, 'maxLength': 255,
                   'description': 'The uuid of the last item of the '
                                  'previous page (a host also by its '
                                  'name).'},
        'sort_key': {'type': 'string', 'enum': list(sort_keys),
                     'description': 'Column to sort by.'},
        'sort_dir': {'type': 'string', 'enum': ['asc', 'desc'],
                     'description': 'Sort direction.'},
    }


def page_args(params, default_sort_key, default_sort_dir='asc'):
    """The database list arguments of a validated list query.

    :returns: ``{"limit", "marker", "sort_key", "sort_dir"}``; the limit is
        never above ``[api] max_limit``.
    """
    limit = min(params.get('limit', CONF.api.max_limit), CONF.api.max_limit)
    return {'limit': limit,
            'marker': params.get('marker'),
            'sort_key': params.get('sort_key', default_sort_key),
            'sort_dir': params.get('sort_dir', default_sort_dir)}


_PAGE_PARAMS = ('limit', 'marker', 'sort_key', 'sort_dir')


def filters(params):
    """The filter parameters of a validated list query (all but paging)."""
    return {k: v for k, v in params.items() if k not in _PAGE_PARAMS}


def collection(name, items, params, page, marker_of):
    """A list document ``{name: [...], "next": url}``.

    :param name: the collection key ("hosts", ...).
    :param items: the rendered items of this page.
    :param params: the request's validated query parameters.
    :param page: the arguments :func:`page_args` returned.
    :param marker_of: item -> its marker value.
    :returns: the document; ``next`` is present only when the page is full
        (there may be more).
    """
    doc = {name: items}
    if items and len(items) >= page['limit']:
        query = {k: _text(v) for k, v in params.items() if k != 'marker'}
        query['limit'] = page['limit']
        query['marker'] = marker_of(items[-1])
        doc['next'] = '%s%s?%s' % (base_url(), pecan.request.path_info,
                                   parse.urlencode(sorted(query.items())))
    return doc


def base_url():
    """The API's public base URL: ``[api] public_endpoint`` or the one the
    request came in on (proxy headers already applied)."""
    if CONF.api.public_endpoint:
        return CONF.api.public_endpoint.rstrip('/')
    return pecan.request.application_url


def _text(value):
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if hasattr(value, 'isoformat'):
        return value.isoformat()
    return value
