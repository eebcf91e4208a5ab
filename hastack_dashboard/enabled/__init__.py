"""Horizon's enabled files of the HaStack panels.

Copy (or link) the ``_9*.py`` files into Horizon's
``openstack_dashboard/local/enabled`` folder; the devstack plugin does.
"""
