"""The Hosts panel: every compute host HaStack watches."""

from django.utils.translation import gettext_lazy as _

from hastack_dashboard.content import common


class Hosts(common.Panel):
    """Hosts with each plane's status, their state and HA decision."""

    name = _('Hosts')
    slug = 'ha_hosts'
