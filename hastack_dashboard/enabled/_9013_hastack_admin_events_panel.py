"""Admin panel: HA events and alarms: acknowledge."""

PANEL = 'ha_events'
PANEL_DASHBOARD = 'admin'
PANEL_GROUP = 'hastack'

ADD_PANEL = 'hastack_dashboard.content.admin.events.panel.Events'
