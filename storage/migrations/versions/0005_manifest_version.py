"""Tamper-evident records: the registry names the one version of each record's sealed manifest.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("records") as batch:
        batch.add_column(sa.Column("manifest_version_id", sa.String(100)))


def downgrade() -> None:
    with op.batch_alter_table("records") as batch:
        batch.drop_column("manifest_version_id")
