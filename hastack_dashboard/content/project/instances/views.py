"""The HA Instances panel's view."""

from django.utils.translation import gettext_lazy as _
from horizon import exceptions
from horizon import tables

from hastack_dashboard.api import hastack
from hastack_dashboard.content.project.instances import tables as i_tables


class IndexView(tables.DataTableView):
    """The instances of the user's current project."""

    table_class = i_tables.InstancesTable
    template_name = 'horizon/common/_data_table_view.html'
    page_title = _('HA Instances')

    def get_data(self):
        """The project's instances (even for an admin, who could see every
        project's: this is the project dashboard)."""
        try:
            return hastack.instance_list(
                self.request, project_id=self.request.user.project_id)
        except Exception:
            exceptions.handle(self.request,
                              _('Unable to list the HA instances.'))
            return []
