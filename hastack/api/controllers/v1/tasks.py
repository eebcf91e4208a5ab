"""/v1/tasks: every HA action, its attempts and its fencing proof."""

import json

import pecan

from hastack.api import listing
from hastack.api.controllers.v1 import utils
from hastack.api.schemas.v1 import tasks as schema
from hastack.db import api as db_api

ALL_PROJECTS = 'hastack:task:list:all_projects'


def render(task):
    """The API representation of a Task row."""
    return {
        'uuid': task.uuid,
        'type': task.type,
        'state': task.state,
        'host': task.host,
        'instance_uuid': task.instance_uuid,
        'project_id': task.project_id,
        'failure_uuid': task.failure_uuid,
        'priority': task.priority,
        'attempts': task.attempts,
        'max_attempts': task.max_attempts,
        'last_error': task.last_error,
        'fence_proof': (json.loads(task.fence_proof)
                        if task.fence_proof else None),
        'owner': task.owner,
        'next_attempt_at': utils.iso(task.next_attempt_at),
        'started_at': utils.iso(task.started_at),
        'finished_at': utils.iso(task.finished_at),
        'created_at': utils.iso(task.created_at),
        'updated_at': utils.iso(task.updated_at),
    }


class TaskController:
    """One task, by uuid."""

    def __init__(self, uuid):
        self.uuid = uuid

    @pecan.expose(generic=True, template='json')
    def index(self):
        """Methods other than GET."""
        utils.not_allowed('GET')

    @index.when(method='GET', template='json')
    def get(self):
        """GET /v1/tasks/{uuid}."""
        return render(utils.get_visible(db_api.task_get, self.uuid,
                                        ALL_PROJECTS, 'hastack:task:get'))

    @pecan.expose(generic=True, template='json')
    def retry(self):
        """Methods other than POST."""
        utils.not_allowed('POST')

    @retry.when(method='POST', template='json')
    def retry_post(self):
        """POST /v1/tasks/{uuid}/retry: a failed task runs again."""
        utils.authorize('hastack:task:retry')
        return render(db_api.task_retry(utils.context(), self.uuid))

    @pecan.expose(generic=True, template='json')
    def cancel(self):
        """Methods other than POST."""
        utils.not_allowed('POST')

    @cancel.when(method='POST', template='json')
    def cancel_post(self):
        """POST /v1/tasks/{uuid}/cancel: a task that has not started
        never will."""
        utils.authorize('hastack:task:cancel')
        return render(db_api.task_cancel(utils.context(), self.uuid))


class TasksController:
    """The task collection."""

    @pecan.expose(generic=True, template='json')
    def index(self):
        """Methods other than GET."""
        utils.not_allowed('GET')

    @index.when(method='GET', template='json')
    def get_all(self):
        """GET /v1/tasks with filters, paging and sorting."""
        utils.authorize('hastack:task:list')
        params = utils.query(schema.list_query)
        page = listing.page_args(params, 'created_at')
        filters = utils.scoped_filters(params, ALL_PROJECTS)
        rows = ([] if filters is None
                else db_api.task_list(utils.context(), filters, **page))
        return listing.collection('tasks', [render(t) for t in rows],
                                  params, page, lambda t: t['uuid'])

    @pecan.expose()
    def _lookup(self, uuid, *remainder):
        return TaskController(uuid), remainder
