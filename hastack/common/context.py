"""The request context every HaStack call carries."""

from oslo_context import context
from oslo_db.sqlalchemy import enginefacade


@enginefacade.transaction_context_provider
class RequestContext(context.RequestContext):
    """An oslo.context RequestContext that can carry a database session.

    The enginefacade decorator lets ``hastack.db.api`` open one reader or
    writer transaction per call (or join the caller's) on this context.
    """


def get_admin_context():
    """A context for HaStack's own background work (not a user's)."""
    return RequestContext(is_admin=True, roles=['admin', 'service'],
                          overwrite=False)
