"""The database functions the rest of HaStack calls.

Plain functions, one transaction each (or the caller's, when it already
holds one on the same context), through oslo.db's enginefacade. Rows come
back as detached model objects; nothing outside this package builds a
query.
"""

import collections
import datetime
import functools
import json

from oslo_db import api as oslo_db_api
from oslo_db import exception as db_exc
from oslo_db.sqlalchemy import enginefacade
from oslo_utils import timeutils
from oslo_utils import uuidutils
import sqlalchemy as sa
from sqlalchemy import orm  # noqa: F401 - sa.orm.Session below

from hastack.common import exception
from hastack.common import notifications
from hastack.common import states
from hastack.db import models

context_manager = enginefacade.transaction_context()

# The row of HAStatus; there is only ever one.
_HA_STATUS_ID = 1

# Retry writes that lose a deadlock or a lock wait (MariaDB, PostgreSQL).
_retry_on_deadlock = oslo_db_api.wrap_db_retry(max_retries=5,
                                               retry_on_deadlock=True)


# NOTE(hastack): SQLite starts a transaction lazily and upgrades it to a
# write lock at its first write; two threads doing that at once make one
# fail at once with "database is locked" (no busy wait: it would deadlock).
# The conductor writes from many threads, so every SQLite transaction
# takes the write lock when it begins and waits its turn for up to the
# driver's busy timeout. oslo.db's SQLite engines already begin each
# transaction with an explicit "BEGIN" (pysqlite's own is turned off);
# that statement becomes "BEGIN IMMEDIATE". Other databases are unchanged.
@sa.event.listens_for(sa.engine.Engine, 'before_cursor_execute',
                      retval=True)
def _sqlite_begin_immediate(connection, cursor, statement, parameters,
                            context, executemany):
    if statement == 'BEGIN' and connection.dialect.name == 'sqlite':
        statement = 'BEGIN IMMEDIATE'
    return statement, parameters


def get_engine():
    """The writer engine (migrations and management commands use it)."""
    return context_manager.writer.get_engine()


def _now():
    return timeutils.utcnow().replace(tzinfo=None)


# Columns that sort by their rank in a vocabulary, not by their text:
# "severity desc" lists critical first.
_SORT_RANKS = {'severity': states.SEVERITIES}


def _unique_sort_keys(model):
    """The columns of ``model`` no two rows share: the primary key and
    every non-nullable column with a unique constraint of its own."""
    table = model.__table__
    keys = {c.name for c in table.primary_key.columns}
    for constraint in table.constraints:
        if isinstance(constraint, sa.UniqueConstraint):
            columns = list(constraint.columns)
            if len(columns) == 1 and not columns[0].nullable:
                keys.add(columns[0].name)
    return frozenset(keys)


def _paginate(session, stmt, model, limit, marker, sort_key, sort_dir,
              marker_lookup, light=False):
    """Keyset pagination on ``(sort_key, id)``.

    :param marker_lookup: a callable(session, marker) returning the marker
        row, or raising a NotFound that becomes InvalidMarker.
    :param light: ``stmt`` selects some columns of ``model``'s table, not
        ``model``: the page is rows of those columns.
    """
    ranks = _SORT_RANKS.get(sort_key)
    sort_col = getattr(model, sort_key)
    if ranks:
        sort_col = sa.case({name: i for i, name in enumerate(ranks)},
                           value=sort_col, else_=-1)
    # NOTE(hastack): a unique sort key (name, uuid, id) has no ties, so
    # ordering by it alone gives the same rows in the same order as
    # (sort_key, id); and only then can the database walk the key's own
    # unique index instead of sorting the whole table for each page.
    unique = not ranks and sort_key in _unique_sort_keys(model)
    order = sa.desc if sort_dir == 'desc' else sa.asc
    if marker is not None:
        try:
            row = marker_lookup(session, marker)
        except exception.NotFound:
            raise exception.InvalidMarker(marker=marker)
        value = getattr(row, sort_key)
        if ranks:
            value = ranks.index(value) if value in ranks else -1
        beyond = (sort_col < value) if sort_dir == 'desc' else \
            (sort_col > value)
        tie = (model.id < row.id) if sort_dir == 'desc' else \
            (model.id > row.id)
        stmt = stmt.where(beyond if unique else
                          sa.or_(beyond, sa.and_(sort_col == value, tie)))
    order_by = (order(sort_col),) if unique else \
        (order(sort_col), order(model.id))
    if light and limit is not None:
        # NOTE(hastack): the page's ids first, then its rows by id: the
        # ids come from the sort key's index alone (it holds the id), and
        # MariaDB no longer sorts the whole table when it guesses that a
        # large page is cheaper read that way (1,000 of 100,000
        # instances: ~30 ms more).
        table = model.__table__
        page = stmt.with_only_columns(table.c.id).order_by(
            *order_by).limit(limit).subquery()
        stmt = sa.select(*stmt.selected_columns).join_from(
            table, page, table.c.id == page.c.id).order_by(*order_by)
        return _light_rows(session.execute(stmt))
    stmt = stmt.order_by(*order_by)
    if limit is not None:
        stmt = stmt.limit(limit)
    if light:
        return _light_rows(session.execute(stmt))
    return list(session.scalars(stmt))


@functools.lru_cache(maxsize=32)
def _light_row_type(fields):
    return collections.namedtuple('LightRow', fields)


def _light_rows(result):
    """A result's rows as named tuples: the same attribute access as its
    Rows, at a third of the cost (an API page reads every field of every
    row once)."""
    make = _light_row_type(tuple(result.keys()))._make
    return [make(row) for row in result]


def _add_event(session, context, etype, message, severity='info',
               host=None, instance_uuid=None, project_id=None):
    event = models.Event(
        uuid=uuidutils.generate_uuid(), severity=severity, type=etype,
        host=host, instance_uuid=instance_uuid, project_id=project_id,
        message=message, acknowledged=False, created_at=_now(),
        request_id=getattr(context, 'request_id', None))
    session.add(event)
    # Published as notifications once (and only if) the transaction
    # commits; see _publish_committed_events.
    session.info.setdefault(_PENDING_EVENTS, []).append(
        {'uuid': event.uuid, 'type': etype, 'severity': severity,
         'host': host, 'instance_uuid': instance_uuid,
         'project_id': project_id, 'message': message,
         'created_at': event.created_at})
    return event


_PENDING_EVENTS = 'hastack_pending_events'


@sa.event.listens_for(sa.orm.Session, 'after_commit')
def _publish_committed_events(session):
    events = session.info.pop(_PENDING_EVENTS, None)
    if events:
        notifications.publish(events)


@sa.event.listens_for(sa.orm.Session, 'after_rollback')
def _drop_rolled_back_events(session):
    session.info.pop(_PENDING_EVENTS, None)


def _who(context):
    return getattr(context, 'user_id', None) or 'hastack'


def _find(session, model, not_found, uuid=None, ident=None,
          project_id=None):
    """One row by uuid, or by uuid-or-name (``ident``), optionally only
    within a project; ``not_found()`` is raised when there is none."""
    if ident is not None:
        column = model.uuid if uuidutils.is_uuid_like(ident) else model.name
        stmt = sa.select(model).where(column == ident)
    else:
        stmt = sa.select(model).where(model.uuid == uuid)
    if project_id is not None:
        stmt = stmt.where(model.project_id == project_id)
    row = session.scalars(stmt).first()
    if row is None:
        raise not_found()
    return row


def _filtered(model, filters, keys, columns=None):
    """A select of ``model`` (or of those of its ``columns``) with an
    equality filter per given key."""
    if columns is None:
        stmt = sa.select(model)
    else:
        table = model.__table__
        stmt = sa.select(*(table.c[c] for c in columns))
    for key in keys:
        if filters.get(key) is not None:
            stmt = stmt.where(getattr(model, key) == filters[key])
    return stmt


def _count_by_state(session, model):
    rows = session.execute(sa.select(model.state, sa.func.count(model.id))
                           .group_by(model.state))
    return {state: count for state, count in rows}


# Hosts


def _host_query(session, ident):
    return _find(session, models.Host,
                 lambda: exception.HostNotFound(host=ident), ident=ident)


@context_manager.reader
def host_get(context, ident):
    """A host by uuid or name.

    :raises HostNotFound: no such host.
    """
    return _host_query(context.session, ident)


@context_manager.reader
def host_list(context, filters=None, limit=None, marker=None,
              sort_key='name', sort_dir='asc', columns=None):
    """Hosts matching ``filters`` (state, ha_enabled, maintenance, and
    ``<plane>_status`` for each plane), one page of them.

    :param columns: Host column names: the page is light rows of only
        these (read-only, attribute access like a Host), for a caller
        that renders a page (the API) and need not build whole Host
        objects. None: Host objects.
    """
    stmt = _filtered(models.Host, filters or {},
                     ('state', 'ha_enabled', 'maintenance') +
                     tuple('%s_status' % p for p in states.PLANES),
                     columns)
    return _paginate(context.session, stmt, models.Host, limit, marker,
                     sort_key, sort_dir, _host_query,
                     light=columns is not None)


@context_manager.reader
def host_fields(context, fields):
    """``name`` and ``fields`` of every host, in host_list's order.

    For the conductor's passes over every host: light rows (read-only,
    attribute access like a Host, e.g. ``row.state``) of the columns a
    pass uses cost a fraction of whole Host objects (at 10,000 hosts
    ~0.07 s of CPU against ~0.27 s: the driver decodes every datetime of
    every column). A column not asked for is an AttributeError, never a
    stale value.

    :param fields: Host column names.
    """
    table = models.Host.__table__
    columns = [table.c.name] + [table.c[f] for f in fields if f != 'name']
    return context.session.execute(
        sa.select(*columns).order_by(table.c.name, table.c.id)).all()


@_retry_on_deadlock
@context_manager.writer
def host_create(context, values):
    """Register a host; its planes start 'unknown' until a monitor cycle.

    :raises HostExists: a host with that name exists.
    """
    now = _now()
    host = models.Host(
        uuid=values.get('uuid') or uuidutils.generate_uuid(),
        name=values['name'],
        state=states.HOST_ACTIVE, state_since=now,
        ha_enabled=values.get('ha_enabled', True),
        maintenance=values.get('maintenance', False),
        maintenance_reason=values.get('maintenance_reason'),
        mgmt_status=states.PLANE_UNKNOWN,
        service_status=states.PLANE_UNKNOWN,
        storage_status=states.PLANE_UNKNOWN,
        agent_version=values.get('agent_version'))
    if host.maintenance:
        host.state = states.HOST_MAINTENANCE
    context.session.add(host)
    try:
        context.session.flush()
    except db_exc.DBDuplicateEntry:
        raise exception.HostExists(host=values['name'])
    _add_event(context.session, context, 'host.created',
               'Host %s registered by %s' % (host.name, _who(context)),
               host=host.name)
    return host


@_retry_on_deadlock
@context_manager.writer
def host_update(context, ident, values):
    """Change a host's ``ha_enabled`` and ``maintenance`` (with reason).

    Entering maintenance moves the host to the 'maintenance' state;
    leaving it returns the host to 'active' and lets the next monitor cycle
    judge its planes afresh.
    """
    session = context.session
    host = _host_query(session, ident)
    changes = []
    if 'ha_enabled' in values and values['ha_enabled'] != host.ha_enabled:
        host.ha_enabled = values['ha_enabled']
        changes.append('ha_enabled=%s' % host.ha_enabled)
    if 'maintenance' in values and values['maintenance'] != \
            host.maintenance:
        host.maintenance = values['maintenance']
        changes.append('maintenance=%s' % host.maintenance)
        host.state = (states.HOST_MAINTENANCE if host.maintenance
                      else states.HOST_ACTIVE)
        host.state_since = _now()
        if not host.maintenance:
            host.maintenance_reason = None
    if 'maintenance_reason' in values:
        if not host.maintenance:
            raise exception.Conflict(
                detail='host %s is not in maintenance; a maintenance '
                       'reason goes with "maintenance": true' % host.name)
        if values['maintenance_reason'] != host.maintenance_reason:
            host.maintenance_reason = values['maintenance_reason']
            changes.append('maintenance reason')
    if changes:
        reason = (' (%s)' % host.maintenance_reason
                  if host.maintenance and host.maintenance_reason else '')
        _add_event(session, context, 'host.updated',
                   'Host %s: %s by %s%s' % (host.name, ', '.join(changes),
                                            _who(context), reason),
                   host=host.name)
    session.flush()
    return host


@_retry_on_deadlock
@context_manager.writer
def host_delete(context, ident):
    """Delete a host that has no open task.

    :raises HostBusy: a task for the host is pending, running or deferred.
    """
    session = context.session
    host = _host_query(session, ident)
    open_tasks = session.scalar(
        sa.select(sa.func.count(models.Task.id)).where(
            models.Task.host == host.name,
            models.Task.state.in_(states.TASK_OPEN_STATES)))
    if open_tasks:
        raise exception.HostBusy(host=host.name, count=open_tasks)
    session.delete(host)
    _add_event(session, context, 'host.deleted',
               'Host %s deleted by %s' % (host.name, _who(context)),
               host=host.name)


# Names per UPDATE ... WHERE name IN (...): well below every backend's
# limit on bound parameters (SQLite's is 999 in old builds).
_OBSERVE_CHUNK = 500


@_retry_on_deadlock
@context_manager.writer
def hosts_observed(context, observations):
    """Record in bulk what a monitor cycle saw of hosts it does not move.

    Writes exactly what ``recovery.host_observe`` writes for a known host
    without a state change (plane statuses, the last-seen time of each
    plane seen up, the agent version when given, the storage flag when
    not None; never the state, and no event), but with one UPDATE per
    distinct set of values instead of a transaction per host: a monitor
    pass over 10,000 hosts otherwise spends seconds of CPU on them.

    :param observations: ``[(name, planes, agent_version, storage_ok)]``
        as ``host_observe`` takes them.
    :returns: the names that matched no row (deleted since they were
        read); the caller decides what to do with them.
    """
    if not observations:
        return []
    table = models.Host.__table__
    groups = {}
    for name, planes, agent_version, storage_ok in observations:
        values = {}
        for plane, (status, last_seen) in planes.items():
            values['%s_status' % plane] = status
            if last_seen is not None:
                values['%s_last_seen' % plane] = last_seen
        if agent_version:
            values['agent_version'] = agent_version
        if storage_ok is not None:
            values['storage_ok'] = storage_ok
        groups.setdefault(tuple(sorted(values.items())), []).append(name)
    missing = []
    for values, names in groups.items():
        # Like an ORM flush, a row none of whose values differ is left
        # alone (its updated_at too); the others get every value and
        # updated_at from the column's onupdate.
        differs = sa.or_(*(table.c[k].is_distinct_from(v)
                           for k, v in values))
        for start in range(0, len(names), _OBSERVE_CHUNK):
            chunk = names[start:start + _OBSERVE_CHUNK]
            result = context.session.execute(
                table.update().where(table.c.name.in_(chunk), differs)
                .values(dict(values)))
            if result.rowcount != len(chunk):
                found = set(context.session.scalars(
                    sa.select(table.c.name).where(table.c.name.in_(chunk))))
                missing.extend(n for n in chunk if n not in found)
    return missing


@context_manager.reader
def host_count_by_state(context):
    """``{state: count}`` over every host."""
    return _count_by_state(context.session, models.Host)


# Instances


def _instance_query(session, uuid, project_id=None):
    return _find(session, models.Instance,
                 lambda: exception.InstanceNotFound(instance=uuid),
                 uuid=uuid, project_id=project_id)


@context_manager.reader
def instance_get(context, uuid, project_id=None):
    """An instance by uuid; with ``project_id``, only within that project.

    :raises InstanceNotFound: no such instance (in that project).
    """
    return _instance_query(context.session, uuid, project_id)


@context_manager.reader
def instance_list(context, filters=None, limit=None, marker=None,
                  sort_key='created_at', sort_dir='asc', columns=None):
    """Instances matching ``filters`` (project_id, host, ha_enabled,
    status), one page of them.

    :param columns: Instance column names: the page is light rows of only
        these, as host_list's. None: Instance objects.
    """
    filters = filters or {}
    stmt = _filtered(models.Instance, filters,
                     ('project_id', 'host', 'ha_enabled', 'status'),
                     columns)
    project_id = filters.get('project_id')
    return _paginate(
        context.session, stmt, models.Instance, limit, marker, sort_key,
        sort_dir, lambda s, m: _instance_query(s, m, project_id),
        light=columns is not None)


@_retry_on_deadlock
@context_manager.writer
def instance_create(context, values):
    """Record an instance (the conductor's Nova sync does this)."""
    instance = models.Instance(
        uuid=values['uuid'], name=values.get('name'),
        project_id=values['project_id'], host=values.get('host'),
        status=values.get('status'),
        ha_enabled=values.get('ha_enabled', False),
        priority=values.get('priority', 0))
    context.session.add(instance)
    context.session.flush()
    return instance


@_retry_on_deadlock
@context_manager.writer
def instance_update(context, uuid, values, project_id=None):
    """Change an instance's ``ha_enabled`` and ``priority``.

    :param project_id: when given, only an instance of that project.
    :raises InstanceNotFound: no such instance (in that project).
    """
    session = context.session
    instance = _instance_query(session, uuid, project_id)
    changes = []
    for key in ('ha_enabled', 'priority'):
        if key in values and values[key] != getattr(instance, key):
            setattr(instance, key, values[key])
            changes.append('%s=%s' % (key, values[key]))
    if changes:
        _add_event(session, context, 'instance.updated',
                   'Instance %s: %s by %s' % (uuid, ', '.join(changes),
                                              _who(context)),
                   host=instance.host, instance_uuid=uuid,
                   project_id=instance.project_id)
    session.flush()
    return instance


# Strategies


def _strategy_query(session, ident):
    return _find(session, models.Strategy,
                 lambda: exception.StrategyNotFound(strategy=ident),
                 ident=ident)


def _ha_status(session):
    return session.get(models.HAStatus, _HA_STATUS_ID)


@context_manager.reader
def strategy_get(context, ident):
    """A strategy by uuid or name.

    :raises StrategyNotFound: no such strategy.
    """
    return _strategy_query(context.session, ident)


@context_manager.reader
def strategy_list(context, limit=None, marker=None, sort_key='name',
                  sort_dir='asc'):
    """One page of strategies."""
    return _paginate(context.session, sa.select(models.Strategy),
                     models.Strategy, limit, marker, sort_key, sort_dir,
                     _strategy_query)


@context_manager.reader
def strategy_get_active(context):
    """The active strategy (there is always exactly one)."""
    status = _ha_status(context.session)
    return _strategy_query(context.session, status.active_strategy_uuid)


@_retry_on_deadlock
@context_manager.writer
def strategy_create(context, values):
    """Store a strategy whose rules the caller validated.

    :raises StrategyExists: the name is taken.
    """
    strategy = models.Strategy(
        uuid=uuidutils.generate_uuid(), name=values['name'],
        description=values.get('description'),
        rules=json.dumps(values['rules']))
    context.session.add(strategy)
    try:
        context.session.flush()
    except db_exc.DBDuplicateEntry:
        raise exception.StrategyExists(name=values['name'])
    _add_event(context.session, context, 'strategy.created',
               'Strategy %s created by %s' % (strategy.name, _who(context)))
    return strategy


@_retry_on_deadlock
@context_manager.writer
def strategy_update(context, ident, values):
    """Change a strategy's name, description or (validated) rules.

    :raises StrategyExists: the new name is taken.
    """
    session = context.session
    strategy = _strategy_query(session, ident)
    for key in ('name', 'description'):
        if key in values:
            setattr(strategy, key, values[key])
    if 'rules' in values:
        strategy.rules = json.dumps(values['rules'])
    try:
        session.flush()
    except db_exc.DBDuplicateEntry:
        raise exception.StrategyExists(name=values['name'])
    active = _ha_status(session).active_strategy_uuid == strategy.uuid
    _add_event(session, context, 'strategy.updated',
               'Strategy %s%s updated by %s'
               % (strategy.name, ' (active)' if active else '',
                  _who(context)),
               severity='warning' if active else 'info')
    return strategy


@_retry_on_deadlock
@context_manager.writer
def strategy_delete(context, ident):
    """Delete a strategy that is not the active one.

    :raises StrategyActive: it is the active strategy.
    """
    session = context.session
    strategy = _strategy_query(session, ident)
    if _ha_status(session).active_strategy_uuid == strategy.uuid:
        raise exception.StrategyActive(strategy=strategy.name)
    session.delete(strategy)
    _add_event(session, context, 'strategy.deleted',
               'Strategy %s deleted by %s' % (strategy.name, _who(context)))


@_retry_on_deadlock
@context_manager.writer
def strategy_activate(context, ident):
    """Make a strategy the active one; the next decision cycle uses it."""
    session = context.session
    strategy = _strategy_query(session, ident)
    status = _ha_status(session)
    if status.active_strategy_uuid != strategy.uuid:
        status.active_strategy_uuid = strategy.uuid
        _add_event(session, context, 'strategy.activated',
                   'Strategy %s activated by %s'
                   % (strategy.name, _who(context)), severity='warning')
    session.flush()
    return strategy


# Cluster-wide HA status, maintenance, settings and components


@context_manager.reader
def ha_status_get(context):
    """The single HAStatus row (maintenance, self-defense, strategy)."""
    return _ha_status(context.session)


@_retry_on_deadlock
@context_manager.writer
def maintenance_set(context, enabled, reason=None):
    """Switch ``ha_maintenance`` on or off, recording who, when and why."""
    session = context.session
    status = _ha_status(session)
    changed = status.ha_maintenance != enabled
    status.ha_maintenance = enabled
    status.maintenance_reason = reason
    status.maintenance_updated_by = _who(context)
    status.maintenance_updated_at = _now()
    if changed:
        _add_event(session, context, 'ha_maintenance.%s'
                   % ('on' if enabled else 'off'),
                   'ha_maintenance switched %s by %s%s'
                   % ('on' if enabled else 'off', _who(context),
                      ': %s' % reason if reason else ''),
                   severity='warning')
    session.flush()
    return status


@context_manager.reader
def settings_get_stored(context):
    """``{key: value}`` of every run-time setting an operator changed."""
    rows = context.session.scalars(sa.select(models.Setting))
    return {row.key: json.loads(row.value) for row in rows}


@_retry_on_deadlock
@context_manager.writer
def settings_update(context, changes):
    """Store run-time setting changes; a None value resets to the default.

    :param changes: ``{key: value or None}``, already validated.
    """
    session = context.session
    rows = {row.key: row for row in session.scalars(
        sa.select(models.Setting).where(
            models.Setting.key.in_(list(changes))))}
    for key, value in changes.items():
        row = rows.get(key)
        if value is None:
            if row is not None:
                session.delete(row)
        elif row is None:
            session.add(models.Setting(key=key, value=json.dumps(value),
                                       updated_by=_who(context)))
        else:
            row.value = json.dumps(value)
            row.updated_by = _who(context)
    if changes:
        _add_event(session, context, 'settings.updated',
                   'Settings changed by %s: %s' % (
                       _who(context), ', '.join(
                           '%s=%s' % (k, 'default' if v is None else v)
                           for k, v in sorted(changes.items()))))
    session.flush()


@context_manager.reader
def component_list(context):
    """Every core component's health row."""
    return list(context.session.scalars(
        sa.select(models.Component).order_by(models.Component.name)))


@_retry_on_deadlock
@context_manager.writer
def component_set(context, name, status, detail=None):
    """Record a core component's health (the conductor's monitor does)."""
    session = context.session
    row = session.scalars(sa.select(models.Component).where(
        models.Component.name == name)).first()
    if row is None:
        row = models.Component(name=name, status=status, detail=detail)
        session.add(row)
    else:
        row.status, row.detail = status, detail
    session.flush()
    return row


# Tasks


def _task_query(session, uuid, project_id=None):
    return _find(session, models.Task,
                 lambda: exception.TaskNotFound(task=uuid),
                 uuid=uuid, project_id=project_id)


@context_manager.reader
def task_get(context, uuid, project_id=None):
    """A task by uuid; with ``project_id``, only within that project.

    :raises TaskNotFound: no such task (in that project).
    """
    return _task_query(context.session, uuid, project_id)


@context_manager.reader
def task_list(context, filters=None, limit=None, marker=None,
              sort_key='created_at', sort_dir='asc'):
    """Tasks matching ``filters`` (host, instance_uuid, state, type,
    project_id, failure_uuid), one page of them."""
    filters = filters or {}
    stmt = _filtered(models.Task, filters,
                     ('host', 'instance_uuid', 'state', 'type',
                      'project_id', 'failure_uuid'))
    project_id = filters.get('project_id')
    return _paginate(
        context.session, stmt, models.Task, limit, marker, sort_key,
        sort_dir, lambda s, m: _task_query(s, m, project_id))


@_retry_on_deadlock
@context_manager.writer
def task_create(context, values):
    """Create a task; its dedup key makes a second one for the same
    failure, type and target impossible.

    :returns: the new task, or the existing one with the same dedup key.
    """
    target = values.get('instance_uuid') or values['host']
    dedup_key = '%s:%s:%s' % (values.get('failure_uuid') or '-',
                              values['type'], target)
    session = context.session
    existing = session.scalars(sa.select(models.Task).where(
        models.Task.dedup_key == dedup_key)).first()
    if existing is not None:
        return existing
    task = models.Task(
        uuid=uuidutils.generate_uuid(), type=values['type'],
        state=values.get('state', states.TASK_PENDING),
        host=values['host'], instance_uuid=values.get('instance_uuid'),
        project_id=values.get('project_id'),
        failure_uuid=values.get('failure_uuid'), dedup_key=dedup_key,
        priority=values.get('priority', 0), attempts=0,
        max_attempts=values.get('max_attempts', 6),
        fence_proof=(json.dumps(values['fence_proof'])
                     if values.get('fence_proof') else None))
    session.add(task)
    session.flush()
    return task


def _task_transition(context, uuid, action, allowed, new_state, **extra):
    session = context.session
    task = _task_query(session, uuid)
    if task.state not in allowed:
        raise exception.TaskStateConflict(task=uuid, state=task.state,
                                          action=action,
                                          allowed=' or '.join(allowed))
    old = task.state
    task.state = new_state
    for key, value in extra.items():
        setattr(task, key, value)
    _add_event(session, context, 'task.%s' % action,
               'Task %s (%s of %s) %s -> %s by %s'
               % (uuid, task.type, task.instance_uuid or task.host, old,
                  new_state, _who(context)),
               host=task.host, instance_uuid=task.instance_uuid,
               project_id=task.project_id)
    session.flush()
    return task


@_retry_on_deadlock
@context_manager.writer
def task_retry(context, uuid):
    """Put a failed task back in the queue with a fresh set of attempts.

    :raises TaskStateConflict: the task is not failed.
    """
    return _task_transition(
        context, uuid, 'retry', (states.TASK_FAILED,), states.TASK_PENDING,
        attempts=0, owner=None, owner_heartbeat=None, next_attempt_at=None,
        finished_at=None)


@_retry_on_deadlock
@context_manager.writer
def task_cancel(context, uuid):
    """Cancel a task that has not started (pending or deferred).

    :raises TaskStateConflict: the task is running or finished.
    """
    return _task_transition(
        context, uuid, 'cancel', (states.TASK_PENDING, states.TASK_DEFERRED),
        states.TASK_CANCELLED, finished_at=_now())


@context_manager.reader
def task_count_by_state(context):
    """``{state: count}`` over every task."""
    return _count_by_state(context.session, models.Task)


# Events


def _event_query(session, uuid, project_id=None):
    return _find(session, models.Event,
                 lambda: exception.EventNotFound(event=uuid),
                 uuid=uuid, project_id=project_id)


@context_manager.reader
def event_get(context, uuid, project_id=None):
    """An event by uuid; with ``project_id``, only within that project.

    :raises EventNotFound: no such event (in that project).
    """
    return _event_query(context.session, uuid, project_id)


@context_manager.reader
def event_list(context, filters=None, limit=None, marker=None,
               sort_key='created_at', sort_dir='desc'):
    """Events matching ``filters`` (severity, type, host, instance_uuid,
    project_id, acknowledged, since), one page of them, newest first by
    default."""
    filters = filters or {}
    stmt = _filtered(models.Event, filters,
                     ('severity', 'type', 'host', 'instance_uuid',
                      'project_id', 'acknowledged'))
    if filters.get('since') is not None:
        stmt = stmt.where(models.Event.created_at >= filters['since'])
    project_id = filters.get('project_id')
    return _paginate(
        context.session, stmt, models.Event, limit, marker, sort_key,
        sort_dir, lambda s, m: _event_query(s, m, project_id))


@_retry_on_deadlock
@context_manager.writer
def event_create(context, etype, message, severity='info', host=None,
                 instance_uuid=None, project_id=None):
    """Record an event."""
    event = _add_event(context.session, context, etype, message,
                       severity=severity, host=host,
                       instance_uuid=instance_uuid, project_id=project_id)
    context.session.flush()
    return event


@_retry_on_deadlock
@context_manager.writer
def event_ack(context, uuid):
    """Acknowledge an event, recording who and when.

    :raises EventAlreadyAcknowledged: it was acknowledged before.
    """
    event = _event_query(context.session, uuid)
    if event.acknowledged:
        raise exception.EventAlreadyAcknowledged(event=uuid)
    event.acknowledged = True
    event.acknowledged_by = _who(context)
    event.acknowledged_at = _now()
    context.session.flush()
    return event


@context_manager.reader
def event_count_unacknowledged(context, min_severity='warning'):
    """How many events at or above ``min_severity`` await acknowledgement."""
    wanted = states.SEVERITIES[states.SEVERITIES.index(min_severity):]
    return context.session.scalar(
        sa.select(sa.func.count(models.Event.id)).where(
            models.Event.acknowledged.is_(False),
            models.Event.severity.in_(wanted)))


def as_utc(value):
    """A stored naive UTC datetime as an aware one (None stays None)."""
    if value is None:
        return None
    return value.replace(tzinfo=datetime.UTC)
