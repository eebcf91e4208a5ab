"""Tests of hastack.db.migration and the initial migration, on SQLite."""

import datetime
import json
import os
from unittest import mock

import fixtures
from oslo_utils import uuidutils
from oslotest import base
import sqlalchemy as sa

from hastack.conductor import strategy
from hastack.db import migration
from hastack.db import models

VERSIONS_DIR = os.path.join(os.path.dirname(migration.__file__),
                            'migrations', 'versions')


class MigrationTestCase(base.BaseTestCase):

    def setUp(self):
        super().setUp()
        tmp = self.useFixture(fixtures.TempDir()).path
        self.engine = sa.create_engine(
            'sqlite:///%s' % os.path.join(tmp, 'hastack.sqlite'))
        self.addCleanup(self.engine.dispose)

    def _rows(self, table):
        with self.engine.connect() as connection:
            return connection.execute(
                sa.text('SELECT * FROM %s ORDER BY id' % table)
            ).mappings().all()

    def test_version_of_empty_database_is_none(self):
        self.assertIsNone(migration.version(self.engine))

    def test_head_is_the_instances_index_revision(self):
        self.assertEqual('5f3a9c2e7b10', migration.head())

    def test_upgrade_indexes_instances_list_order(self):
        migration.upgrade(engine=self.engine)

        indexes = {i['name']: i['column_names'] for i in
                   sa.inspect(self.engine).get_indexes('instances')}
        self.assertEqual(['created_at', 'id'],
                         indexes['instances_created_at_idx'])

    def test_upgrade_creates_every_model_table(self):
        migration.upgrade(engine=self.engine)

        tables = set(sa.inspect(self.engine).get_table_names())
        self.assertEqual(set(models.Base.metadata.tables) | {
            'alembic_version'}, tables)
        self.assertEqual(migration.head(), migration.version(self.engine))

    def test_upgrade_inserts_default_strategy(self):
        migration.upgrade(engine=self.engine)

        strategies = self._rows('strategies')
        self.assertEqual(1, len(strategies))
        default = strategies[0]
        self.assertEqual('default', default['name'])
        self.assertTrue(uuidutils.is_uuid_like(default['uuid']))
        self.assertTrue(default['description'])
        self.assertIsNotNone(default['created_at'])
        self.assertIsNone(default['updated_at'])
        # The stored text is json.dumps of the rules in table order.
        self.assertEqual(json.dumps([dict(r) for r in
                                     strategy.DEFAULT_RULES]),
                         default['rules'])
        rules = json.loads(default['rules'])
        self.assertEqual(rules, strategy.validate_rules(rules))

    def test_upgrade_inserts_ha_status_row(self):
        before = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
        migration.upgrade(engine=self.engine)

        statuses = self._rows('ha_status')
        self.assertEqual(1, len(statuses))
        status = statuses[0]
        self.assertEqual(1, status['id'])
        self.assertFalse(status['ha_maintenance'])
        self.assertFalse(status['self_defense'])
        self.assertIsNone(status['self_defense_since'])
        self.assertIsNone(status['maintenance_reason'])
        self.assertEqual(self._rows('strategies')[0]['uuid'],
                         status['active_strategy_uuid'])
        created = datetime.datetime.fromisoformat(status['created_at'])
        self.assertIsNone(created.tzinfo)
        self.assertLessEqual(before, created)
        self.assertLess(created - before, datetime.timedelta(minutes=1))

    def test_ha_status_row_reads_through_the_model(self):
        migration.upgrade(engine=self.engine)

        with sa.orm.Session(self.engine) as session:
            status = session.get(models.HAStatus, 1)
            active = session.scalars(
                sa.select(models.Strategy).where(
                    models.Strategy.uuid == status.active_strategy_uuid)
            ).one()
        self.assertIs(False, status.ha_maintenance)
        self.assertIs(False, status.self_defense)
        self.assertEqual('default', active.name)
        self.assertIsInstance(status.created_at, datetime.datetime)

    def test_upgrade_again_changes_nothing(self):
        migration.upgrade(engine=self.engine)
        strategies = self._rows('strategies')

        migration.upgrade(engine=self.engine)

        self.assertEqual(strategies, self._rows('strategies'))
        self.assertEqual(1, len(self._rows('ha_status')))

    def test_upgrade_without_engine_uses_db_api_engine(self):
        with mock.patch('hastack.db.api.get_engine',
                        return_value=self.engine) as get_engine:
            migration.upgrade()
            self.assertEqual(migration.head(), migration.version())
        self.assertEqual(2, get_engine.call_count)

    def test_unique_constraints_hold(self):
        migration.upgrade(engine=self.engine)
        row = self._rows('strategies')[0]
        insert = sa.text(
            "INSERT INTO strategies (created_at, uuid, name, rules) "
            "VALUES (:now, :uuid, :name, '[]')")

        with self.engine.connect() as connection:
            self.assertRaises(
                sa.exc.IntegrityError, connection.execute, insert,
                {'now': row['created_at'], 'uuid': uuidutils.generate_uuid(),
                 'name': row['name']})


class MigrationScriptsTestCase(base.BaseTestCase):

    def test_migrations_never_import_hastack(self):
        # NOTE(hastack): a migration that imported the models (or anything
        # else of HaStack's) would change what it creates when they change.
        for name in os.listdir(VERSIONS_DIR):
            if not name.endswith('.py') or name == '__init__.py':
                continue
            with open(os.path.join(VERSIONS_DIR, name)) as source:
                text = source.read()
            self.assertNotIn('import hastack', text, name)
            self.assertNotIn('from hastack', text, name)

    def test_alembic_config_points_at_the_package(self):
        config = migration._config()
        self.assertEqual(
            os.path.dirname(VERSIONS_DIR),
            os.path.normpath(config.get_main_option('script_location')))
