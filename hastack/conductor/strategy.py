"""HA strategies: which plane vectors deserve recovery.

A strategy maps each of the 8 plane vectors (mgmt, service, storage, each
up or down) to "recover" or "do not recover". This module validates rule
sets and looks a vector up. It is pure: no database, no clock.
"""

import itertools

from hastack.common import exception
from hastack.common import states

UP = states.PLANE_UP
DOWN = states.PLANE_DOWN

# The design's table (design.md section 4, the slides' "HA Strategy").
# NOTE(hastack): (up, down, up) and (down, up, up) are "no": the host still
# renews its Fitlock leases over storage, so its instances are alive and
# guarded; recovering them would only fail on the leases. (up, up, down) is
# "yes": without storage the instances cannot work and will be fenced.
DEFAULT_RULES = (
    {'mgmt': DOWN, 'service': DOWN, 'storage': DOWN, 'recover': True},
    {'mgmt': DOWN, 'service': DOWN, 'storage': UP, 'recover': True},
    {'mgmt': DOWN, 'service': UP, 'storage': DOWN, 'recover': True},
    {'mgmt': DOWN, 'service': UP, 'storage': UP, 'recover': False},
    {'mgmt': UP, 'service': DOWN, 'storage': DOWN, 'recover': True},
    {'mgmt': UP, 'service': DOWN, 'storage': UP, 'recover': False},
    {'mgmt': UP, 'service': UP, 'storage': DOWN, 'recover': True},
    {'mgmt': UP, 'service': UP, 'storage': UP, 'recover': False},
)

DEFAULT_NAME = 'default'

# Every vector a complete strategy must cover, in table order.
ALL_VECTORS = tuple(itertools.product((DOWN, UP), repeat=len(states.PLANES)))


def vector_of(rule):
    """The (mgmt, service, storage) tuple a rule or plane mapping covers."""
    return tuple(rule[plane] for plane in states.PLANES)


def validate_rules(rules):
    """Check that ``rules`` names every plane vector exactly once.

    :param rules: a list of ``{"mgmt", "service", "storage", "recover"}``
        dicts whose shape the JSON Schema has already checked.
    :returns: the rules sorted in table order (down before up, mgmt first).
    :raises InvalidStrategy: a vector is missing or given twice.
    """
    seen = {}
    for rule in rules:
        vector = vector_of(rule)
        if vector in seen:
            verdicts = {seen[vector]['recover'], rule['recover']}
            kind = ('contradictory' if len(verdicts) > 1
                    else 'duplicate')
            raise exception.InvalidStrategy(
                detail='%s rules for mgmt=%s, service=%s, storage=%s; '
                       'each plane vector must appear exactly once.'
                       % (kind, *vector))
        seen[vector] = rule
    missing = [v for v in ALL_VECTORS if v not in seen]
    if missing:
        described = '; '.join('mgmt=%s, service=%s, storage=%s' % v
                              for v in missing)
        raise exception.InvalidStrategy(
            detail='no rule for %s. A strategy needs one rule for each of '
                   'the %d plane vectors.' % (described, len(ALL_VECTORS)))
    return [dict(seen[v]) for v in ALL_VECTORS]


def rule_for(rules, vector):
    """The rule of a validated rule set that covers ``vector``.

    :param rules: a rule list that passed :func:`validate_rules`.
    :param vector: a (mgmt, service, storage) tuple of 'up'/'down'.
    :returns: the matching rule dict, or None when the vector holds an
        'unknown' plane (no rule can say anything about it).
    """
    for rule in rules:
        if vector_of(rule) == tuple(vector):
            return rule
    return None
