"""What the auditor's record page (``/app/records/{id}``) shows beyond the record's metadata: the
PAdES level of its signatures, as the verification service reads them from the stored PDF that
carries its newest evidence (``services.verify``), and the record's audit events of the caller's
own tenant (``services.audit``), with the role of each actor's key — never a key or a secret.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Engine, select

from domain.access import Action, Caller, require
from services.verify import VerificationService
from storage import StorageUnavailable
from storage.tables import api_keys, audit_events

__all__ = ["AuditEvent", "RecordSeal", "SignatureLevel", "audit_trail", "seal_of"]

CHINA = timezone(timedelta(hours=8))
#: the newest events shown on the page (the whole log is in the audit seals and the package)
MAX_EVENTS = 200
#: the parts of an event's detail the page shows (the rest stays in the log)
_SHOWN = ("part", "type", "profile", "on", "until", "reason", "n", "when", "passed", "error")


@dataclass(frozen=True)
class SignatureLevel:
    """One signature of the record's PDF: who, its PAdES baseline level, when."""

    signer: str
    level: str  # B-B | B-T | B-LT | B-LTA
    signed_at: str | None  # Beijing time, to the second (the time stamp's when there is one)
    evidence_until: str | None  # B-LTA: until when the last archive time stamp holds
    valid: bool  # intact, verifies and chains to the service's trust roots


@dataclass(frozen=True)
class RecordSeal:
    """The record's signatures as verified now, or why they could not be read."""

    signatures: list[SignatureLevel]
    authentic: bool | None  # None: the object store did not answer
    renewals: int = 0  # archive time stamp renewals (services.timestamps)

    @property
    def level(self) -> str | None:
        """The level of the last signature (the service's seal): the record's level."""
        return self.signatures[-1].level if self.signatures else None


@dataclass(frozen=True)
class AuditEvent:
    at: str  # Beijing time, to the second
    action: str
    actor: str  # the key ID (its public prefix) or "service"
    role: str  # the key's role, "service" for the service itself, "" when the key is gone
    detail: str


def beijing(at: datetime | None) -> str | None:
    if at is None:
        return None
    return at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")


def _when(iso: str | None) -> str | None:
    return beijing(datetime.fromisoformat(iso)) if iso else None


def seal_of(verifier: VerificationService, rid: str) -> RecordSeal:
    """The PAdES level of each signature of record ``rid`` (the caller may read it: checked
    before). A store that does not answer gives no signatures and ``authentic`` None."""
    try:
        found = verifier.verify_id(rid, reader=True)
    except StorageUnavailable:
        return RecordSeal([], None)
    signatures = [SignatureLevel(
        signer=s["name"] or s["subject"] or s["field"], level=s["level"],
        signed_at=_when(s["timestamped_at"] or s["signed_at"]),
        evidence_until=_when(s["evidence_until"]),
        valid=bool(s["intact"] and s["valid"] and s["trusted"])) for s in found["signers"]]
    evidence = found.get("evidence") or {}
    return RecordSeal(signatures, bool(found["authentic"]), int(evidence.get("renewals") or 0))


def _detail(detail: dict[str, Any] | None) -> str:
    shown = []
    for name in _SHOWN:
        value = (detail or {}).get(name)
        if value is not None and value != "":
            shown.append(f"{name}={value}")
    return " · ".join(shown)


def audit_trail(engine: Engine, caller: Caller, rid: str) -> list[AuditEvent]:
    """The audit events of record ``rid`` written for ``caller``'s tenant, oldest first (the
    newest :data:`MAX_EVENTS`). Another tenant's events about the ID (a refused read) are not
    shown."""
    require(caller, Action.READ)
    query = (select(audit_events.c.at, audit_events.c.action, audit_events.c.actor,
                    audit_events.c.detail, api_keys.c.role)
             .select_from(audit_events.outerjoin(api_keys, api_keys.c.id == audit_events.c.actor))
             .where(audit_events.c.record_id == rid, audit_events.c.tenant == caller.tenant)
             .order_by(audit_events.c.seq.desc()).limit(MAX_EVENTS))
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [AuditEvent(at=beijing(r.at) or "", action=r.action, actor=r.actor or "",
                       role="service" if r.actor == "service" else (r.role or ""),
                       detail=_detail(r.detail)) for r in reversed(rows)]
