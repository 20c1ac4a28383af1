"""Archive time stamp renewal (issue 16): keep B-LTA evidence alive past its TSA certificate.

For every archived record whose newest evidence (its PDF, or its last renewal's) ends within
``AZX_TIMESTAMP_RENEW_DAYS`` (``domain.timestamps.renewal_due``), :class:`TimestampRenewer`
appends the validation data of the last document time stamp and a new document time stamp
(``PdfSignerIdentity.renew_archive_timestamp``) and stores the result as two **new** locked
objects — ``records/<id>/timestamps/<n>.pdf`` and its sealed statement ``<n>.json``
(``services.evidence``) — under the record's COMPLIANCE retention and legal hold, then notes the
renewal in the audit log. No existing key gets a second version (every write is
``If-None-Match: *``). ``services.integrity`` accepts exactly these objects.

Run by ``azx timestamps renew`` and weekly by the service's housekeeping (with ``AZX_TSA_URL``).
A renewal is written only if it holds longer than the evidence it renews, so running twice, or
with a TSA whose certificate is no newer, writes nothing. A pass killed between the PDF and its
statement leaves the PDF alone (a critical fixity finding); the next pass writes its statement
if the PDF is exactly what a renewal writes (the evidence plus an intact, longer time stamp).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Engine, select

from core.settings import Settings
from domain.timestamps import RENEWAL_DIR, renewal_due, renewal_extends, renewal_key, renewal_of
from services.audit import AuditLog
from services.evidence import EvidenceRef, RenewalStatement, check_statement
from services.integrity import check_record
from services.records import ARCHIVED, Record, iso_utc, record_prefix, sha256_hex
from signing.errors import UnreadablePdf
from signing.keys import QrKeyRing
from signing.pdf_signer import PdfSignerIdentity, ServiceSigner
from signing.pdf_verify import SignatureReport, TrustRoot, inspect_pdf_signatures
from storage.errors import ObjectExists, StorageError, StorageUnavailable
from storage.objectstore import ObjectStore
from storage.tables import records

__all__ = ["RenewalOutcome", "RenewalReport", "TimestampRenewer", "renewal_signer"]

log = logging.getLogger("azx.timestamps")

Outcome = Literal["renewed", "completed", "due", "not_due", "not_renewable", "busy", "failed"]


@dataclass(frozen=True)
class RenewalOutcome:
    record_id: str
    outcome: Outcome
    detail: str | None = None
    n: int | None = None
    evidence_until: datetime | None = None  # after the renewal (or as it stands)

    def as_dict(self) -> dict[str, Any]:
        return {"record_id": self.record_id, "outcome": self.outcome, "detail": self.detail,
                "n": self.n, "evidence_until": iso_utc(self.evidence_until)}


@dataclass
class RenewalReport:
    outcomes: list[RenewalOutcome] = field(default_factory=list)

    def of(self, outcome: Outcome) -> list[RenewalOutcome]:
        return [o for o in self.outcomes if o.outcome == outcome]

    def as_dict(self) -> dict[str, Any]:
        counts: dict[str, int] = {}
        for o in self.outcomes:
            counts[o.outcome] = counts.get(o.outcome, 0) + 1
        return {"checked": len(self.outcomes), "counts": counts,
                "records": [o.as_dict() for o in self.outcomes if o.outcome != "not_due"]}


def renewal_signer(settings: Settings) -> ServiceSigner | None:
    """The service's identity able to renew (a TSA and long-term validation), else None."""
    if not settings.tsa_url:
        return None
    signer = ServiceSigner.from_settings(settings)
    return signer if signer.level == "B-LTA" else signer.with_long_term_validation()


class TimestampRenewer:
    """Renews the archive time stamps of one archive's records (``signer``: the identity
    with the TSA; ``trust_roots``: the PDF-signing certificate, as verify uses it)."""

    def __init__(self, *, engine: Engine, store: ObjectStore, audit: AuditLog,
                 key_ring: QrKeyRing, signer: PdfSignerIdentity,
                 trust_roots: Sequence[TrustRoot], lead: timedelta,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.engine = engine
        self.store = store
        self.audit = audit
        self.key_ring = key_ring
        self.signer = signer
        self.trust_roots = list(trust_roots)
        self.lead = lead
        self.clock = clock

    @classmethod
    def from_settings(cls, settings: Settings, *, engine: Engine, store: ObjectStore,
                      audit: AuditLog, key_ring: QrKeyRing) -> TimestampRenewer | None:
        """None when no TSA is configured (nothing could be renewed)."""
        signer = renewal_signer(settings)
        if signer is None:
            return None
        return cls(engine=engine, store=store, audit=audit, key_ring=key_ring, signer=signer,
                   trust_roots=[signer.certificate],
                   lead=timedelta(days=settings.timestamp_renew_days))

    def run(self, *, now: datetime | None = None, ids: Sequence[str] = (),
            dry_run: bool = False) -> RenewalReport:
        """One pass over the archived records with a PDF (``ids``: only these). ``now``: the
        moment the lead is counted from (tests simulate a later day); ``dry_run``: say which
        are due, write nothing. StorageUnavailable propagates (the pass is retried later)."""
        now = now or self.clock()
        cond = [records.c.status == ARCHIVED]
        if ids:
            cond.append(records.c.id.in_(list(ids)))
        with self.engine.connect() as conn:
            rows = [Record.from_row(r) for r in conn.execute(
                select(records).where(*cond).order_by(records.c.created_at)).mappings()]
        report = RenewalReport()
        for record in rows:
            if "pdf" not in record.parts:
                continue
            try:
                outcome = self.renew(record, now=now, dry_run=dry_run)
            except StorageUnavailable:
                raise
            except Exception as exc:  # one record's fault never stops the pass
                log.exception("renewing the time stamp of %s failed", record.id)
                outcome = RenewalOutcome(record.id, "failed", f"{type(exc).__name__}: {exc}")
            report.outcomes.append(outcome)
        if report.of("renewed") or report.of("completed") or report.of("failed"):
            log.info("timestamp renewal: %s", report.as_dict()["counts"])
        return report

    def renew(self, record: Record, *, now: datetime, dry_run: bool = False) -> RenewalOutcome:
        """Renew ``record``'s evidence if it is due (see the module docstring)."""
        rid = record.id
        orphan = self._orphan(record)
        if orphan is not None:  # a pass died between a renewal PDF and its statement
            return self._complete(record, orphan, dry_run=dry_run)
        known = self._evidence_until(record)
        if known is not None and not renewal_due(known, now, self.lead):  # the common case
            return RenewalOutcome(rid, "not_due", None, None, known)
        checked = check_record(record, self.store, self.key_ring.public_keys(), read=("pdf",))
        critical = [f.what for f in checked.findings if f.severity == "critical"]
        if critical:  # never extend the evidence of what may not be the archived record
            return RenewalOutcome(rid, "not_renewable", "the archive has critical findings "
                                  "(fixity reports them): " + "; ".join(critical))
        pdf, part = checked.evidence_pdf, record.parts["pdf"]
        if pdf is None:
            return RenewalOutcome(rid, "not_renewable", "the PDF could not be read")
        last = self._last_report(pdf)
        if last is None or last.evidence_until is None:
            return RenewalOutcome(rid, "not_renewable", "no archive time stamp to renew "
                                  f"(level {last.level if last else 'unsigned'})")
        until = last.evidence_until
        if not renewal_due(until, now, self.lead):
            return RenewalOutcome(rid, "not_due", None, len(checked.renewals), until)
        if record.retain_until <= self.clock():
            return RenewalOutcome(rid, "not_renewable", "the retention period has ended")
        n = 1 + max((found[0] for key in self.store.list(record_prefix(rid))
                     if (found := renewal_of(record_prefix(rid), key)) is not None), default=0)
        if dry_run:
            return RenewalOutcome(rid, "due", None, n, until)
        renewed = self.signer.renew_archive_timestamp(pdf)
        new_last = self._last_report(renewed)
        new_until = new_last.evidence_until if new_last else None
        if not renewed.startswith(pdf) or new_until is None:
            return RenewalOutcome(rid, "failed", "the renewed PDF is not the evidence plus an "
                                  "intact archive time stamp; nothing written")
        if not renewal_extends(until, new_until):
            return RenewalOutcome(rid, "failed", f"the TSA's certificate ends {new_until.date()}"
                                  f", not after the evidence it would renew ({until.date()}); "
                                  "nothing written", None, until)
        previous = (checked.renewals[-1].statement.pdf if checked.renewals else
                    EvidenceRef(key=part.key, sha256=part.sha256, version_id=part.version_id))
        return self._store(record, n, renewed, previous, until, new_until)

    def _orphan(self, record: Record) -> int | None:
        """The number of the newest renewal PDF that has no statement, if it is the newest."""
        prefix = record_prefix(record.id)
        found: dict[int, set[str]] = {}
        for key in self.store.list(prefix + RENEWAL_DIR):
            of = renewal_of(prefix, key)
            if of is not None:
                found.setdefault(of[0], set()).add(of[1])
        if not found:
            return None
        n = max(found)
        return n if found[n] == {"pdf"} else None

    def _complete(self, record: Record, n: int, *, dry_run: bool) -> RenewalOutcome:
        """Write the statement of renewal ``n`` whose PDF a killed pass left alone — only if that
        PDF is what a renewal writes: the newest accepted evidence, byte for byte, plus an intact
        archive time stamp that holds longer. Anything else stays a critical finding."""
        rid, prefix = record.id, record_prefix(record.id)
        checked = check_record(record, self.store, self.key_ring.public_keys(), read=("pdf",))
        pdf_key = renewal_key(prefix, n, "pdf")
        others = [f.what for f in checked.findings if f.severity == "critical"
                  and not f.what.startswith(f"timestamps/{n}.pdf")]
        evidence, part = checked.evidence_pdf, record.parts["pdf"]
        if others or evidence is None:
            return RenewalOutcome(rid, "not_renewable", "the archive has critical findings "
                                  "(fixity reports them): " + "; ".join(others))
        info = self.store.stat(pdf_key)
        renewed = self.store.get(pdf_key, info.version_id)
        before, after = self._last_report(evidence), self._last_report(renewed)
        until = before.evidence_until if before else None
        new_until = after.evidence_until if after else None
        if (not renewed.startswith(evidence) or until is None or new_until is None
                or not renewal_extends(until, new_until) or info.version_id is None):
            return RenewalOutcome(rid, "not_renewable", f"{pdf_key} has no statement and is not "
                                  "a renewal of the record's evidence (fixity reports it)")
        if dry_run:
            return RenewalOutcome(rid, "due", f"{pdf_key} waits for its statement", n, until)
        previous = (checked.renewals[-1].statement.pdf if checked.renewals else
                    EvidenceRef(key=part.key, sha256=part.sha256, version_id=part.version_id))
        return self._seal(record, n, renewed, info.version_id, previous, until, new_until,
                          completed=True)

    def _evidence_until(self, record: Record) -> datetime | None:
        """Cheaply, until when the record's newest evidence holds: the last renewal statement's
        sealed ``evidence_until``, else the archived PDF's last document time stamp. None when
        unknown (the full check then decides)."""
        prefix = record_prefix(record.id)
        latest: tuple[int, str] | None = None
        for key in self.store.list(prefix + RENEWAL_DIR):
            found = renewal_of(prefix, key)
            if found is not None and found[1] == "json" and (latest is None
                                                             or found[0] > latest[0]):
                latest = (found[0], key)
        if latest is not None:
            checked = check_statement(self.store.get(latest[1]), self.key_ring.public_keys())
            st = checked.statement
            ok = checked.valid and st is not None and st.record_id == record.id
            return st.evidence_until if ok and st is not None else None
        part = record.parts["pdf"]
        last = self._last_report(self.store.get(part.key, part.version_id))
        return last.evidence_until if last is not None else None

    def _last_report(self, pdf: bytes) -> SignatureReport | None:
        try:
            reports = inspect_pdf_signatures(pdf, self.trust_roots)
        except UnreadablePdf:
            return None
        last = reports[-1] if reports else None
        if last is None or not (last.intact and last.valid and last.sealed):
            return None
        return last

    def _store(self, record: Record, n: int, renewed: bytes, previous: EvidenceRef,
               until: datetime, new_until: datetime) -> RenewalOutcome:
        rid, pdf_key = record.id, renewal_key(record_prefix(record.id), n, "pdf")
        try:
            written = self.store.put_locked(pdf_key, renewed, "application/pdf",
                                            record.retain_until, legal_hold=record.legal_hold)
        except ObjectExists:
            return RenewalOutcome(rid, "busy", f"{pdf_key} was written meanwhile (another "
                                  "process renews it)")
        return self._seal(record, n, renewed, written.version_id, previous, until, new_until)

    def _seal(self, record: Record, n: int, renewed: bytes, pdf_version: str,
              previous: EvidenceRef, until: datetime, new_until: datetime, *,
              completed: bool = False) -> RenewalOutcome:
        """Write renewal ``n``'s sealed statement naming its locked PDF, and audit it."""
        rid, prefix = record.id, record_prefix(record.id)
        pdf_key, json_key = renewal_key(prefix, n, "pdf"), renewal_key(prefix, n, "json")
        statement = RenewalStatement(
            record_id=rid, n=n, size=len(renewed),
            pdf=EvidenceRef(key=pdf_key, sha256=sha256_hex(renewed), version_id=pdf_version),
            previous=previous, previous_evidence_until=until, evidence_until=new_until,
            renewed_at=self.clock(), retain_until=record.retain_until).sealed(self.key_ring)
        try:
            sealed = self.store.put_locked(json_key, statement.content(), "application/json",
                                           record.retain_until, legal_hold=record.legal_hold)
        except (ObjectExists, StorageError) as exc:
            if isinstance(exc, StorageUnavailable):
                log.error("%s written but not its statement %s (store away): the next "
                          "renewal pass completes it", pdf_key, json_key)
                raise
            return RenewalOutcome(rid, "failed", f"{pdf_key} written, its statement not: {exc}")
        self.audit.append("timestamp_renewal", tenant=record.tenant, actor="service",
                          record_id=rid, detail={
                              "n": n, "pdf": pdf_key, "sha256": statement.pdf.sha256,
                              "version_id": pdf_version, "statement": json_key,
                              "statement_version_id": sealed.version_id,
                              "previous": previous.model_dump(),
                              "previous_evidence_until": iso_utc(until),
                              "evidence_until": iso_utc(new_until), "completed": completed})
        return RenewalOutcome(rid, "completed" if completed else "renewed", None, n, new_until)
