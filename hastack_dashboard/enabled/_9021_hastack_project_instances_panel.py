"""Project panel: the project's instances and their HA flag."""

PANEL = 'ha_instances'
PANEL_DASHBOARD = 'project'
PANEL_GROUP = 'hastack'

ADD_PANEL = 'hastack_dashboard.content.project.instances.panel.Instances'
