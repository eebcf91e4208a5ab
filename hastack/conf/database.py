"""The [database] group: oslo.db's options with HaStack's defaults."""

from oslo_db import options as db_options

_DEFAULT_CONNECTION = 'sqlite:///$state_path/hastack.sqlite'


def register_opts(conf):
    """Register oslo.db's options on ``conf`` with SQLite as the default.

    :param conf: the ConfigOpts to register on.
    """
    db_options.set_defaults(conf, connection=_DEFAULT_CONNECTION)


def list_opts():
    """The [database] options, for the sample config generator."""
    return db_options.list_opts()
