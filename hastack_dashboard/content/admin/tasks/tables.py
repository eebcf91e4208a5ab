"""The tasks table: filter, retry and cancel."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from horizon import tables

from hastack_dashboard.api import hastack
from hastack_dashboard.content import common

# A task in one of these states has not started and can be cancelled.
CANCELLABLE = ('pending', 'deferred')


def _attempts(task):
    return '%s / %s' % (task.get('attempts'), task.get('max_attempts'))


def _proof(task):
    proof = task.get('fence_proof') or {}
    return proof.get('kind')


class TaskFilter(tables.FilterAction):
    """Filter by state, type, host or instance, in the API."""

    filter_type = 'server'
    filter_choices = (
        ('state', _('State ='), True),
        ('type', _('Type ='), True),
        ('host', _('Host ='), True),
        ('instance_uuid', _('Instance ID ='), True),
    )


class RetryTask(tables.BatchAction):
    """Run a failed task again."""

    name = 'retry'
    icon = 'repeat'

    @staticmethod
    def action_present(count):
        """The button's label."""
        return ngettext_lazy('Retry Task', 'Retry Tasks', count)

    @staticmethod
    def action_past(count):
        """The message once done."""
        return ngettext_lazy('Retried Task', 'Retried Tasks', count)

    def allowed(self, request, task=None):
        """Only failed tasks (any in the table bar)."""
        return task is None or task.get('state') == 'failed'

    def action(self, request, obj_id):
        """POST /v1/tasks/{uuid}/retry."""
        hastack.task_retry(request, obj_id)


class CancelTask(tables.BatchAction):
    """A task that has not started never will."""

    name = 'cancel'
    action_type = 'danger'
    icon = 'ban'

    @staticmethod
    def action_present(count):
        """The button's label."""
        return ngettext_lazy('Cancel Task', 'Cancel Tasks', count)

    @staticmethod
    def action_past(count):
        """The message once done."""
        return ngettext_lazy('Cancelled Task', 'Cancelled Tasks', count)

    def allowed(self, request, task=None):
        """Only pending and deferred tasks (any in the table bar)."""
        return task is None or task.get('state') in CANCELLABLE

    def action(self, request, obj_id):
        """POST /v1/tasks/{uuid}/cancel."""
        hastack.task_cancel(request, obj_id)


class TasksTable(tables.DataTable):
    """HA tasks, newest first."""

    uuid = tables.Column('uuid', verbose_name=_('ID'),
                         filters=(common.short_uuid,))
    type = tables.Column('type', verbose_name=_('Type'))
    state = tables.Column('state', verbose_name=_('State'), status=True,
                          status_choices=common.TASK_STATE_STATUS)
    host = tables.Column('host', verbose_name=_('Host'))
    instance = tables.Column('instance_uuid', verbose_name=_('Instance'))
    priority = tables.Column('priority', verbose_name=_('Priority'))
    attempts = tables.Column(_attempts, verbose_name=_('Attempts'))
    proof = tables.Column(_proof, verbose_name=_('Fencing proof'))
    last_error = tables.WrappingColumn('last_error',
                                       verbose_name=_('Last error'))
    created_at = tables.Column('created_at', verbose_name=_('Created'),
                               filters=(common.iso_time,))

    def get_object_id(self, datum):
        """Tasks are addressed by uuid."""
        return datum['uuid']

    def get_object_display(self, datum):
        """Type, host and instance: what the task is about."""
        return '%s %s %s' % (datum.get('type'), datum.get('host'),
                             datum.get('instance_uuid') or '')

    class Meta:
        name = 'tasks'
        verbose_name = _('Tasks')
        table_actions = (TaskFilter, RetryTask, CancelTask)
        row_actions = (RetryTask, CancelTask)
