"""SQLAlchemy models of HaStack's tables.

The alembic migrations under ``hastack/db/migrations`` create exactly these
tables; ``tests/functional/db/test_migrations.py`` checks that the two never
drift apart on SQLite, MariaDB and PostgreSQL.
"""

import datetime

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.dialects import mysql


def _utcnow():
    """Naive UTC now: every timestamp column stores UTC without a zone."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


# NOTE(hastack): MySQL's DATETIME drops microseconds unless asked; event and
# heartbeat ordering needs them.
DateTime = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql',
                                      'mariadb')
# JSON text documents (strategy rules, task proofs, setting values) are kept
# as TEXT so the three databases store them alike.
JsonText = sa.Text().with_variant(mysql.MEDIUMTEXT(), 'mysql', 'mariadb')


class Base(orm.DeclarativeBase):
    """Base of every model: an integer id and created/updated stamps."""

    id: orm.Mapped[int] = orm.mapped_column(sa.Integer, primary_key=True,
                                            autoincrement=True)
    created_at: orm.Mapped[datetime.datetime] = orm.mapped_column(
        DateTime, nullable=False, default=_utcnow)
    updated_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column(
        DateTime, nullable=True, onupdate=_utcnow)

    __table_args__ = {'mysql_engine': 'InnoDB',
                      'mysql_charset': 'utf8mb4'}


class Host(Base):
    """A compute host that HaStack watches on three planes."""

    __tablename__ = 'hosts'
    __table_args__ = (
        sa.UniqueConstraint('name', name='uniq_hosts0name'),
        sa.UniqueConstraint('uuid', name='uniq_hosts0uuid'),
        sa.Index('hosts_state_idx', 'state'),
        Base.__table_args__,
    )

    uuid = orm.mapped_column(sa.String(36), nullable=False)
    name = orm.mapped_column(sa.String(255), nullable=False)
    state = orm.mapped_column(sa.String(16), nullable=False)
    # When the host entered its current state; grace is counted from the
    # moment it became suspect.
    state_since = orm.mapped_column(DateTime, nullable=False)
    ha_enabled = orm.mapped_column(sa.Boolean, nullable=False)
    maintenance = orm.mapped_column(sa.Boolean, nullable=False)
    maintenance_reason = orm.mapped_column(sa.String(255), nullable=True)
    mgmt_status = orm.mapped_column(sa.String(8), nullable=False)
    mgmt_last_seen = orm.mapped_column(DateTime, nullable=True)
    service_status = orm.mapped_column(sa.String(8), nullable=False)
    service_last_seen = orm.mapped_column(DateTime, nullable=True)
    storage_status = orm.mapped_column(sa.String(8), nullable=False)
    storage_last_seen = orm.mapped_column(DateTime, nullable=True)
    # The failure being handled now, if any (see Failure).
    failure_uuid = orm.mapped_column(sa.String(36), nullable=True)
    agent_version = orm.mapped_column(sa.String(64), nullable=True)
    # A "no-fence" answer to the host's fencing event stands until then;
    # its instances are never recovered while it does (design.md 5).
    fence_grant_until = orm.mapped_column(DateTime, nullable=True)
    fence_grant_reason = orm.mapped_column(sa.String(255), nullable=True)
    # Whether the agent's heartbeats say the shared folder works (None:
    # no heartbeat says).
    storage_ok = orm.mapped_column(sa.Boolean, nullable=True)


class Instance(Base):
    """An instance HaStack knows of, with its HA flag and priority."""

    __tablename__ = 'instances'
    __table_args__ = (
        sa.UniqueConstraint('uuid', name='uniq_instances0uuid'),
        sa.Index('instances_host_idx', 'host'),
        sa.Index('instances_project_id_idx', 'project_id'),
        # GET /v1/instances lists by (created_at, id) unless asked
        # otherwise: a page is read from this index, not sorted from the
        # whole table.
        sa.Index('instances_created_at_idx', 'created_at', 'id'),
        Base.__table_args__,
    )

    uuid = orm.mapped_column(sa.String(36), nullable=False)
    name = orm.mapped_column(sa.String(255), nullable=True)
    project_id = orm.mapped_column(sa.String(255), nullable=False)
    host = orm.mapped_column(sa.String(255), nullable=True)
    # Nova's server status (ACTIVE, SHUTOFF, ERROR, ...), as last seen.
    status = orm.mapped_column(sa.String(32), nullable=True)
    ha_enabled = orm.mapped_column(sa.Boolean, nullable=False)
    # Higher priority instances are evacuated first.
    priority = orm.mapped_column(sa.Integer, nullable=False)


class Strategy(Base):
    """A named HA strategy: one recover/no-recover rule per plane vector."""

    __tablename__ = 'strategies'
    __table_args__ = (
        sa.UniqueConstraint('uuid', name='uniq_strategies0uuid'),
        sa.UniqueConstraint('name', name='uniq_strategies0name'),
        Base.__table_args__,
    )

    uuid = orm.mapped_column(sa.String(36), nullable=False)
    name = orm.mapped_column(sa.String(255), nullable=False)
    description = orm.mapped_column(sa.Text, nullable=True)
    # JSON list of {"mgmt", "service", "storage", "recover"}.
    rules = orm.mapped_column(JsonText, nullable=False)


class Failure(Base):
    """One failure of one host: every recovery task for it shares its uuid.

    The unique (host, sequence) pair makes "one recovery per failure" a
    database guarantee: two conductors that see the same failure both try
    to insert the host's next sequence number and only one succeeds.
    """

    __tablename__ = 'failures'
    __table_args__ = (
        sa.UniqueConstraint('uuid', name='uniq_failures0uuid'),
        sa.UniqueConstraint('host', 'sequence',
                            name='uniq_failures0host0sequence'),
        Base.__table_args__,
    )

    uuid = orm.mapped_column(sa.String(36), nullable=False)
    host = orm.mapped_column(sa.String(255), nullable=False)
    sequence = orm.mapped_column(sa.Integer, nullable=False)
    # The plane vector that made it a failure: "mgmt,service,storage"
    # statuses, e.g. "down,down,up".
    vector = orm.mapped_column(sa.String(64), nullable=False)
    detected_at = orm.mapped_column(DateTime, nullable=False)
    closed_at = orm.mapped_column(DateTime, nullable=True)


class Task(Base):
    """A persistent HA task (fence, force down, evacuate, ...)."""

    __tablename__ = 'tasks'
    __table_args__ = (
        sa.UniqueConstraint('uuid', name='uniq_tasks0uuid'),
        # "<failure>:<type>:<instance or host>": a second signal for the
        # same failure can never create a second task for the same thing.
        sa.UniqueConstraint('dedup_key', name='uniq_tasks0dedup_key'),
        sa.Index('tasks_state_idx', 'state'),
        sa.Index('tasks_host_idx', 'host'),
        sa.Index('tasks_instance_uuid_idx', 'instance_uuid'),
        sa.Index('tasks_project_id_idx', 'project_id'),
        Base.__table_args__,
    )

    uuid = orm.mapped_column(sa.String(36), nullable=False)
    type = orm.mapped_column(sa.String(16), nullable=False)
    state = orm.mapped_column(sa.String(16), nullable=False)
    host = orm.mapped_column(sa.String(255), nullable=False)
    instance_uuid = orm.mapped_column(sa.String(36), nullable=True)
    project_id = orm.mapped_column(sa.String(255), nullable=True)
    failure_uuid = orm.mapped_column(sa.String(36), nullable=True)
    dedup_key = orm.mapped_column(sa.String(255), nullable=False)
    priority = orm.mapped_column(sa.Integer, nullable=False)
    attempts = orm.mapped_column(sa.Integer, nullable=False)
    max_attempts = orm.mapped_column(sa.Integer, nullable=False)
    last_error = orm.mapped_column(sa.Text, nullable=True)
    # JSON {kind, detail, at}: why evacuating is safe.
    fence_proof = orm.mapped_column(JsonText, nullable=True)
    # The conductor running it and when it last said so; a stale heartbeat
    # lets another conductor take the task over.
    owner = orm.mapped_column(sa.String(255), nullable=True)
    owner_heartbeat = orm.mapped_column(DateTime, nullable=True)
    next_attempt_at = orm.mapped_column(DateTime, nullable=True)
    started_at = orm.mapped_column(DateTime, nullable=True)
    finished_at = orm.mapped_column(DateTime, nullable=True)


class Event(Base):
    """An event or alarm: every state change and every HA decision."""

    __tablename__ = 'events'
    __table_args__ = (
        sa.UniqueConstraint('uuid', name='uniq_events0uuid'),
        sa.Index('events_created_at_idx', 'created_at'),
        sa.Index('events_host_idx', 'host'),
        sa.Index('events_project_id_idx', 'project_id'),
        Base.__table_args__,
    )

    uuid = orm.mapped_column(sa.String(36), nullable=False)
    severity = orm.mapped_column(sa.String(16), nullable=False)
    type = orm.mapped_column(sa.String(64), nullable=False)
    host = orm.mapped_column(sa.String(255), nullable=True)
    instance_uuid = orm.mapped_column(sa.String(36), nullable=True)
    project_id = orm.mapped_column(sa.String(255), nullable=True)
    message = orm.mapped_column(sa.Text, nullable=False)
    request_id = orm.mapped_column(sa.String(64), nullable=True)
    acknowledged = orm.mapped_column(sa.Boolean, nullable=False)
    acknowledged_by = orm.mapped_column(sa.String(255), nullable=True)
    acknowledged_at = orm.mapped_column(DateTime, nullable=True)


class Setting(Base):
    """A run-time setting an operator changed; it wins over [ha] config."""

    __tablename__ = 'settings'
    __table_args__ = (
        sa.UniqueConstraint('key', name='uniq_settings0key'),
        Base.__table_args__,
    )

    key = orm.mapped_column(sa.String(64), nullable=False)
    # JSON-encoded value.
    value = orm.mapped_column(sa.String(255), nullable=False)
    updated_by = orm.mapped_column(sa.String(255), nullable=True)


class HAStatus(Base):
    """The single row of cluster-wide HA switches (id is always 1).

    ``ha_maintenance`` is the operator's; ``self_defense`` the conductor's;
    ``active_strategy_uuid`` names the one active strategy, so "exactly one
    active" holds by construction.
    """

    __tablename__ = 'ha_status'

    ha_maintenance = orm.mapped_column(sa.Boolean, nullable=False)
    maintenance_reason = orm.mapped_column(sa.String(255), nullable=True)
    maintenance_updated_by = orm.mapped_column(sa.String(255), nullable=True)
    maintenance_updated_at = orm.mapped_column(DateTime, nullable=True)
    self_defense = orm.mapped_column(sa.Boolean, nullable=False)
    self_defense_since = orm.mapped_column(DateTime, nullable=True)
    active_strategy_uuid = orm.mapped_column(sa.String(36), nullable=False)


class Component(Base):
    """Health of a core component (an etcd plane cluster, the storage)."""

    __tablename__ = 'components'
    __table_args__ = (
        sa.UniqueConstraint('name', name='uniq_components0name'),
        Base.__table_args__,
    )

    name = orm.mapped_column(sa.String(64), nullable=False)
    # ok | abnormal | unknown
    status = orm.mapped_column(sa.String(16), nullable=False)
    detail = orm.mapped_column(sa.Text, nullable=True)


class Message(Base):
    """A key message a conductor received from an agent.

    The same message arrives by RPC and over every etcd plane, at every
    conductor; the unique message id keeps one row, so a copy is never
    handled twice, whichever conductor takes it.
    """

    __tablename__ = 'messages'
    __table_args__ = (
        sa.UniqueConstraint('message_id', name='uniq_messages0message_id'),
        sa.Index('messages_in_reply_to_idx', 'in_reply_to'),
        sa.Index('messages_host_type_idx', 'host', 'type'),
        Base.__table_args__,
    )

    message_id = orm.mapped_column(sa.String(64), nullable=False)
    type = orm.mapped_column(sa.String(32), nullable=False)
    host = orm.mapped_column(sa.String(255), nullable=False)
    in_reply_to = orm.mapped_column(sa.String(64), nullable=True)
    body = orm.mapped_column(JsonText, nullable=False)
    # rpc, or etcd:<plane>: the path of the first copy.
    path = orm.mapped_column(sa.String(32), nullable=False)
    # Whether a conductor answered it (fencing events need an answer).
    answered = orm.mapped_column(sa.Boolean, nullable=False)
