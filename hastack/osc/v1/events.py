"""``openstack ha event ...``: events and alarms, newest first.

Project readers see the events of their project's instances; admins see
every event and acknowledge them.
"""

import logging

from osc_lib.command import command

from hastack.osc.v1 import common

LOG = logging.getLogger(__name__)

SORT_KEYS = ('created_at', 'severity', 'id')
SEVERITIES = ('info', 'warning', 'error', 'critical')

FIELDS = (('uuid', 'UUID'), ('created_at', 'Created At'),
          ('severity', 'Severity'), ('type', 'Type'), ('host', 'Host'),
          ('message', 'Message'), ('acknowledged', 'Acknowledged'))
LONG_FIELDS = (('instance_uuid', 'Instance'), ('project_id', 'Project'),
               ('request_id', 'Request ID'),
               ('acknowledged_by', 'Acknowledged By'),
               ('acknowledged_at', 'Acknowledged At'))


class ListEvent(command.Lister):
    """List events and alarms (newest first unless --sort says
    otherwise)."""

    def get_parser(self, prog_name):
        """The command's options: filters, paging, sorting."""
        parser = super().get_parser(prog_name)
        parser.add_argument('--severity', metavar='<severity>',
                            choices=SEVERITIES,
                            help='Only events of this severity (%s).'
                                 % ', '.join(SEVERITIES))
        parser.add_argument('--type', metavar='<type>',
                            help='Only events of this type '
                                 '(host.state, ha_maintenance.on, ...).')
        parser.add_argument('--host', metavar='<host>',
                            help='Only events about this compute host.')
        parser.add_argument('--instance', metavar='<uuid>',
                            help='Only events about this instance.')
        common.add_switch(parser, '--acknowledged', '--unacknowledged',
                          'acknowledged', 'Only acknowledged events.',
                          'Only events nobody acknowledged yet.')
        parser.add_argument('--since', metavar='<time>',
                            help='Only events at or after this ISO 8601 '
                                 'time.')
        parser.add_argument('--project', metavar='<project-id>',
                            help='Only this project\'s events (admins).')
        common.add_list_arguments(parser, SORT_KEYS)
        return parser

    def take_action(self, parsed_args):
        """List events; every page when no --limit is given."""
        names = {'severity': 'severity', 'type': 'type', 'host': 'host',
                 'instance': 'instance_uuid',
                 'acknowledged': 'acknowledged', 'since': 'since',
                 'project': 'project_id'}
        events = self.app.client_manager.hastack.event_list(
            common.filters(parsed_args, names),
            **common.paging(parsed_args, SORT_KEYS))
        return common.table(events, FIELDS, LONG_FIELDS, parsed_args.long)


class ShowEvent(command.ShowOne):
    """Show one event or alarm."""

    def get_parser(self, prog_name):
        """The command's argument: the event."""
        parser = super().get_parser(prog_name)
        parser.add_argument('event', metavar='<event>', help='Event uuid.')
        return parser

    def take_action(self, parsed_args):
        """Show the event."""
        return common.show(self.app.client_manager.hastack.event_get(
            parsed_args.event))


class AckEvent(command.Command):
    """Acknowledge events or alarms (recording who and when)."""

    def get_parser(self, prog_name):
        """The command's arguments: the events."""
        parser = super().get_parser(prog_name)
        parser.add_argument('events', metavar='<event>', nargs='+',
                            help='Event uuids.')
        return parser

    def take_action(self, parsed_args):
        """Acknowledge each event."""
        client = self.app.client_manager.hastack
        common.act_on_each(LOG, parsed_args.events, client.event_ack,
                           'events', 'acknowledge')
