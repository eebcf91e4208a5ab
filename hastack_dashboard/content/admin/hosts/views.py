"""Views of the Hosts panel: the list, one host's decision, maintenance."""

from django.urls import reverse
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from horizon import exceptions
from horizon import forms
from horizon import tables
from horizon import views

from hastack_dashboard.api import hastack
from hastack_dashboard.content import common
from hastack_dashboard.content.admin.hosts import forms as host_forms
from hastack_dashboard.content.admin.hosts import tables as host_tables

INDEX_URL = 'horizon:admin:ha_hosts:index'


class IndexView(tables.DataTableView):
    """Every host with its planes."""

    table_class = host_tables.HostsTable
    template_name = 'horizon/common/_data_table_view.html'
    page_title = _('HA Hosts')

    def get_data(self):
        """The hosts from the API; none (and a message) when it fails."""
        try:
            return hastack.host_list(self.request)
        except Exception:
            exceptions.handle(self.request, _('Unable to list the hosts.'))
            return []


class DetailView(views.HorizonTemplateView):
    """One host: planes, state, flags, and what HA would do now."""

    template_name = 'hastack_dashboard/admin/hosts/detail.html'
    page_title = _('Host {{ host.name }}')

    def get_context_data(self, **kwargs):
        """The host and its decision (``GET /v1/hosts/{h}/decision``)."""
        context = super().get_context_data(**kwargs)
        name = self.kwargs['host']
        try:
            host = hastack.host_get(self.request, name)
            decision = hastack.host_decision(self.request, name)
        except Exception:
            exceptions.handle(self.request,
                              _('Unable to read host %s.') % name,
                              redirect=reverse(INDEX_URL))
        context['host'] = host
        context['planes'] = [
            {'name': plane, 'status': host['planes'][plane]['status'],
             'last_seen': common.iso_time(
                 host['planes'][plane]['last_seen'])}
            for plane in ('mgmt', 'service', 'storage')]
        context['decision'] = decision
        context['evaluated_at'] = common.iso_time(
            decision.get('evaluated_at'))
        context['recover_at'] = common.iso_time(decision.get('recover_at'))
        return context


class MaintenanceView(forms.ModalFormView):
    """The maintenance form of one host."""

    form_class = host_forms.MaintenanceForm
    template_name = 'hastack_dashboard/admin/hosts/maintenance.html'
    modal_id = 'host_maintenance_modal'
    page_title = _('Host Maintenance')
    submit_label = _('Save')
    success_url = reverse_lazy(INDEX_URL)

    def get_context_data(self, **kwargs):
        """The form, posting to this host's URL."""
        context = super().get_context_data(**kwargs)
        context['submit_url'] = reverse('horizon:admin:ha_hosts:maintenance',
                                        args=[self.kwargs['host']])
        context['host_name'] = self.kwargs['host']
        return context

    def get_initial(self):
        """The host's current maintenance and reason (a submitted form
        carries its own values: the host is not read again)."""
        name = self.kwargs['host']
        if self.request.method == 'POST':
            return {'host': name}
        try:
            host = hastack.host_get(self.request, name)
        except Exception:
            exceptions.handle(self.request,
                              _('Unable to read host %s.') % name,
                              redirect=reverse(INDEX_URL))
        return {'host': name, 'maintenance': host['maintenance'],
                'reason': host.get('maintenance_reason') or ''}
