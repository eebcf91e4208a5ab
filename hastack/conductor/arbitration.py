"""The answer to an agent's fencing event: "fence" or "no-fence".

An agent sends a fencing event when its host's Fitlock lease renewals
have failed for ``F`` and fitlockd asks whether to stop the lease
holders (design.md section 5). The answer is ``fence`` unless stopping
them would be wrong for the cloud rather than for the host:

* ``ha_maintenance`` is on (the operator switched HA off);
* self-defense holds (HaStack distrusts its own view);
* the shared storage is abnormal for many hosts at once (fencing them
  all would stop every HA instance because of one storage incident).

Then the answer is ``no-fence``: a grant of ``grant_seconds`` that
fitlockd must ask to renew before it ends, and that the conductor
records on the host. SAFETY: while a grant stands the conductor never
recovers the host's instances; without that half the grant would let an
instance run on two hosts (its owner keeps it, a recovery starts it
elsewhere). Both halves are needed.

Pure: the caller passes every fact in.
"""

import dataclasses
import math

FENCE = 'fence'
NO_FENCE = 'no-fence'


@dataclasses.dataclass(frozen=True)
class Answer:
    """The decision for one fencing event."""

    decision: str
    grant_seconds: int
    reason: str

    def as_dict(self):
        """The body of the answer message and of the RPC reply."""
        return {'decision': self.decision,
                'grant_seconds': self.grant_seconds,
                'reason': self.reason}


def storage_abnormal(hosts_in_trouble, counted, ratio):
    """Whether the shared storage looks abnormal for many hosts.

    :param hosts_in_trouble: how many HA hosts lost their leases or report
        the shared folder unusable, recently.
    :param counted: how many HA hosts there are.
    :param ratio: the share of hosts that makes it abnormal.
    :returns: True at or above ``ratio`` of the hosts and at least two: a
        single host's storage path failing is that host's problem.
    """
    threshold = max(2, math.ceil(ratio * max(counted, 0)))
    return hosts_in_trouble >= threshold


def answer(ha_maintenance, self_defense, storage_is_abnormal,
           grant_seconds):
    """Decide the answer to one fencing event.

    :param ha_maintenance: the operator's switch.
    :param self_defense: whether self-defense holds.
    :param storage_is_abnormal: see :func:`storage_abnormal`.
    :param grant_seconds: length of a no-fence grant.
    :returns: an :class:`Answer`.
    """
    reasons = []
    if ha_maintenance:
        reasons.append('ha_maintenance is on')
    if self_defense:
        reasons.append('self-defense holds')
    if storage_is_abnormal:
        reasons.append('the shared storage is abnormal for many hosts')
    if reasons:
        return Answer(NO_FENCE, int(grant_seconds), '; '.join(reasons))
    return Answer(FENCE, 0, 'the host lost its storage alone: fence it')
