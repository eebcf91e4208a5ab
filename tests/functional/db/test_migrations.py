"""The migrations on real databases: SQLite, MariaDB/MySQL and PostgreSQL.

oslo.db's opportunistic fixtures log in as openstack_citest (password
openstack_citest) on localhost and create a throwaway database per test;
``tools/setup-test-databases.sh`` creates that account. A test whose
database server cannot be reached is skipped, or fails when
``HASTACK_TEST_REQUIRE_DBS=1`` (CI sets it, so a dead server cannot turn the
run green).
"""

import json
import os

from alembic import script as alembic_script
from oslo_db.sqlalchemy import test_fixtures
from oslo_db.sqlalchemy import test_migrations
from oslo_utils import uuidutils
import sqlalchemy as sa
import testtools

from hastack.conductor import strategy
from hastack.db import api as db_api
from hastack.db import migration
from hastack.db import models

REQUIRE_DBS = os.environ.get('HASTACK_TEST_REQUIRE_DBS') == '1'


class _HastackFacadeMixin:
    """Provision the database behind hastack.db.api's enginefacade.

    With it, ``hastack.db.api.get_engine()``, and so
    ``migration.upgrade()`` with no engine, reach the throwaway database
    exactly as ``hastack-manage db sync`` reaches the configured one.
    """

    def get_enginefacade(self):
        return db_api.context_manager


class SQLiteFixture(_HastackFacadeMixin,
                    test_fixtures.OpportunisticDbFixture):
    """A throwaway SQLite database."""


class MySQLFixture(_HastackFacadeMixin,
                   test_fixtures.MySQLOpportunisticFixture):
    """A throwaway MariaDB/MySQL database."""


class PostgresqlFixture(_HastackFacadeMixin,
                        test_fixtures.PostgresqlOpportunisticFixture):
    """A throwaway PostgreSQL database."""


class _DatabaseTestMixin(test_fixtures.OpportunisticDBTestMixin):

    FIXTURE = SQLiteFixture
    SKIP_ON_UNAVAILABLE_DB = not REQUIRE_DBS

    def setUp(self):
        super().setUp()
        self.engine = db_api.get_engine()


class _WalkMigrations(_DatabaseTestMixin):
    """Upgrade an empty database one revision at a time.

    For a revision ``R``, ``_pre_upgrade_R(engine)`` may prepare data
    before it runs and ``_check_R(engine, data)`` checks the result.
    """

    def test_walk_versions(self):
        scripts = alembic_script.ScriptDirectory.from_config(
            migration._config())
        revisions = [script.revision
                     for script in reversed(list(scripts.walk_revisions()))]
        self.assertEqual(migration.head(), revisions[-1])

        self.assertIsNone(migration.version())
        for revision in revisions:
            pre_upgrade = getattr(self, '_pre_upgrade_%s' % revision, None)
            data = pre_upgrade(self.engine) if pre_upgrade else None
            migration.upgrade(revision)
            self.assertEqual(revision, migration.version())
            check = getattr(self, '_check_%s' % revision, None)
            if check:
                check(self.engine, data)

    def _check_3d1bf05b9477(self, engine, data):
        tables = set(sa.inspect(engine).get_table_names())
        self.assertEqual({'hosts', 'instances', 'strategies', 'failures',
                          'tasks', 'events', 'settings', 'ha_status',
                          'components'},
                         tables - {'alembic_version'})

        with engine.connect() as connection:
            strategies = connection.execute(
                sa.text('SELECT uuid, name, rules FROM strategies')
            ).all()
            statuses = connection.execute(
                sa.text('SELECT id, ha_maintenance, self_defense, '
                        'active_strategy_uuid, created_at FROM ha_status')
            ).all()
        self.assertEqual(1, len(strategies))
        self.assertEqual('default', strategies[0].name)
        self.assertTrue(uuidutils.is_uuid_like(strategies[0].uuid))
        self.assertEqual([dict(r) for r in strategy.DEFAULT_RULES],
                         json.loads(strategies[0].rules))

        self.assertEqual(1, len(statuses))
        self.assertEqual(1, statuses[0].id)
        self.assertFalse(statuses[0].ha_maintenance)
        self.assertFalse(statuses[0].self_defense)
        self.assertEqual(strategies[0].uuid,
                         statuses[0].active_strategy_uuid)
        self.assertIsNotNone(statuses[0].created_at)

        # The rows read back through the models on every backend: booleans
        # are booleans and the timestamp is naive.
        with sa.orm.Session(engine) as session:
            ha_status = session.get(models.HAStatus, 1)
            self.assertIs(False, ha_status.ha_maintenance)
            self.assertIs(False, ha_status.self_defense)
            self.assertIsNone(ha_status.created_at.tzinfo)


    def _check_8b2f4c6d1e3a(self, engine, data):
        inspector = sa.inspect(engine)
        self.assertIn('messages', inspector.get_table_names())
        columns = {c['name'] for c in inspector.get_columns('hosts')}
        self.assertLessEqual({'fence_grant_until', 'fence_grant_reason',
                              'storage_ok'}, columns)
        uniques = {u['name'] for u in
                   inspector.get_unique_constraints('messages')}
        self.assertIn('uniq_messages0message_id', uniques)


class TestWalkMigrationsSQLite(_WalkMigrations, testtools.TestCase):
    FIXTURE = SQLiteFixture


class TestWalkMigrationsMySQL(_WalkMigrations, testtools.TestCase):
    FIXTURE = MySQLFixture


class TestWalkMigrationsPostgreSQL(_WalkMigrations, testtools.TestCase):
    FIXTURE = PostgresqlFixture


class _ModelsMigrationsSync(_DatabaseTestMixin,
                            test_migrations.ModelsMigrationsSync):
    """The schema the migrations create is the schema the models describe."""

    def get_engine(self):
        return self.engine

    def get_metadata(self):
        return models.Base.metadata

    def db_sync(self, engine):
        migration.upgrade(engine=engine)


class TestModelsSyncSQLite(_ModelsMigrationsSync, testtools.TestCase):
    FIXTURE = SQLiteFixture


class TestModelsSyncMySQL(_ModelsMigrationsSync, testtools.TestCase):
    FIXTURE = MySQLFixture


class TestModelsSyncPostgreSQL(_ModelsMigrationsSync, testtools.TestCase):
    FIXTURE = PostgresqlFixture


class TestMySQLSchemaDetails(_DatabaseTestMixin, testtools.TestCase):
    """What alembic's comparison does not look at on MariaDB/MySQL."""

    FIXTURE = MySQLFixture

    def setUp(self):
        super().setUp()
        migration.upgrade()

    def _query(self, query):
        with self.engine.connect() as connection:
            return connection.execute(sa.text(query)).all()

    def test_tables_are_innodb_utf8mb4(self):
        rows = self._query(
            'SELECT table_name, engine, table_collation '
            'FROM information_schema.tables '
            'WHERE table_schema = DATABASE()')

        self.assertEqual(set(models.Base.metadata.tables) | {
            'alembic_version'}, {row[0] for row in rows})
        for name, engine, collation in rows:
            if name == 'alembic_version':
                continue
            self.assertEqual('InnoDB', engine, name)
            self.assertTrue(collation.startswith('utf8mb4'),
                            '%s: %s' % (name, collation))

    def test_datetime_columns_keep_microseconds(self):
        # NOTE(hastack): alembic compares DATETIME with DATETIME(6) as
        # equal, so the models-sync test cannot see a lost precision.
        rows = self._query(
            "SELECT table_name, column_name, datetime_precision "
            "FROM information_schema.columns "
            "WHERE table_schema = DATABASE() AND data_type = 'datetime'")
        expected = {
            (table.name, column.name): 6
            for table in models.Base.metadata.tables.values()
            for column in table.columns
            if isinstance(column.type, sa.DateTime)}

        self.assertTrue(expected)
        self.assertEqual(expected, {(table, column): precision
                                    for table, column, precision in rows})
