"""The request context every HaStack call carries."""

from oslo_context import context


class RequestContext(context.RequestContext):
    """An oslo.context RequestContext; HaStack adds nothing to it yet.

    Keeping our own subclass gives RPC serializers and policy one type to
    name, and a place for HaStack fields when the conductor needs them.
    """


def get_admin_context():
    """A context for HaStack's own background work (not a user's)."""
    return RequestContext(is_admin=True, roles=['admin', 'service'],
                          overwrite=False)
