"""Keystone's WSGI application for gunicorn, in the Keystone venv.

``fixture.py`` serves it with ``gunicorn keystone_wsgi:application`` from
the venv ``tools/setup-keystone-venv.sh`` makes; HaStack's own processes
never import it. The configuration file comes from
``OS_KEYSTONE_CONFIG_FILES``.
"""

import sys

# NOTE(hastack): keystone's oslo.config parses sys.argv when the app is
# built; under gunicorn that is gunicorn's command line, which keystone
# refuses. The app must see no arguments.
sys.argv = sys.argv[:1]

from keystone.wsgi import api  # noqa: E402

application = api.application
