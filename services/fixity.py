"""Fixity: re-read every archived object, recompute its hash, check its lock, its versions, its
legal hold and the manifest's seal, and that the manifest agrees with the registry
(``services.integrity``); check the bucket's own lock rule, versioning, policy and lifecycle
(``services.bucket_audit``). Reports findings by severity; changes nothing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select

from core.settings import Settings
from services.bucket_audit import audit_bucket
from services.integrity import check_record
from services.records import Record
from signing.keys import QrKeyRing
from storage.errors import StorageError, StorageUnavailable
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


def run_fixity(engine: Engine, store: ObjectStore, settings: Settings,
               keys: Mapping[str, Any] | None = None) -> FixityReport:
    """Check every record of the registry against the store (``services.integrity``);
    ``keys``: the service's manifest keys (default: the key ring under the data dir)."""
    report = FixityReport()
    if keys is None:
        keys = QrKeyRing.from_settings(settings).public_keys()
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
        try:
            checked = check_record(record, store, keys, now=now)
        except StorageUnavailable:
            raise
        except StorageError as exc:
            report.add("error", record.id, f"could not be checked: {exc}")
            continue
        report.checked_objects += checked.objects
        for f in checked.findings:
            report.add(f.severity, record.id, f.what)
    for finding in audit_bucket(store, settings):  # lock rule, versioning, policy, lifecycle
        report.add(finding.severity, f"bucket:{store.bucket}", finding.what)
    return report
