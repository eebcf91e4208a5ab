"""The OpenStack error document, and turning failures into it.

Every error response of the API, whoever produced it (our controllers,
pecan's router, keystonemiddleware), has the body::

    {"errors": [{"status": 404, "title": "Not Found", "detail": "...",
                 "code": "hastack.host.not_found", "request_id": "req-..."}]}
"""

import http
import json

from oslo_log import log as logging
from oslo_middleware import request_id as request_id_mw
import webob

from hastack.common import exception

LOG = logging.getLogger(__name__)

# Codes for errors that do not come from a HastackException.
_GENERIC_CODES = {
    400: 'hastack.invalid',
    401: 'hastack.unauthorized',
    403: 'hastack.forbidden',
    404: 'hastack.not_found',
    405: 'hastack.method_not_allowed',
    406: 'hastack.not_acceptable',
    409: 'hastack.conflict',
    415: 'hastack.unsupported_media_type',
}


def document(status, detail, code=None, request_id=None):
    """The error document for one error."""
    status = int(status)
    try:
        title = http.HTTPStatus(status).phrase
    except ValueError:
        title = 'Error'
    return {'errors': [{
        'status': status,
        'title': title,
        'detail': detail,
        'code': code or _GENERIC_CODES.get(status, 'hastack.error'),
        'request_id': request_id,
    }]}


def response(status, detail, code=None, environ=None, headers=None):
    """A webob response carrying the error document."""
    request_id = (environ or {}).get(request_id_mw.ENV_REQUEST_ID)
    resp = webob.Response(status=int(status),
                          content_type='application/json', charset='UTF-8')
    resp.text = json.dumps(document(status, detail, code, request_id))
    for name, value in headers or ():
        resp.headers[name] = value
    return resp


def from_exception(exc, environ):
    """The error response for an exception raised while serving a request.

    Our own exceptions keep their status, code and message; anything else
    is a 500 whose detail says nothing of the internals (it is logged).
    """
    if isinstance(exc, exception.HastackException):
        return response(exc.status, exc.message, exc.code, environ,
                        exc.headers)
    if isinstance(exc, webob.exc.HTTPException):
        return response(exc.code, exc.detail or exc.explanation,
                        environ=environ)
    LOG.exception('Unexpected error serving %s %s',
                  environ.get('REQUEST_METHOD'), environ.get('PATH_INFO'))
    return response(500, 'An unexpected error occurred; the operator can '
                         'find it in the API log by its request id.',
                    environ=environ)


class ErrorDocumentMiddleware:
    """Rewrites any non-JSON error response into the error document.

    It catches what our controllers never see: pecan's 404 and 405,
    keystonemiddleware's 401, and crashes in other middleware.
    """

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        captured = {}

        def capture(status, headers, exc_info=None):
            captured['status'] = status
            captured['headers'] = headers
            return lambda data: None

        try:
            body = b''.join(self.app(environ, capture))
        except Exception as e:  # noqa: BLE001 - the last line of defence
            return from_exception(e, environ)(environ, start_response)
        status = int(captured['status'].split(' ', 1)[0])
        headers = captured['headers']
        content_type = next((v for k, v in headers
                             if k.lower() == 'content-type'), '')
        if status >= 400 and not _is_error_document(body, content_type):
            keep = [(k, v) for k, v in headers
                    if k.lower() in ('www-authenticate', 'allow',
                                     'openstack-api-version', 'vary',
                                     'x-openstack-request-id')]
            detail = _detail_of(body, status)
            return response(status, detail, environ=environ,
                            headers=keep)(environ, start_response)
        start_response(captured['status'], headers)
        return [body]


def _is_error_document(body, content_type):
    if 'json' not in content_type:
        return False
    try:
        return 'errors' in json.loads(body)
    except ValueError:
        return False


def _detail_of(body, status):
    """A one-line detail from another component's error body."""
    text = body.decode('utf-8', 'replace')
    try:
        doc = json.loads(text)
    except ValueError:
        doc = None
    if isinstance(doc, dict):
        inner = doc.get('error') or doc
        if isinstance(inner, dict):
            for key in ('message', 'detail', 'title'):
                if inner.get(key):
                    return str(inner[key])
    if '<' in text or not text.strip():
        return http.HTTPStatus(status).description
    return ' '.join(text.split())[:500]
