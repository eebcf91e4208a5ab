"""The ``openstack ha ...`` commands: HaStack's OpenStackClient plugin.

``plugin`` is what OpenStackClient loads (entry point group
``openstack.cli.extension``, name ``hastack``), ``client`` talks to the
API, and ``v1`` holds one module of commands per API resource.
"""
