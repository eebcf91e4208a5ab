"""Policy enforcement for the HaStack API.

The rules themselves live in :mod:`hastack.policies`; this module owns the
one :class:`oslo_policy.policy.Enforcer` that checks them. Controllers call
:func:`authorize` (raises :class:`hastack.common.exception.Forbidden`) or
:func:`check` (returns a bool, for "show more if allowed" decisions such as
``...:list:all_projects``).
"""

import threading

from oslo_policy import opts as policy_opts
from oslo_policy import policy

from hastack import policies
from hastack.common import exception
from hastack.conf import CONF

# NOTE(hastack): HaStack has no legacy rules to stay compatible with, so the
# new defaults and scope checks are on from the first release. Recent
# oslo.policy releases always enforce scope and dropped the enforce_scope
# option; cfg.set_defaults ignores a name it does not know, so passing it
# keeps older releases (within our requirements) on the same behaviour.
policy_opts.set_defaults(CONF, policy_file='policy.yaml',
                         enforce_scope=True, enforce_new_defaults=True)

_ENFORCER = None
_ENFORCER_LOCK = threading.Lock()


def _conf_is_parsed():
    """Whether ``CONF`` was already called (command line and files parsed).

    :returns: True once ``CONF(...)`` has run, False before or after
        ``CONF.reset()``/``CONF.clear()``.
    """
    # NOTE(hastack): oslo.config has no public flag for this; ``_args`` is
    # set by ConfigOpts.__call__ and cleared by clear(). Re-parsing an
    # already parsed CONF would throw away the caller's own arguments (the
    # oslopolicy-* tools parse CONF themselves before asking for us).
    return getattr(CONF, '_args', None) is not None


def get_enforcer():
    """The API's policy enforcer, created on first use.

    This is also the ``oslo.policy.enforcer`` entry point used by the
    ``oslopolicy-policy-generator`` and ``oslopolicy-list-redundant``
    tools. The enforcer needs a parsed ``CONF`` to find the policy file: if
    nobody parsed it yet, it is parsed here with no command line arguments
    (``CONF([], project='hastack')``); an already parsed ``CONF`` is left
    alone.

    :returns: the :class:`oslo_policy.policy.Enforcer` with every HaStack
        rule registered.
    """
    global _ENFORCER
    if _ENFORCER is not None:
        return _ENFORCER
    with _ENFORCER_LOCK:
        if _ENFORCER is None:
            if not _conf_is_parsed():
                CONF([], project='hastack')
            enforcer = policy.Enforcer(CONF)
            enforcer.register_defaults(policies.list_rules())
            _ENFORCER = enforcer
    return _ENFORCER


def reset():
    """Forget the enforcer, so that the next use builds a fresh one.

    Meant for tests that change policy options or rules.
    """
    global _ENFORCER
    with _ENFORCER_LOCK:
        if _ENFORCER is not None:
            _ENFORCER.clear()
        _ENFORCER = None


def _default_target(context, target):
    """The target to check: the one given, or the caller's own project.

    :param context: the caller's RequestContext.
    :param target: a dict describing the object acted on, or None.
    :returns: a dict with at least the keys the caller passed.
    """
    if target is None:
        return {'project_id': context.project_id}
    return target


def authorize(context, action, target=None):
    """Raise unless policy allows ``context`` to perform ``action``.

    :param context: a :class:`hastack.common.context.RequestContext` (any
        :class:`oslo_context.context.RequestContext` works).
    :param action: the rule name, e.g. ``'hastack:host:get'``.
    :param target: a dict describing the object acted on, e.g.
        ``{'project_id': instance.project_id}``; defaults to
        ``{'project_id': context.project_id}``.
    :returns: True.
    :raises: :class:`hastack.common.exception.Forbidden` if the rule denies
        the action or the token has the wrong scope.
    :raises: :class:`oslo_policy.policy.PolicyNotRegistered` if ``action``
        is not a HaStack rule (a programming error).
    """
    enforcer = get_enforcer()
    try:
        return enforcer.authorize(action, _default_target(context, target),
                                  context, do_raise=True,
                                  exc=exception.Forbidden, action=action)
    except policy.InvalidScope:
        raise exception.Forbidden(action=action)


def check(context, action, target=None):
    """Whether policy allows ``context`` to perform ``action``.

    Same arguments as :func:`authorize`, but never raises for a denial.

    :param context: a :class:`hastack.common.context.RequestContext`.
    :param action: the rule name, e.g. ``'hastack:task:list:all_projects'``.
    :param target: a dict describing the object acted on; defaults to
        ``{'project_id': context.project_id}``.
    :returns: True if allowed, False otherwise.
    :raises: :class:`oslo_policy.policy.PolicyNotRegistered` if ``action``
        is not a HaStack rule (a programming error).
    """
    enforcer = get_enforcer()
    return bool(enforcer.authorize(action, _default_target(context, target),
                                   context, do_raise=False))
