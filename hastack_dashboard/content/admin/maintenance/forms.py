"""The HA maintenance form."""

from django.utils.translation import gettext_lazy as _
from horizon import exceptions
from horizon import forms
from horizon import messages

from hastack_dashboard.api import hastack


class MaintenanceForm(forms.SelfHandlingForm):
    """Turn ``ha_maintenance`` on (HA recovers nothing) or off."""

    ha_maintenance = forms.BooleanField(
        label=_('HA maintenance'), required=False,
        help_text=_('On: HaStack recovers nothing and lets every host keep '
                    'its instances (fencing events are answered '
                    '"no-fence").'))
    reason = forms.CharField(label=_('Reason'), max_length=255,
                             required=False)

    def handle(self, request, data):
        """PUT /v1/maintenance.

        :returns: the new switch document, or False when the API refused.
        """
        try:
            status = hastack.maintenance_set(request, data['ha_maintenance'],
                                             data['reason'] or None)
        except Exception:
            exceptions.handle(request,
                              _('Unable to change HA maintenance.'))
            return False
        if status['ha_maintenance']:
            messages.warning(request, _('HA maintenance is on: HaStack '
                                        'recovers nothing.'))
        else:
            messages.success(request, _('HA maintenance is off: HaStack '
                                        'recovers failed hosts again.'))
        return status
