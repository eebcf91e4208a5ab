"""End-to-end tests of the Horizon plugin: a real Horizon (Django's
server) with the HaStack panels, a real Keystone and hastack-api, driven
by headless Chromium."""
