"""The run-time settings form, built from the settings the API has."""

from django.utils.translation import gettext_lazy as _
from horizon import exceptions
from horizon import forms
from horizon import messages

from hastack_dashboard.api import hastack

# Labels of the settings HaStack has today; a setting the API adds later
# is shown under its own name.
LABELS = {
    'global_rate_limit': _('Global rate limit'),
    'host_rate_limit': _('Per-host rate limit'),
    'max_retries': _('Retries of a failed task'),
    'grace_period': _('Grace period (seconds)'),
    'self_defense_ratio': _('Self-defense ratio'),
    'self_recovery_ratio': _('Self-recovery ratio'),
}

RESET_PREFIX = 'reset_'


class SettingsForm(forms.SelfHandlingForm):
    """One field per setting, and a "reset" box for each.

    :param current: the API's settings, ``{key: {value, default,
        source}}``.
    """

    def __init__(self, request, *args, **kwargs):
        self.current = kwargs.pop('current', None) or {}
        super().__init__(request, *args, **kwargs)
        for key, setting in sorted(self.current.items()):
            field_class = (forms.FloatField
                           if isinstance(setting['default'], float)
                           else forms.IntegerField)
            self.fields[key] = field_class(
                label=LABELS.get(key, key), required=True,
                initial=setting['value'],
                help_text=_('Default %(default)s; the value now comes from '
                            'the %(source)s.') % {
                    'default': setting['default'],
                    'source': (_('run-time settings')
                               if setting['source'] == 'runtime'
                               else _('configuration file'))})
            self.fields[RESET_PREFIX + key] = forms.BooleanField(
                label=_('Reset %s to its default') % LABELS.get(key, key),
                required=False)

    def changes(self):
        """What to send: changed values, and None for each reset.

        :returns: ``{key: value or None}``, empty when nothing changed.
        """
        result = {}
        for key, setting in self.current.items():
            if self.cleaned_data.get(RESET_PREFIX + key):
                if setting['source'] == 'runtime':
                    result[key] = None
            elif self.cleaned_data.get(key) != setting['value']:
                result[key] = self.cleaned_data[key]
        return result

    def handle(self, request, data):
        """PATCH /v1/settings with what changed.

        :returns: the new settings, True when nothing changed, or False
            when the API refused.
        """
        changes = self.changes()
        if not changes:
            messages.info(request, _('No setting changed.'))
            return True
        try:
            result = hastack.settings_update(request, changes)
        except Exception:
            exceptions.handle(request, _('Unable to change the settings.'))
            return False
        messages.success(request, _('Changed: %s.')
                         % ', '.join(sorted(changes)))
        return result
