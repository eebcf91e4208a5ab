"""The Maintenance panel's view: the switch, who set it, and the form."""

from django.urls import reverse
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from horizon import exceptions
from horizon import forms

from hastack_dashboard.api import hastack
from hastack_dashboard.content import common
from hastack_dashboard.content.admin.maintenance import forms as m_forms

INDEX_URL = 'horizon:admin:ha_maintenance:index'


class IndexView(forms.ModalFormView):
    """The switch as it is, and the form that changes it."""

    form_class = m_forms.MaintenanceForm
    template_name = 'hastack_dashboard/admin/maintenance/index.html'
    page_title = _('HA Maintenance')
    submit_label = _('Save')
    submit_url = reverse_lazy(INDEX_URL)
    success_url = reverse_lazy(INDEX_URL)

    def _status(self):
        if not hasattr(self, '_maintenance'):
            try:
                self._maintenance = hastack.maintenance_get(self.request)
            except Exception:
                exceptions.handle(self.request,
                                  _('Unable to read HA maintenance.'))
                self._maintenance = None
        return self._maintenance

    def get_initial(self):
        """The switch's current position and reason."""
        status = self._status() or {}
        return {'ha_maintenance': bool(status.get('ha_maintenance')),
                'reason': status.get('reason') or ''}

    def get_context_data(self, **kwargs):
        """The switch document, its time made readable."""
        context = super().get_context_data(**kwargs)
        status = self._status()
        if status is not None:
            status = dict(status,
                          updated_at=common.iso_time(status['updated_at']))
        context['maintenance'] = status
        context['submit_url'] = reverse(INDEX_URL)
        return context
