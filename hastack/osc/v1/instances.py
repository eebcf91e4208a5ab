"""``openstack ha instance ...``: which instances HA protects.

Project members see and change their project's instances; admins see
every project's (``--project`` narrows the list).
"""

import argparse

from osc_lib import exceptions
from osc_lib.command import command

from hastack.osc.v1 import common

SORT_KEYS = ('created_at', 'uuid', 'priority', 'id')
MAX_PRIORITY = 1000

FIELDS = (('uuid', 'UUID'), ('name', 'Name'), ('host', 'Host'),
          ('status', 'Status'), ('ha_enabled', 'HA Enabled'),
          ('priority', 'Priority'))
LONG_FIELDS = (('project_id', 'Project'), ('created_at', 'Created At'),
               ('updated_at', 'Updated At'))


def priority(text):
    """An argparse type: an evacuation priority, 0 to 1000.

    :param text: the option's value.
    :returns: the integer.
    :raises argparse.ArgumentTypeError: anything else.
    """
    value = common.non_negative_int(text)
    if value > MAX_PRIORITY:
        raise argparse.ArgumentTypeError(
            '%r is above %d' % (text, MAX_PRIORITY))
    return value


class ListInstance(command.Lister):
    """List instances with their HA flag and evacuation priority."""

    def get_parser(self, prog_name):
        """The command's options: filters, paging, sorting."""
        parser = super().get_parser(prog_name)
        parser.add_argument('--project', metavar='<project-id>',
                            help='Only this project\'s instances (admins).')
        parser.add_argument('--host', metavar='<host>',
                            help='Only instances on this compute host.')
        parser.add_argument('--status', metavar='<status>',
                            help='Only instances with this Nova status.')
        common.add_switch(parser, '--ha-enabled', '--ha-disabled',
                          'ha_enabled', 'Only instances HA protects.',
                          'Only instances HA does not protect.')
        common.add_list_arguments(parser, SORT_KEYS)
        return parser

    def take_action(self, parsed_args):
        """List instances; every page when no --limit is given."""
        names = {'project': 'project_id', 'host': 'host',
                 'status': 'status', 'ha_enabled': 'ha_enabled'}
        instances = self.app.client_manager.hastack.instance_list(
            common.filters(parsed_args, names),
            **common.paging(parsed_args, SORT_KEYS))
        return common.table(instances, FIELDS, LONG_FIELDS,
                            parsed_args.long)


class ShowInstance(command.ShowOne):
    """Show one instance: its HA flag, priority, host and status."""

    def get_parser(self, prog_name):
        """The command's argument: the instance."""
        parser = super().get_parser(prog_name)
        parser.add_argument('instance', metavar='<instance>',
                            help='Instance (server) uuid.')
        return parser

    def take_action(self, parsed_args):
        """Show the instance."""
        return common.show(self.app.client_manager.hastack.instance_get(
            parsed_args.instance))


class SetInstance(command.ShowOne):
    """Turn HA on or off for an instance, or change its priority.

    The HA flag is also written to the server's Nova metadata
    (``HA_Enabled``).
    """

    def get_parser(self, prog_name):
        """The command's arguments: the instance and what to change."""
        parser = super().get_parser(prog_name)
        parser.add_argument('instance', metavar='<instance>',
                            help='Instance (server) uuid.')
        common.add_switch(parser, '--ha', '--no-ha', 'ha_enabled',
                          'HA recovers the instance when its host fails.',
                          'HA leaves the instance alone.')
        parser.add_argument('--priority', metavar='<0-%d>' % MAX_PRIORITY,
                            type=priority,
                            help='Evacuation priority: higher goes first.')
        return parser

    def take_action(self, parsed_args):
        """Change the instance."""
        values = {}
        if parsed_args.ha_enabled is not None:
            values['ha_enabled'] = parsed_args.ha_enabled
        if parsed_args.priority is not None:
            values['priority'] = parsed_args.priority
        if not values:
            raise exceptions.CommandError(
                'Nothing to set: give --ha, --no-ha or --priority.')
        return common.show(self.app.client_manager.hastack.instance_update(
            parsed_args.instance, values))
