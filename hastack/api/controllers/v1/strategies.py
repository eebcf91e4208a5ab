"""/v1/strategies: which plane vectors HA recovers, one strategy active."""

import json

import pecan

from hastack.api import listing
from hastack.api.controllers.v1 import utils
from hastack.api.schemas.v1 import strategies as schema
from hastack.conductor import strategy as strategy_rules
from hastack.db import api as db_api


def render(strategy, active_uuid):
    """The API representation of a Strategy row."""
    return {
        'uuid': strategy.uuid,
        'name': strategy.name,
        'description': strategy.description,
        'rules': json.loads(strategy.rules),
        'active': strategy.uuid == active_uuid,
        'created_at': utils.iso(strategy.created_at),
        'updated_at': utils.iso(strategy.updated_at),
    }


def _active_uuid(ctx):
    return db_api.ha_status_get(ctx).active_strategy_uuid


def _checked(values):
    if 'rules' in values:
        values['rules'] = strategy_rules.validate_rules(values['rules'])
    return values


class StrategyController:
    """One strategy, by name or uuid."""

    def __init__(self, ident):
        self.ident = ident

    @pecan.expose(generic=True, template='json')
    def index(self):
        """Methods other than GET, PATCH and DELETE."""
        utils.not_allowed('GET', 'PATCH', 'DELETE')

    @index.when(method='GET', template='json')
    def get(self):
        """GET /v1/strategies/{strategy}."""
        utils.authorize('hastack:strategy:get')
        ctx = utils.context()
        return render(db_api.strategy_get(ctx, self.ident),
                      _active_uuid(ctx))

    @index.when(method='PATCH', template='json')
    def patch(self):
        """PATCH /v1/strategies/{strategy}: name, description, rules.

        Changing the active strategy's rules changes HA's next decision.
        """
        utils.authorize('hastack:strategy:update')
        ctx = utils.context()
        values = _checked(utils.body(schema.update))
        strategy = db_api.strategy_update(ctx, self.ident, values)
        return render(strategy, _active_uuid(ctx))

    @index.when(method='DELETE', template='json')
    def delete(self):
        """DELETE /v1/strategies/{strategy}: never the active one."""
        utils.authorize('hastack:strategy:delete')
        db_api.strategy_delete(utils.context(), self.ident)
        return utils.no_content()

    @pecan.expose(generic=True, template='json')
    def activate(self):
        """Methods other than POST."""
        utils.not_allowed('POST')

    @activate.when(method='POST', template='json')
    def activate_post(self):
        """POST /v1/strategies/{strategy}/activate."""
        utils.authorize('hastack:strategy:activate')
        ctx = utils.context()
        strategy = db_api.strategy_activate(ctx, self.ident)
        return render(strategy, strategy.uuid)


class StrategiesController:
    """The strategy collection."""

    @pecan.expose(generic=True, template='json')
    def index(self):
        """Methods other than GET and POST."""
        utils.not_allowed('GET', 'POST')

    @index.when(method='GET', template='json')
    def get_all(self):
        """GET /v1/strategies with paging and sorting."""
        utils.authorize('hastack:strategy:list')
        ctx = utils.context()
        params = utils.query(schema.list_query)
        page = listing.page_args(params, 'name')
        active = _active_uuid(ctx)
        rows = db_api.strategy_list(ctx, **page)
        return listing.collection('strategies',
                                  [render(s, active) for s in rows],
                                  params, page, lambda s: s['uuid'])

    @index.when(method='POST', template='json')
    def post(self):
        """POST /v1/strategies: a complete, unambiguous rule set."""
        utils.authorize('hastack:strategy:create')
        ctx = utils.context()
        values = _checked(utils.body(schema.create))
        strategy = db_api.strategy_create(ctx, values)
        utils.created('/v1/strategies/%s' % strategy.uuid)
        return render(strategy, _active_uuid(ctx))

    @pecan.expose()
    def _lookup(self, ident, *remainder):
        return StrategyController(ident), remainder
