"""Views of the Strategies panel: the list and the grid editor."""

from django.urls import reverse
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from horizon import exceptions
from horizon import forms
from horizon import tables

from hastack_dashboard.api import hastack
from hastack_dashboard.content.admin.strategies import forms as s_forms
from hastack_dashboard.content.admin.strategies import tables as s_tables

INDEX_URL = 'horizon:admin:ha_strategies:index'


class IndexView(tables.DataTableView):
    """Every strategy."""

    table_class = s_tables.StrategiesTable
    template_name = 'horizon/common/_data_table_view.html'
    page_title = _('HA Strategies')

    def get_data(self):
        """The strategies from the API; none (and a message) on failure."""
        try:
            return hastack.strategy_list(self.request)
        except Exception:
            exceptions.handle(self.request,
                              _('Unable to list the strategies.'))
            return []


class CreateView(forms.ModalFormView):
    """A new strategy on the grid, starting from the default table."""

    form_class = s_forms.CreateStrategyForm
    template_name = 'hastack_dashboard/admin/strategies/create.html'
    modal_id = 'create_strategy_modal'
    page_title = _('Create Strategy')
    submit_label = _('Create')
    submit_url = reverse_lazy('horizon:admin:ha_strategies:create')
    success_url = reverse_lazy(INDEX_URL)

    def get_initial(self):
        """The grid of the active strategy (the default table when there
        is none to read)."""
        initial = {}
        try:
            active = [s for s in hastack.strategy_list(self.request)
                      if s.get('active')]
        except Exception:
            exceptions.handle(self.request,
                              _('Unable to read the active strategy.'))
            active = []
        if active:
            initial.update(s_forms.initial_from_rules(active[0]['rules']))
        return initial


class UpdateView(forms.ModalFormView):
    """One strategy's grid, name and description."""

    form_class = s_forms.UpdateStrategyForm
    template_name = 'hastack_dashboard/admin/strategies/update.html'
    modal_id = 'update_strategy_modal'
    page_title = _('Edit Strategy')
    submit_label = _('Save')
    success_url = reverse_lazy(INDEX_URL)

    def _strategy(self):
        if not hasattr(self, '_object'):
            try:
                self._object = hastack.strategy_get(
                    self.request, self.kwargs['strategy'])
            except Exception:
                exceptions.handle(self.request,
                                  _('Unable to read the strategy.'),
                                  redirect=reverse(INDEX_URL))
        return self._object

    def get_initial(self):
        """The strategy as it is."""
        strategy = self._strategy()
        initial = {'uuid': strategy['uuid'], 'name': strategy['name'],
                   'description': strategy.get('description') or '',
                   'activate': strategy.get('active', False)}
        initial.update(s_forms.initial_from_rules(strategy['rules']))
        return initial

    def get_context_data(self, **kwargs):
        """The form posts back to this strategy's URL."""
        context = super().get_context_data(**kwargs)
        context['submit_url'] = reverse(
            'horizon:admin:ha_strategies:update',
            args=[self.kwargs['strategy']])
        context['strategy'] = self._strategy()
        return context
