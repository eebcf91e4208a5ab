"""The API's WSGI application: the pecan app inside its middleware."""

from keystonemiddleware import auth_token
from oslo_log import log as logging
from oslo_middleware import cors
from oslo_middleware import healthcheck
from oslo_middleware import http_proxy_to_wsgi
from oslo_middleware import request_id
import pecan

from hastack import conf
from hastack.api import errors
from hastack.api import hooks
from hastack.api.middleware import noauth
from hastack.conf import opts

CONF = conf.CONF
LOG = logging.getLogger(__name__)

# Paths that answer without a token: version discovery lets clients find
# the API before they authenticate, as every OpenStack service allows.
_PUBLIC_PATHS = ('', '/', '/v1', '/v1/', '/v1/openapi.json')


def _pecan_app():
    return pecan.make_app(
        'hastack.api.controllers.root.RootController',
        hooks=[hooks.JsonBodyHook(), hooks.ContextHook(),
               hooks.MicroversionHook(), hooks.ErrorHook()],
        force_canonical=False,
        guess_content_type_from_ext=False,
        # Our ErrorHook renders errors; pecan must not replace them with
        # its HTML error pages.
        debug=False)


class _HealthcheckDispatch:
    """Sends ``/healthcheck`` to oslo.middleware's healthcheck app.

    Newer oslo.middleware serves the healthcheck as an application of its
    own that answers every path, so the dispatch by path is ours.
    """

    PATH = '/healthcheck'

    def __init__(self, app, healthcheck_app):
        self.app = app
        self.healthcheck_app = healthcheck_app

    def __call__(self, environ, start_response):
        if environ.get('PATH_INFO', '').rstrip('/') == self.PATH:
            return self.healthcheck_app(environ, start_response)
        return self.app(environ, start_response)


class _PublicPathsAuth:
    """Runs ``auth_app`` for every path but version discovery."""

    def __init__(self, app, auth_app):
        self.app = app
        self.auth_app = auth_app

    def __call__(self, environ, start_response):
        if environ.get('PATH_INFO', '') in _PUBLIC_PATHS:
            return self.app(environ, start_response)
        return self.auth_app(environ, start_response)


def _auth(app, conf):
    if conf.api.auth_strategy == 'noauth':
        LOG.warning('The API runs with auth_strategy = noauth: it trusts '
                    'the X-Roles and X-Project-Id headers of every caller. '
                    'This is insecure and meant for development only.')
        return noauth.NoAuthMiddleware(app)
    authed = auth_token.AuthProtocol(app, {'oslo_config_config': conf})
    return _PublicPathsAuth(app, authed)


def setup_app(conf=CONF):
    """Build the API's WSGI application, outermost middleware first:

    request id, error document, healthcheck, proxy headers, CORS, auth,
    the pecan app.

    :param conf: the parsed ConfigOpts.
    :returns: a WSGI application.
    """
    opts.set_defaults()
    app = _pecan_app()
    app = _auth(app, conf)
    app = cors.CORS(app, conf)
    app = http_proxy_to_wsgi.HTTPProxyToWSGI(app, conf)
    # NOTE(hastack): outside auth, so load balancers can probe the API
    # without a token. With [healthcheck] detailed = false it says only
    # whether the process serves.
    app = _HealthcheckDispatch(app, healthcheck.Healthcheck(None, conf))
    app = errors.ErrorDocumentMiddleware(app)
    app = request_id.RequestId(app)
    return app
