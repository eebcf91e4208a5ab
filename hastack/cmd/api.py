"""``hastack-api``: the API on a small threaded development server.

Production deployments serve ``hastack.wsgi.api:application`` from uwsgi
or mod_wsgi; this command is for development, tests and the demo.
"""

import socketserver
import sys
from wsgiref import simple_server

from oslo_log import log as logging

from hastack import conf
from hastack import version
from hastack.api import app

CONF = conf.CONF
LOG = logging.getLogger(__name__)


class _ThreadingServer(socketserver.ThreadingMixIn,
                       simple_server.WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(simple_server.WSGIRequestHandler):
    def log_message(self, fmt, *args):
        LOG.info('%s - %s', self.address_string(), fmt % args)


def main(argv=None):
    """Parse the configuration and serve the API until interrupted."""
    logging.register_options(CONF)
    CONF(sys.argv[1:] if argv is None else argv, project='hastack',
         version=version.version_string)
    logging.setup(CONF, 'hastack')
    server = simple_server.make_server(
        CONF.api.host_ip, CONF.api.port, app.setup_app(CONF),
        server_class=_ThreadingServer, handler_class=_QuietHandler)
    LOG.info('hastack-api serving on http://%s:%s/', CONF.api.host_ip,
             server.server_port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
