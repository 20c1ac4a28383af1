"""Policies as first-class records, the facts the obligations read from each record, and the
obligation events sent (at most once per obligation and state).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "policies",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("tenant", sa.String(100), nullable=False),
        sa.Column("policy_no", sa.String(200), nullable=False),
        sa.Column("profile", sa.String(20), nullable=False),
        sa.Column("insured", sa.String(200), nullable=False),
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("period_end", sa.Date, nullable=False),
        sa.Column("terms", sa.JSON, nullable=False),
        sa.Column("created_by", sa.String(16)),
        sa.Column("created_at", _TS, nullable=False),
        sa.UniqueConstraint("tenant", "policy_no", name="uq_policies_tenant_policy"),
    )
    op.create_index("ix_policies_tenant_profile", "policies", ["tenant", "profile"])
    op.create_table(
        "record_facts",
        sa.Column("record_id", sa.String(40), primary_key=True),
        sa.Column("tenant", sa.String(100), nullable=False),
        sa.Column("policy_no", sa.String(200)),
        sa.Column("doc_type", sa.String(40), nullable=False),
        sa.Column("facts", sa.JSON, nullable=False),
        sa.Column("extracted_at", _TS, nullable=False),
    )
    op.create_index("ix_record_facts_tenant_policy", "record_facts", ["tenant", "policy_no"])
    op.create_table(
        "obligation_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tenant", sa.String(100), nullable=False),
        sa.Column("obligation_id", sa.String(40), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("policy_no", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("due", sa.Date),
        sa.Column("event_id", sa.String(40)),
        sa.Column("emitted_at", _TS, nullable=False),
        sa.UniqueConstraint("tenant", "obligation_id", "state", name="uq_obligation_events_once"),
    )


def downgrade() -> None:
    op.drop_table("obligation_events")
    op.drop_table("record_facts")
    op.drop_index("ix_policies_tenant_profile", table_name="policies")
    op.drop_table("policies")
