"""Unit tests of the Horizon plugin (hastack_dashboard) with Django's test
client; the HaStack API client is mocked at its boundary.

Importing this package configures Django with tests.unit.dashboard.settings
(Horizon's own test settings plus the HaStack panels) once per process.
"""

import os

os.environ.setdefault('DJANGO_SETTINGS_MODULE',
                      'tests.unit.dashboard.settings')

import django  # noqa: E402
from django.test import utils as django_test_utils  # noqa: E402

django.setup()
try:
    django_test_utils.setup_test_environment()
except RuntimeError:
    # Already set up in this process (another test package did).
    pass
