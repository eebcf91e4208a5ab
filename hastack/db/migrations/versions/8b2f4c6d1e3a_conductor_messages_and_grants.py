"""Conductor: key messages received; fencing grants and shared-folder
health on hosts.

Revision ID: 8b2f4c6d1e3a
Revises: 3d1bf05b9477
Create Date: 2026-11-25 08:10:00
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

# revision identifiers, used by Alembic.
revision = '8b2f4c6d1e3a'
down_revision = '3d1bf05b9477'
branch_labels = None
depends_on = None

# NOTE(hastack): spelled out, not taken from the models (see the initial
# revision).
DATETIME = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql',
                                      'mariadb')
JSON_TEXT = sa.Text().with_variant(mysql.MEDIUMTEXT(), 'mysql', 'mariadb')
TABLE_KWARGS = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8mb4'}


def upgrade():
    """Add the messages table and the hosts' fencing grant columns."""
    op.create_table(
        'messages',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('created_at', DATETIME, nullable=False),
        sa.Column('updated_at', DATETIME, nullable=True),
        sa.Column('message_id', sa.String(64), nullable=False),
        sa.Column('type', sa.String(32), nullable=False),
        sa.Column('host', sa.String(255), nullable=False),
        sa.Column('in_reply_to', sa.String(64), nullable=True),
        sa.Column('body', JSON_TEXT, nullable=False),
        sa.Column('path', sa.String(32), nullable=False),
        sa.Column('answered', sa.Boolean, nullable=False),
        sa.UniqueConstraint('message_id', name='uniq_messages0message_id'),
        sa.Index('messages_in_reply_to_idx', 'in_reply_to'),
        sa.Index('messages_host_type_idx', 'host', 'type'),
        **TABLE_KWARGS)
    with op.batch_alter_table('hosts') as batch:
        batch.add_column(sa.Column('fence_grant_until', DATETIME,
                                   nullable=True))
        batch.add_column(sa.Column('fence_grant_reason', sa.String(255),
                                   nullable=True))
        batch.add_column(sa.Column('storage_ok', sa.Boolean,
                                   nullable=True))
