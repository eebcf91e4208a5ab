"""Self-defense and self-recovery: when too many hosts look down at once,
the fault is more likely on the controllers' side than on the hosts, and
recovering would move half the cloud for nothing (design.md section 1).

Pure: the caller counts the hosts and passes the current switch.
"""

import dataclasses


@dataclasses.dataclass(frozen=True)
class Verdict:
    """Whether self-defense holds after this count, and why."""

    active: bool
    changed: bool
    reason: str


def evaluate(active, counted, down, up, defense_ratio, recovery_ratio):
    """Decide self-defense from one monitor cycle's counts.

    :param active: whether self-defense holds now.
    :param counted: hosts that count (HA-enabled, not in maintenance).
    :param down: of those, hosts with at least one plane down.
    :param up: of those, hosts with every plane up.
    :param defense_ratio: share of down hosts that starts self-defense.
    :param recovery_ratio: share of up hosts that ends it; above
        ``1 - defense_ratio`` (the settings check this), so the state that
        started self-defense never ends it at once (no flapping).
    :returns: a :class:`Verdict`.
    """
    if counted <= 0:
        return Verdict(active, False, 'no host counts')
    down_share = down / counted
    up_share = up / counted
    if not active and down_share >= defense_ratio:
        return Verdict(True, True,
                       '%d of %d hosts (%.0f%%) look down, at or above '
                       'the self-defense ratio %.0f%%'
                       % (down, counted, 100 * down_share,
                          100 * defense_ratio))
    if active and up_share >= recovery_ratio:
        return Verdict(False, True,
                       '%d of %d hosts (%.0f%%) are up, at or above the '
                       'self-recovery ratio %.0f%%'
                       % (up, counted, 100 * up_share,
                          100 * recovery_ratio))
    return Verdict(active, False,
                   '%d down, %d up of %d hosts' % (down, up, counted))
