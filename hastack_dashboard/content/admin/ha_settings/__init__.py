"""The ha_settings panel."""
