"""Schema migrations: bring a database to a revision, read its revision.

``hastack-manage db sync`` and ``hastack-status upgrade check`` use these
functions; the migrations themselves live in ``hastack/db/migrations``.
"""

import os

from alembic import command as alembic_command
from alembic import config as alembic_config
from alembic import migration as alembic_migration
from alembic import script as alembic_script

_ALEMBIC_INI = os.path.join(os.path.dirname(__file__), 'migrations',
                            'alembic.ini')


def _config():
    """An alembic Config for HaStack's migrations.

    :returns: an ``alembic.config.Config`` read from the package's
        ``alembic.ini``.
    """
    return alembic_config.Config(_ALEMBIC_INI)


def _engine(engine):
    if engine is not None:
        return engine
    # NOTE(hastack): imported here, not at the top: hastack.db.api pulls in
    # the enginefacade and the models, which the migrations must not depend
    # on, and callers that pass their own engine never need it.
    from hastack.db import api as db_api
    return db_api.get_engine()


def upgrade(revision='head', engine=None):
    """Migrate the database up to ``revision``.

    :param revision: the alembic revision to reach; 'head' for the newest.
    :param engine: the SQLAlchemy engine of the database; by default the
        writer engine of ``[database] connection``.
    :raises sqlalchemy.exc.DBAPIError: (or oslo.db's wrappers) the database
        refused a statement or could not be reached.
    :raises alembic.util.CommandError: ``revision`` is unknown.
    """
    engine = _engine(engine)
    config = _config()
    # NOTE(hastack): one connection for all the revisions, handed to env.py;
    # engine.begin() commits once they have all run (and on PostgreSQL,
    # whose DDL is transactional, a failed upgrade leaves nothing behind).
    with engine.begin() as connection:
        config.attributes['connection'] = connection
        alembic_command.upgrade(config, revision)


def version(engine=None):
    """The revision the database is at.

    :param engine: the SQLAlchemy engine of the database; by default the
        writer engine of ``[database] connection``.
    :returns: the current alembic revision, or None for a database that
        was never migrated.
    :raises sqlalchemy.exc.DBAPIError: the database could not be read.
    """
    engine = _engine(engine)
    with engine.connect() as connection:
        context = alembic_migration.MigrationContext.configure(connection)
        return context.get_current_revision()


def head():
    """The newest revision HaStack's migrations know.

    :returns: the alembic revision 'head' stands for.
    """
    scripts = alembic_script.ScriptDirectory.from_config(_config())
    return scripts.get_current_head()
