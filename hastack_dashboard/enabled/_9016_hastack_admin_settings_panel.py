"""Admin panel: HaStack's run-time settings."""

PANEL = 'ha_settings'
PANEL_DASHBOARD = 'admin'
PANEL_GROUP = 'hastack'

ADD_PANEL = 'hastack_dashboard.content.admin.ha_settings.panel.Settings'
