"""Admin panel: HA strategies: the recover grid, activation."""

PANEL = 'ha_strategies'
PANEL_DASHBOARD = 'admin'
PANEL_GROUP = 'hastack'

ADD_PANEL = 'hastack_dashboard.content.admin.strategies.panel.Strategies'
