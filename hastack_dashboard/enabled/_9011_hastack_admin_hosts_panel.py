"""Admin panel: HA hosts: plane status, state and decision."""

PANEL = 'ha_hosts'
PANEL_DASHBOARD = 'admin'
PANEL_GROUP = 'hastack'

ADD_PANEL = 'hastack_dashboard.content.admin.hosts.panel.Hosts'
