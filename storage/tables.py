"""Relational tables of the registry (SQLAlchemy Core). The object store stays the source of truth
for archived content; these rows index it and can be rebuilt from it (``azx registry rebuild``)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

__all__ = ["api_keys", "audit_events", "metadata", "records"]

metadata = MetaData()

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(16), primary_key=True),  # the public prefix of the key
    Column("tenant", String(100), nullable=False, index=True),
    Column("role", String(20), nullable=False),
    Column("key_hash", String(64), nullable=False),
    Column("label", String(200)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
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
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("archived_at", DateTime(timezone=True)),
    Column("retain_until", DateTime(timezone=True)),
    Column("legal_hold", Boolean, nullable=False, default=False),
    Column("status", String(20), nullable=False),  # pending | archived
    Column("supersedes", String(40), ForeignKey("records.id")),
    Column("superseded_by", String(40)),
    Column("links_to", String(40)),  # a paper scan's record, if any
    Column("created_by", String(16)),
    Column("idempotency_key", String(200)),
    Column("request_sha256", String(64)),
    Column("signers", JSON),
    Column("archive_items", JSON),
    UniqueConstraint("tenant", "idempotency_key", name="uq_records_tenant_idem"),
    Index("ix_records_tenant_created", "tenant", "created_at"),
    Index("ix_records_tenant_policy", "tenant", "policy_no"),
    Index("ix_records_tenant_insured", "tenant", "insured_name"),
    Index("ix_records_tenant_type", "tenant", "doc_type"),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
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
    Column("at", DateTime(timezone=True), nullable=False),
)
