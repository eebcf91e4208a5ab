"""``openstack ha strategy ...``: which plane vectors HA recovers.

A strategy has one rule for each of the eight up/down vectors of a host's
management, service and storage planes; the rule says whether HA recovers
a host in that vector. Rules come from a JSON file (a list of rules, or an
object with a ``rules`` list as ``ha strategy show -f json`` prints it) or
from repeated ``--rule mgmt=down,service=up,storage=down,recover=yes``
options. Bad rules are refused here, before anything is sent.
"""

import itertools
import json
import logging
import sys

from cliff import columns as cliff_columns
from osc_lib import exceptions
from osc_lib.command import command

from hastack.osc.v1 import common

LOG = logging.getLogger(__name__)

PLANES = ('mgmt', 'service', 'storage')
PLANE_VALUES = ('up', 'down')
RULE_KEYS = PLANES + ('recover',)
ALL_VECTORS = tuple(itertools.product(('down', 'up'), repeat=len(PLANES)))
SORT_KEYS = ('name', 'created_at', 'id')
_YES = ('yes', 'true', 'on', '1')
_NO = ('no', 'false', 'off', '0')

FIELDS = (('uuid', 'UUID'), ('name', 'Name'), ('active', 'Active'))
LONG_FIELDS = (('description', 'Description'), ('created_at', 'Created At'),
               ('updated_at', 'Updated At'))


def _describe(vector):
    return ', '.join('%s=%s' % pair for pair in zip(PLANES, vector,
                                                        strict=True))


def parse_rule(text):
    """One ``--rule``: ``mgmt=down,service=up,storage=down,recover=yes``.

    :param text: the option's value.
    :returns: ``{"mgmt", "service", "storage", "recover"}``.
    :raises osc_lib.exceptions.CommandError: the syntax is wrong.
    """
    rule = {}
    for part in text.split(','):
        key, sep, value = part.partition('=')
        key = key.strip().lower()
        value = value.strip().lower()
        if not sep or not key or '=' in value or ' ' in value:
            raise exceptions.CommandError(
                'Invalid --rule %r: write it as mgmt=up|down,'
                'service=up|down,storage=up|down,recover=yes|no.' % text)
        if key not in RULE_KEYS:
            raise exceptions.CommandError(
                'Invalid --rule %r: unknown key %r (use %s).'
                % (text, key, ', '.join(RULE_KEYS)))
        if key in rule:
            raise exceptions.CommandError(
                'Invalid --rule %r: %s is given twice.' % (text, key))
        if key == 'recover':
            if value in _YES:
                rule[key] = True
            elif value in _NO:
                rule[key] = False
            else:
                raise exceptions.CommandError(
                    'Invalid --rule %r: recover is yes or no, not %r.'
                    % (text, value))
        elif value in PLANE_VALUES:
            rule[key] = value
        else:
            raise exceptions.CommandError(
                'Invalid --rule %r: %s is up or down, not %r.'
                % (text, key, value))
    missing = [k for k in RULE_KEYS if k not in rule]
    if missing:
        raise exceptions.CommandError(
            'Invalid --rule %r: it needs %s.' % (text, ', '.join(missing)))
    return rule


def check_rule(rule, where):
    """Check one rule read from a file, as the API will.

    :param rule: the decoded JSON value.
    :param where: where it was read, for messages ("rule 3 of s.json").
    :returns: the rule.
    :raises osc_lib.exceptions.CommandError: it is not a valid rule.
    """
    if not isinstance(rule, dict):
        raise exceptions.CommandError(
            '%s is not an object with mgmt, service, storage and recover.'
            % where)
    problems = []
    unknown = sorted(set(rule) - set(RULE_KEYS))
    if unknown:
        problems.append('unknown keys %s' % ', '.join(unknown))
    missing = [k for k in RULE_KEYS if k not in rule]
    if missing:
        problems.append('missing %s' % ', '.join(missing))
    if problems:
        raise exceptions.CommandError('%s: %s.'
                                      % (where, '; '.join(problems)))
    for plane in PLANES:
        if rule[plane] not in PLANE_VALUES:
            raise exceptions.CommandError(
                '%s: %s is "up" or "down", not %s.'
                % (where, plane, json.dumps(rule[plane])))
    if not isinstance(rule['recover'], bool):
        raise exceptions.CommandError(
            '%s: recover is true or false, not %s.'
            % (where, json.dumps(rule['recover'])))
    return rule


def check_complete(rules):
    """Check that ``rules`` names every plane vector exactly once.

    :param rules: checked rules.
    :returns: the rules in table order (down before up, mgmt first).
    :raises osc_lib.exceptions.CommandError: a vector is missing or given
        twice.
    """
    seen = {}
    for rule in rules:
        vector = tuple(rule[p] for p in PLANES)
        if vector in seen:
            raise exceptions.CommandError(
                'Two rules for %s; each plane vector needs exactly one.'
                % _describe(vector))
        seen[vector] = rule
    missing = [v for v in ALL_VECTORS if v not in seen]
    if missing:
        raise exceptions.CommandError(
            'No rule for %s; a strategy needs one rule for each of the %d '
            'plane vectors.' % ('; '.join(_describe(v) for v in missing),
                                len(ALL_VECTORS)))
    return [seen[v] for v in ALL_VECTORS]


def read_rules_file(path):
    """The rules of a JSON file (``-`` reads standard input).

    :param path: the file's path.
    :returns: the checked rules (not yet checked for completeness).
    :raises osc_lib.exceptions.CommandError: unreadable, not JSON, or not
        rules.
    """
    try:
        if path == '-':
            text = sys.stdin.read()
        else:
            with open(path, encoding='utf-8') as f:
                text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        raise exceptions.CommandError(
            'Cannot read the rules file %s: %s' % (path, e))
    try:
        doc = json.loads(text)
    except ValueError as e:
        raise exceptions.CommandError(
            'The rules file %s is not valid JSON: %s' % (path, e))
    if isinstance(doc, dict) and 'rules' in doc:
        doc = doc['rules']
    if not isinstance(doc, list):
        raise exceptions.CommandError(
            'The rules file %s must hold a list of rules, or an object '
            'with a "rules" list.' % path)
    return [check_rule(rule, 'Rule %d of %s' % (i, path))
            for i, rule in enumerate(doc, 1)]


def merge(current, changes):
    """``current`` rules with the rules of the same vectors replaced.

    :param current: a complete rule set.
    :param changes: rules from ``--rule``, at most one per vector.
    :returns: the complete merged rule set, in table order.
    """
    by_vector = {tuple(r[p] for p in PLANES): {k: r[k] for k in RULE_KEYS}
                 for r in current}
    for rule in changes:
        by_vector[tuple(rule[p] for p in PLANES)] = rule
    return check_complete(list(by_vector.values()))


class RulesColumn(cliff_columns.FormattableColumn):
    """A strategy's rules: a line each for people, the list for
    machines."""

    def human_readable(self):
        """``mgmt=down, service=down, storage=down: recover`` lines."""
        return '\n'.join(
            '%s: %s' % (_describe(tuple(r.get(p) for p in PLANES)),
                        'recover' if r.get('recover') else 'no recover')
            for r in self._value or ())

    def machine_readable(self):
        """The rules as the API gave them."""
        return [dict(r) for r in self._value or ()]


def _show(strategy):
    return common.show(strategy, {'rules': RulesColumn})


def _add_rule_arguments(parser, rule_help):
    group = parser.add_mutually_exclusive_group()
    group.add_argument('--rules-file', metavar='<file>',
                       help='JSON file of the rules: a list of {"mgmt", '
                            '"service", "storage", "recover"} objects, or '
                            'an object with such a "rules" list ("-" reads '
                            'standard input).')
    group.add_argument('--rule', metavar='<rule>', action='append',
                       dest='rules',
                       help=rule_help + ' Repeat for more rules. Format: '
                            'mgmt=up|down,service=up|down,'
                            'storage=up|down,recover=yes|no.')


def _rules_of(parsed_args):
    """The rules the user gave (file or --rule), checked one by one."""
    if parsed_args.rules_file is not None:
        return read_rules_file(parsed_args.rules_file)
    if parsed_args.rules:
        return [parse_rule(text) for text in parsed_args.rules]
    return None


class ListStrategy(command.Lister):
    """List the HA strategies and which one is active."""

    def get_parser(self, prog_name):
        """The command's options: paging and sorting."""
        parser = super().get_parser(prog_name)
        common.add_list_arguments(parser, SORT_KEYS)
        return parser

    def take_action(self, parsed_args):
        """List strategies; every page when no --limit is given."""
        strategies = self.app.client_manager.hastack.strategy_list(
            **common.paging(parsed_args, SORT_KEYS))
        return common.table(strategies, FIELDS, LONG_FIELDS,
                            parsed_args.long)


class ShowStrategy(command.ShowOne):
    """Show one HA strategy with its rule for each plane vector."""

    def get_parser(self, prog_name):
        """The command's argument: the strategy."""
        parser = super().get_parser(prog_name)
        parser.add_argument('strategy', metavar='<strategy>',
                            help='Strategy name or uuid.')
        return parser

    def take_action(self, parsed_args):
        """Show the strategy."""
        return _show(self.app.client_manager.hastack.strategy_get(
            parsed_args.strategy))


class CreateStrategy(command.ShowOne):
    """Create an HA strategy (not active until activated).

    Its rules must cover all eight plane vectors exactly once.
    """

    def get_parser(self, prog_name):
        """The command's arguments: name, description, rules."""
        parser = super().get_parser(prog_name)
        parser.add_argument('name', metavar='<name>',
                            help='Strategy name: letters, digits, space, '
                                 '".", "_", "-".')
        parser.add_argument('--description', metavar='<description>',
                            help='What the strategy is for.')
        _add_rule_arguments(parser, 'One rule of the strategy.')
        return parser

    def take_action(self, parsed_args):
        """Check the rules, then create the strategy."""
        rules = _rules_of(parsed_args)
        if rules is None:
            raise exceptions.CommandError(
                'A strategy needs rules: give --rules-file or eight '
                '--rule options.')
        values = {'name': parsed_args.name, 'rules': check_complete(rules)}
        if parsed_args.description is not None:
            values['description'] = parsed_args.description
        return _show(self.app.client_manager.hastack.strategy_create(
            values))


class SetStrategy(command.ShowOne):
    """Change an HA strategy's name, description or rules.

    ``--rules-file`` replaces every rule; ``--rule`` replaces the rules of
    the vectors it names and keeps the others. Changing the active
    strategy changes HA's next decision.
    """

    def get_parser(self, prog_name):
        """The command's arguments: the strategy and what to change."""
        parser = super().get_parser(prog_name)
        parser.add_argument('strategy', metavar='<strategy>',
                            help='Strategy name or uuid.')
        parser.add_argument('--name', metavar='<name>', help='New name.')
        parser.add_argument('--description', metavar='<description>',
                            help='New description.')
        _add_rule_arguments(parser, 'Replace the rule of this vector.')
        return parser

    def take_action(self, parsed_args):
        """Check the changes, then send them."""
        client = self.app.client_manager.hastack
        values = {}
        rules = _rules_of(parsed_args)
        if parsed_args.rules_file is not None:
            values['rules'] = check_complete(rules)
        elif rules is not None:
            # NOTE(hastack): check the --rule options among themselves
            # before reading the strategy, so a duplicate is refused
            # whatever the strategy holds.
            vectors = [tuple(r[p] for p in PLANES) for r in rules]
            twice = sorted({v for v in vectors if vectors.count(v) > 1})
            if twice:
                raise exceptions.CommandError(
                    'Two --rule options for %s; give one per vector.'
                    % _describe(twice[0]))
            current = client.strategy_get(parsed_args.strategy)
            values['rules'] = merge(current['rules'], rules)
        if parsed_args.name is not None:
            values['name'] = parsed_args.name
        if parsed_args.description is not None:
            values['description'] = parsed_args.description
        if not values:
            raise exceptions.CommandError(
                'Nothing to set: give --name, --description, --rules-file '
                'or --rule.')
        return _show(client.strategy_update(parsed_args.strategy, values))


class DeleteStrategy(command.Command):
    """Delete HA strategies (never the active one)."""

    def get_parser(self, prog_name):
        """The command's arguments: the strategies."""
        parser = super().get_parser(prog_name)
        parser.add_argument('strategies', metavar='<strategy>', nargs='+',
                            help='Strategy names or uuids.')
        return parser

    def take_action(self, parsed_args):
        """Delete each strategy."""
        client = self.app.client_manager.hastack
        common.act_on_each(LOG, parsed_args.strategies,
                           client.strategy_delete, 'strategies', 'delete')


class ActivateStrategy(command.ShowOne):
    """Make an HA strategy the active one."""

    def get_parser(self, prog_name):
        """The command's argument: the strategy."""
        parser = super().get_parser(prog_name)
        parser.add_argument('strategy', metavar='<strategy>',
                            help='Strategy name or uuid.')
        return parser

    def take_action(self, parsed_args):
        """Activate the strategy."""
        return _show(self.app.client_manager.hastack.strategy_activate(
            parsed_args.strategy))
