"""The Settings panel's view: the settings, their defaults, the form."""

from django.urls import reverse
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from horizon import exceptions
from horizon import forms

from hastack_dashboard.api import hastack
from hastack_dashboard.content.admin.ha_settings import forms as s_forms

INDEX_URL = 'horizon:admin:ha_settings:index'


class IndexView(forms.ModalFormView):
    """Every run-time setting with its default and where it comes from."""

    form_class = s_forms.SettingsForm
    template_name = 'hastack_dashboard/admin/ha_settings/index.html'
    page_title = _('HA Settings')
    submit_label = _('Save')
    success_url = reverse_lazy(INDEX_URL)

    def _settings(self):
        if not hasattr(self, '_current'):
            try:
                self._current = hastack.settings_get(self.request)
            except Exception:
                exceptions.handle(self.request,
                                  _('Unable to read the settings.'))
                self._current = {}
        return self._current

    def get_form_kwargs(self):
        """The form is built from the API's settings."""
        kwargs = super().get_form_kwargs()
        kwargs['current'] = self._settings()
        return kwargs

    def get_context_data(self, **kwargs):
        """The settings as a table beside the form."""
        context = super().get_context_data(**kwargs)
        context['settings'] = [
            dict(setting, key=key, label=s_forms.LABELS.get(key, key))
            for key, setting in sorted(self._settings().items())]
        context['submit_url'] = reverse(INDEX_URL)
        return context
