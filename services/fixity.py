"""Fixity: re-read every archived object, recompute its hash, check its lock and that its manifest
agrees with the registry. Reports findings by severity; changes nothing."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select

from core.settings import Settings
from services.records import Manifest, Record
from storage.errors import ObjectNotFound, StorageError
from storage.objectstore import ObjectStore
from storage.tables import records

__all__ = ["Finding", "FixityReport", "run_fixity"]

SEVERITIES = ("critical", "error", "warning", "info")


@dataclass(frozen=True)
class Finding:
    severity: str
    record_id: str
    what: str


@dataclass
class FixityReport:
    checked_records: int = 0
    checked_objects: int = 0
    findings: list[Finding] = field(default_factory=list)

    def add(self, severity: str, rid: str, what: str) -> None:
        self.findings.append(Finding(severity, rid, what))

    @property
    def worst(self) -> str | None:
        for s in SEVERITIES:
            if any(f.severity == s for f in self.findings):
                return s
        return None

    def as_dict(self) -> dict[str, Any]:
        by: dict[str, list[dict[str, str]]] = {s: [] for s in SEVERITIES}
        for f in self.findings:
            by[f.severity].append({"record_id": f.record_id, "what": f.what})
        return {"checked_records": self.checked_records, "checked_objects": self.checked_objects,
                "worst": self.worst, "findings": by}


def run_fixity(engine: Engine, store: ObjectStore, settings: Settings) -> FixityReport:
    report = FixityReport()
    now = datetime.now(UTC)
    with engine.connect() as conn:
        rows = [Record.from_row(r) for r in conn.execute(select(records)).mappings()]
    for record in rows:
        report.checked_records += 1
        if record.status == "pending":
            report.add("warning", record.id,
                       "registry row still pending (the service completes it)")
            continue
        if record.status == "failed":
            reason = (record.failure or {}).get("message_en", "no reason recorded")
            report.add("error", record.id, f"could not be archived: {reason}")
            continue
        _check_record(record, store, report, now)
    return report


def _check_record(record: Record, store: ObjectStore, report: FixityReport,
                  now: datetime) -> None:
    rid = record.id
    try:
        manifest = Manifest.parse(store.get(record.manifest_key))
    except ObjectNotFound:
        report.add("critical", rid, "manifest missing from the object store")
        return
    except ValueError as exc:
        report.add("critical", rid, f"manifest unreadable: {exc}")
        return
    except StorageError as exc:
        report.add("error", rid, f"manifest unreadable: {exc}")
        return
    if manifest.content_sha256 != record.content_sha256:
        report.add("critical", rid, "manifest content hash differs from the registry")
    for name, part in record.parts.items():
        report.checked_objects += 1
        mpart = manifest.parts.get(name)
        if mpart is None or mpart.sha256 != part.sha256:
            report.add("critical", rid, f"{name}: manifest and registry disagree on the hash")
        try:
            data = store.get(part.key, part.version_id)
            info = store.stat(part.key, part.version_id)
        except ObjectNotFound:
            report.add("critical", rid, f"{name}: object missing")
            continue
        except StorageError as exc:
            report.add("error", rid, f"{name}: unreadable: {exc}")
            continue
        if hashlib.sha256(data).hexdigest() != part.sha256:
            report.add("critical", rid, f"{name}: content hash mismatch (altered)")
        if info.retention_mode != "COMPLIANCE":
            report.add("critical", rid, f"{name}: not under a COMPLIANCE lock")
        until = info.retain_until
        expected = record.retain_until
        if until is None or until <= now:
            report.add("critical", rid, f"{name}: retention lock expired or absent")
        elif until < expected.replace(microsecond=0):
            report.add("error", rid, f"{name}: lock ends {until} before the registry's {expected}")
