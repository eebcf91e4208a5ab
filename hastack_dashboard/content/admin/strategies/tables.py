"""The strategies table: the grid at a glance, activate, edit, delete."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from horizon import tables

from hastack_dashboard.api import hastack
from hastack_dashboard.content import common


def _recovered(strategy):
    rules = strategy.get('rules') or []
    count = sum(1 for rule in rules if rule.get('recover'))
    return _('%(count)d of %(total)d vectors') % {'count': count,
                                                   'total': len(rules)}


class CreateStrategy(tables.LinkAction):
    """A new strategy, edited on the recover grid."""

    name = 'create'
    verbose_name = _('Create Strategy')
    url = 'horizon:admin:ha_strategies:create'
    classes = ('ajax-modal',)
    icon = 'plus'


class EditStrategy(tables.LinkAction):
    """The strategy's grid, name and description."""

    name = 'edit'
    verbose_name = _('Edit Strategy')
    url = 'horizon:admin:ha_strategies:update'
    classes = ('ajax-modal',)
    icon = 'pencil'


class ActivateStrategy(tables.BatchAction):
    """Make the strategy the one HA decides with."""

    name = 'activate'
    icon = 'check'

    @staticmethod
    def action_present(count):
        """The button's label."""
        return ngettext_lazy('Activate Strategy', 'Activate Strategies',
                             count)

    @staticmethod
    def action_past(count):
        """The message once done."""
        return ngettext_lazy('Activated Strategy', 'Activated Strategies',
                             count)

    def allowed(self, request, strategy=None):
        """Only a strategy that is not active."""
        return strategy is not None and not strategy.get('active')

    def action(self, request, obj_id):
        """POST /v1/strategies/{uuid}/activate."""
        hastack.strategy_activate(request, obj_id)


class DeleteStrategy(tables.DeleteAction):
    """Delete strategies that are not active."""

    @staticmethod
    def action_present(count):
        """The button's label."""
        return ngettext_lazy('Delete Strategy', 'Delete Strategies', count)

    @staticmethod
    def action_past(count):
        """The message once done."""
        return ngettext_lazy('Deleted Strategy', 'Deleted Strategies',
                             count)

    def allowed(self, request, strategy=None):
        """Never the active strategy (the API refuses it too)."""
        return strategy is None or not strategy.get('active')

    def delete(self, request, obj_id):
        """DELETE /v1/strategies/{uuid}."""
        hastack.strategy_delete(request, obj_id)


class StrategiesTable(tables.DataTable):
    """Every strategy; one is active."""

    name = tables.WrappingColumn('name', verbose_name=_('Name'),
                                 link='horizon:admin:ha_strategies:update',
                                 link_classes=('ajax-modal',))
    description = tables.WrappingColumn('description',
                                        verbose_name=_('Description'))
    active = tables.Column('active', verbose_name=_('Active'),
                           filters=(common.yes_no,))
    recovered = tables.Column(_recovered, verbose_name=_('Recovered'))
    updated_at = tables.Column(
        lambda s: s.get('updated_at') or s.get('created_at'),
        verbose_name=_('Changed'), filters=(common.iso_time,))

    def get_object_id(self, datum):
        """Strategies are addressed by uuid."""
        return datum['uuid']

    def get_object_display(self, datum):
        """The strategy's name."""
        return datum['name']

    class Meta:
        name = 'strategies'
        verbose_name = _('Strategies')
        table_actions = (CreateStrategy, DeleteStrategy)
        row_actions = (EditStrategy, ActivateStrategy, DeleteStrategy)
