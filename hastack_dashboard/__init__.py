"""HaStack's Horizon plugin: the High Availability panels.

Admin dashboard: hosts (plane status, state, the HA decision), tasks and
events, the maintenance switch, the run-time settings and the strategies.
Project dashboard: the project's instances and their HA flag. The panels
talk to HaStack's API (service type ``high-availability``) with the Horizon
user's token; see :mod:`hastack_dashboard.api.hastack`. The files in
``hastack_dashboard/enabled`` add them to Horizon.
"""
