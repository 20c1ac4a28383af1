"""Append-only, hash-chained audit log: each event's hash covers the previous event's hash."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from storage.tables import audit_events

__all__ = ["GENESIS", "AuditLog", "event_hash", "seal"]

GENESIS = "0" * 64


def event_hash(prev: str, event: dict[str, Any]) -> str:
    body = json.dumps(event, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256((prev + body).encode("utf-8")).hexdigest()


class AuditLog:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def append(self, action: str, *, tenant: str | None, actor: str | None,
               record_id: str | None = None, detail: dict[str, Any] | None = None) -> str:
        for _ in range(20):  # concurrent appenders race for the same predecessor: retry
            with self.engine.begin() as conn:
                last = conn.execute(select(audit_events.c.hash)
                                    .order_by(audit_events.c.seq.desc()).limit(1)).scalar()
                prev = last or GENESIS
                at = datetime.now(UTC)
                event = {"at": at.isoformat(), "tenant": tenant, "actor": actor, "action": action,
                         "record_id": record_id, "detail": detail or {}}
                h = event_hash(prev, event)
                try:
                    conn.execute(insert(audit_events).values(
                        at=at, tenant=tenant, actor=actor, action=action, record_id=record_id,
                        detail=detail or {}, prev_hash=prev, hash=h))
                    return h
                except IntegrityError:
                    continue
        raise RuntimeError("audit log append kept racing; giving up")

    def verify_chain(self) -> list[str]:
        """Problems found walking the chain (empty when intact)."""
        problems = []
        prev = GENESIS
        with self.engine.connect() as conn:
            for row in conn.execute(select(audit_events).order_by(audit_events.c.seq)):
                event = {"at": _iso(row.at), "tenant": row.tenant, "actor": row.actor,
                         "action": row.action, "record_id": row.record_id,
                         "detail": row.detail or {}}
                if row.prev_hash != prev:
                    problems.append(f"event {row.seq}: previous hash does not match")
                if event_hash(row.prev_hash, event) != row.hash:
                    problems.append(f"event {row.seq}: hash does not match its content")
                prev = row.hash
        return problems


def seal(log: AuditLog, store: Any, retain_until: datetime) -> str | None:
    """Archive every not-yet-archived event under lock as one NDJSON object (run at least daily).

    Returns the object key, or None when there was nothing new."""
    from sqlalchemy import update

    with log.engine.connect() as conn:
        rows = list(conn.execute(select(audit_events).where(audit_events.c.archived_key.is_(None))
                                 .order_by(audit_events.c.seq)))
    if not rows:
        return None
    lines = [json.dumps({"seq": r.seq, "at": _iso(r.at), "tenant": r.tenant, "actor": r.actor,
                         "action": r.action, "record_id": r.record_id, "detail": r.detail or {},
                         "prev_hash": r.prev_hash, "hash": r.hash},
                        ensure_ascii=False, sort_keys=True) for r in rows]
    key = f"audit/{_iso(rows[0].at)[:10]}-{rows[0].seq:012d}-{rows[-1].seq:012d}.ndjson"
    store.put_locked(key, ("\n".join(lines) + "\n").encode("utf-8"), "application/x-ndjson",
                     retain_until, metadata={"last-hash": rows[-1].hash})
    with log.engine.begin() as conn:
        conn.execute(update(audit_events).where(audit_events.c.seq.in_([r.seq for r in rows]))
                     .values(archived_key=key))
    return key


def _iso(v: datetime) -> str:
    return (v if v.tzinfo else v.replace(tzinfo=UTC)).isoformat()
