"""Instances: an index on (created_at, id), the default list order.

Revision ID: 5f3a9c2e7b10
Revises: 8b2f4c6d1e3a
Create Date: 2026-11-25 12:00:00
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = '5f3a9c2e7b10'
down_revision = '8b2f4c6d1e3a'
branch_labels = None
depends_on = None


def upgrade():
    """Index the order GET /v1/instances lists in by default.

    Without it the database sorts every instance for each page.
    """
    op.create_index('instances_created_at_idx', 'instances',
                    ['created_at', 'id'])
