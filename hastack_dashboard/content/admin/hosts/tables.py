"""The hosts table: planes, state, flags, and the actions on a host."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from horizon import tables

from hastack_dashboard.api import hastack
from hastack_dashboard.content import common


def _plane(plane):
    def status(host):
        """The host's status on ``plane``: up, down or unknown."""
        return (host.get('planes') or {}).get(plane, {}).get('status')
    return status


def _maintenance(host):
    if not host.get('maintenance'):
        return _('No')
    reason = host.get('maintenance_reason')
    return _('Yes: %s') % reason if reason else _('Yes')


class EnableHostHA(tables.BatchAction):
    """Let HA recover the hosts' instances again."""

    name = 'enable_ha'

    @staticmethod
    def action_present(count):
        """The button's label."""
        return ngettext_lazy('Enable HA', 'Enable HA', count)

    @staticmethod
    def action_past(count):
        """The message once done."""
        return ngettext_lazy('Enabled HA on host', 'Enabled HA on hosts',
                             count)

    def allowed(self, request, host=None):
        """Only for a host whose HA is off (any host in the table bar)."""
        return host is None or not host.get('ha_enabled')

    def action(self, request, obj_id):
        """PATCH the host's ``ha_enabled``."""
        hastack.host_update(request, obj_id, {'ha_enabled': True})


class DisableHostHA(tables.BatchAction):
    """Never recover the hosts' instances (the host is still watched)."""

    name = 'disable_ha'
    action_type = 'danger'

    @staticmethod
    def action_present(count):
        """The button's label."""
        return ngettext_lazy('Disable HA', 'Disable HA', count)

    @staticmethod
    def action_past(count):
        """The message once done."""
        return ngettext_lazy('Disabled HA on host', 'Disabled HA on hosts',
                             count)

    def allowed(self, request, host=None):
        """Only for a host whose HA is on (any host in the table bar)."""
        return host is None or host.get('ha_enabled')

    def action(self, request, obj_id):
        """PATCH the host's ``ha_enabled``."""
        hastack.host_update(request, obj_id, {'ha_enabled': False})


class HostMaintenance(tables.LinkAction):
    """Put a host in maintenance (or out of it), with a reason."""

    name = 'maintenance'
    verbose_name = _('Set Maintenance')
    url = 'horizon:admin:ha_hosts:maintenance'
    classes = ('ajax-modal',)
    icon = 'wrench'


class ShowDecision(tables.LinkAction):
    """What HA would do for the host now, and why."""

    name = 'decision'
    verbose_name = _('Show Decision')
    url = 'horizon:admin:ha_hosts:detail'


class HostsTable(tables.DataTable):
    """Hosts with each plane's status."""

    name = tables.WrappingColumn('name', verbose_name=_('Host'),
                                 link='horizon:admin:ha_hosts:detail')
    state = tables.Column('state', verbose_name=_('State'), status=True,
                          status_choices=common.HOST_STATE_STATUS)
    state_since = tables.Column('state_since', verbose_name=_('Since'),
                                filters=(common.iso_time,))
    mgmt = tables.Column(_plane('mgmt'), verbose_name=_('Management'),
                         status=True, status_choices=common.PLANE_STATUS)
    service = tables.Column(_plane('service'), verbose_name=_('Service'),
                            status=True, status_choices=common.PLANE_STATUS)
    storage = tables.Column(_plane('storage'), verbose_name=_('Storage'),
                            status=True, status_choices=common.PLANE_STATUS)
    ha_enabled = tables.Column('ha_enabled', verbose_name=_('HA'),
                               filters=(common.yes_no,))
    maintenance = tables.Column(_maintenance, verbose_name=_('Maintenance'))

    def get_object_id(self, datum):
        """Hosts are addressed by name (the API takes name or uuid)."""
        return datum['name']

    def get_object_display(self, datum):
        """The host's name."""
        return datum['name']

    class Meta:
        name = 'hosts'
        verbose_name = _('Hosts')
        table_actions = (EnableHostHA, DisableHostHA)
        row_actions = (ShowDecision, HostMaintenance, EnableHostHA,
                       DisableHostHA)
