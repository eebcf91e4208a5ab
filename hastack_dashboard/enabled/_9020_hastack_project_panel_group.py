"""The "High Availability" panel group of the Project dashboard."""

from django.utils.translation import gettext_lazy as _

PANEL_GROUP = 'hastack'
PANEL_GROUP_NAME = _('High Availability')
PANEL_GROUP_DASHBOARD = 'project'
