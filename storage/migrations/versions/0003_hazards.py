"""The hazard ledger as a living record (Chengdu 表 9): one row per hazard, its state and version.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "hazards",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("tenant", sa.String(100), nullable=False),
        sa.Column("policy_no", sa.String(200), nullable=False),
        sa.Column("insured", sa.String(200), nullable=False),
        sa.Column("ledger", sa.JSON, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("grade", sa.String(10), nullable=False),
        sa.Column("deadline", sa.Date),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("last_record_id", sa.String(40)),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
    )
    op.create_index("ix_hazards_tenant_policy", "hazards", ["tenant", "policy_no"])
    op.create_index("ix_hazards_tenant_state", "hazards", ["tenant", "state"])


def downgrade() -> None:
    op.drop_table("hazards")
