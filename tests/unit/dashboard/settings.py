"""Django settings of the dashboard tests: Horizon's test settings, with
the HaStack panels enabled from hastack_dashboard/enabled."""

# ruff: noqa: F403, F405
import openstack_dashboard.enabled
from openstack_dashboard.test.settings import *
from openstack_dashboard.utils import settings as settings_utils

import hastack_dashboard.enabled

# NOTE(hastack): the tests run under stestr, not Django's runner, so the
# test database is named here: an in-memory SQLite the sessions never use
# (they are signed cookies), but django.test.TestCase opens it.
DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3',
                         'NAME': ':memory:'}}

HORIZON_CONFIG.pop('dashboards', None)
HORIZON_CONFIG.pop('default_dashboard', None)
settings_utils.update_dashboards(
    [openstack_dashboard.enabled, hastack_dashboard.enabled],
    HORIZON_CONFIG, INSTALLED_APPS)
# Keep the first of any app listed twice, in order.
INSTALLED_APPS = list(dict.fromkeys(INSTALLED_APPS))

# NOTE(hastack): Horizon's test LOGGING stops some libraries' loggers
# (oslo_policy, stevedore, keystoneclient, ...) from propagating, and
# HaStack's other tests in the same process capture those. Only Horizon's
# own loggers are quieted here (their messages about failed actions are
# what the tests provoke).
LOGGING = {
    'version': 1,
    'disable_existing_loggers': False,
    'handlers': {'null': {'class': 'logging.NullHandler'}},
    'loggers': {name: {'handlers': ['null'], 'propagate': False}
                for name in ('horizon', 'openstack_dashboard',
                             'openstack_auth', 'hastack_dashboard')},
}
