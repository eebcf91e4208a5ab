"""Pieces every HaStack panel shares."""

from django.utils.translation import gettext_lazy as _
import horizon

from hastack_dashboard.api import hastack

# A panel shows only when the user's catalog has HaStack.
PERMISSIONS = ('openstack.services.%s' % hastack.SERVICE_TYPE,)

# How the status columns show a plane, a host state, a task state.
PLANE_STATUS = (('up', True), ('down', False), ('unknown', None))
HOST_STATE_STATUS = (
    ('active', True), ('recovered', True), ('maintenance', None),
    ('suspect', None), ('failed', False), ('fencing', None),
    ('fenced', None), ('recovering', None),
)
TASK_STATE_STATUS = (
    ('succeeded', True), ('cancelled', True), ('failed', False),
    ('pending', None), ('running', None), ('deferred', None),
)

YES_NO = {True: _('Yes'), False: _('No')}


class Panel(horizon.Panel):
    """A HaStack panel: shown when HaStack is in the service catalog."""

    permissions = PERMISSIONS


def iso_time(value):
    """An API timestamp (``2026-05-01T10:00:00.123456``) for a table cell:
    to the second, with a space for the ``T``; None stays None."""
    if not value:
        return value
    text = str(value).replace('T', ' ')
    return text.split('.')[0]


def yes_no(value):
    """``Yes``/``No`` for a boolean API field."""
    return YES_NO.get(bool(value))


def short_uuid(value):
    """The first block of a uuid, for narrow columns (None stays None)."""
    return value.split('-')[0] if value else value


def server_filters(view, booleans=()):
    """The API filter of a table's server-side filter action.

    :param view: a DataTableView whose table has a ``filter_type='server'``
        filter action.
    :param booleans: fields whose value is a yes/no answer.
    :returns: ``{field: value}``, or ``{}`` when nothing is filtered.
    """
    info = view.get_server_filter_info(view.request)
    if not info or not info.get('field') or not info.get('value'):
        return {}
    value = info['value'].strip()
    field = info['field']
    if field in booleans:
        value = value.lower() in ('1', 'yes', 'true', 'y', 'on')
    return {field: value}
