"""hastack-manage: the operator's database commands.

::

    hastack-manage [--config-file FILE] db sync [--revision REV]
    hastack-manage [--config-file FILE] db version
"""

import sys

from alembic import util as alembic_util
from oslo_config import cfg
from oslo_db import exception as db_exception
from oslo_log import log as logging
import sqlalchemy.exc

from hastack import conf
from hastack import version as hastack_version
from hastack.db import migration

CONF = conf.CONF
LOG = logging.getLogger(__name__)

# The errors a database command reports in one line instead of a traceback:
# the database is unreachable or refused a statement, or the revision asked
# for does not exist.
DATABASE_ERRORS = (db_exception.DBError, sqlalchemy.exc.SQLAlchemyError,
                   alembic_util.CommandError)


class DBCommands:
    """The ``db`` sub-commands."""

    def sync(self):
        """Migrate the database to ``--revision`` (the newest by default)."""
        revision = CONF.command.revision
        LOG.info('Migrating the database to revision %s', revision)
        migration.upgrade(revision)
        LOG.info('The database is at revision %s', migration.version())

    def version(self):
        """Print the revision the database is at ('None' if never synced)."""
        print(migration.version())


def add_command_parsers(subparsers):
    """Add the ``db`` command and its actions to the argument parser.

    :param subparsers: the argparse sub-parsers oslo.config hands over.
    """
    db_commands = DBCommands()

    db_parser = subparsers.add_parser(
        'db', help='Create and migrate the HaStack database.')
    actions = db_parser.add_subparsers(title='Database actions',
                                       dest='action')
    actions.required = True

    sync_parser = actions.add_parser(
        'sync', help='Create the tables or migrate them to a newer schema.')
    sync_parser.add_argument(
        '--revision', default='head',
        help='The alembic revision to migrate to (default: head, the '
             'newest).')
    sync_parser.set_defaults(func=db_commands.sync)

    version_parser = actions.add_parser(
        'version', help='Print the schema revision of the database.')
    version_parser.set_defaults(func=db_commands.version)


command_opt = cfg.SubCommandOpt('command',
                                title='Commands',
                                help='Available commands',
                                handler=add_command_parsers)


def _one_line(exc):
    """The first line of an error's message, without SQL or hints."""
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def main(argv=None):
    """Run hastack-manage.

    :param argv: the command line without the program name; by default
        ``sys.argv[1:]``.
    :returns: the exit status: 0 on success, 1 on a database error.
    """
    if argv is None:
        argv = sys.argv[1:]
    # NOTE(hastack): registered here rather than on import: hastack-status
    # registers its own 'command' option on the same global CONF, and tests
    # import both modules into one process.
    CONF.register_cli_opt(command_opt)
    logging.register_options(CONF)
    # NOTE(hastack): alembic logs every connection it inspects at INFO; on
    # stdout that would bury the one line 'db version' prints for scripts.
    logging.set_defaults(default_log_levels=(
        logging.get_default_log_levels() + ['alembic=WARNING']))
    CONF(argv, project='hastack', version=hastack_version.version_string)
    logging.setup(CONF, 'hastack')

    try:
        CONF.command.func()
    except DATABASE_ERRORS as exc:
        LOG.debug('hastack-manage %s %s failed', CONF.command.name,
                  CONF.command.action, exc_info=True)
        print('hastack-manage: error: db %s failed: %s'
              % (CONF.command.action, _one_line(exc)), file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
