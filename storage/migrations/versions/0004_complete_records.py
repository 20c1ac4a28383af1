"""Complete records: staged parts, key scopes, one successor per record, failure reasons, leases.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("records") as batch:
        batch.add_column(sa.Column("key_scope", sa.String(10), nullable=False,
                                   server_default="client"))
        batch.add_column(sa.Column("failure", sa.JSON))
        batch.add_column(sa.Column("lease_until", _TS))
    # keys the service made for itself before scopes existed: job ids and hazard-ledger keys
    bind.execute(sa.text("UPDATE records SET key_scope = 'job' WHERE idempotency_key IN "
                         "(SELECT id FROM jobs)"))
    bind.execute(sa.text("UPDATE records SET key_scope = 'hazard' "
                         "WHERE idempotency_key LIKE 'hazard-ledger:%'"))
    # Earlier versions let concurrent corrections all name one record: keep the first successor
    # as the correction of record, the later ones become stand-alone records.
    dupes = bind.execute(sa.text(
        "SELECT id, supersedes FROM records WHERE supersedes IN (SELECT supersedes FROM records "
        "WHERE supersedes IS NOT NULL GROUP BY supersedes HAVING COUNT(*) > 1) "
        "ORDER BY supersedes, created_at, id")).all()
    seen: set[str] = set()
    for rid, old in dupes:
        if old in seen:
            bind.execute(sa.text("UPDATE records SET supersedes = NULL WHERE id = :id"), {"id": rid})
        seen.add(old)
    with op.batch_alter_table("records") as batch:
        batch.drop_constraint("uq_records_tenant_idem", type_="unique")
        batch.create_unique_constraint("uq_records_tenant_scope_idem",
                                       ["tenant", "key_scope", "idempotency_key"])
        batch.create_unique_constraint("uq_records_supersedes", ["supersedes"])
    op.create_table(
        "staged_parts",
        sa.Column("record_id", sa.String(40), sa.ForeignKey("records.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("name", sa.String(20), primary_key=True),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("staged_parts")
    with op.batch_alter_table("records") as batch:
        batch.drop_constraint("uq_records_supersedes", type_="unique")
        batch.drop_constraint("uq_records_tenant_scope_idem", type_="unique")
        batch.create_unique_constraint("uq_records_tenant_idem", ["tenant", "idempotency_key"])
        batch.drop_column("lease_until")
        batch.drop_column("failure")
        batch.drop_column("key_scope")
