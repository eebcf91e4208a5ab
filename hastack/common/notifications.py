"""Versioned notifications: every event HaStack records is also sent on
the oslo.messaging notification bus, once its transaction commits.

Events are the record of every failure, fence, task step and gate change
(design.md section 6), so publishing each one gives operators' tools the
whole story without a second list of call sites to keep in step. The
driver is ``[oslo_messaging_notifications] driver`` (none by default:
nothing is sent until an operator chooses a driver).

Payload (version 1.0)::

    {"hastack_object.name": "HAEventPayload",
     "hastack_object.namespace": "hastack",
     "hastack_object.version": "1.0",
     "hastack_object.data": {"uuid", "type", "severity", "host",
                             "instance_uuid", "project_id", "message",
                             "created_at"}}
"""

import threading

from oslo_log import log as logging

LOG = logging.getLogger(__name__)

PAYLOAD_NAME = 'HAEventPayload'
PAYLOAD_VERSION = '1.0'

# Event severities to notification priorities.
_PRIORITIES = {'info': 'info', 'warning': 'warn', 'error': 'error',
               'critical': 'critical'}

_lock = threading.Lock()
_notifier = None


def payload(event):
    """The versioned payload of one event (a dict of its columns)."""
    data = {key: event.get(key) for key in (
        'uuid', 'type', 'severity', 'host', 'instance_uuid', 'project_id',
        'message')}
    created = event.get('created_at')
    data['created_at'] = created.isoformat() if created else None
    return {'hastack_object.name': PAYLOAD_NAME,
            'hastack_object.namespace': 'hastack',
            'hastack_object.version': PAYLOAD_VERSION,
            'hastack_object.data': data}


def event_type(event):
    """``hastack.<event type>``, e.g. ``hastack.task.started``."""
    return 'hastack.%s' % event['type']


def init(conf, publisher_id):
    """Start sending notifications from this process."""
    global _notifier
    # NOTE(hastack): imported here, not at the top: every process that
    # touches the database imports this module, and importing
    # oslo.messaging selects oslo.service's backend, which short
    # commands (hastack-manage) have no use for.
    import oslo_messaging as messaging
    with _lock:
        transport = messaging.get_notification_transport(conf)
        _notifier = messaging.Notifier(transport,
                                       publisher_id=publisher_id)


def reset():
    """Stop sending (tests, shutdown)."""
    global _notifier
    with _lock:
        _notifier = None


def publish(events):
    """Send one notification per event; never raises."""
    notifier = _notifier
    if notifier is None:
        return
    for event in events:
        try:
            method = getattr(notifier, _PRIORITIES.get(
                event.get('severity'), 'info'))
            method({}, event_type(event), payload(event))
        except Exception as e:  # noqa: BLE001 - notifying never breaks HA
            LOG.warning('Notification %s not sent: %s', event_type(event),
                        e)
