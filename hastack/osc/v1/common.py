"""What the ``openstack ha`` commands share: paging options, columns."""

import argparse

from cliff import columns as cliff_columns
from osc_lib import exceptions
from osc_lib.cli import format_columns

SORT_DIRS = ('asc', 'desc')


def positive_int(text):
    """An argparse type: an integer of at least 1.

    :param text: the option's value.
    :returns: the integer.
    :raises argparse.ArgumentTypeError: anything else.
    """
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError('%r is not an integer' % text)
    if value < 1:
        raise argparse.ArgumentTypeError('%r is not 1 or more' % text)
    return value


def non_negative_int(text):
    """An argparse type: an integer of at least 0.

    :param text: the option's value.
    :returns: the integer.
    :raises argparse.ArgumentTypeError: anything else.
    """
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError('%r is not an integer' % text)
    if value < 0:
        raise argparse.ArgumentTypeError('%r is negative' % text)
    return value


def add_list_arguments(parser, sort_keys):
    """Add ``--limit``, ``--marker``, ``--sort`` and ``--long``.

    :param parser: the command's parser.
    :param sort_keys: the columns the API sorts this list by.
    """
    parser.add_argument(
        '--limit', metavar='<limit>', type=positive_int,
        help='The most items to list (default: all of them).')
    parser.add_argument(
        '--marker', metavar='<uuid>',
        help='List the items after this one (the uuid of the last item '
             'of the previous page).')
    parser.add_argument(
        '--sort', metavar='<key>[:<direction>]',
        help='Sort by <key>, one of %s, in direction asc or desc.'
             % ', '.join(sort_keys))
    parser.add_argument(
        '--long', action='store_true', default=False,
        help='List more columns.')


def paging(parsed_args, sort_keys):
    """The paging arguments of :meth:`hastack.osc.client.Client.list`.

    :param parsed_args: the parsed command line.
    :param sort_keys: the columns the API sorts this list by.
    :returns: ``{"limit", "marker", "sort_key", "sort_dir"}``.
    :raises osc_lib.exceptions.CommandError: a bad ``--sort``.
    """
    sort_key = sort_dir = None
    if parsed_args.sort:
        sort_key, _, sort_dir = parsed_args.sort.partition(':')
        if sort_key not in sort_keys:
            raise exceptions.CommandError(
                'Invalid --sort %r: sort by one of %s.'
                % (parsed_args.sort, ', '.join(sort_keys)))
        if sort_dir and sort_dir not in SORT_DIRS:
            raise exceptions.CommandError(
                'Invalid --sort %r: the direction is asc or desc.'
                % parsed_args.sort)
    return {'limit': parsed_args.limit, 'marker': parsed_args.marker,
            'sort_key': sort_key, 'sort_dir': sort_dir or None}


def add_switch(parser, on, off, dest, on_help, off_help):
    """Add a pair of exclusive flags that set ``dest`` to True or False.

    ``dest`` stays None when neither is given.

    :param parser: the command's parser.
    :param on: the flag that sets True (``--ha``).
    :param off: the flag that sets False (``--no-ha``).
    :param dest: the attribute of the parsed arguments.
    """
    group = parser.add_mutually_exclusive_group()
    group.add_argument(on, dest=dest, action='store_const', const=True,
                       default=None, help=on_help)
    group.add_argument(off, dest=dest, action='store_const', const=False,
                       default=None, help=off_help)


def filters(parsed_args, names):
    """The API filters the user gave: ``{api name: value}``.

    :param parsed_args: the parsed command line.
    :param names: ``{attribute of parsed_args: API query parameter}``.
    :returns: the filters whose value is not None.
    """
    return {param: getattr(parsed_args, attr) for attr, param in names.items()
            if getattr(parsed_args, attr) is not None}


def table(items, fields, long_fields=(), long=False, formatters=None):
    """The ``(headers, rows)`` of a Lister.

    :param items: the item documents.
    :param fields: ``(key, header)`` pairs always listed.
    :param long_fields: pairs listed only with ``--long``.
    :param long: whether ``--long`` was given.
    :param formatters: ``{key: FormattableColumn class}``.
    :returns: a tuple of the headers and a generator of rows.
    """
    chosen = tuple(fields) + (tuple(long_fields) if long else ())
    formatters = formatters or {}
    headers = tuple(header for _, header in chosen)

    def row(item):
        """One item's values in column order, formatted."""
        values = []
        for key, _ in chosen:
            value = item.get(key)
            if key in formatters:
                value = formatters[key](value)
            values.append(value)
        return tuple(values)

    return headers, (row(item) for item in items)


def show(document, formatters=None):
    """The ``(columns, values)`` of a ShowOne, sorted by name.

    Dicts and lists that have no formatter of their own are shown as
    ``key='value'`` and comma-separated text, and stay JSON structures
    with ``-f json`` and ``-f yaml``.

    :param document: the item document.
    :param formatters: ``{key: FormattableColumn class}``.
    :returns: a tuple of the column names and their values.
    """
    formatters = formatters or {}
    names = tuple(sorted(document))
    values = []
    for name in names:
        value = document[name]
        if name in formatters:
            value = formatters[name](value)
        elif isinstance(value, dict):
            value = format_columns.DictColumn(value)
        elif isinstance(value, list):
            value = ListOfAnyColumn(value)
        values.append(value)
    return names, tuple(values)


class ListOfAnyColumn(cliff_columns.FormattableColumn):
    """A list: one line per item for people, the list itself for
    machines."""

    def human_readable(self):
        """Each item on a line of its own; dicts as ``key='value'``."""
        lines = []
        for item in self._value or ():
            if isinstance(item, dict):
                lines.append(', '.join("%s='%s'" % (k, item[k])
                                       for k in sorted(item)))
            else:
                lines.append(str(item))
        return '\n'.join(lines)

    def machine_readable(self):
        """The list as the API gave it."""
        return list(self._value or ())


def act_on_each(log, idents, action, kind, verb):
    """Run ``action`` on every ident; fail once at the end if any failed.

    With one ident its error is raised as it is (one line); with several,
    each failure is logged on a line of its own and the command fails with
    a count.

    :param log: the command's logger.
    :param idents: what the user named.
    :param action: callable(ident).
    :param kind: the plural noun for the message ("hosts").
    :param verb: the action for the message ("delete").
    :raises osc_lib.exceptions.CommandError: some failed.
    """
    if len(idents) == 1:
        action(idents[0])
        return
    failed = 0
    for ident in idents:
        try:
            action(ident)
        except exceptions.CommandError as e:
            failed += 1
            log.error('Failed to %s %s: %s', verb, ident, e)
    if failed:
        raise exceptions.CommandError('Failed to %s %d of %d %s.'
                                      % (verb, failed, len(idents), kind))
