"""Initial schema: every table, the default strategy and the HA status row.

Revision ID: 3d1bf05b9477
Revises:
Create Date: 2026-11-25 04:10:00
"""

import datetime
import json
import uuid

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

# revision identifiers, used by Alembic.
revision = '3d1bf05b9477'
down_revision = None
branch_labels = None
depends_on = None

# NOTE(hastack): the types are spelled out here rather than taken from
# hastack.db.models: a migration must keep creating the schema it created
# on the day it was written, whatever the models become later.
# MySQL's DATETIME drops microseconds unless given a precision.
DATETIME = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql',
                                      'mariadb')
JSON_TEXT = sa.Text().with_variant(mysql.MEDIUMTEXT(), 'mysql', 'mariadb')

TABLE_KWARGS = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8mb4'}

DEFAULT_STRATEGY_NAME = 'default'
DEFAULT_STRATEGY_DESCRIPTION = (
    'The design table: recover unless management and storage, or service '
    'and storage, still answer.')
# NOTE(hastack): a copy of hastack.conductor.strategy.DEFAULT_RULES as it
# was when this migration was written, in the same order; the data this
# migration writes must not change if that constant does.
DEFAULT_STRATEGY_RULES = [
    {'mgmt': 'down', 'service': 'down', 'storage': 'down', 'recover': True},
    {'mgmt': 'down', 'service': 'down', 'storage': 'up', 'recover': True},
    {'mgmt': 'down', 'service': 'up', 'storage': 'down', 'recover': True},
    {'mgmt': 'down', 'service': 'up', 'storage': 'up', 'recover': False},
    {'mgmt': 'up', 'service': 'down', 'storage': 'down', 'recover': True},
    {'mgmt': 'up', 'service': 'down', 'storage': 'up', 'recover': False},
    {'mgmt': 'up', 'service': 'up', 'storage': 'down', 'recover': True},
    {'mgmt': 'up', 'service': 'up', 'storage': 'up', 'recover': False},
]


def upgrade():
    """Create HaStack's tables and the rows every deployment starts with."""
    _create_tables()
    _insert_defaults()


def _create_tables():
    op.create_table(
        'hosts',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('created_at', DATETIME, nullable=False),
        sa.Column('updated_at', DATETIME, nullable=True),
        sa.Column('uuid', sa.String(36), nullable=False),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('state', sa.String(16), nullable=False),
        sa.Column('state_since', DATETIME, nullable=False),
        sa.Column('ha_enabled', sa.Boolean, nullable=False),
        sa.Column('maintenance', sa.Boolean, nullable=False),
        sa.Column('maintenance_reason', sa.String(255), nullable=True),
        sa.Column('mgmt_status', sa.String(8), nullable=False),
        sa.Column('mgmt_last_seen', DATETIME, nullable=True),
        sa.Column('service_status', sa.String(8), nullable=False),
        sa.Column('service_last_seen', DATETIME, nullable=True),
        sa.Column('storage_status', sa.String(8), nullable=False),
        sa.Column('storage_last_seen', DATETIME, nullable=True),
        sa.Column('failure_uuid', sa.String(36), nullable=True),
        sa.Column('agent_version', sa.String(64), nullable=True),
        sa.UniqueConstraint('name', name='uniq_hosts0name'),
        sa.UniqueConstraint('uuid', name='uniq_hosts0uuid'),
        sa.Index('hosts_state_idx', 'state'),
        **TABLE_KWARGS,
    )

    op.create_table(
        'instances',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('created_at', DATETIME, nullable=False),
        sa.Column('updated_at', DATETIME, nullable=True),
        sa.Column('uuid', sa.String(36), nullable=False),
        sa.Column('name', sa.String(255), nullable=True),
        sa.Column('project_id', sa.String(255), nullable=False),
        sa.Column('host', sa.String(255), nullable=True),
        sa.Column('status', sa.String(32), nullable=True),
        sa.Column('ha_enabled', sa.Boolean, nullable=False),
        sa.Column('priority', sa.Integer, nullable=False),
        sa.UniqueConstraint('uuid', name='uniq_instances0uuid'),
        sa.Index('instances_host_idx', 'host'),
        sa.Index('instances_project_id_idx', 'project_id'),
        **TABLE_KWARGS,
    )

    op.create_table(
        'strategies',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('created_at', DATETIME, nullable=False),
        sa.Column('updated_at', DATETIME, nullable=True),
        sa.Column('uuid', sa.String(36), nullable=False),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('description', sa.Text, nullable=True),
        sa.Column('rules', JSON_TEXT, nullable=False),
        sa.UniqueConstraint('uuid', name='uniq_strategies0uuid'),
        sa.UniqueConstraint('name', name='uniq_strategies0name'),
        **TABLE_KWARGS,
    )

    op.create_table(
        'failures',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('created_at', DATETIME, nullable=False),
        sa.Column('updated_at', DATETIME, nullable=True),
        sa.Column('uuid', sa.String(36), nullable=False),
        sa.Column('host', sa.String(255), nullable=False),
        sa.Column('sequence', sa.Integer, nullable=False),
        sa.Column('vector', sa.String(64), nullable=False),
        sa.Column('detected_at', DATETIME, nullable=False),
        sa.Column('closed_at', DATETIME, nullable=True),
        sa.UniqueConstraint('uuid', name='uniq_failures0uuid'),
        # One recovery per failure: a second conductor's insert of the
        # same (host, sequence) fails.
        sa.UniqueConstraint('host', 'sequence',
                            name='uniq_failures0host0sequence'),
        **TABLE_KWARGS,
    )

    op.create_table(
        'tasks',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('created_at', DATETIME, nullable=False),
        sa.Column('updated_at', DATETIME, nullable=True),
        sa.Column('uuid', sa.String(36), nullable=False),
        sa.Column('type', sa.String(16), nullable=False),
        sa.Column('state', sa.String(16), nullable=False),
        sa.Column('host', sa.String(255), nullable=False),
        sa.Column('instance_uuid', sa.String(36), nullable=True),
        sa.Column('project_id', sa.String(255), nullable=True),
        sa.Column('failure_uuid', sa.String(36), nullable=True),
        sa.Column('dedup_key', sa.String(255), nullable=False),
        sa.Column('priority', sa.Integer, nullable=False),
        sa.Column('attempts', sa.Integer, nullable=False),
        sa.Column('max_attempts', sa.Integer, nullable=False),
        sa.Column('last_error', sa.Text, nullable=True),
        sa.Column('fence_proof', JSON_TEXT, nullable=True),
        sa.Column('owner', sa.String(255), nullable=True),
        sa.Column('owner_heartbeat', DATETIME, nullable=True),
        sa.Column('next_attempt_at', DATETIME, nullable=True),
        sa.Column('started_at', DATETIME, nullable=True),
        sa.Column('finished_at', DATETIME, nullable=True),
        sa.UniqueConstraint('uuid', name='uniq_tasks0uuid'),
        # The same failure can never get two tasks for the same target.
        sa.UniqueConstraint('dedup_key', name='uniq_tasks0dedup_key'),
        sa.Index('tasks_state_idx', 'state'),
        sa.Index('tasks_host_idx', 'host'),
        sa.Index('tasks_instance_uuid_idx', 'instance_uuid'),
        sa.Index('tasks_project_id_idx', 'project_id'),
        **TABLE_KWARGS,
    )

    op.create_table(
        'events',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('created_at', DATETIME, nullable=False),
        sa.Column('updated_at', DATETIME, nullable=True),
        sa.Column('uuid', sa.String(36), nullable=False),
        sa.Column('severity', sa.String(16), nullable=False),
        sa.Column('type', sa.String(64), nullable=False),
        sa.Column('host', sa.String(255), nullable=True),
        sa.Column('instance_uuid', sa.String(36), nullable=True),
        sa.Column('project_id', sa.String(255), nullable=True),
        sa.Column('message', sa.Text, nullable=False),
        sa.Column('request_id', sa.String(64), nullable=True),
        sa.Column('acknowledged', sa.Boolean, nullable=False),
        sa.Column('acknowledged_by', sa.String(255), nullable=True),
        sa.Column('acknowledged_at', DATETIME, nullable=True),
        sa.UniqueConstraint('uuid', name='uniq_events0uuid'),
        sa.Index('events_created_at_idx', 'created_at'),
        sa.Index('events_host_idx', 'host'),
        sa.Index('events_project_id_idx', 'project_id'),
        **TABLE_KWARGS,
    )

    op.create_table(
        'settings',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('created_at', DATETIME, nullable=False),
        sa.Column('updated_at', DATETIME, nullable=True),
        sa.Column('key', sa.String(64), nullable=False),
        sa.Column('value', sa.String(255), nullable=False),
        sa.Column('updated_by', sa.String(255), nullable=True),
        sa.UniqueConstraint('key', name='uniq_settings0key'),
        **TABLE_KWARGS,
    )

    op.create_table(
        'ha_status',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('created_at', DATETIME, nullable=False),
        sa.Column('updated_at', DATETIME, nullable=True),
        sa.Column('ha_maintenance', sa.Boolean, nullable=False),
        sa.Column('maintenance_reason', sa.String(255), nullable=True),
        sa.Column('maintenance_updated_by', sa.String(255), nullable=True),
        sa.Column('maintenance_updated_at', DATETIME, nullable=True),
        sa.Column('self_defense', sa.Boolean, nullable=False),
        sa.Column('self_defense_since', DATETIME, nullable=True),
        sa.Column('active_strategy_uuid', sa.String(36), nullable=False),
        **TABLE_KWARGS,
    )

    op.create_table(
        'components',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('created_at', DATETIME, nullable=False),
        sa.Column('updated_at', DATETIME, nullable=True),
        sa.Column('name', sa.String(64), nullable=False),
        sa.Column('status', sa.String(16), nullable=False),
        sa.Column('detail', sa.Text, nullable=True),
        sa.UniqueConstraint('name', name='uniq_components0name'),
        **TABLE_KWARGS,
    )


def _insert_defaults():
    # NOTE(hastack): HaStack needs exactly one active strategy from the
    # first start on (ha_status.active_strategy_uuid is NOT NULL), so the
    # schema is born with the design's default strategy and the single
    # ha_status row pointing at it.
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    strategy_uuid = str(uuid.uuid4())

    strategies = sa.table(
        'strategies',
        sa.column('created_at', DATETIME),
        sa.column('uuid', sa.String),
        sa.column('name', sa.String),
        sa.column('description', sa.Text),
        sa.column('rules', JSON_TEXT),
    )
    op.bulk_insert(strategies, [{
        'created_at': now,
        'uuid': strategy_uuid,
        'name': DEFAULT_STRATEGY_NAME,
        'description': DEFAULT_STRATEGY_DESCRIPTION,
        'rules': json.dumps(DEFAULT_STRATEGY_RULES),
    }])

    ha_status = sa.table(
        'ha_status',
        sa.column('id', sa.Integer),
        sa.column('created_at', DATETIME),
        sa.column('ha_maintenance', sa.Boolean),
        sa.column('self_defense', sa.Boolean),
        sa.column('active_strategy_uuid', sa.String),
    )
    op.bulk_insert(ha_status, [{
        'id': 1,
        'created_at': now,
        'ha_maintenance': False,
        'self_defense': False,
        'active_strategy_uuid': strategy_uuid,
    }])
