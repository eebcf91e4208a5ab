"""Admin panel: The HA maintenance switch."""

PANEL = 'ha_maintenance'
PANEL_DASHBOARD = 'admin'
PANEL_GROUP = 'hastack'

ADD_PANEL = 'hastack_dashboard.content.admin.maintenance.panel.Maintenance'
