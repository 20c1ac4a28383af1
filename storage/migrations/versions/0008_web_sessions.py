"""Web sessions signed out, shared by every API process (issue 17: signing out ends a session
everywhere, not only in the process that served it).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "web_sessions_ended",
        sa.Column("sid", sa.String(64), primary_key=True),
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("ended_at", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
    )
    op.create_index("ix_web_sessions_ended_expires_at", "web_sessions_ended", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_web_sessions_ended_expires_at", "web_sessions_ended")
    op.drop_table("web_sessions_ended")
