"""The host state changes a monitor cycle makes from the plane vector.

The transition rules are pure: the monitor passes a host's stored state
and the plane vector it just read, and stores what this returns. The
other transitions (failed, fencing, fenced, recovered, back to active)
are made by the decider and the task engine, each when its condition
holds (design.md section 6).
"""

import datetime

from hastack.common import keymsg
from hastack.common import states
from hastack.db import recovery

# States in which the host's current failure is being handled; when every
# plane is up again the host is returning and goes 'recovering'.
FAILURE_STATES = (states.HOST_FAILED, states.HOST_FENCING,
                  states.HOST_FENCED, states.HOST_RECOVERED)


def summarize(vector):
    """``'up'`` when every plane is up, ``'unknown'`` when a plane's
    cluster could not be read, else ``'down'`` (some plane is down)."""
    values = [vector.get(p, states.PLANE_UNKNOWN) for p in states.PLANES]
    if states.PLANE_UNKNOWN in values:
        return states.PLANE_UNKNOWN
    if all(v == states.PLANE_UP for v in values):
        return states.PLANE_UP
    return states.PLANE_DOWN


def next_state(state, vector):
    """The state a host goes to after a monitor cycle, or None to stay.

    * ``active`` -> ``suspect`` from the first plane seen down;
    * ``suspect`` -> ``active`` when every plane is up again;
    * a failed host whose planes are all up again -> ``recovering``.

    An unknown plane changes nothing: HA is suspended while a plane
    cluster cannot be read, and a host must not flap because of it.
    Maintenance is the operator's and is never left here.
    """
    summary = summarize(vector)
    if summary == states.PLANE_UNKNOWN:
        return None
    if state == states.HOST_ACTIVE and summary == states.PLANE_DOWN:
        return states.HOST_SUSPECT
    if state == states.HOST_SUSPECT and summary == states.PLANE_UP:
        return states.HOST_ACTIVE
    if state in FAILURE_STATES and summary == states.PLANE_UP:
        return states.HOST_RECOVERING
    return None


# A fencing event this long before a failure was declared still belongs
# to it (the declaration follows the event within a monitor pass).
FENCING_EVENT_SLACK = datetime.timedelta(seconds=60)


def fenced_itself(context, host, failure):
    """Whether ``host`` asked to fence around ``failure``'s detection: its
    fitlockd has stopped (or is stopping) the lease holders, so a host
    that "comes back" did not keep its instances running and its recovery
    must go on."""
    return recovery.host_sent_since(
        context, host, keymsg.FENCING_EVENT,
        failure.detected_at - FENCING_EVENT_SLACK)
