"""The [database] group: oslo.db's options with HaStack's defaults."""

import copy

from oslo_db import options as db_options

_DEFAULT_CONNECTION = 'sqlite:///$state_path/hastack.sqlite'


def register_opts(conf):
    """Register oslo.db's options on ``conf`` with SQLite as the default.

    :param conf: the ConfigOpts to register on.
    """
    db_options.set_defaults(conf, connection=_DEFAULT_CONNECTION)


def list_opts():
    """The [database] options, for the sample config generator.

    The generator shows an option's own default, and oslo.db's
    ``set_defaults`` changes only the value registered on a ConfigOpts, so
    the sample gets copies that carry HaStack's connection default.
    """
    result = []
    for group, opts in db_options.list_opts():
        copies = []
        for opt in opts:
            if opt.dest == 'connection':
                opt = copy.deepcopy(opt)
                opt.default = _DEFAULT_CONNECTION
            copies.append(opt)
        result.append((group, copies))
    return result
