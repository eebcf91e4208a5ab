"""The Tasks panel's view: one page of tasks, filtered in the API."""

from django.utils.translation import gettext_lazy as _
from horizon import exceptions
from horizon import tables
from horizon.utils import functions

from hastack_dashboard.api import hastack
from hastack_dashboard.content import common
from hastack_dashboard.content.admin.tasks import tables as task_tables


class IndexView(tables.DataTableView):
    """HA tasks, newest first, a page at a time."""

    table_class = task_tables.TasksTable
    template_name = 'horizon/common/_data_table_view.html'
    page_title = _('HA Tasks')

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._more = False

    def has_more_data(self, table):
        """Whether the API has a next page."""
        return self._more

    def get_data(self):
        """The page after the ``marker`` in the query, with the filter."""
        marker = self.request.GET.get(
            task_tables.TasksTable._meta.pagination_param)
        try:
            tasks, self._more = hastack.task_list(
                self.request, common.server_filters(self), marker=marker,
                limit=functions.get_page_size(self.request))
        except Exception:
            exceptions.handle(self.request, _('Unable to list the tasks.'))
            return []
        return tasks
