"""``openstack ha host ...``: the compute hosts HaStack watches."""

import logging

from osc_lib import exceptions
from osc_lib.command import command

from hastack.osc.v1 import common

LOG = logging.getLogger(__name__)

PLANES = ('mgmt', 'service', 'storage')
SORT_KEYS = ('name', 'state', 'created_at', 'id')
STATES = ('active', 'suspect', 'failed', 'fencing', 'fenced', 'recovering',
          'recovered', 'maintenance')
PLANE_STATUSES = ('up', 'down', 'unknown')

FIELDS = (('uuid', 'UUID'), ('name', 'Name'), ('state', 'State'),
          ('ha_enabled', 'HA Enabled'), ('maintenance', 'Maintenance'))
LONG_FIELDS = (('mgmt_status', 'Mgmt'), ('service_status', 'Service'),
               ('storage_status', 'Storage'), ('state_since', 'State Since'),
               ('maintenance_reason', 'Maintenance Reason'),
               ('agent_version', 'Agent Version'))


def flatten(host):
    """A host document with its planes as ``<plane>_status`` and
    ``<plane>_last_seen`` fields.

    :param host: the API's host document.
    :returns: a new dict.
    """
    doc = {k: v for k, v in host.items() if k != 'planes'}
    for plane in PLANES:
        info = (host.get('planes') or {}).get(plane) or {}
        doc['%s_status' % plane] = info.get('status')
        doc['%s_last_seen' % plane] = info.get('last_seen')
    return doc


class ListHost(command.Lister):
    """List the compute hosts HaStack watches."""

    def get_parser(self, prog_name):
        """The command's options: filters, paging, sorting."""
        parser = super().get_parser(prog_name)
        parser.add_argument('--state', metavar='<state>', choices=STATES,
                            help='Only hosts in this HA state (%s).'
                                 % ', '.join(STATES))
        common.add_switch(parser, '--ha-enabled', '--ha-disabled',
                          'ha_enabled', 'Only hosts with HA enabled.',
                          'Only hosts with HA disabled.')
        common.add_switch(parser, '--maintenance', '--no-maintenance',
                          'maintenance', 'Only hosts in maintenance.',
                          'Only hosts not in maintenance.')
        for plane in PLANES:
            parser.add_argument(
                '--%s-status' % plane, metavar='<status>',
                dest='%s_status' % plane, choices=PLANE_STATUSES,
                help='Only hosts whose %s plane is up, down or unknown.'
                     % plane)
        common.add_list_arguments(parser, SORT_KEYS)
        return parser

    def take_action(self, parsed_args):
        """List hosts; every page when no --limit is given."""
        names = {'state': 'state', 'ha_enabled': 'ha_enabled',
                 'maintenance': 'maintenance'}
        names.update({'%s_status' % p: '%s_status' % p for p in PLANES})
        hosts = self.app.client_manager.hastack.host_list(
            common.filters(parsed_args, names),
            **common.paging(parsed_args, SORT_KEYS))
        return common.table([flatten(h) for h in hosts], FIELDS,
                            LONG_FIELDS, parsed_args.long)


class ShowHost(command.ShowOne):
    """Show one compute host, with the status of each of its planes."""

    def get_parser(self, prog_name):
        """The command's argument: the host."""
        parser = super().get_parser(prog_name)
        parser.add_argument('host', metavar='<host>',
                            help='Host name or uuid.')
        return parser

    def take_action(self, parsed_args):
        """Show the host."""
        host = self.app.client_manager.hastack.host_get(parsed_args.host)
        return common.show(flatten(host))


class CreateHost(command.ShowOne):
    """Register a compute host with HaStack.

    HaStack agents register the host they run on; this is for hosts an
    operator wants known before their agent starts.
    """

    def get_parser(self, prog_name):
        """The command's arguments: name, HA flag, maintenance."""
        parser = super().get_parser(prog_name)
        parser.add_argument('name', metavar='<name>',
                            help='Compute host name, as Nova knows it.')
        common.add_switch(parser, '--ha', '--no-ha', 'ha_enabled',
                          'HA protects the host (default).',
                          'HA does not protect the host.')
        parser.add_argument('--maintenance', action='store_true',
                            default=False,
                            help='Register the host in maintenance: HaStack '
                                 'never recovers it.')
        parser.add_argument('--reason', metavar='<reason>',
                            help='Why the host is in maintenance (with '
                                 '--maintenance).')
        return parser

    def take_action(self, parsed_args):
        """Create the host."""
        if parsed_args.reason is not None and not parsed_args.maintenance:
            raise exceptions.CommandError(
                '--reason goes with --maintenance.')
        values = {'name': parsed_args.name}
        if parsed_args.ha_enabled is not None:
            values['ha_enabled'] = parsed_args.ha_enabled
        if parsed_args.maintenance:
            values['maintenance'] = True
            if parsed_args.reason is not None:
                values['maintenance_reason'] = parsed_args.reason
        host = self.app.client_manager.hastack.host_create(values)
        return common.show(flatten(host))


class SetHost(command.ShowOne):
    """Enable or disable HA on a host, or put it in or out of
    maintenance."""

    def get_parser(self, prog_name):
        """The command's arguments: the host and what to change."""
        parser = super().get_parser(prog_name)
        parser.add_argument('host', metavar='<host>',
                            help='Host name or uuid.')
        common.add_switch(parser, '--ha', '--no-ha', 'ha_enabled',
                          'Enable HA on the host.',
                          'Disable HA on the host.')
        common.add_switch(parser, '--maintenance', '--no-maintenance',
                          'maintenance',
                          'Put the host in maintenance: HaStack never '
                          'recovers it.',
                          'Take the host out of maintenance.')
        parser.add_argument('--reason', metavar='<reason>',
                            help='Why the host is in maintenance.')
        return parser

    def take_action(self, parsed_args):
        """Change the host."""
        values = {}
        if parsed_args.ha_enabled is not None:
            values['ha_enabled'] = parsed_args.ha_enabled
        if parsed_args.maintenance is not None:
            values['maintenance'] = parsed_args.maintenance
        if parsed_args.reason is not None:
            values['maintenance_reason'] = parsed_args.reason
        if not values:
            raise exceptions.CommandError(
                'Nothing to set: give --ha, --no-ha, --maintenance, '
                '--no-maintenance or --reason.')
        host = self.app.client_manager.hastack.host_update(
            parsed_args.host, values)
        return common.show(flatten(host))


class DeleteHost(command.Command):
    """Stop watching compute hosts and forget them.

    A host with open HA tasks cannot be deleted until they end.
    """

    def get_parser(self, prog_name):
        """The command's arguments: the hosts."""
        parser = super().get_parser(prog_name)
        parser.add_argument('hosts', metavar='<host>', nargs='+',
                            help='Host names or uuids.')
        return parser

    def take_action(self, parsed_args):
        """Delete each host."""
        client = self.app.client_manager.hastack
        common.act_on_each(LOG, parsed_args.hosts, client.host_delete,
                           'hosts', 'delete')


class ShowHostDecision(command.ShowOne):
    """Show what HA would do for a host now, and why, without acting."""

    def get_parser(self, prog_name):
        """The command's argument: the host."""
        parser = super().get_parser(prog_name)
        parser.add_argument('host', metavar='<host>',
                            help='Host name or uuid.')
        return parser

    def take_action(self, parsed_args):
        """Ask the API for the decision."""
        decision = self.app.client_manager.hastack.host_decision(
            parsed_args.host)
        return common.show(decision, {'gates': GatesColumn})


class GatesColumn(common.ListOfAnyColumn):
    """The decision's gates: ``open``/``closed name: detail`` lines."""

    def human_readable(self):
        """One line per gate."""
        return '\n'.join('%s %s: %s' % ('open' if g.get('open')
                                        else 'closed', g.get('name'),
                                        g.get('detail'))
                         for g in self._value or ())
