"""The alembic environment of HaStack's database.

Alembic runs this module for every migration command. It migrates the
connection the caller handed over in ``config.attributes['connection']``
(what :mod:`hastack.db.migration` and so ``hastack-manage db sync`` do),
or else one made from ``[database] connection`` of ``hastack.conf.CONF``
(when a developer runs the ``alembic`` command by hand).
"""

from logging import config as logging_config

from alembic import context
import sqlalchemy as sa
from sqlalchemy import pool

config = context.config

# NOTE(hastack): only the bare alembic command line gets logging from
# alembic.ini; hastack-manage has set up oslo.log already, and fileConfig()
# would silence its loggers.
if (config.attributes.get('connection') is None
        and config.config_file_name is not None):
    logging_config.fileConfig(config.config_file_name,
                              disable_existing_loggers=False)


def _configured_url():
    """The ``[database] connection`` URL of HaStack's configuration."""
    from hastack import conf
    return conf.CONF.database.connection


def _run(connection):
    """Run the pending migrations on ``connection``."""
    context.configure(
        connection=connection,
        # NOTE(hastack): the migrations carry literal table definitions and
        # never import the models, so there is no target metadata here;
        # tests/functional/db/test_migrations.py compares the two instead.
        target_metadata=None,
        # SQLite can only ALTER a table by copying it; batch mode lets
        # later migrations do that.
        render_as_batch=connection.dialect.name == 'sqlite',
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline():
    """Write the migrations as SQL to stdout (``alembic upgrade --sql``)."""
    context.configure(url=_configured_url(), literal_binds=True,
                      dialect_opts={'paramstyle': 'named'})
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run the migrations on the given connection or a configured one."""
    connection = config.attributes.get('connection')
    if connection is not None:
        _run(connection)
        return
    # NOTE(hastack): a one-shot command keeps no pool: the connection is
    # closed as soon as the migrations end.
    engine = sa.create_engine(_configured_url(), poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
