"""Initial registry: API keys, records, audit events, legal holds.

Frozen as explicit tables (it once created them from ``storage.tables``, which has moved on).

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("tenant", sa.String(100), nullable=False, index=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("label", sa.String(200)),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("revoked_at", _TS),
        if_not_exists=True,
    )
    op.create_table(
        "records",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("tenant", sa.String(100), nullable=False),
        sa.Column("doc_type", sa.String(40), nullable=False),
        sa.Column("profile", sa.String(20), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("policy_no", sa.String(200)),
        sa.Column("insured_name", sa.String(200)),
        sa.Column("template_version", sa.String(40), nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("parts", sa.JSON, nullable=False),
        sa.Column("manifest_key", sa.String(300), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("archived_at", _TS),
        sa.Column("retain_until", _TS),
        sa.Column("legal_hold", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("supersedes", sa.String(40), sa.ForeignKey("records.id")),
        sa.Column("superseded_by", sa.String(40)),
        sa.Column("links_to", sa.String(40)),
        sa.Column("created_by", sa.String(16)),
        sa.Column("idempotency_key", sa.String(200)),
        sa.Column("request_sha256", sa.String(64)),
        sa.Column("signers", sa.JSON),
        sa.Column("archive_items", sa.JSON),
        sa.UniqueConstraint("tenant", "idempotency_key", name="uq_records_tenant_idem"),
        if_not_exists=True,
    )
    for name, cols in (("ix_records_tenant_created", ["tenant", "created_at"]),
                       ("ix_records_tenant_policy", ["tenant", "policy_no"]),
                       ("ix_records_tenant_insured", ["tenant", "insured_name"]),
                       ("ix_records_tenant_type", ["tenant", "doc_type"])):
        op.create_index(name, "records", cols, if_not_exists=True)
    op.create_table(
        "audit_events",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", _TS, nullable=False),
        sa.Column("tenant", sa.String(100)),
        sa.Column("actor", sa.String(100)),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("record_id", sa.String(40)),
        sa.Column("detail", sa.JSON),
        sa.Column("prev_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("hash", sa.String(64), nullable=False, unique=True),
        sa.Column("archived_key", sa.String(300)),
        if_not_exists=True,
    )
    op.create_table(
        "legal_holds",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("record_id", sa.String(40), nullable=False, index=True),
        sa.Column("on", sa.Boolean, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("at", _TS, nullable=False),
        if_not_exists=True,
    )


def downgrade() -> None:
    for table in ("legal_holds", "audit_events", "records", "api_keys"):
        op.drop_table(table)
