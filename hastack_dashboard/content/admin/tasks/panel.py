"""The Tasks panel: every HA action and its fencing proof."""

from django.utils.translation import gettext_lazy as _

from hastack_dashboard.content import common


class Tasks(common.Panel):
    """HA tasks, with retry and cancel."""

    name = _('Tasks')
    slug = 'ha_tasks'
