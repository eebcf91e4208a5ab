"""/v1/settings: run-time settings (rate limits, retries, grace, ratios).

A change is stored in the database; conductors read the effective values
on every cycle, so it takes effect without restarting anything.
"""

import pecan

from hastack import conf
from hastack.api.controllers.v1 import utils
from hastack.api.schemas.v1 import settings as schema
from hastack.common import settings
from hastack.db import api as db_api

CONF = conf.CONF


def render(stored):
    """The API representation: every setting's value, default, source."""
    return {'settings': settings.effective(CONF, stored)}


class SettingsController:
    """GET and PATCH of the settings."""

    @pecan.expose(generic=True, template='json')
    def index(self):
        """Methods other than GET and PATCH."""
        utils.not_allowed('GET', 'PATCH')

    @index.when(method='GET', template='json')
    def get(self):
        """GET /v1/settings."""
        utils.authorize('hastack:settings:get')
        return render(db_api.settings_get_stored(utils.context()))

    @index.when(method='PATCH', template='json')
    def patch(self):
        """PATCH /v1/settings: change some settings; null resets one."""
        utils.authorize('hastack:settings:update')
        ctx = utils.context()
        changes = settings.normalize(utils.body(schema.update))
        stored = db_api.settings_get_stored(ctx)
        defaults = settings.config_defaults(CONF)
        resolved = {k: defaults[k] if v is None else v
                    for k, v in changes.items()}
        settings.validate_change(settings.values(CONF, stored), resolved)
        db_api.settings_update(ctx, changes)
        return render(db_api.settings_get_stored(ctx))
