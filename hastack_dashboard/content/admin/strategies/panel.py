"""The Strategies panel: which plane failures HA recovers."""

from django.utils.translation import gettext_lazy as _

from hastack_dashboard.content import common


class Strategies(common.Panel):
    """HA strategies: the recover grid of each, and the active one."""

    name = _('Strategies')
    slug = 'ha_strategies'
