"""Admin panel: HA tasks: retry and cancel."""

PANEL = 'ha_tasks'
PANEL_DASHBOARD = 'admin'
PANEL_GROUP = 'hastack'

ADD_PANEL = 'hastack_dashboard.content.admin.tasks.panel.Tasks'
