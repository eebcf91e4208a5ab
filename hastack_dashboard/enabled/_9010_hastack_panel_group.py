"""The "High Availability" panel group of the Admin dashboard."""

from django.utils.translation import gettext_lazy as _

from hastack_dashboard.api import exceptions

PANEL_GROUP = 'hastack'
PANEL_GROUP_NAME = _('High Availability')
PANEL_GROUP_DASHBOARD = 'admin'

ADD_INSTALLED_APPS = ['hastack_dashboard']

# A token HaStack refuses logs the user out like any other service's; the
# other API errors become messages on the page.
ADD_EXCEPTIONS = {
    'recoverable': (exceptions.HastackError,),
    'not_found': (exceptions.NotFound,),
    'unauthorized': (exceptions.Unauthorized,),
}
