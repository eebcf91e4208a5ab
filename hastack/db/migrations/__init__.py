"""HaStack's alembic environment and schema migrations.

Run them with ``hastack-manage db sync``; see :mod:`hastack.db.migration`.
"""
