"""A real Nova control plane for HaStack's functional tests.

``fixture.NovaServer`` runs ``server.py`` in a process of its own, with the
python of a separate Nova venv (``tools/setup-nova-venv.sh``). Nothing in
this package imports nova.
"""
