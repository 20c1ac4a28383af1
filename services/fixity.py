"""Fixity: re-read every archived object, recompute its hash, check its lock, its versions, its
legal hold and the manifest's seal, and that the manifest agrees with the registry
(``services.integrity``); check the bucket's own lock rule, versioning, policy and lifecycle
(``services.bucket_audit``). Reports findings by severity; changes nothing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select

from core.settings import Settings
from domain.four_properties import FINDING_ITEMS, PROPERTY_ZH
from services.audit import AuditLog
from services.bucket_audit import BucketFinding, audit_bucket
from services.four_properties import FourPropertiesChecker
from services.integrity import RecordCheck, check_record
from services.records import Record
from signing.keys import QrKeyRing
from signing.pdf_signer import ServiceSigner
from signing.pdf_verify import TrustRoot
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
    #: the 四性 (DA/T 70) of each archived record checked: record ID → failed item codes
    four_properties: dict[str, list[str]] = field(default_factory=dict)

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
        failed = {rid: codes for rid, codes in self.four_properties.items() if codes}
        return {"checked_records": self.checked_records, "checked_objects": self.checked_objects,
                "worst": self.worst, "findings": by,
                "four_properties": {"checked": len(self.four_properties),
                                    "passed": len(self.four_properties) - len(failed),
                                    "failed": failed}}


def run_fixity(engine: Engine, store: ObjectStore, settings: Settings,
               keys: Mapping[str, Any] | None = None, *, four_properties: bool = True,
               trust_roots: Sequence[TrustRoot] | None = None) -> FixityReport:
    """Check every record of the registry against the store (``services.integrity``) and, with
    ``four_properties``, its 四性 (``services.four_properties``: signatures, metadata, version
    chain, usability); ``keys``: the service's manifest keys (default: the key ring under the
    data dir); ``trust_roots``: the PDF-signing certificate (default: the service's)."""
    report = FixityReport()
    if keys is None:
        keys = QrKeyRing.from_settings(settings).public_keys()
    manifest_keys = keys
    bucket = audit_bucket(store, settings)  # lock rule, versioning, policy, lifecycle
    checker = None
    if four_properties:
        if trust_roots is None:
            trust_roots = [ServiceSigner.from_settings(settings).certificate]
        checker = FourPropertiesChecker(engine=engine, store=store, settings=settings,
                                        audit=AuditLog(engine), keys=lambda: manifest_keys,
                                        trust_roots=trust_roots)
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
        if checker is not None:
            _four_properties(checker, record, checked, bucket, now, report)
    for finding in bucket:
        report.add(finding.severity, f"bucket:{store.bucket}", finding.what)
    return report


def _four_properties(checker: FourPropertiesChecker, record: Record, checked: RecordCheck,
                     bucket: list[BucketFinding], now: datetime, report: FixityReport) -> None:
    """The record's 四性; a failed item that the integrity findings above do not already
    report (signatures, metadata, version chain, usability) is an error of its own."""
    result = checker.check(record, checked=checked, bucket=bucket, now=now)
    failed = [i for i in result.items if i.outcome == "failed"]
    report.four_properties[record.id] = [i.code for i in failed]
    reported = {FINDING_ITEMS.get(f.code) for f in checked.findings} | {"bucket"}
    for item in failed:
        if item.code not in reported:
            report.add("error", record.id, f"四性 {PROPERTY_ZH[item.property]} "
                       f"({item.code}): {item.title_en}: {item.detail or 'failed'}")
