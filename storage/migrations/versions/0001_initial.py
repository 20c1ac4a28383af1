"""Initial registry: API keys, records, audit events, legal holds.

Revision ID: 0001
"""

from alembic import op

from storage.tables import api_keys, audit_events, legal_holds, records

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    for table in (api_keys, records, audit_events, legal_holds):
        table.create(bind, checkfirst=True)


def downgrade() -> None:
    bind = op.get_bind()
    for table in (legal_holds, audit_events, records, api_keys):
        table.drop(bind, checkfirst=True)
