"""Django settings of the Horizon that tests/functional/dashboard serves.

Horizon's own test settings (every default, no local_settings file) with
the HaStack panels enabled, a real Keystone (``HASTACK_E2E_KEYSTONE_URL``)
and every file Horizon writes under ``HASTACK_E2E_STATE``.
"""

# ruff: noqa: F403, F405
import os

from openstack_dashboard import theme_settings
import openstack_dashboard.enabled
from openstack_dashboard.test.settings import *
from openstack_dashboard.utils import settings as settings_utils

import hastack_dashboard.enabled

_STATE = os.environ['HASTACK_E2E_STATE']

DEBUG = True
ALLOWED_HOSTS = ['127.0.0.1', 'localhost']
SECRET_KEY = os.environ['HASTACK_E2E_SECRET']
ROOT_URLCONF = 'openstack_dashboard.urls'

OPENSTACK_KEYSTONE_URL = os.environ['HASTACK_E2E_KEYSTONE_URL']
AVAILABLE_REGIONS = []
OPENSTACK_KEYSTONE_MULTIDOMAIN_SUPPORT = False
OPENSTACK_KEYSTONE_DEFAULT_DOMAIN = 'Default'
OPENSTACK_ENDPOINT_TYPE = 'publicURL'
WEBSSO_ENABLED = False

# NOTE(hastack): the session holds the token and its catalog, more than a
# cookie may carry; one server process keeps them in its memory, in a cache
# of their own: django-compressor fills the default one with hundreds of
# entries, and culling it would log users out.
SESSION_ENGINE = 'django.contrib.sessions.backends.cache'
AUTH_USER_MODEL = 'openstack_auth.User'
SESSION_CACHE_ALIAS = 'sessions'
CACHES = {
    'default': {'BACKEND': 'django.core.cache.backends.locmem.LocMemCache',
                'LOCATION': 'horizon'},
    'sessions': {'BACKEND': 'django.core.cache.backends.locmem.LocMemCache',
                 'LOCATION': 'sessions'},
}
MESSAGE_STORAGE = 'django.contrib.messages.storage.fallback.FallbackStorage'

STATIC_ROOT = os.path.join(_STATE, 'static')
MEDIA_ROOT = os.path.join(_STATE, 'media')
COMPRESS_ROOT = STATIC_ROOT
# Horizon's theme is SCSS: compiled (libsass) on the first page, then cached.
COMPRESS_ENABLED = True
# The themes' SCSS, as Horizon's production settings serve it.
STATICFILES_DIRS = list(theme_settings.get_theme_static_dirs(
    AVAILABLE_THEMES, THEME_COLLECTION_DIR, ROOT_PATH)) + list(
        STATICFILES_DIRS)
COMPRESS_OFFLINE = False
COMPRESS_PRECOMPILERS = (
    ('text/scss', 'horizon.utils.scss_filter.ScssFilter'),
)
COMPRESS_FILTERS = {
    'css': ('compressor.filters.css_default.CssAbsoluteFilter',),
    'js': ('compressor.filters.jsmin.rJSMinFilter',),
}

HORIZON_CONFIG.pop('dashboards', None)
HORIZON_CONFIG.pop('default_dashboard', None)
HORIZON_CONFIG['angular_modules'] = []
HORIZON_CONFIG['js_files'] = []
HORIZON_CONFIG['js_spec_files'] = []
HORIZON_CONFIG['scss_files'] = []
HORIZON_CONFIG['xstatic_modules'] = []
HORIZON_CONFIG['external_templates'] = []
INSTALLED_APPS = [app for app in INSTALLED_APPS
                  if not app.startswith('openstack_dashboard.dashboards')]
settings_utils.update_dashboards(
    [openstack_dashboard.enabled, hastack_dashboard.enabled],
    HORIZON_CONFIG, INSTALLED_APPS)
INSTALLED_APPS = list(dict.fromkeys(INSTALLED_APPS))
settings_utils.find_static_files(HORIZON_CONFIG, AVAILABLE_THEMES,
                                 THEME_COLLECTION_DIR, ROOT_PATH)

TEST_GLOBAL_MOCKS_ON_PANELS = {}

LOGGING = {
    'version': 1,
    'disable_existing_loggers': False,
    'handlers': {'file': {'class': 'logging.FileHandler',
                          'filename': os.path.join(_STATE, 'horizon.log')}},
    'root': {'handlers': ['file'], 'level': 'INFO'},
}
