"""Is an archived record still exactly what the service locked? One check for fixity and verify.

For a record of the registry, :func:`check_record` reads what the store holds under
``records/<id>/`` and reports every difference as a :class:`Finding` with a severity:

* each object (parts and manifest) has exactly one version — the one the registry names — and no
  delete marker (a later version "over" a locked one is how a forgery would be served);
* the manifest's seal verifies with the service's keys (``signing.manifest_seal``), and the
  manifest agrees with the registry: tenant, policy, insured, content hash, every part's hash and
  version (so a forged tenant or insured is caught even where the registry was rebuilt);
* each part's bytes hash to the registry's SHA-256; its lock is COMPLIANCE and lasts at least as
  long as the registry says; its legal hold is what the registry says;
* the only other objects are time stamp renewals (``domain.timestamps``): ``timestamps/<n>.pdf``
  with its statement ``timestamps/<n>.json``, sealed by the service (``services.evidence``),
  naming the PDF's SHA-256 and version and the evidence it extends, the PDF beginning with that
  evidence byte for byte, both locked like the parts. Anything else — a PDF without statement, an
  unsealed or badly sealed statement, a PDF whose bytes differ from the statement — is reported
  as any unknown object is. :attr:`RecordCheck.evidence_pdf` is the newest renewal's PDF.

Severity: ``critical`` (content or provenance can no longer be trusted), ``error`` (the lock or
hold differs from the record), ``warning`` (e.g. an unsealed manifest from before sealing).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from domain.timestamps import renewal_of
from services.evidence import EvidenceRef, RenewalStatement, check_statement
from services.records import (
    MANIFEST,
    ManifestCheck,
    Record,
    check_manifest,
    sha256_hex,
)
from storage.errors import ObjectNotFound, StorageError, StorageUnavailable
from storage.objectstore import ObjectStore, StoredVersion

__all__ = ["Finding", "RecordCheck", "Renewal", "Severity", "check_record"]

Severity = Literal["critical", "error", "warning", "info"]


@dataclass(frozen=True)
class Finding:
    severity: Severity
    code: str  # archive_missing | archive_versions | archive_corrupt | manifest_unverified |
    #            content_mismatch | lock_weakened | legal_hold_changed | manifest_unsigned
    what: str


@dataclass(frozen=True)
class Renewal:
    """A time stamp renewal found valid: its sealed statement and, when read, the PDF."""

    statement: RenewalStatement
    statement_version_id: str | None
    pdf: bytes | None


@dataclass
class RecordCheck:
    """The findings about one record, and the part contents read while checking."""

    findings: list[Finding] = field(default_factory=list)
    contents: dict[str, bytes] = field(default_factory=dict)
    manifest: ManifestCheck | None = None
    objects: int = 0
    #: the record's valid time stamp renewals, oldest first (``timestamps/<n>``)
    renewals: list[Renewal] = field(default_factory=list)

    def add(self, severity: Severity, code: str, what: str) -> None:
        self.findings.append(Finding(severity, code, what))

    @property
    def evidence_pdf(self) -> bytes | None:
        """The PDF carrying the newest evidence: the last valid renewal's, else the archived
        one (None when not read)."""
        if self.renewals:
            return self.renewals[-1].pdf
        return self.contents.get("pdf")

    @property
    def evidence_name(self) -> str:
        """Its file name under the record, e.g. ``timestamps/2.pdf`` or ``document.pdf``."""
        if self.renewals:
            return self.renewals[-1].statement.pdf.key.split("/", 2)[-1]
        return "document.pdf"

    @property
    def evidence_sha256s(self) -> dict[str, str]:
        """SHA-256 → file name of every PDF the archive vouches for (the archived one is not
        in it: the registry names it)."""
        return {r.statement.pdf.sha256: r.statement.pdf.key.split("/", 2)[-1]
                for r in self.renewals}

    @property
    def intact(self) -> bool:
        return not any(f.severity in ("critical", "error") for f in self.findings)


def check_record(record: Record, store: ObjectStore, keys: Mapping[str, Any], *,
                 read: tuple[str, ...] | None = None,
                 now: datetime | None = None) -> RecordCheck:
    """Check ``record`` against the store. ``read``: the parts whose bytes are read and hashed
    (default all); those read are returned in ``contents``. StorageUnavailable propagates."""
    out = RecordCheck()
    now = now or datetime.now(UTC)
    prefix = record.manifest_key.rsplit("/", 1)[0] + "/"
    versions = _versions_by_key(store, prefix)
    names = {p.key: name for name, p in record.parts.items()} | {record.manifest_key: MANIFEST}
    for key in sorted(versions):
        if key not in names and renewal_of(prefix, key) is None:
            out.add("critical", "archive_versions", f"{key.rsplit('/', 1)[-1]}: an object the "
                    "record does not name was written under it")
    _check_manifest(record, store, keys, versions.get(record.manifest_key, []), out)
    for name, part in record.parts.items():
        out.objects += 1
        filename = part.key.rsplit("/", 1)[-1]
        if not _one_version(filename, versions.get(part.key, []), part.version_id, out):
            continue
        if read is None or name in read:
            try:
                data = store.get(part.key, part.version_id)
            except StorageUnavailable:
                raise
            except StorageError as exc:  # the store's own check (SHA-256 metadata) failed
                out.add("critical", "archive_corrupt", f"{filename}: unreadable: {exc}")
                continue
            if sha256_hex(data) != part.sha256:
                out.add("critical", "archive_corrupt", f"{filename}: SHA-256 differs from the "
                        "registry and the manifest (altered)")
                continue
            out.contents[name] = data
        _check_lock(record, store, part.key, part.version_id, filename, now, out)
    _check_renewals(record, store, keys, prefix, versions,
                    read is None or "pdf" in read, now, out)
    return out


def _check_renewals(record: Record, store: ObjectStore, keys: Mapping[str, Any], prefix: str,
                    versions: dict[str, list[StoredVersion]], read: bool, now: datetime,
                    out: RecordCheck) -> None:
    """Accept ``timestamps/<n>.pdf`` + ``.json`` pairs whose sealed statement names this
    record, this ``n``, the PDF's only version and SHA-256, and the evidence before it; each
    renewal extends the last one accepted. Everything else is a critical finding."""
    numbers: dict[int, dict[str, str]] = {}
    for key in versions:
        found = renewal_of(prefix, key)
        if found is not None:
            numbers.setdefault(found[0], {})[found[1]] = key
    pdf_part = record.parts.get("pdf")
    previous = (EvidenceRef(key=pdf_part.key, sha256=pdf_part.sha256,
                            version_id=pdf_part.version_id) if pdf_part else None)
    previous_pdf = out.contents.get("pdf")
    for n in sorted(numbers):
        pair = numbers[n]
        name = f"timestamps/{n}"
        out.objects += len(pair)
        if "json" not in pair:
            out.add("critical", "archive_versions", f"{name}.pdf: an object the record does "
                    "not name was written under it (no renewal statement; `azx timestamps "
                    "renew` completes it if it is a renewal a killed pass left)")
            continue
        if "pdf" not in pair:
            out.add("critical", "archive_versions", f"{name}.json: a renewal statement without "
                    "its PDF")
            continue
        if not (_one_version(f"{name}.json", versions[pair["json"]], None, out)
                and _one_version(f"{name}.pdf", versions[pair["pdf"]], None, out)):
            continue
        statement_version = _live(versions[pair["json"]]).version_id
        pdf_version = _live(versions[pair["pdf"]]).version_id
        try:
            checked = check_statement(store.get(pair["json"], statement_version), keys)
        except StorageUnavailable:
            raise
        except StorageError as exc:
            out.add("critical", "archive_corrupt", f"{name}.json: unreadable: {exc}")
            continue
        st = checked.statement
        if st is None or not checked.valid:
            out.add("critical", "archive_versions", f"{name}.json: an object the record does "
                    f"not name was written under it ({checked.problem})")
            continue
        wrong = [what for what, bad in (
            ("record", st.record_id != record.id), ("n", st.n != n),
            ("key", st.pdf.key != pair["pdf"]), ("version", st.pdf.version_id != pdf_version),
            ("previous evidence", previous is None or st.previous != previous)) if bad]
        if wrong:
            out.add("critical", "archive_versions", f"{name}.json: a sealed renewal statement "
                    f"that does not fit here ({', '.join(wrong)})")
            continue
        data: bytes | None = None
        if read:
            try:
                data = store.get(pair["pdf"], pdf_version)
            except StorageUnavailable:
                raise
            except StorageError as exc:
                out.add("critical", "archive_corrupt", f"{name}.pdf: unreadable: {exc}")
                continue
            if sha256_hex(data) != st.pdf.sha256:
                out.add("critical", "archive_corrupt", f"{name}.pdf: SHA-256 differs from its "
                        "sealed renewal statement (altered)")
                continue
            if previous_pdf is not None and not data.startswith(previous_pdf):
                out.add("critical", "archive_corrupt", f"{name}.pdf: not an incremental update "
                        "of the evidence it names")
                continue
        for key, version, filename in ((pair["pdf"], pdf_version, f"{name}.pdf"),
                                       (pair["json"], statement_version, f"{name}.json")):
            _check_lock(record, store, key, version, filename, now, out)
        out.renewals.append(Renewal(st, statement_version, data))
        previous, previous_pdf = st.pdf, data


def _live(versions: list[StoredVersion]) -> StoredVersion:
    return next(v for v in versions if not v.is_delete_marker)


def _versions_by_key(store: ObjectStore, prefix: str) -> dict[str, list[StoredVersion]]:
    out: dict[str, list[StoredVersion]] = {}
    for v in store.versions(prefix):
        out.setdefault(v.key, []).append(v)
    return out


def _one_version(filename: str, versions: list[StoredVersion], expected: str | None,
                 out: RecordCheck) -> bool:
    """Exactly one version, the expected one, and no delete marker; else a critical finding."""
    live = [v for v in versions if not v.is_delete_marker]
    if not live:
        out.add("critical", "archive_missing", f"{filename}: missing from the store")
        return False
    if len(versions) > 1:
        markers = len(versions) - len(live)
        out.add("critical", "archive_versions",
                f"{filename}: {len(live)} versions and {markers} delete markers where one "
                "version was locked (something was written over it)")
    if expected is not None and all(v.version_id != expected for v in live):
        out.add("critical", "archive_versions", f"{filename}: the locked version {expected} "
                "is gone")
        return False
    return True


def _check_manifest(record: Record, store: ObjectStore, keys: Mapping[str, Any],
                    versions: list[StoredVersion], out: RecordCheck) -> None:
    out.objects += 1
    expected = record.manifest_version_id
    if not _one_version(MANIFEST, versions, expected, out):
        return
    version = expected or next(v.version_id for v in versions if not v.is_delete_marker)
    try:
        raw = store.get(record.manifest_key, version)
    except StorageUnavailable:
        raise
    except (ObjectNotFound, StorageError) as exc:
        out.add("critical", "archive_missing", f"{MANIFEST}: unreadable: {exc}")
        return
    _check_lock(record, store, record.manifest_key, version, MANIFEST, datetime.now(UTC), out)
    checked = out.manifest = check_manifest(raw, keys)
    m = checked.manifest
    if checked.state in ("invalid", "unreadable") or m is None:
        out.add("critical", "manifest_unverified", f"{MANIFEST}: {checked.detail}")
        return
    if checked.state == "unsigned":
        # before sealing, manifests were unsigned; a record archived since must be sealed
        severity: Severity = "critical" if expected is not None else "warning"
        out.add(severity, "manifest_unsigned", f"{MANIFEST}: not sealed by the service")
    differs = [name for name, (a, b) in {
        "id": (m.id, record.id), "tenant": (m.tenant, record.tenant),
        "type": (m.type, record.doc_type), "policy_no": (m.policy_no, record.policy_no),
        "insured": (m.insured, record.insured_name),
        "content_sha256": (m.content_sha256, record.content_sha256),
        "parts": ({k: (p.sha256, p.version_id) for k, p in m.parts.items()},
                  {k: (p.sha256, p.version_id) for k, p in record.parts.items()}),
    }.items() if a != b]
    if differs:
        out.add("critical", "content_mismatch",
                f"{MANIFEST} and the registry differ in: {', '.join(differs)}")


def _check_lock(record: Record, store: ObjectStore, key: str, version_id: str | None,
                filename: str, now: datetime, out: RecordCheck) -> None:
    try:
        info = store.stat(key, version_id)
    except StorageUnavailable:
        raise
    except StorageError as exc:
        out.add("error", "archive_missing", f"{filename}: cannot read its lock: {exc}")
        return
    until = info.retain_until
    if info.retention_mode != "COMPLIANCE":
        out.add("critical", "lock_weakened", f"{filename}: not under a COMPLIANCE lock "
                f"({info.retention_mode or 'none'})")
    elif until is None or until <= now:
        out.add("critical", "lock_weakened", f"{filename}: retention lock expired or absent")
    elif until < record.retain_until.replace(microsecond=0):
        out.add("error", "lock_weakened", f"{filename}: locked until {until.date()}, the "
                f"registry says {record.retain_until.date()}")
    held = bool(info.legal_hold)  # no header: never held, or released
    if held != record.legal_hold:
        state = "on" if held else "off"
        out.add("error", "legal_hold_changed", f"{filename}: legal hold is {state} in the store, "
                f"{'on' if record.legal_hold else 'off'} in the registry")
