"""Relational tables of the registry (SQLAlchemy Core). The object store stays the source of truth
for archived content; these rows index it and can be rebuilt from it (``azx registry rebuild``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)

__all__ = [
    "UTCDateTime",
    "api_keys",
    "audit_events",
    "batches",
    "hazards",
    "jobs",
    "metadata",
    "obligation_events",
    "policies",
    "record_facts",
    "records",
    "staged_parts",
    "web_sessions_ended",
    "webhook_deliveries",
    "webhooks",
]

metadata = MetaData()


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python, whatever the database keeps.

    SQLite stores no zone and hands datetimes back naive; PostgreSQL's ``timestamptz`` hands them
    back in the session's zone. Writing a naive datetime is a bug (its zone is unknown): refused.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError(f"a naive or non-datetime value {value!r} for a UTC timestamp")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]
        return value.astimezone(UTC)  # type: ignore[no-any-return]


_TS = UTCDateTime

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(16), primary_key=True),  # the public prefix of the key
    Column("tenant", String(100), nullable=False, index=True),
    Column("role", String(20), nullable=False),
    Column("key_hash", String(64), nullable=False),
    Column("label", String(200)),
    Column("created_at", _TS(), nullable=False),
    Column("revoked_at", _TS()),
    Column("regions", JSON),  # a regulator's regions (migration 0007); None for other roles
)

records = Table(
    "records",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("tenant", String(100), nullable=False),
    Column("doc_type", String(40), nullable=False),
    Column("profile", String(20), nullable=False),
    Column("title", String(200), nullable=False),
    Column("policy_no", String(200)),
    Column("insured_name", String(200)),
    Column("template_version", String(40), nullable=False),
    Column("content_sha256", String(64), nullable=False),
    Column("parts", JSON, nullable=False),  # {"pdf": {"key","sha256","size","version_id"}, …}
    Column("manifest_key", String(300), nullable=False),
    Column("created_at", _TS(), nullable=False),
    Column("archived_at", _TS()),
    Column("retain_until", _TS()),
    Column("legal_hold", Boolean, nullable=False, default=False),
    Column("status", String(20), nullable=False),  # pending | archived | failed
    Column("supersedes", String(40), ForeignKey("records.id")),
    Column("superseded_by", String(40)),
    Column("links_to", String(40)),  # a paper scan's record, if any
    Column("created_by", String(16)),
    Column("idempotency_key", String(200)),
    # who made the key: "client" (Idempotency-Key header) or the service itself ("job",
    # "hazard"); a client's key can never collide with one the service made for itself
    Column("key_scope", String(10), nullable=False, default="client"),
    Column("request_sha256", String(64)),
    Column("signers", JSON),
    Column("archive_items", JSON),
    Column("failure", JSON),  # why a record could not be archived: {"error","message_zh",…}
    Column("lease_until", _TS()),  # a writer owns a pending record until then
    Column("manifest_version_id", String(100)),  # the sealed manifest's one version (0005)
    UniqueConstraint("tenant", "key_scope", "idempotency_key", name="uq_records_tenant_scope_idem"),
    UniqueConstraint("supersedes", name="uq_records_supersedes"),  # at most one successor
    Index("ix_records_tenant_created", "tenant", "created_at"),
    Index("ix_records_tenant_policy", "tenant", "policy_no"),
    Index("ix_records_tenant_insured", "tenant", "insured_name"),
    Index("ix_records_tenant_type", "tenant", "doc_type"),
)

# Everything a pending record's locked objects will hold, kept until they are written (migration
# 0004): what was proven complete is what is locked, and any process can finish the record.
staged_parts = Table(
    "staged_parts",
    metadata,
    Column("record_id", String(40), ForeignKey("records.id", ondelete="CASCADE"),
           primary_key=True),
    Column("name", String(20), primary_key=True),  # json | pdf | docx | scan
    Column("content", LargeBinary, nullable=False),
    Column("media_type", String(100), nullable=False),
    Column("sha256", String(64), nullable=False),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("at", _TS(), nullable=False),
    Column("tenant", String(100)),
    Column("actor", String(100)),
    Column("action", String(40), nullable=False),
    Column("record_id", String(40)),
    Column("detail", JSON),
    Column("prev_hash", String(64), nullable=False, unique=True),
    Column("hash", String(64), nullable=False, unique=True),
    Column("archived_key", String(300)),
)

legal_holds = Table(
    "legal_holds",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("record_id", String(40), nullable=False, index=True),
    Column("on", Boolean, nullable=False),
    Column("reason", Text, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("at", _TS(), nullable=False),
)

# -- generation at scale (migration 0002): jobs, batches, webhooks ---------------------------------

batches = Table(
    "batches",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("tenant", String(100), nullable=False),
    Column("status", String(20), nullable=False),  # queued | running | done
    Column("total", Integer, nullable=False),
    Column("done_count", Integer, nullable=False, default=0),
    Column("failed_count", Integer, nullable=False, default=0),
    Column("created_by", String(16)),
    Column("role", String(20), nullable=False),
    Column("idempotency_key", String(200)),
    Column("request_sha256", String(64)),
    Column("report_key", String(300)),  # results.csv in the object store, once written
    Column("created_at", _TS(), nullable=False),
    Column("updated_at", _TS(), nullable=False),
    Column("dispatched_at", _TS()),
    Column("completed_at", _TS()),
    UniqueConstraint("tenant", "idempotency_key", name="uq_batches_tenant_idem"),
    Index("ix_batches_tenant_created", "tenant", "created_at"),
    Index("ix_batches_status", "status"),
)

jobs = Table(
    "jobs",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("tenant", String(100), nullable=False),
    Column("kind", String(20), nullable=False),  # document
    Column("status", String(20), nullable=False),  # queued | running | done | failed
    Column("doc_type", String(40)),
    Column("profile", String(20)),
    Column("request", JSON),  # {"type","profile","data","supersedes"}; what the worker archives
    Column("record_id", String(40)),
    Column("error", JSON),  # {"error","message_zh","message_en","problems":[…]}
    Column("attempts", Integer, nullable=False, default=0),
    Column("batch_id", String(40), ForeignKey("batches.id")),
    Column("item_index", Integer),
    Column("created_by", String(16)),
    Column("role", String(20), nullable=False),
    Column("idempotency_key", String(200)),
    Column("request_sha256", String(64)),
    Column("lease_until", _TS()),  # a running job whose lease ran out is requeued
    Column("dispatched_at", _TS()),
    Column("created_at", _TS(), nullable=False),
    Column("updated_at", _TS(), nullable=False),
    Column("finished_at", _TS()),
    UniqueConstraint("tenant", "idempotency_key", name="uq_jobs_tenant_idem"),
    Index("ix_jobs_batch_status", "batch_id", "status"),
    Index("ix_jobs_batch_index", "batch_id", "item_index"),
    Index("ix_jobs_status_lease", "status", "lease_until"),
)

webhooks = Table(
    "webhooks",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("tenant", String(100), nullable=False, index=True),
    Column("url", String(2000), nullable=False),
    Column("secret", String(100), nullable=False),  # the HMAC key; shown to the tenant once
    Column("created_by", String(16)),
    Column("created_at", _TS(), nullable=False),
    Column("disabled_at", _TS()),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("webhook_id", String(40), ForeignKey("webhooks.id"), nullable=False),
    Column("tenant", String(100), nullable=False),
    Column("event", String(40), nullable=False),  # job.completed | job.failed | batch.completed
    Column("event_id", String(40), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("status", String(20), nullable=False),  # pending | delivered | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", _TS()),
    Column("locked_until", _TS()),
    Column("dispatched_at", _TS()),
    Column("last_status_code", Integer),
    Column("last_error", String(500)),
    Column("created_at", _TS(), nullable=False),
    Column("updated_at", _TS(), nullable=False),
    Column("delivered_at", _TS()),
    Index("ix_deliveries_tenant_created", "tenant", "created_at"),
    Index("ix_deliveries_status_next", "status", "next_attempt_at"),
)

# -- the hazard ledger as a living record (migration 0003) -----------------------------------------

hazards = Table(
    "hazards",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("tenant", String(100), nullable=False),
    Column("policy_no", String(200), nullable=False),
    Column("insured", String(200), nullable=False),
    Column("ledger", JSON, nullable=False),  # the domain Hazard (表 9 row), mode="json"
    Column("state", String(20), nullable=False),  # open | rectified | accepted (stored status)
    Column("grade", String(10), nullable=False),  # 重大 | 一般
    Column("deadline", Date),
    Column("version", Integer, nullable=False),  # 1 at creation, +1 per change
    Column("last_record_id", String(40)),  # the 表 9 record archived after the last change
    Column("created_at", _TS(), nullable=False),
    Column("updated_at", _TS(), nullable=False),
    Index("ix_hazards_tenant_policy", "tenant", "policy_no"),
    Index("ix_hazards_tenant_state", "tenant", "state"),
)

# -- policies, record facts and obligation events (migration 0006) ---------------------------------

policies = Table(
    "policies",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("tenant", String(100), nullable=False),
    Column("policy_no", String(200), nullable=False),
    Column("profile", String(20), nullable=False),
    Column("insured", String(200), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("terms", JSON, nullable=False),  # domain.policies.PolicyTerms, mode="json"
    Column("created_by", String(16)),
    Column("created_at", _TS(), nullable=False),
    UniqueConstraint("tenant", "policy_no", name="uq_policies_tenant_policy"),
    Index("ix_policies_tenant_profile", "tenant", "profile"),
)

# What the obligations read from a record's source.json (its service, callback or complaint
# dates), extracted once per record: records never change.
record_facts = Table(
    "record_facts",
    metadata,
    Column("record_id", String(40), primary_key=True),
    Column("tenant", String(100), nullable=False),
    Column("policy_no", String(200)),
    Column("doc_type", String(40), nullable=False),
    Column("facts", JSON, nullable=False),  # domain.obligations.record_facts
    Column("extracted_at", _TS(), nullable=False),
    Index("ix_record_facts_tenant_policy", "tenant", "policy_no"),
)

# obligation.due_soon / obligation.overdue sent at most once per obligation and state.
obligation_events = Table(
    "obligation_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tenant", String(100), nullable=False),
    Column("obligation_id", String(40), nullable=False),
    Column("state", String(20), nullable=False),  # due_soon | overdue
    Column("policy_no", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("due", Date),
    Column("event_id", String(40)),  # the webhook event's id (None: no webhook at the time)
    Column("emitted_at", _TS(), nullable=False),
    UniqueConstraint("tenant", "obligation_id", "state", name="uq_obligation_events_once"),
)

# -- web sessions signed out (migration 0008) -------------------------------------------------------

# A session of the /app pages that was signed out, until its token would have expired anyway:
# every API process refuses its token (services.web_sessions); the housekeeping prunes the rows.
web_sessions_ended = Table(
    "web_sessions_ended",
    metadata,
    Column("sid", String(64), primary_key=True),  # the token's random session ID, not the token
    Column("key_id", String(16), nullable=False),
    Column("ended_at", _TS(), nullable=False),
    Column("expires_at", _TS(), nullable=False, index=True),
)
