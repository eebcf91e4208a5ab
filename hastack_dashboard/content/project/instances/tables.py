"""The project's instances with their HA flag, and the HA toggle."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from horizon import tables

from hastack_dashboard.api import hastack
from hastack_dashboard.content import common


def _instance_link(instance):
    return reverse('horizon:project:instances:detail',
                   args=[instance['uuid']])


class EnableInstanceHA(tables.BatchAction):
    """HA recovers the instance when its host fails."""

    name = 'enable_ha'
    icon = 'shield'

    @staticmethod
    def action_present(count):
        """The button's label."""
        return ngettext_lazy('Enable HA', 'Enable HA', count)

    @staticmethod
    def action_past(count):
        """The message once done."""
        return ngettext_lazy('Enabled HA for instance',
                             'Enabled HA for instances', count)

    def allowed(self, request, instance=None):
        """Only instances HA does not protect (any in the table bar)."""
        return instance is None or not instance.get('ha_enabled')

    def action(self, request, obj_id):
        """PATCH /v1/instances/{uuid} (HaStack also sets Nova's
        ``HA_Enabled`` metadata)."""
        hastack.instance_update(request, obj_id, {'ha_enabled': True})


class DisableInstanceHA(tables.BatchAction):
    """HA leaves the instance alone when its host fails."""

    name = 'disable_ha'
    action_type = 'danger'

    @staticmethod
    def action_present(count):
        """The button's label."""
        return ngettext_lazy('Disable HA', 'Disable HA', count)

    @staticmethod
    def action_past(count):
        """The message once done."""
        return ngettext_lazy('Disabled HA for instance',
                             'Disabled HA for instances', count)

    def allowed(self, request, instance=None):
        """Only instances HA protects (any in the table bar)."""
        return instance is None or instance.get('ha_enabled')

    def action(self, request, obj_id):
        """PATCH /v1/instances/{uuid}."""
        hastack.instance_update(request, obj_id, {'ha_enabled': False})


class InstanceFilter(tables.FilterAction):
    """Filter the page by name or uuid."""

    def filter(self, table, instances, filter_string):
        """The instances whose name or uuid holds ``filter_string``."""
        text = filter_string.lower()
        return [i for i in instances
                if text in (i.get('name') or '').lower() or
                text in i['uuid']]


class InstancesTable(tables.DataTable):
    """The project's instances as HaStack knows them."""

    name = tables.WrappingColumn(
        lambda i: i.get('name') or i['uuid'], verbose_name=_('Instance'),
        link=_instance_link)
    ha_enabled = tables.Column('ha_enabled', verbose_name=_('HA'),
                               filters=(common.yes_no,))
    priority = tables.Column('priority', verbose_name=_('Priority'))
    host = tables.Column('host', verbose_name=_('Host'))
    status = tables.Column('status', verbose_name=_('Status'))

    def get_object_id(self, datum):
        """Instances are addressed by uuid."""
        return datum['uuid']

    def get_object_display(self, datum):
        """The instance's name, or its uuid."""
        return datum.get('name') or datum['uuid']

    class Meta:
        name = 'instances'
        verbose_name = _('HA Instances')
        table_actions = (InstanceFilter, EnableInstanceHA, DisableInstanceHA)
        row_actions = (EnableInstanceHA, DisableInstanceHA)
