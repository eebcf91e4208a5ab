"""Run-time settings: what they are, their bounds, and their effective value.

An operator changes these while HaStack runs (``PATCH /v1/settings``); the
database keeps the changed values and the ``[ha]`` options give the rest.
Conductors read the effective values on every cycle, so a change takes
effect without a restart. This module is pure: callers pass the stored
values in.
"""

import dataclasses

from oslo_log import log as logging

from hastack.common import exception

LOG = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class SettingDef:
    """One run-time setting: its type and bounds, and its [ha] option."""

    key: str
    type: type
    minimum: float
    maximum: float
    description: str


# NOTE(hastack): the bounds match the [ha] options' min/max so a value valid
# in the config file is valid at run time and the other way round.
DEFINITIONS = {d.key: d for d in (
    SettingDef('global_rate_limit', int, 1, 10000,
               'Most evacuations in flight at once across the cloud.'),
    SettingDef('host_rate_limit', int, 1, 10000,
               'Most evacuations in flight at once from one failed host.'),
    SettingDef('max_retries', int, 0, 100,
               'Retries of a failed HA task before it stays failed.'),
    SettingDef('grace_period', int, 0, 3600,
               'Seconds a host stays suspect before recovery starts.'),
    SettingDef('self_defense_ratio', float, 0.0, 1.0,
               'Fraction of hosts down at which HA stops itself.'),
    SettingDef('self_recovery_ratio', float, 0.0, 1.0,
               'Fraction of hosts up at which HA resumes.'),
)}


def config_defaults(conf):
    """The value of each setting from the ``[ha]`` options of ``conf``."""
    return {key: getattr(conf.ha, key) for key in DEFINITIONS}


def usable(stored):
    """The stored values that are valid settings; the others are dropped
    (and logged), so the configured default applies.

    The API validates every change, but the table can be edited behind
    its back; a rate limit of -3 or a ratio of "lots" must never reach the
    decision code.
    """
    good = {}
    for key, value in stored.items():
        definition = DEFINITIONS.get(key)
        ok = definition is not None and isinstance(value, (int, float)) \
            and not isinstance(value, bool) and \
            definition.minimum <= value <= definition.maximum and \
            (definition.type is float or float(value).is_integer())
        if ok:
            good[key] = definition.type(value)
        else:
            LOG.error('Ignoring run-time setting %s=%r stored in the '
                      'database: %s', key, value,
                      'unknown setting' if definition is None else
                      'out of range %s..%s' % (definition.minimum,
                                               definition.maximum))
    return good


def effective(conf, stored):
    """Merge stored run-time values over the configured defaults.

    :param conf: the ConfigOpts holding the ``[ha]`` group.
    :param stored: ``{key: value}`` from the settings table.
    :returns: ``{key: {"value", "default", "source"}}`` for every setting,
        ``source`` being ``"runtime"`` or ``"config"``.
    """
    defaults = config_defaults(conf)
    stored = usable(stored)
    result = {}
    for key, default in defaults.items():
        overridden = key in stored
        result[key] = {
            'value': stored[key] if overridden else default,
            'default': default,
            'source': 'runtime' if overridden else 'config',
        }
    return result


def values(conf, stored):
    """Just the effective value of each setting: ``{key: value}``."""
    return {k: v['value'] for k, v in effective(conf, stored).items()}


def normalize(changes):
    """Give each changed value its setting's type (JSON's 30.0 is 30).

    :param changes: ``{key: value or None}`` that passed the schema.
    :returns: the same keys, integer settings as ``int``.
    """
    return {key: (None if value is None
                  else DEFINITIONS[key].type(value))
            for key, value in changes.items()}


def validate_change(current, changes):
    """Check a change against the settings it would produce.

    The JSON Schema has checked each value's type and range; this checks
    what only the combination can get wrong.

    :param current: ``{key: value}``, the effective values now.
    :param changes: ``{key: value or None}``; None resets to the default
        and is resolved by the caller before this check.
    :returns: the merged ``{key: value}``.
    :raises InvalidSetting: the combination would make HA flap.
    """
    merged = dict(current)
    merged.update(changes)
    defense = merged['self_defense_ratio']
    recovery = merged['self_recovery_ratio']
    # NOTE(hastack): self-defense starts at down >= defense, i.e. up <=
    # 1 - defense. Were recovery <= 1 - defense, the state that started
    # self-defense would already satisfy self-recovery and HA would flap.
    if recovery <= 1.0 - defense + 1e-9:
        raise exception.InvalidSetting(
            detail='self_recovery_ratio (%s) must be above 1 - '
                   'self_defense_ratio (%s), or HA would resume in the '
                   'state that stopped it.' % (recovery, 1.0 - defense))
    return merged
