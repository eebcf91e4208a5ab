"""A small REST client of HaStack's API v1, over a keystoneauth session.

The OpenStackClient plugin builds one per command run from osc-lib's
``ClientManager`` (its authenticated session and the ``high-availability``
endpoint of the service catalog). Every method returns the decoded JSON
document of the API; every failure is a :class:`HastackClientError` whose
text is one readable line, which is what ``openstack`` prints.
"""

from urllib import parse

from keystoneauth1 import exceptions as ksa_exceptions
from osc_lib import exceptions as osc_exceptions

SERVICE_TYPE = 'high-availability'
VERSION_HEADER = 'OpenStack-API-Version'
# The newest microversion this client knows; it asks for it unless told
# otherwise, so the answers keep the shape the commands were written for.
MAX_VERSION = '1.0'

# NOTE(hastack): a list call without --limit follows "next" links; this
# bounds the number of pages so that a server that keeps answering with a
# link (a bug, or a proxy rewriting URLs) cannot make the client loop.
MAX_PAGES = 10000


def one_line(text, limit=500):
    """``text`` with every run of white space made one space, shortened.

    :param text: any string (or an object whose str() is wanted).
    :param limit: the most characters to keep.
    :returns: a single-line string.
    """
    text = ' '.join(str(text).split())
    if len(text) > limit:
        text = text[:limit - 3] + '...'
    return text


class HastackClientError(osc_exceptions.CommandError):
    """Any failure of a HaStack API call; its text is one line."""


class ApiError(HastackClientError):
    """The API answered with an error status.

    :ivar status: the HTTP status code.
    :ivar title: the status' title ("Forbidden").
    :ivar detail: the API's explanation.
    :ivar code: HaStack's error code (``hastack.forbidden``), or None.
    :ivar request_id: the request id the API gave, or None.
    """

    def __init__(self, status, title, detail, code=None, request_id=None):
        self.status = status
        self.title = title
        self.detail = detail
        self.code = code
        self.request_id = request_id
        super().__init__(self._text())

    def _text(self):
        tags = ['HTTP %s' % self.status]
        if self.code:
            tags.append(self.code)
        text = '%s (%s)' % (self.title or 'Error', ', '.join(tags))
        if self.detail:
            text += ': %s' % self.detail
        if self.request_id:
            text += ' (Request-ID: %s)' % self.request_id
        return one_line(text, limit=1000)

    @classmethod
    def from_response(cls, response):
        """Build the error from an error response of the API.

        Understands the OpenStack error document ``{"errors": [{status,
        title, detail, code, request_id}]}``; anything else (a proxy's HTML
        page, Keystone's ``{"error": {...}}``) gives what can be read of it.

        :param response: a ``requests.Response``-like object.
        :returns: an :class:`ApiError`.
        """
        status = response.status_code
        title = getattr(response, 'reason', None) or 'Error'
        detail = None
        code = None
        request_id = _header(response, 'x-openstack-request-id')
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
            more = len(doc['errors']) - 1
            if more:
                detail = '%s (and %d more error%s)' % (
                    detail, more, 's' if more > 1 else '')
        elif isinstance(doc, dict) and isinstance(doc.get('error'), dict):
            detail = doc['error'].get('message') or doc['error'].get('title')
        else:
            text = getattr(response, 'text', '') or ''
            if text.strip() and '<' not in text:
                detail = text
        return cls(status, one_line(title, 100),
                   one_line(detail) if detail else None, code, request_id)


def _header(response, name):
    headers = getattr(response, 'headers', None) or {}
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def _quote(ident):
    """A path segment: names may hold spaces and other characters."""
    return parse.quote(str(ident), safe='')


def _query_text(value):
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return str(value)


class Client:
    """HaStack API v1 over a keystoneauth session.

    :param session: a ``keystoneauth1.session.Session`` (its auth plugin
        adds the token to every request).
    :param endpoint: the ``high-availability`` endpoint, with or without
        the trailing ``/v1``.
    :param api_version: the microversion to ask for (``"1.0"``).
    :param timeout: seconds per request, or None for the session's.
    """

    def __init__(self, session, endpoint, api_version=MAX_VERSION,
                 timeout=None):
        if not endpoint:
            raise HastackClientError(
                'No %s endpoint: register HaStack in the Keystone service '
                'catalog or set high_availability_endpoint_override.'
                % SERVICE_TYPE)
        base = endpoint.rstrip('/')
        if not base.endswith('/v1'):
            base += '/v1'
        self.session = session
        self.base_url = base
        self.api_version = api_version
        self.timeout = timeout

    # -- HTTP ---------------------------------------------------------------

    def request(self, method, path, body=None, params=None):
        """Send one request and decode its answer.

        :param method: the HTTP method.
        :param path: the path under ``/v1`` (``/hosts/compute-1``).
        :param body: a JSON-serializable body, or None.
        :param params: query parameters (booleans are sent as
            ``true``/``false``; None values are left out).
        :returns: the decoded JSON document, or None for an empty answer.
        :raises ApiError: the API answered with a status >= 400.
        :raises HastackClientError: the API could not be reached, or its
            answer was not JSON.
        """
        url = self.base_url + path
        if params:
            query = [(k, _query_text(v)) for k, v in params.items()
                     if v is not None]
            if query:
                url += '?' + parse.urlencode(query)
        headers = {'Accept': 'application/json',
                   VERSION_HEADER: '%s %s' % (SERVICE_TYPE,
                                              self.api_version)}
        kwargs = {'headers': headers, 'raise_exc': False}
        if body is not None:
            kwargs['json'] = body
        if self.timeout is not None:
            kwargs['timeout'] = self.timeout
        try:
            response = self.session.request(url, method, **kwargs)
        except ksa_exceptions.ConnectionError as e:
            raise HastackClientError(
                'Unable to reach the HaStack API at %s: %s'
                % (self.base_url, one_line(e)))
        except ksa_exceptions.ClientException as e:
            # NOTE(hastack): keystoneauth's other failures (no token, an
            # expired password) reach the user as one line too.
            raise HastackClientError('%s %s failed: %s'
                                     % (method, url, one_line(e)))
        if response.status_code >= 400:
            raise ApiError.from_response(response)
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise HastackClientError(
                'The HaStack API answered %s %s with something that is not '
                'JSON: %s' % (method, path, one_line(response.text, 200)))

    def get(self, path, params=None):
        """GET ``path``; returns the document."""
        return self.request('GET', path, params=params)

    def post(self, path, body=None):
        """POST ``body`` to ``path``; returns the document."""
        return self.request('POST', path, body=body)

    def put(self, path, body):
        """PUT ``body`` to ``path``; returns the document."""
        return self.request('PUT', path, body=body)

    def patch(self, path, body):
        """PATCH ``path`` with ``body``; returns the document."""
        return self.request('PATCH', path, body=body)

    def delete(self, path):
        """DELETE ``path``."""
        self.request('DELETE', path)

    def list(self, path, key, filters=None, limit=None, marker=None,
             sort_key=None, sort_dir=None):
        """Items of a collection, following ``next`` links.

        :param path: the collection's path (``/hosts``).
        :param key: the list's key in the document (``hosts``).
        :param filters: the collection's filter parameters.
        :param limit: the most items to return; None for all of them.
        :param marker: the id of the item to start after.
        :param sort_key: the column to sort by.
        :param sort_dir: ``asc`` or ``desc``.
        :returns: a list of item documents.
        """
        params = dict(filters or {})
        params.update(marker=marker, sort_key=sort_key, sort_dir=sort_dir,
                      limit=limit)
        items = []
        for _page in range(MAX_PAGES):
            doc = self.get(path, params)
            page = doc.get(key) or []
            items.extend(page)
            if limit is not None and len(items) >= limit:
                return items[:limit]
            link = doc.get('next')
            if not link or not page:
                return items
            # NOTE(hastack): only the link's query is followed, against our
            # own endpoint: the API builds links from its idea of its URL,
            # which behind a proxy may not be the one in the catalog.
            params = dict(parse.parse_qsl(parse.urlsplit(link).query))
            if limit is not None:
                params['limit'] = limit - len(items)
        raise HastackClientError(
            'Listing %s did not end after %d pages.' % (key, MAX_PAGES))

    # -- hosts --------------------------------------------------------------

    def host_list(self, filters=None, **paging):
        """The hosts HaStack watches (``GET /v1/hosts``)."""
        return self.list('/hosts', 'hosts', filters, **paging)

    def host_get(self, host):
        """One host by name or uuid."""
        return self.get('/hosts/%s' % _quote(host))

    def host_create(self, values):
        """Register a host (``POST /v1/hosts``)."""
        return self.post('/hosts', values)

    def host_update(self, host, values):
        """Change a host's HA flag or maintenance."""
        return self.patch('/hosts/%s' % _quote(host), values)

    def host_delete(self, host):
        """Forget a host."""
        self.delete('/hosts/%s' % _quote(host))

    def host_decision(self, host):
        """What HA would do for a host now, and why."""
        return self.get('/hosts/%s/decision' % _quote(host))

    # -- instances ----------------------------------------------------------

    def instance_list(self, filters=None, **paging):
        """Instances and their HA flags (``GET /v1/instances``)."""
        return self.list('/instances', 'instances', filters, **paging)

    def instance_get(self, uuid):
        """One instance by uuid."""
        return self.get('/instances/%s' % _quote(uuid))

    def instance_update(self, uuid, values):
        """Change an instance's HA flag or priority."""
        return self.patch('/instances/%s' % _quote(uuid), values)

    # -- strategies ---------------------------------------------------------

    def strategy_list(self, **paging):
        """The HA strategies (``GET /v1/strategies``)."""
        return self.list('/strategies', 'strategies', None, **paging)

    def strategy_get(self, strategy):
        """One strategy by name or uuid."""
        return self.get('/strategies/%s' % _quote(strategy))

    def strategy_create(self, values):
        """Create a strategy (``POST /v1/strategies``)."""
        return self.post('/strategies', values)

    def strategy_update(self, strategy, values):
        """Change a strategy's name, description or rules."""
        return self.patch('/strategies/%s' % _quote(strategy), values)

    def strategy_delete(self, strategy):
        """Delete a strategy (never the active one)."""
        self.delete('/strategies/%s' % _quote(strategy))

    def strategy_activate(self, strategy):
        """Make a strategy the active one."""
        return self.post('/strategies/%s/activate' % _quote(strategy))

    # -- maintenance, settings, status --------------------------------------

    def maintenance_get(self):
        """The cloud-wide HA maintenance switch."""
        return self.get('/maintenance')

    def maintenance_set(self, on, reason=None):
        """Turn HA maintenance on (True) or off (False)."""
        body = {'ha_maintenance': bool(on)}
        if reason is not None:
            body['reason'] = reason
        return self.put('/maintenance', body)

    def settings_get(self):
        """The run-time settings: ``{key: {value, default, source}}``."""
        return self.get('/settings')['settings']

    def settings_update(self, changes):
        """Change settings; a None value resets one to its default."""
        return self.patch('/settings', changes)['settings']

    def status_get(self):
        """The summary of HA's state."""
        return self.get('/status')

    # -- tasks and events ---------------------------------------------------

    def task_list(self, filters=None, **paging):
        """HA tasks (``GET /v1/tasks``)."""
        return self.list('/tasks', 'tasks', filters, **paging)

    def task_get(self, uuid):
        """One task by uuid."""
        return self.get('/tasks/%s' % _quote(uuid))

    def task_retry(self, uuid):
        """Queue a failed task again."""
        return self.post('/tasks/%s/retry' % _quote(uuid))

    def task_cancel(self, uuid):
        """Cancel a task that has not started."""
        return self.post('/tasks/%s/cancel' % _quote(uuid))

    def event_list(self, filters=None, **paging):
        """Events and alarms (``GET /v1/events``)."""
        return self.list('/events', 'events', filters, **paging)

    def event_get(self, uuid):
        """One event by uuid."""
        return self.get('/events/%s' % _quote(uuid))

    def event_ack(self, uuid):
        """Acknowledge an event."""
        return self.post('/events/%s/ack' % _quote(uuid))
