"""The Events panel: HA events and alarms."""

from django.utils.translation import gettext_lazy as _

from hastack_dashboard.content import common


class Events(common.Panel):
    """HA events, with acknowledgement."""

    name = _('Events')
    slug = 'ha_events'
