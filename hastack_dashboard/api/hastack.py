"""HaStack's REST API v1 for the dashboard, with the Horizon user's token.

Every function takes the Django request first: its user's token (from
Keystone, kept by Horizon in the session) authenticates the call, and its
service catalog gives the ``high-availability`` endpoint. Nothing is asked
of Keystone again: the token and the endpoint are handed to a keystoneauth
session as they are. Every function returns the decoded JSON of the API;
every failure is a :class:`~hastack_dashboard.api.exceptions.HastackError`,
whose text is one readable line.
"""

import logging
from urllib import parse

from django.conf import settings
from keystoneauth1 import exceptions as ksa_exceptions
from keystoneauth1 import session as ks_session
from keystoneauth1 import token_endpoint
from openstack_dashboard.api import base

from hastack_dashboard.api import exceptions

LOG = logging.getLogger(__name__)

SERVICE_TYPE = 'high-availability'
VERSION_HEADER = 'OpenStack-API-Version'
# The microversion the panels were written for.
API_VERSION = '1.0'
# Seconds one API call may take before the page gives up on it.
TIMEOUT = 30
# NOTE(hastack): a list that follows "next" links stops after this many
# pages, so that an API that keeps answering with a link cannot hang a page.
MAX_PAGES = 100


_ERRORS_BY_STATUS = {401: exceptions.Unauthorized, 404: exceptions.NotFound}


def _error_from(response):
    """The :class:`exceptions.HastackError` of an API error response."""
    status = response.status_code
    title = response.reason or 'Error'
    detail = code = None
    request_id = response.headers.get('x-openstack-request-id')
    try:
        doc = response.json()
    except ValueError:
        doc = None
    if isinstance(doc, dict) and isinstance(doc.get('errors'), list) \
            and doc['errors'] and isinstance(doc['errors'][0], dict):
        error = doc['errors'][0]
        title = error.get('title') or title
        detail = error.get('detail')
        code = error.get('code')
        request_id = error.get('request_id') or request_id
    elif isinstance(doc, dict) and isinstance(doc.get('error'), dict):
        detail = doc['error'].get('message')
    cls = _ERRORS_BY_STATUS.get(status, exceptions.HastackError)
    return cls(detail or '%s (HTTP %s)' % (title, status), status=status,
               title=title, code=code, request_id=request_id)


def endpoint(request):
    """The API's ``/v1`` URL from the user's service catalog.

    :raises openstack_dashboard.exceptions.ServiceCatalogException: the
        catalog has no ``high-availability`` endpoint.
    """
    url = base.url_for(request, SERVICE_TYPE).rstrip('/')
    if not url.endswith('/v1'):
        url += '/v1'
    return url


def session(request):
    """A keystoneauth session that sends the user's token as it is."""
    verify = not getattr(settings, 'OPENSTACK_SSL_NO_VERIFY', False)
    cacert = getattr(settings, 'OPENSTACK_SSL_CACERT', None)
    if verify and cacert:
        verify = cacert
    auth = token_endpoint.Token(endpoint(request), request.user.token.id)
    return ks_session.Session(auth=auth, verify=verify, timeout=TIMEOUT)


def _query(params):
    pairs = []
    for key, value in (params or {}).items():
        if value is None or value == '':
            continue
        if isinstance(value, bool):
            value = 'true' if value else 'false'
        pairs.append((key, str(value)))
    return parse.urlencode(pairs)


def call(request, method, path, body=None, params=None):
    """One API call as the request's user.

    :param request: the Django request (its user has a token).
    :param method: the HTTP method.
    :param path: the path under ``/v1``, quoted (``/hosts/compute-1``).
    :param body: a JSON-serializable body, or None.
    :param params: query parameters; None and empty values are left out,
        booleans are sent as ``true``/``false``.
    :returns: the decoded JSON document, or None for an empty answer.
    :raises exceptions.HastackError: the API answered an error or was not
        reached.
    """
    url = endpoint(request) + path
    query = _query(params)
    if query:
        url += '?' + query
    kwargs = {'headers': {'Accept': 'application/json',
                          VERSION_HEADER: '%s %s' % (SERVICE_TYPE,
                                                     API_VERSION)},
              'raise_exc': False}
    if body is not None:
        kwargs['json'] = body
    try:
        response = session(request).request(url, method, **kwargs)
    except ksa_exceptions.ClientException as e:
        LOG.warning('HaStack API call %s %s failed: %s', method, url, e)
        raise exceptions.HastackError(
            'The HaStack API could not be reached: %s' % e)
    if response.status_code >= 400:
        raise _error_from(response)
    if response.status_code == 204 or not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        raise exceptions.HastackError(
            'The HaStack API answered %s %s with something that is not '
            'JSON.' % (method, path), status=response.status_code)


def _quote(ident):
    return parse.quote(str(ident), safe='')


def list_all(request, path, key, params=None):
    """Every item of a collection, following ``next`` links.

    :returns: a list of item documents.
    :raises exceptions.HastackError: a page failed, or the pages did not end.
    """
    params = dict(params or {})
    items = []
    for _page in range(MAX_PAGES):
        doc = call(request, 'GET', path, params=params)
        page = doc.get(key) or []
        items.extend(page)
        link = doc.get('next')
        if not link or not page:
            return items
        # NOTE(hastack): only the link's query is followed, against the
        # catalog's endpoint: behind a proxy the API may not know its URL.
        params = dict(parse.parse_qsl(parse.urlsplit(link).query))
    raise exceptions.HastackError('Listing %s did not end after %d pages.'
                                  % (key, MAX_PAGES))


def list_page(request, path, key, params=None, marker=None, limit=20):
    """One page of a collection.

    :param marker: the uuid of the last item of the previous page.
    :param limit: the page size.
    :returns: ``(items, has_more)``.
    """
    params = dict(params or {}, marker=marker, limit=limit)
    doc = call(request, 'GET', path, params=params)
    items = doc.get(key) or []
    return items, bool(doc.get('next')) and len(items) >= limit


# -- hosts ----------------------------------------------------------------

def host_list(request, **filters):
    """Every host HaStack watches (``GET /v1/hosts``)."""
    return list_all(request, '/hosts', 'hosts', filters)


def host_get(request, host):
    """One host by name or uuid."""
    return call(request, 'GET', '/hosts/%s' % _quote(host))


def host_update(request, host, values):
    """Change a host's ``ha_enabled`` or ``maintenance`` (with reason)."""
    return call(request, 'PATCH', '/hosts/%s' % _quote(host), body=values)


def host_decision(request, host):
    """What HA would do for a host now, and why."""
    return call(request, 'GET', '/hosts/%s/decision' % _quote(host))


# -- instances ------------------------------------------------------------

def instance_list(request, **filters):
    """Instances with their HA flag (``GET /v1/instances``)."""
    return list_all(request, '/instances', 'instances', filters)


def instance_update(request, uuid, values):
    """Change an instance's ``ha_enabled`` or ``priority``."""
    return call(request, 'PATCH', '/instances/%s' % _quote(uuid),
                body=values)


# -- strategies -----------------------------------------------------------

def strategy_list(request):
    """Every HA strategy; the active one has ``"active": true``."""
    return list_all(request, '/strategies', 'strategies')


def strategy_get(request, strategy):
    """One strategy by name or uuid."""
    return call(request, 'GET', '/strategies/%s' % _quote(strategy))


def strategy_create(request, values):
    """Create a strategy: ``name``, ``description``, 8 ``rules``."""
    return call(request, 'POST', '/strategies', body=values)


def strategy_update(request, strategy, values):
    """Change a strategy's name, description or rules."""
    return call(request, 'PATCH', '/strategies/%s' % _quote(strategy),
                body=values)


def strategy_delete(request, strategy):
    """Delete a strategy (the API refuses the active one)."""
    call(request, 'DELETE', '/strategies/%s' % _quote(strategy))


def strategy_activate(request, strategy):
    """Make a strategy the active one."""
    return call(request, 'POST',
                '/strategies/%s/activate' % _quote(strategy))


# -- maintenance, settings, status ----------------------------------------

def maintenance_get(request):
    """The cloud-wide ``ha_maintenance`` switch."""
    return call(request, 'GET', '/maintenance')


def maintenance_set(request, on, reason=None):
    """Switch HA maintenance on (HA stops) or off (HA resumes)."""
    body = {'ha_maintenance': bool(on)}
    if reason:
        body['reason'] = reason
    return call(request, 'PUT', '/maintenance', body=body)


def settings_get(request):
    """The run-time settings: ``{key: {value, default, source}}``."""
    return call(request, 'GET', '/settings')['settings']


def settings_update(request, changes):
    """Change settings; a None value resets one to its default."""
    return call(request, 'PATCH', '/settings', body=changes)['settings']


def status_get(request):
    """The summary of HA's state (``GET /v1/status``)."""
    return call(request, 'GET', '/status')


# -- tasks and events -----------------------------------------------------

def task_list(request, filters=None, marker=None, limit=20):
    """One page of HA tasks, newest first: ``(tasks, has_more)``."""
    params = dict(filters or {}, sort_key='created_at', sort_dir='desc')
    return list_page(request, '/tasks', 'tasks', params, marker, limit)


def task_retry(request, uuid):
    """Queue a failed task again."""
    return call(request, 'POST', '/tasks/%s/retry' % _quote(uuid))


def task_cancel(request, uuid):
    """Cancel a task that has not started."""
    return call(request, 'POST', '/tasks/%s/cancel' % _quote(uuid))


def event_list(request, filters=None, marker=None, limit=20):
    """One page of events, newest first: ``(events, has_more)``."""
    params = dict(filters or {}, sort_key='created_at', sort_dir='desc')
    return list_page(request, '/events', 'events', params, marker, limit)


def event_ack(request, uuid):
    """Acknowledge an event."""
    return call(request, 'POST', '/events/%s/ack' % _quote(uuid))
