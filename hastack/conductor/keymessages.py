"""Key messages between the conductors and the agents.

Each message goes by RPC and over every etcd plane at once and must get
through if any one path works (design.md section 2). Received copies are
stored once by message id (:func:`hastack.db.recovery.message_record`),
so a copy arriving by another path, or at another conductor, is never
handled twice. A fencing event gets its answer here, over every path.
"""

import datetime
import json

from oslo_log import log as logging
from oslo_utils import timeutils

from hastack.common import keymsg
from hastack.conductor import arbitration
from hastack.db import api as db_api
from hastack.db import recovery

LOG = logging.getLogger(__name__)


class KeyMessages:
    """Receive, store, answer and send key messages.

    :param conf: the ConfigOpts.
    :param planes: a :class:`hastack.conductor.planes.Planes`.
    :param agent_api: an ``AgentAPI`` for the RPC path (or None).
    :param on_fence: callable(context, host, reason) called after a host
        was answered ``fence`` (the decider recovers its instances).
    """

    def __init__(self, conf, planes, agent_api, on_fence=None):
        self.conf = conf
        self.planes = planes
        self.agent_api = agent_api
        self.on_fence = on_fence

    # -- receiving -------------------------------------------------------

    def receive(self, context, message, path):
        """Take one message from an agent (any path).

        :returns: the answer body for a fencing event (every copy gets
            it, so the RPC caller is answered even when an etcd copy was
            handled first), else None.
        """
        if not keymsg.valid(message):
            LOG.warning('Dropped a malformed key message from %s: %.200r',
                        path, message)
            return None
        row, new = recovery.message_record(context, message, path)
        if message['type'] == keymsg.FENCING_EVENT:
            return self._answer_fencing_event(context, message, new)
        if not new:
            return None
        body = message.get('body') or {}
        if message['type'] == keymsg.FENCE_ACK:
            db_api.event_create(
                context, 'fence.acknowledged',
                'Host %s confirms the fence order %s: stopped %s, not '
                'running %s, failed %s' % (
                    message['host'], body.get('in_reply_to'),
                    body.get('stopped') or [], body.get('not_running') or [],
                    body.get('failed') or []),
                severity='warning' if body.get('failed') else 'info',
                host=message['host'])
        elif message['type'] == keymsg.FITLOCK_EVENT:
            db_api.event_create(
                context, 'fitlock.%s' % str(body.get('event'))[:40],
                'fitlockd on %s, lockspace %s: %s %s' % (
                    message['host'], body.get('lockspace'),
                    body.get('event'), body.get('detail') or ''),
                severity='warning', host=message['host'])
        else:
            LOG.info('Key message %s of type %s from %s kept',
                     message['id'], message['type'], message['host'])
        return None

    def poll_inbox(self, context):
        """Read the controllers' inbox on every plane, handle what is
        new and delete what was read.

        :returns: how many messages were read (copies included).
        """
        found = self.planes.inbox()
        for message, plane, key in found:
            if message is not None:
                try:
                    self.receive(context, message, 'etcd:%s' % plane)
                except Exception:  # noqa: BLE001 - next cycle retries
                    LOG.exception('Handling key message %s failed', key)
                    continue
            self.planes.delete(plane, key)
        return len(found)

    # -- fencing events --------------------------------------------------

    def arbitrate(self, context, host, now=None):
        """The answer to a fencing event of ``host`` now (no side effect).

        :returns: an :class:`arbitration.Answer`.
        """
        now = now or timeutils.utcnow().replace(tzinfo=None)
        status = db_api.ha_status_get(context)
        return arbitration.answer(
            status.ha_maintenance, status.self_defense,
            self.storage_abnormal(context, now, extra=(host,)),
            self.conf.conductor.no_fence_grant)

    def storage_abnormal(self, context, now, extra=()):
        """Whether the shared storage is abnormal for many hosts at once.

        A host is in storage trouble while its heartbeats report the
        shared folder unusable, or when it sent a fencing event within
        ``storage_event_window`` and has not been seen healthy since
        (storage plane up and the folder usable, after the event): two
        single-host incidents minutes apart are not a storage outage.
        """
        window = datetime.timedelta(
            seconds=self.conf.conductor.storage_event_window)
        events = recovery.message_hosts_since(
            context, keymsg.FENCING_EVENT, now - window)
        # NOTE(hastack): light rows of the columns read here and in
        # _healthy_since, not whole Host objects (every monitor pass runs
        # this over every host).
        hosts = [h for h in db_api.host_fields(
                     context, ('ha_enabled', 'maintenance', 'storage_ok',
                               'storage_status', 'storage_last_seen'))
                 if h.ha_enabled and not h.maintenance]
        troubled = set(extra)
        for host in hosts:
            if host.storage_ok is False:
                troubled.add(host.name)
            elif host.name in events and not _healthy_since(
                    host, events[host.name]):
                troubled.add(host.name)
        return arbitration.storage_abnormal(
            len(troubled), len(hosts),
            self.conf.conductor.storage_abnormal_ratio)

    def _answer_fencing_event(self, context, message, new):
        host = message['host']
        now = timeutils.utcnow().replace(tzinfo=None)
        answer = self.arbitrate(context, host, now)
        if answer.decision == arbitration.NO_FENCE:
            # SAFETY: the grant is stored before it is sent: from the
            # moment the host may act on it, the decider sees it and
            # never recovers the host's instances. The stored end is
            # later than the host's own by the longest delivery time.
            until = now + datetime.timedelta(
                seconds=answer.grant_seconds +
                self.conf.conductor.fence_rpc_timeout)
            recovery.host_set_fence_grant(context, host, until,
                                          answer.reason)
        else:
            recovery.host_set_fence_grant(context, host, None, None)
        if new:
            db_api.event_create(
                context, 'fencing_event.%s' % answer.decision,
                'Host %s lost its storage leases (lockspace %s): answered '
                '%s%s (%s)' % (
                    host, (message.get('body') or {}).get('lockspace'),
                    answer.decision,
                    ' for %d s' % answer.grant_seconds
                    if answer.grant_seconds else '', answer.reason),
                severity='error', host=host)
        if recovery.message_mark_answered(context, message['id']):
            self.send(context, host, keymsg.FENCE_ANSWER,
                      dict(answer.as_dict(), in_reply_to=message['id']))
            if answer.decision == arbitration.FENCE and self.on_fence:
                try:
                    self.on_fence(context, host,
                                  'its storage leases were lost and it was '
                                  'told to fence their holders')
                except Exception:  # noqa: BLE001 - the answer stands
                    LOG.exception('Recovering fenced host %s failed', host)
        return answer.as_dict()

    # -- sending ---------------------------------------------------------

    def send(self, context, host, message_type, body):
        """Send a key message to ``host`` over every plane and by RPC.

        :returns: the message sent.
        """
        message = keymsg.make(message_type, host, body)
        planes = self.planes.send(message)
        rpc_ok = False
        if self.agent_api is not None:
            try:
                self.agent_api.deliver_message(context, host, message)
                rpc_ok = True
            except Exception as e:  # noqa: BLE001 - etcd carries it too
                LOG.warning('Key message %s to %s by RPC failed: %s',
                            message['id'], host, e)
        LOG.info('Key message %s (%s) to %s sent on planes %s%s',
                 message['id'], message_type, host, planes or 'none',
                 ' and by RPC' if rpc_ok else '')
        return message


def _healthy_since(host, when):
    """Whether ``host`` was seen with its storage plane up and its shared
    folder usable after ``when``."""
    return (host.storage_status == 'up' and host.storage_ok is not False
            and host.storage_last_seen is not None and
            host.storage_last_seen > when)


def body_of(row):
    """The decoded body of a stored Message row."""
    try:
        body = json.loads(row.body)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}

