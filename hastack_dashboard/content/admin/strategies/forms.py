"""The strategy editor: the 8-row plane table as a grid of recover toggles.

A strategy has one rule per plane vector: each of the management, service
and storage planes up or down, 8 vectors in all, each saying whether HA
recovers a host seen that way. The form has one toggle per vector and
turns them into the 8 rules the API takes, in the API's table order
(down before up, management first).
"""

import itertools

from django.utils.translation import gettext_lazy as _
from horizon import exceptions
from horizon import forms
from horizon import messages

from hastack.common import states
from hastack_dashboard.api import hastack

PLANES = states.PLANES
# Every plane vector, in the order of the API's rule table.
VECTORS = tuple(itertools.product((states.PLANE_DOWN, states.PLANE_UP),
                                  repeat=len(PLANES)))
FIELD_PREFIX = 'recover_'


def field_name(vector):
    """The form field of a vector: ``recover_down_up_down``."""
    return FIELD_PREFIX + '_'.join(vector)


def initial_from_rules(rules):
    """The toggles' initial values from a strategy's rules.

    :param rules: the strategy's ``rules`` as the API gives them.
    :returns: ``{field name: recover}`` for every vector the rules cover.
    """
    return {field_name(tuple(rule[p] for p in PLANES)): bool(rule['recover'])
            for rule in rules}


class StrategyForm(forms.SelfHandlingForm):
    """Name, description, the recover grid, and "activate after saving".

    Subclasses save the strategy in ``_save(request)``.
    """

    name = forms.CharField(label=_('Name'), max_length=255)
    description = forms.CharField(
        label=_('Description'), required=False, max_length=4096,
        widget=forms.Textarea(attrs={'rows': 3}))
    activate = forms.BooleanField(
        label=_('Activate after saving'), required=False,
        help_text=_('The active strategy decides every host\'s recovery '
                    'from the next monitor cycle on.'))

    def __init__(self, request, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        for vector in VECTORS:
            self.fields[field_name(vector)] = forms.BooleanField(
                required=False,
                label=_('Recover when management is %(mgmt)s, service is '
                        '%(service)s and storage is %(storage)s')
                % dict(zip(PLANES, vector, strict=True)))

    @property
    def grid(self):
        """The rows of the grid: each plane's status and the toggle."""
        return [dict(zip(PLANES, vector, strict=True),
                     field=self[field_name(vector)])
                for vector in VECTORS]

    def rules(self):
        """The 8 rules of the toggles (call after validation).

        :returns: ``[{"mgmt", "service", "storage", "recover"}]`` in the
            API's table order.
        """
        return [dict(zip(PLANES, vector, strict=True),
                     recover=bool(self.cleaned_data.get(field_name(vector))))
                for vector in VECTORS]

    def values(self):
        """The strategy document to send: name, description, rules."""
        return {'name': self.cleaned_data['name'],
                'description': self.cleaned_data['description'] or None,
                'rules': self.rules()}

    def handle(self, request, data):
        """Save the strategy, then activate it when asked.

        :returns: the strategy document, or False when the API refused.
        """
        try:
            strategy = self._save(request)
        except Exception:
            exceptions.handle(request, _('Unable to save strategy %s.')
                              % data['name'])
            return False
        messages.success(request, _('Saved strategy %s.') % strategy['name'])
        if data.get('activate') and not strategy.get('active'):
            try:
                strategy = hastack.strategy_activate(request,
                                                     strategy['uuid'])
            except Exception:
                exceptions.handle(request, _('Unable to activate strategy '
                                             '%s.') % strategy['name'])
                return False
            messages.success(request, _('Strategy %s is now active.')
                             % strategy['name'])
        return strategy


class CreateStrategyForm(StrategyForm):
    """A new strategy (``POST /v1/strategies``)."""

    def _save(self, request):
        return hastack.strategy_create(request, self.values())


class UpdateStrategyForm(StrategyForm):
    """Changes to a strategy (``PATCH /v1/strategies/{uuid}``)."""

    uuid = forms.CharField(widget=forms.HiddenInput())

    def _save(self, request):
        return hastack.strategy_update(request, self.cleaned_data['uuid'],
                                       self.values())
