"""Small helpers every v1 controller uses."""

import pecan

from hastack.api import listing
from hastack.api import policy
from hastack.api import validation
from hastack.common import exception
from hastack.db import api as db_api


def context():
    """The RequestContext of the request being served."""
    return pecan.request.context


def not_allowed(*allowed):
    """Refuse the request's method with 405 and an Allow header.

    Pecan sends every method a generic controller did not register to its
    default handler; each default handler calls this.
    """
    raise exception.MethodNotAllowed(pecan.request.method, allowed)


def authorize(action, target=None):
    """Enforce ``action`` for the caller, or raise Forbidden."""
    policy.authorize(context(), action, target)


def visible_project(all_projects_action):
    """The project a caller's list is limited to, or None for all.

    :param all_projects_action: the policy that lets a caller see every
        project (admin and service by default).
    :returns: None when that policy passes, else the caller's project.
    """
    ctx = context()
    if policy.check(ctx, all_projects_action):
        return None
    return ctx.project_id


def get_visible(getter, uuid, all_projects_action, action):
    """Fetch a project-owned item the caller may see, then authorize.

    NOTE(hastack): the item is looked up within the caller's project first,
    so another project's item answers 404, not 403, and its existence does
    not leak.

    :param getter: a ``hastack.db.api`` function (context, uuid, project).
    :param all_projects_action: the policy that lets a caller see every
        project's items.
    :param action: the policy of this request, checked against the item's
        project.
    :returns: the row.
    """
    row = getter(context(), uuid, visible_project(all_projects_action))
    authorize(action, {'project_id': row.project_id})
    return row


def scoped_filters(params, all_projects_action):
    """The list filters of a project-scoped list query.

    :param params: the validated query parameters.
    :param all_projects_action: the policy that lets a caller see every
        project.
    :returns: the filters, limited to the caller's project unless the
        policy passes; None when the caller asked for another project's
        items, which it can never see.
    """
    filters = listing.filters(params)
    project = visible_project(all_projects_action)
    if project is not None:
        if filters.get('project_id', project) != project:
            return None
        filters['project_id'] = project
    return filters


def query(schema):
    """The request's query string, typed and validated by ``schema``."""
    return validation.validate_query(pecan.request, schema)


def body(schema):
    """The request's JSON body, validated by ``schema``."""
    return validation.parse_body(pecan.request, schema)


def created(location_path):
    """Answer 201 Created with a Location header."""
    pecan.response.status = 201
    pecan.response.location = listing.base_url() + location_path


def no_content():
    """Answer 204 No Content: the response, with no body at all.

    Controllers return it; pecan would otherwise render their None as
    ``null`` in a response that must not have a body.
    """
    pecan.response.status = 204
    pecan.response.content_type = None
    return pecan.response


def iso(value):
    """A stored naive UTC datetime as ISO 8601 with its zone, or None."""
    if value is None:
        return None
    if value.tzinfo is None:
        # NOTE(hastack): what as_utc(value).isoformat() gives, without
        # making a datetime: list pages call this six times per host.
        return value.isoformat() + '+00:00'
    return db_api.as_utc(value).isoformat()
