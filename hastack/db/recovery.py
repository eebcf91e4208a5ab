"""Database functions of the conductor: host observation, failures, task
claims, key messages and fencing grants.

Every guarantee that must hold across several conductors is a database
guarantee here, never a hope about timing:

* a failure is declared by a compare-and-set of the host's state inside
  the transaction that inserts it (and the unique host/sequence pair),
  so one failure gets one recovery however many conductors see it;
* a task is run by whoever flips it to ``running`` with its name as
  owner; only the owner may finish it, and a stale owner is replaced;
* the rate limits are counted and a task claimed in one transaction that
  holds the HA status row's lock, so two conductors cannot both take the
  last free slot;
* a key message is stored once under its id, so its copies (RPC and three
  etcd planes, at every conductor) are handled once.
"""

import datetime
import json

from oslo_db import exception as db_exc
from oslo_utils import uuidutils
import sqlalchemy as sa

from hastack.common import states
from hastack.db import api
from hastack.db import models

context_manager = api.context_manager
_now = api._now
_add_event = api._add_event


def _host_named(session, name, lock=False):
    """The Host row called ``name`` (locked for update), or None."""
    stmt = sa.select(models.Host).where(models.Host.name == name)
    if lock:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def _task(session, uuid):
    """The Task row ``uuid``, or None."""
    return session.scalars(sa.select(models.Task).where(
        models.Task.uuid == uuid)).first()


# Hosts


@api._retry_on_deadlock
@context_manager.writer
def host_observe(context, name, planes, new_state=None,
                 agent_version=None, storage_ok=None, create=True):
    """Record what a monitor cycle saw of one host.

    :param planes: ``{plane: (status, last_seen or None)}``; a None
        ``last_seen`` keeps the stored one.
    :param new_state: the host's next state (see conductor.hoststate) or
        None to keep it; an event records the transition.
    :param storage_ok: what the heartbeats say of the shared folder
        (None: they say nothing; the stored value is kept).
    :param create: register a host never seen before.
    :returns: the Host, or None when unknown and ``create`` is False.
    """
    session = context.session
    host = _host_named(session, name)
    if host is None:
        if not create:
            return None
        now = _now()
        host = models.Host(
            uuid=uuidutils.generate_uuid(), name=name,
            state=states.HOST_ACTIVE, state_since=now, ha_enabled=True,
            maintenance=False, mgmt_status=states.PLANE_UNKNOWN,
            service_status=states.PLANE_UNKNOWN,
            storage_status=states.PLANE_UNKNOWN)
        session.add(host)
        _add_event(session, context, 'host.discovered',
                   'Host %s discovered by its heartbeats' % name, host=name)
    for plane, (status, last_seen) in planes.items():
        setattr(host, '%s_status' % plane, status)
        if last_seen is not None:
            setattr(host, '%s_last_seen' % plane, last_seen)
    if agent_version:
        host.agent_version = agent_version
    if storage_ok is not None:
        host.storage_ok = storage_ok
    if new_state and new_state != host.state:
        _set_state(session, context, host, new_state,
                   'planes %s' % ', '.join(
                       '%s=%s' % (p, s) for p, (s, _) in
                       sorted(planes.items())))
    session.flush()
    return host


def _set_state(session, context, host, new_state, why, severity=None):
    old = host.state
    host.state = new_state
    host.state_since = _now()
    if severity is None:
        severity = ('warning' if new_state in (
            states.HOST_SUSPECT, states.HOST_FAILED, states.HOST_FENCING)
            else 'info')
    _add_event(session, context, 'host.state.%s' % new_state,
               'Host %s: %s -> %s (%s)' % (host.name, old, new_state, why),
               severity=severity, host=host.name)


@api._retry_on_deadlock
@context_manager.writer
def host_transition(context, name, expected, new_state, why,
                    severity=None, **values):
    """Move a host from one of ``expected`` states to ``new_state``.

    :returns: the Host, or None when it is no longer in an expected state
        (another conductor moved it first).
    """
    session = context.session
    host = _host_named(session, name)
    if host is None or host.state not in expected:
        return None
    for key, value in values.items():
        setattr(host, key, value)
    if host.state != new_state:
        _set_state(session, context, host, new_state, why, severity)
    session.flush()
    return host


@api._retry_on_deadlock
@context_manager.writer
def host_set_fence_grant(context, name, until, reason):
    """Record a "no-fence" grant to ``name`` standing until ``until``."""
    session = context.session
    host = _host_named(session, name)
    if host is None:
        return None
    host.fence_grant_until = until
    host.fence_grant_reason = reason[:255] if reason else None
    session.flush()
    return host


# Failures


@api._retry_on_deadlock
@context_manager.writer
def failure_declare(context, host_name, vector, instances, max_attempts,
                    reason):
    """Declare ``host_name`` failed and create its recovery, atomically.

    The host must still be ``suspect``; the state flips to ``failed`` in
    the same transaction that inserts the failure and its tasks, so a
    second conductor (or a second signal) finds it failed and creates
    nothing.

    :param vector: ``{plane: status}`` that made it a failure.
    :param instances: Instance rows to evacuate (HA-enabled ones).
    :param max_attempts: attempts each task gets (1 + max retries).
    :returns: ``(failure, tasks)`` or None when the host was not suspect.
    """
    session = context.session
    host = _host_named(session, host_name, lock=True)
    if host is None or host.state != states.HOST_SUSPECT:
        return None
    sequence = (session.scalar(sa.select(sa.func.max(
        models.Failure.sequence)).where(
            models.Failure.host == host_name)) or 0) + 1
    now = _now()
    failure = models.Failure(
        uuid=uuidutils.generate_uuid(), host=host_name, sequence=sequence,
        vector=','.join(vector[p] for p in states.PLANES), detected_at=now)
    session.add(failure)
    try:
        session.flush()
    except db_exc.DBDuplicateEntry:
        return None
    host.failure_uuid = failure.uuid
    _set_state(session, context, host, states.HOST_FAILED, reason)
    tasks = [_new_task(session, failure, states.TASK_FORCE_DOWN, host_name,
                       priority=1000, max_attempts=max_attempts),
             _new_task(session, failure, states.TASK_FENCE, host_name,
                       priority=1000, max_attempts=max_attempts)]
    for instance in instances:
        tasks.append(_new_task(
            session, failure, states.TASK_EVACUATE, host_name,
            instance=instance, priority=instance.priority,
            max_attempts=max_attempts))
    session.flush()
    _add_event(session, context, 'failure.declared',
               'Host %s failed (%s): recovery %s with %d evacuation(s)'
               % (host_name, reason, failure.uuid, len(instances)),
               severity='error', host=host_name)
    return failure, tasks


def _new_task(session, failure, task_type, host, instance=None,
              priority=0, max_attempts=6):
    target = instance.uuid if instance is not None else host
    task = models.Task(
        uuid=uuidutils.generate_uuid(), type=task_type,
        state=states.TASK_PENDING, host=host,
        instance_uuid=instance.uuid if instance is not None else None,
        project_id=instance.project_id if instance is not None else None,
        failure_uuid=failure.uuid,
        dedup_key='%s:%s:%s' % (failure.uuid, task_type, target),
        priority=priority, attempts=0, max_attempts=max_attempts)
    session.add(task)
    return task


@context_manager.reader
def failure_get(context, failure_uuid):
    """A Failure by uuid, or None."""
    return context.session.scalars(sa.select(models.Failure).where(
        models.Failure.uuid == failure_uuid)).first()


@api._retry_on_deadlock
@context_manager.writer
def failure_close(context, failure_uuid, host_state, why, severity=None):
    """Close a failure; its host goes to ``host_state``; the tasks of the
    failure still waiting are cancelled.

    :returns: the tasks cancelled.
    """
    session = context.session
    failure = session.scalars(sa.select(models.Failure).where(
        models.Failure.uuid == failure_uuid)).first()
    if failure is None or failure.closed_at is not None:
        return []
    failure.closed_at = _now()
    cancelled = list(session.scalars(sa.select(models.Task).where(
        models.Task.failure_uuid == failure_uuid,
        models.Task.state.in_((states.TASK_PENDING,
                               states.TASK_DEFERRED)))))
    for task in cancelled:
        task.state = states.TASK_CANCELLED
        task.finished_at = _now()
        _add_event(session, context, 'task.cancelled',
                   'Task %s (%s of %s) cancelled: %s'
                   % (task.uuid, task.type, task.instance_uuid or task.host,
                      why), host=task.host,
                   instance_uuid=task.instance_uuid,
                   project_id=task.project_id)
    host = _host_named(session, failure.host)
    if host is not None and host.failure_uuid == failure_uuid:
        host.failure_uuid = None
        _set_state(session, context, host, host_state, why, severity)
    session.flush()
    return cancelled


# Tasks


@api._retry_on_deadlock
@context_manager.writer
def tasks_cancel_waiting(context, failure_uuid, task_types, why):
    """Cancel a failure's tasks of ``task_types`` that have not started.

    :returns: the tasks cancelled (a running one is left alone).
    """
    session = context.session
    waiting = list(session.scalars(sa.select(models.Task).where(
        models.Task.failure_uuid == failure_uuid,
        models.Task.type.in_(list(task_types)),
        models.Task.state.in_((states.TASK_PENDING,
                               states.TASK_DEFERRED)))))
    cancelled = []
    for task in waiting:
        done = session.execute(sa.update(models.Task).where(
            models.Task.id == task.id,
            models.Task.state.in_((states.TASK_PENDING,
                                   states.TASK_DEFERRED)))
            .values(state=states.TASK_CANCELLED, finished_at=_now(),
                    last_error=why)).rowcount
        if done:
            _add_event(session, context, 'task.cancelled',
                       'Task %s (%s of %s) cancelled: %s'
                       % (task.uuid, task.type,
                          task.instance_uuid or task.host, why),
                       host=task.host, instance_uuid=task.instance_uuid,
                       project_id=task.project_id)
            cancelled.append(task)
    session.flush()
    return cancelled


@context_manager.reader
def tasks_runnable(context, now, limit=100):
    """Pending and deferred tasks due now, highest priority first."""
    return list(context.session.scalars(
        sa.select(models.Task).where(
            models.Task.state.in_((states.TASK_PENDING,
                                   states.TASK_DEFERRED)),
            sa.or_(models.Task.next_attempt_at.is_(None),
                   models.Task.next_attempt_at <= now))
        .order_by(sa.desc(models.Task.priority), models.Task.created_at,
                  models.Task.id)
        .limit(limit)))


@context_manager.reader
def tasks_of_failure(context, failure_uuid, task_type=None):
    """Every task of a failure (of one type)."""
    stmt = sa.select(models.Task).where(
        models.Task.failure_uuid == failure_uuid)
    if task_type:
        stmt = stmt.where(models.Task.type == task_type)
    return list(context.session.scalars(stmt.order_by(models.Task.id)))


@context_manager.reader
def evacuations_running(context):
    """``{host: count}`` of evacuations running now."""
    rows = context.session.execute(
        sa.select(models.Task.host, sa.func.count(models.Task.id)).where(
            models.Task.type == states.TASK_EVACUATE,
            models.Task.state == states.TASK_RUNNING)
        .group_by(models.Task.host))
    return {host: count for host, count in rows}


@api._retry_on_deadlock
@context_manager.writer
def task_claim(context, uuid, owner, now, global_limit=None,
               host_limit=None):
    """Take a due task for ``owner``: it becomes running, one attempt more.

    For an evacuation, the running evacuations are counted (globally and
    from its host) under the HA status row's lock, so the limits hold
    across conductors.

    :returns: ``(task, None)`` when claimed; ``(None, reason)`` when not:
        ``'taken'`` (another conductor was first or it is not due) or
        ``'rate_limit'`` (the task was left as it was).
    """
    session = context.session
    task = _task(session, uuid)
    if task is None or task.state not in (states.TASK_PENDING,
                                          states.TASK_DEFERRED):
        return None, 'taken'
    if task.type == states.TASK_EVACUATE and (global_limit or host_limit):
        # The lock serializes every claimer of an evacuation slot.
        session.scalars(sa.select(models.HAStatus).where(
            models.HAStatus.id == api._HA_STATUS_ID).with_for_update()).one()
        running = dict(session.execute(
            sa.select(models.Task.host, sa.func.count(models.Task.id)).where(
                models.Task.type == states.TASK_EVACUATE,
                models.Task.state == states.TASK_RUNNING)
            .group_by(models.Task.host)).all())
        if (global_limit and sum(running.values()) >= global_limit) or \
                (host_limit and running.get(task.host, 0) >= host_limit):
            return None, 'rate_limit'
    claimed = session.execute(
        sa.update(models.Task).where(
            models.Task.id == task.id,
            models.Task.state.in_((states.TASK_PENDING,
                                   states.TASK_DEFERRED)))
        .values(state=states.TASK_RUNNING, owner=owner,
                owner_heartbeat=now, attempts=models.Task.attempts + 1,
                started_at=now, next_attempt_at=None,
                updated_at=now)).rowcount
    if claimed != 1:
        return None, 'taken'
    session.refresh(task)
    _add_event(session, context, 'task.started',
               'Task %s (%s of %s) attempt %d/%d by %s'
               % (task.uuid, task.type, task.instance_uuid or task.host,
                  task.attempts, task.max_attempts, owner),
               host=task.host, instance_uuid=task.instance_uuid,
               project_id=task.project_id)
    session.flush()
    return task, None


@api._retry_on_deadlock
@context_manager.writer
def task_defer(context, uuid, why):
    """A due task must wait (rate limit or a closed gate): ``deferred``.

    An event is written when the task starts waiting and when the reason
    it waits for changes, not on every pass.
    """
    session = context.session
    task = _task(session, uuid)
    if task is None or task.state not in (states.TASK_PENDING,
                                          states.TASK_DEFERRED):
        return task
    if task.state == states.TASK_DEFERRED and task.last_error == why:
        return task
    task.state = states.TASK_DEFERRED
    task.last_error = why
    _add_event(session, context, 'task.deferred',
               'Task %s (%s of %s) deferred: %s'
               % (task.uuid, task.type, task.instance_uuid or task.host,
                  why), host=task.host, instance_uuid=task.instance_uuid,
               project_id=task.project_id)
    session.flush()
    return task


@api._retry_on_deadlock
@context_manager.writer
def task_heartbeat(context, owner, uuids, now):
    """Renew ``owner``'s claim on the running tasks ``uuids``.

    :returns: the uuids still owned (a task another conductor took over
        is no longer ours: its runner must stop acting).
    """
    if not uuids:
        return set()
    session = context.session
    session.execute(sa.update(models.Task).where(
        models.Task.uuid.in_(list(uuids)), models.Task.owner == owner,
        models.Task.state == states.TASK_RUNNING)
        .values(owner_heartbeat=now))
    return set(session.scalars(sa.select(models.Task.uuid).where(
        models.Task.uuid.in_(list(uuids)), models.Task.owner == owner,
        models.Task.state == states.TASK_RUNNING)))


@api._retry_on_deadlock
@context_manager.writer
def task_take_over_stale(context, now, timeout):
    """Put back in the queue the running tasks whose owner stopped
    renewing its claim ``timeout`` seconds ago (it crashed or hangs).

    :returns: the tasks put back.
    """
    session = context.session
    limit = now - datetime.timedelta(seconds=timeout)
    stale = list(session.scalars(sa.select(models.Task).where(
        models.Task.state == states.TASK_RUNNING,
        sa.or_(models.Task.owner_heartbeat.is_(None),
               models.Task.owner_heartbeat < limit))))
    taken = []
    for task in stale:
        done = session.execute(sa.update(models.Task).where(
            models.Task.id == task.id,
            models.Task.state == states.TASK_RUNNING,
            models.Task.owner == task.owner)
            .values(state=states.TASK_PENDING, owner=None,
                    owner_heartbeat=None, updated_at=now)).rowcount
        if done:
            _add_event(session, context, 'task.taken_over',
                       'Task %s (%s of %s): conductor %s stopped renewing '
                       'its claim; another conductor takes it over'
                       % (task.uuid, task.type,
                          task.instance_uuid or task.host, task.owner),
                       severity='warning', host=task.host,
                       instance_uuid=task.instance_uuid,
                       project_id=task.project_id)
            taken.append(task)
    session.flush()
    return taken


@api._retry_on_deadlock
@context_manager.writer
def task_finish(context, uuid, owner, state, message, error=None,
                next_attempt_at=None, fence_proof=None, severity='info'):
    """End ``owner``'s attempt at a task.

    :param state: ``succeeded``, ``failed``, ``cancelled`` or ``pending``
        (a retry at ``next_attempt_at``).
    :returns: the task, or None when ``owner`` no longer owns it.
    """
    session = context.session
    task = _task(session, uuid)
    if task is None or task.state != states.TASK_RUNNING or \
            task.owner != owner:
        return None
    now = _now()
    task.state = state
    task.last_error = error
    task.next_attempt_at = next_attempt_at
    if fence_proof is not None:
        task.fence_proof = json.dumps(fence_proof)
    if state != states.TASK_PENDING:
        task.finished_at = now
    task.owner = None if state == states.TASK_PENDING else task.owner
    task.owner_heartbeat = None
    _add_event(session, context, 'task.%s' % (
        'retry_scheduled' if state == states.TASK_PENDING else state),
        'Task %s (%s of %s) attempt %d/%d: %s'
        % (task.uuid, task.type, task.instance_uuid or task.host,
           task.attempts, task.max_attempts, message),
        severity=severity, host=task.host,
        instance_uuid=task.instance_uuid, project_id=task.project_id)
    session.flush()
    return task


@api._retry_on_deadlock
@context_manager.writer
def tasks_set_fence_proof(context, failure_uuid, proof):
    """Store the fencing proof on every evacuation of a failure."""
    session = context.session
    session.execute(sa.update(models.Task).where(
        models.Task.failure_uuid == failure_uuid,
        models.Task.type == states.TASK_EVACUATE)
        .values(fence_proof=json.dumps(proof)))


# Key messages


@api._retry_on_deadlock
@context_manager.writer
def message_record(context, message, path):
    """Store a key message received from an agent, once per id.

    :returns: ``(row, new)``; ``new`` is False for a copy already stored.
    """
    session = context.session
    existing = session.scalars(sa.select(models.Message).where(
        models.Message.message_id == message['id'])).first()
    if existing is not None:
        return existing, False
    body = message.get('body') or {}
    row = models.Message(
        message_id=message['id'], type=message['type'][:32],
        host=message['host'][:255],
        in_reply_to=(str(body['in_reply_to'])[:64]
                     if body.get('in_reply_to') else None),
        body=json.dumps(body), path=path[:32], answered=False)
    session.add(row)
    try:
        session.flush()
    except db_exc.DBDuplicateEntry:
        return None, False
    return row, True


@context_manager.reader
def message_reply(context, in_reply_to, message_type):
    """The first stored reply of a type to message ``in_reply_to``."""
    return context.session.scalars(sa.select(models.Message).where(
        models.Message.in_reply_to == in_reply_to,
        models.Message.type == message_type)
        .order_by(models.Message.id)).first()


@context_manager.reader
def message_hosts_since(context, message_type, since):
    """``{host: time of its latest message of a type}`` since ``since``."""
    rows = context.session.execute(
        sa.select(models.Message.host,
                  sa.func.max(models.Message.created_at)).where(
            models.Message.type == message_type,
            models.Message.created_at >= since)
        .group_by(models.Message.host))
    return {host: latest for host, latest in rows}


@context_manager.reader
def host_sent_since(context, host, message_type, since):
    """Whether ``host`` sent a message of a type since ``since``."""
    return context.session.scalar(sa.select(sa.func.count(
        models.Message.id)).where(
            models.Message.host == host,
            models.Message.type == message_type,
            models.Message.created_at >= since)) > 0


@api._retry_on_deadlock
@context_manager.writer
def message_mark_answered(context, message_id):
    """Note that a message got its answer.

    :returns: True for the first conductor to mark it.
    """
    return context.session.execute(sa.update(models.Message).where(
        models.Message.message_id == message_id,
        models.Message.answered.is_(False)).values(answered=True)
    ).rowcount == 1


@api._retry_on_deadlock
@context_manager.writer
def message_purge(context, before):
    """Delete messages received before ``before``; returns how many."""
    return context.session.execute(sa.delete(models.Message).where(
        models.Message.created_at < before)).rowcount


# Instances


@api._retry_on_deadlock
@context_manager.writer
def instances_sync(context, servers):
    """Make the instance table match Nova's servers.

    :param servers: ``[{uuid, name, project_id, host, status,
        ha_enabled}]``, every server Nova has; rows of servers Nova no
        longer has are deleted. An instance's priority is HaStack's own
        and is kept.
    :returns: ``(added, changed, removed)`` counts.
    """
    session = context.session
    rows = {row.uuid: row for row in session.scalars(
        sa.select(models.Instance))}
    added = changed = 0
    for server in servers:
        row = rows.pop(server['uuid'], None)
        if row is None:
            session.add(models.Instance(
                uuid=server['uuid'], name=server.get('name'),
                project_id=server['project_id'], host=server.get('host'),
                status=server.get('status'),
                ha_enabled=bool(server.get('ha_enabled')), priority=0))
            added += 1
            continue
        dirty = False
        for key in ('name', 'host', 'status', 'ha_enabled', 'project_id'):
            if key in server and getattr(row, key) != server[key]:
                setattr(row, key, server[key])
                dirty = True
        changed += dirty
    for row in rows.values():
        session.delete(row)
    session.flush()
    return added, changed, len(rows)


# Cluster switches


@api._retry_on_deadlock
@context_manager.writer
def self_defense_set(context, enabled, why):
    """Switch self-defense on or off (an event for each edge).

    :returns: True when it changed.
    """
    session = context.session
    status = api._ha_status(session)
    if status.self_defense == enabled:
        return False
    status.self_defense = enabled
    status.self_defense_since = _now() if enabled else None
    _add_event(session, context,
               'self_defense.%s' % ('on' if enabled else 'off'),
               ('Self-defense: HA stops recovering (%s)' if enabled else
                'Self-recovery: HA resumes (%s)') % why,
               severity='critical' if enabled else 'warning')
    session.flush()
    return True


@api._retry_on_deadlock
@context_manager.writer
def component_report(context, name, status, detail):
    """Record a component's health; an event when it changes.

    :returns: True when the status changed.
    """
    session = context.session
    row = session.scalars(sa.select(models.Component).where(
        models.Component.name == name)).first()
    old = row.status if row is not None else None
    if row is None:
        row = models.Component(name=name, status=status, detail=detail)
        session.add(row)
    else:
        row.status, row.detail = status, detail
    changed = old != status
    if changed:
        _add_event(session, context, 'component.%s' % status,
                   'Core component %s is %s: %s' % (name, status, detail),
                   severity='info' if status == 'ok' else 'critical')
    session.flush()
    return changed
