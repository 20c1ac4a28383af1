"""Generation at scale: asynchronous jobs, batches, webhooks and their delivery log.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "batches",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("tenant", sa.String(100), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("total", sa.Integer, nullable=False),
        sa.Column("done_count", sa.Integer, nullable=False),
        sa.Column("failed_count", sa.Integer, nullable=False),
        sa.Column("created_by", sa.String(16)),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("idempotency_key", sa.String(200)),
        sa.Column("request_sha256", sa.String(64)),
        sa.Column("report_key", sa.String(300)),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("dispatched_at", _TS),
        sa.Column("completed_at", _TS),
        sa.UniqueConstraint("tenant", "idempotency_key", name="uq_batches_tenant_idem"),
    )
    op.create_index("ix_batches_tenant_created", "batches", ["tenant", "created_at"])
    op.create_index("ix_batches_status", "batches", ["status"])

    op.create_table(
        "jobs",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("tenant", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("doc_type", sa.String(40)),
        sa.Column("profile", sa.String(20)),
        sa.Column("request", sa.JSON),
        sa.Column("record_id", sa.String(40)),
        sa.Column("error", sa.JSON),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("batch_id", sa.String(40), sa.ForeignKey("batches.id")),
        sa.Column("item_index", sa.Integer),
        sa.Column("created_by", sa.String(16)),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("idempotency_key", sa.String(200)),
        sa.Column("request_sha256", sa.String(64)),
        sa.Column("lease_until", _TS),
        sa.Column("dispatched_at", _TS),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("finished_at", _TS),
        sa.UniqueConstraint("tenant", "idempotency_key", name="uq_jobs_tenant_idem"),
    )
    op.create_index("ix_jobs_batch_status", "jobs", ["batch_id", "status"])
    op.create_index("ix_jobs_batch_index", "jobs", ["batch_id", "item_index"])
    op.create_index("ix_jobs_status_lease", "jobs", ["status", "lease_until"])

    op.create_table(
        "webhooks",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("tenant", sa.String(100), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("secret", sa.String(100), nullable=False),
        sa.Column("created_by", sa.String(16)),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("disabled_at", _TS),
    )
    op.create_index("ix_webhooks_tenant", "webhooks", ["tenant"])

    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("webhook_id", sa.String(40), sa.ForeignKey("webhooks.id"), nullable=False),
        sa.Column("tenant", sa.String(100), nullable=False),
        sa.Column("event", sa.String(40), nullable=False),
        sa.Column("event_id", sa.String(40), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", _TS),
        sa.Column("locked_until", _TS),
        sa.Column("dispatched_at", _TS),
        sa.Column("last_status_code", sa.Integer),
        sa.Column("last_error", sa.String(500)),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("delivered_at", _TS),
    )
    op.create_index("ix_deliveries_tenant_created", "webhook_deliveries", ["tenant", "created_at"])
    op.create_index("ix_deliveries_status_next", "webhook_deliveries",
                    ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_table("webhook_deliveries")
    op.drop_table("webhooks")
    op.drop_table("jobs")
    op.drop_table("batches")
