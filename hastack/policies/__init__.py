"""HaStack's API policies in code, one module per resource.

``list_rules`` is the ``oslo.policy.policies`` entry point: the enforcer
registers what it returns and ``oslopolicy-sample-generator`` documents it.
"""

import itertools

from hastack.policies import events
from hastack.policies import hosts
from hastack.policies import instances
from hastack.policies import maintenance
from hastack.policies import settings
from hastack.policies import status
from hastack.policies import strategies
from hastack.policies import tasks


def list_rules():
    """Every HaStack policy rule.

    :returns: a list of :class:`oslo_policy.policy.DocumentedRuleDefault`,
        grouped by resource.
    """
    return list(itertools.chain(
        hosts.list_rules(),
        instances.list_rules(),
        strategies.list_rules(),
        maintenance.list_rules(),
        settings.list_rules(),
        tasks.list_rules(),
        events.list_rules(),
        status.list_rules(),
    ))
