"""The host maintenance form."""

from django.utils.translation import gettext_lazy as _
from horizon import exceptions
from horizon import forms
from horizon import messages

from hastack_dashboard.api import hastack


class MaintenanceForm(forms.SelfHandlingForm):
    """Put one host in maintenance (HA leaves it alone) or take it out."""

    host = forms.CharField(widget=forms.HiddenInput())
    maintenance = forms.BooleanField(
        label=_('In maintenance'), required=False,
        help_text=_('While a host is in maintenance HA never recovers its '
                    'instances.'))
    reason = forms.CharField(label=_('Reason'), max_length=255,
                             required=False)

    def handle(self, request, data):
        """PATCH the host's ``maintenance`` (and its reason).

        :returns: the updated host, or False when the API refused.
        """
        values = {'maintenance': data['maintenance']}
        if data['maintenance']:
            values['maintenance_reason'] = data['reason'] or None
        try:
            host = hastack.host_update(request, data['host'], values)
        except Exception:
            exceptions.handle(request, _('Unable to set the maintenance of '
                                         'host %s.') % data['host'])
            return False
        if data['maintenance']:
            messages.success(request, _('Host %s is in maintenance.')
                             % data['host'])
        else:
            messages.success(request, _('Host %s is out of maintenance.')
                             % data['host'])
        return host
