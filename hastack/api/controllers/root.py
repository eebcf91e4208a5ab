"""The API root: version discovery at ``/``."""

import pecan

from hastack.api import listing
from hastack.api.controllers import v1
from hastack.api.controllers.v1 import utils


class RootController:
    """``/`` lists the API versions; ``/v1`` is the only one."""

    v1 = v1.V1Controller()

    @pecan.expose(generic=True, template='json')
    def index(self):
        """Methods other than GET."""
        utils.not_allowed('GET')

    @index.when(method='GET', template='json')
    def get(self):
        """GET /: the versions this API serves."""
        return {'versions': [v1.version_document(listing.base_url())]}
