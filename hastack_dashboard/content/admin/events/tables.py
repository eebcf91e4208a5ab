"""The events table: filter and acknowledge."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from horizon import tables

from hastack_dashboard.api import hastack
from hastack_dashboard.content import common

SEVERITY_STATUS = (('info', True), ('warning', None), ('error', False),
                   ('critical', False))


def _acknowledged(event):
    if not event.get('acknowledged'):
        return _('No')
    by = event.get('acknowledged_by')
    return _('Yes (%s)') % by if by else _('Yes')


class EventFilter(tables.FilterAction):
    """Filter by severity, type, host, instance or acknowledgement."""

    filter_type = 'server'
    filter_choices = (
        ('severity', _('Severity ='), True),
        ('type', _('Type ='), True),
        ('host', _('Host ='), True),
        ('instance_uuid', _('Instance ID ='), True),
        ('acknowledged', _('Acknowledged (yes/no) ='), True),
    )


class AckEvent(tables.BatchAction):
    """An operator has seen the event."""

    name = 'ack'
    icon = 'check'

    @staticmethod
    def action_present(count):
        """The button's label."""
        return ngettext_lazy('Acknowledge Event', 'Acknowledge Events',
                             count)

    @staticmethod
    def action_past(count):
        """The message once done."""
        return ngettext_lazy('Acknowledged Event', 'Acknowledged Events',
                             count)

    def allowed(self, request, event=None):
        """Only events not acknowledged yet (any in the table bar)."""
        return event is None or not event.get('acknowledged')

    def action(self, request, obj_id):
        """POST /v1/events/{uuid}/ack."""
        hastack.event_ack(request, obj_id)


class EventsTable(tables.DataTable):
    """Events and alarms, newest first."""

    created_at = tables.Column('created_at', verbose_name=_('Time'),
                               filters=(common.iso_time,))
    severity = tables.Column('severity', verbose_name=_('Severity'),
                             status=True, status_choices=SEVERITY_STATUS)
    type = tables.Column('type', verbose_name=_('Type'))
    host = tables.Column('host', verbose_name=_('Host'))
    instance = tables.Column('instance_uuid', verbose_name=_('Instance'))
    message = tables.WrappingColumn('message', verbose_name=_('Message'))
    acknowledged = tables.Column(_acknowledged,
                                 verbose_name=_('Acknowledged'))

    def get_object_id(self, datum):
        """Events are addressed by uuid."""
        return datum['uuid']

    def get_object_display(self, datum):
        """The event's type and time."""
        return '%s %s' % (datum.get('type'), datum.get('created_at'))

    class Meta:
        name = 'events'
        verbose_name = _('Events')
        table_actions = (EventFilter, AckEvent)
        row_actions = (AckEvent,)
