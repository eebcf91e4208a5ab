"""WSGI entry point of the API: ``hastack.wsgi.api:application``.

Serve it with any WSGI server (uwsgi, mod_wsgi, gunicorn). The config
files are the defaults oslo.config finds (``/etc/hastack/hastack.conf``)
unless ``HASTACK_CONFIG_FILES`` names others, comma separated.
"""

import os
import threading

from oslo_log import log as logging

from hastack import conf
from hastack.api import app

CONF = conf.CONF
LOG = logging.getLogger(__name__)

_lock = threading.Lock()
_application = None


def init_application():
    """Parse the configuration, set up logging and build the app.

    :returns: the API's WSGI application.
    """
    files = [f for f in os.environ.get('HASTACK_CONFIG_FILES', '').split(',')
             if f]
    logging.register_options(CONF)
    # NOTE(hastack): WSGI servers pass their own arguments in sys.argv;
    # they are not ours to parse.
    CONF([], project='hastack', default_config_files=files or None)
    logging.setup(CONF, 'hastack')
    LOG.info('hastack-api starting (auth_strategy=%s)',
             CONF.api.auth_strategy)
    return app.setup_app(CONF)


def __getattr__(name):
    # NOTE(hastack): built on first access, not on import, so that tools
    # and tests can import this module without parsing a configuration.
    global _application
    if name != 'application':
        raise AttributeError(name)
    with _lock:
        if _application is None:
            _application = init_application()
    return _application


