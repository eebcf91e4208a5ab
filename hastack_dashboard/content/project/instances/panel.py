"""The HA Instances panel: the project's instances and their HA flag."""

from django.utils.translation import gettext_lazy as _

from hastack_dashboard.content import common


class Instances(common.Panel):
    """Which of the project's instances HA protects."""

    name = _('HA Instances')
    slug = 'ha_instances'
