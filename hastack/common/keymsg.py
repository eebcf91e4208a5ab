"""The etcd contract between agents and conductors (design.md section 8).

Both sides write and read the same keys on each plane's cluster; keeping
the layout and the message shape here means neither side can drift.
"""

import uuid

from oslo_utils import timeutils

HEARTBEAT_PREFIX = '/hastack/hosts/'
HEARTBEAT_KEY = HEARTBEAT_PREFIX + '%s/heartbeat'
TO_CONTROLLER = '/hastack/messages/to-controller/%s/'
TO_CONTROLLER_PREFIX = '/hastack/messages/to-controller/'
TO_HOST = '/hastack/messages/to-host/%s/'
MAINTENANCE_KEY = '/hastack/config/ha_maintenance'

# Message types.
FENCING_EVENT = 'fencing_event'
FENCE_ANSWER = 'fence_answer'
FENCE_ORDER = 'fence_order'
FENCE_ACK = 'fence_ack'
FITLOCK_EVENT = 'fitlock_event'


def heartbeat_key(host):
    """The key of ``host``'s heartbeat on every plane."""
    return HEARTBEAT_KEY % host


def host_of_heartbeat_key(key):
    """The host named by a heartbeat key, or None for another key."""
    if not key.startswith(HEARTBEAT_PREFIX) or \
            not key.endswith('/heartbeat'):
        return None
    host = key[len(HEARTBEAT_PREFIX):-len('/heartbeat')]
    return host if host and '/' not in host else None


def make(message_type, host, body):
    """A new key message ``{id, type, host, sent_at, body}``."""
    return {'id': uuid.uuid4().hex, 'type': message_type, 'host': host,
            'sent_at': timeutils.utcnow().isoformat(), 'body': body}


def valid(message):
    """Whether a decoded message has the contract's shape."""
    return (isinstance(message, dict) and
            isinstance(message.get('id'), str) and bool(message['id']) and
            len(message['id']) <= 64 and
            isinstance(message.get('type'), str) and
            isinstance(message.get('host'), str) and
            isinstance(message.get('body', {}), dict))
