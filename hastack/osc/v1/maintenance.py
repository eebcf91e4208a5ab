"""``openstack ha maintenance ...``: the cloud-wide HA maintenance switch.

While it is on, HaStack recovers no host.
"""

from osc_lib.command import command

from hastack.osc.v1 import common


class ShowMaintenance(command.ShowOne):
    """Show whether HA maintenance is on, why, who set it and when."""

    def take_action(self, parsed_args):
        """Show the switch."""
        return common.show(
            self.app.client_manager.hastack.maintenance_get())


class SetMaintenance(command.ShowOne):
    """Turn HA maintenance on (no recovery anywhere) or off."""

    def get_parser(self, prog_name):
        """The command's arguments: --on or --off, and a reason."""
        parser = super().get_parser(prog_name)
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument('--on', dest='on', action='store_const',
                           const=True,
                           help='Stop every new HA recovery.')
        group.add_argument('--off', dest='on', action='store_const',
                           const=False,
                           help='Let HA recover hosts again.')
        parser.add_argument('--reason', metavar='<reason>',
                            help='Why (kept with the switch and in the '
                                 'event it records).')
        return parser

    def take_action(self, parsed_args):
        """Set the switch."""
        return common.show(self.app.client_manager.hastack.maintenance_set(
            parsed_args.on, parsed_args.reason))
