"""``openstack ha settings ...``: run-time settings of HaStack.

A change takes effect without restarting anything; ``--reset`` goes back
to the value of the configuration file.
"""

import argparse
import math

from osc_lib import exceptions
from osc_lib.command import command

# The settings the API knows (GET /v1/settings lists them), with the type
# the command line converts their values to. The API checks the bounds.
SETTINGS = (
    ('global_rate_limit', int,
     'Most evacuations in flight at once across the cloud.'),
    ('host_rate_limit', int,
     'Most evacuations in flight at once from one failed host.'),
    ('max_retries', int,
     'Retries of a failed HA task before it stays failed.'),
    ('grace_period', int,
     'Seconds a host stays suspect before recovery starts.'),
    ('self_defense_ratio', float,
     'Fraction of hosts down at which HA stops itself (0 to 1).'),
    ('self_recovery_ratio', float,
     'Fraction of hosts up at which HA resumes (0 to 1).'),
)
KEYS = tuple(key for key, _, _ in SETTINGS)


def _number(kind):
    def convert(text):
        """``text`` as a finite ``kind``, or an argparse error."""
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or not math.isfinite(value):
            raise argparse.ArgumentTypeError(
                '%r is not %s' % (text, 'an integer' if kind is int
                                  else 'a number'))
        return value
    return convert


def _table(settings):
    """The Lister answer for a settings document, in a fixed order."""
    names = [k for k in KEYS if k in settings]
    names += sorted(k for k in settings if k not in KEYS)
    return (('Setting', 'Value', 'Default', 'Source'),
            ((name, settings[name].get('value'),
              settings[name].get('default'),
              settings[name].get('source')) for name in names))


class ShowSettings(command.Lister):
    """Show every run-time setting: its value, its configured default and
    where the value comes from (runtime or config)."""

    def take_action(self, parsed_args):
        """List the settings in a fixed order."""
        return _table(self.app.client_manager.hastack.settings_get())


class SetSettings(command.Lister):
    """Change run-time settings, or reset them to the configuration's."""

    def get_parser(self, prog_name):
        """The command's options: one per setting, and --reset."""
        parser = super().get_parser(prog_name)
        for key, kind, help_text in SETTINGS:
            parser.add_argument('--%s' % key.replace('_', '-'), dest=key,
                                metavar='<value>', type=_number(kind),
                                help=help_text)
        parser.add_argument('--reset', metavar='<setting>', action='append',
                            choices=KEYS, default=[],
                            help='Go back to the configured value of this '
                                 'setting (%s). Repeatable.'
                                 % ', '.join(KEYS))
        return parser

    def take_action(self, parsed_args):
        """Send the changes; show every setting afterwards."""
        changes = {key: getattr(parsed_args, key) for key in KEYS
                   if getattr(parsed_args, key) is not None}
        both = sorted(set(changes) & set(parsed_args.reset))
        if both:
            raise exceptions.CommandError(
                'Cannot both set and reset %s.' % ', '.join(both))
        changes.update({key: None for key in parsed_args.reset})
        if not changes:
            raise exceptions.CommandError(
                'Nothing to set: give at least one of %s, or --reset.'
                % ', '.join('--%s' % k.replace('_', '-') for k in KEYS))
        return _table(
            self.app.client_manager.hastack.settings_update(changes))
