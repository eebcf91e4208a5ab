"""The Maintenance panel: the cloud-wide HA maintenance switch."""

from django.utils.translation import gettext_lazy as _

from hastack_dashboard.content import common


class Maintenance(common.Panel):
    """Switch HA off (maintenance on) and on again."""

    name = _('Maintenance')
    slug = 'ha_maintenance'
