"""Everything a running service needs, opened once from the settings and closed at shutdown."""

from __future__ import annotations

import base64
import json
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from core.settings import Settings
from domain.catalog import FormKind
from services.archive import ArchiveService
from services.audit import AuditLog
from storage.db import make_engine, migrate

if TYPE_CHECKING:
    from cryptography import x509

    from services.jobs import JobService
    from services.verify import VerificationService
    from signing.keys import QrKeyRing

__all__ = ["AppContext", "open_context"]

log = logging.getLogger("azx")


@dataclass
class AppContext:
    settings: Settings
    engine: Engine
    audit: AuditLog
    _archive: ArchiveService | None = None
    _closers: list[Any] = field(default_factory=list)
    _store: Any = None
    _verifier: VerificationService | None = None
    _signing_cert: x509.Certificate | None = None
    _jobs: JobService | None = None

    @property
    def archive(self) -> ArchiveService:
        """The archive, opening the object store (and the embedded S3 server) on first use."""
        if self._archive is None:
            from storage import open_object_store

            store, server = open_object_store(self.settings)
            self._store = store
            self._closers.append(store.close)
            if server is not None:
                self._closers.append(server.stop)
            self._archive = ArchiveService(
                engine=self.engine, store=store, settings=self.settings, audit=self.audit,
                pdf_signer=_pdf_signer(self.settings), stamper=_stamper(self.settings))
            recovered = self._archive.recover(older_than=timedelta(minutes=15))
            if recovered:
                log.info("completed %d records left pending by an earlier stop", recovered)
        return self._archive

    @property
    def store(self) -> Any:
        self.archive  # noqa: B018
        return self._store

    @property
    def key_ring(self) -> QrKeyRing:
        """The QR verify-URL keys (the JWKS is published for offline verifiers)."""
        from signing.keys import QrKeyRing

        return QrKeyRing.from_settings(self.settings)

    @property
    def signing_certificate(self) -> x509.Certificate:
        """The certificate the service signs PDFs with (public; the verifiers' trust root)."""
        if self._signing_cert is None:
            from signing.pdf_signer import ServiceSigner

            self._signing_cert = ServiceSigner.from_settings(self.settings).certificate
        return self._signing_cert

    @property
    def verifier(self) -> VerificationService:
        """Public verification of records and PDFs against the archive."""
        if self._verifier is None:
            from services.verify import VerificationService

            self._verifier = VerificationService(self.engine, self.store, self.key_ring,
                                                 [self.signing_certificate])
        return self._verifier

    @property
    def jobs(self) -> JobService:
        """Asynchronous jobs, batches and webhooks (in-process threads unless AZX_BROKER_URL)."""
        if self._jobs is None:
            from services.jobs import JobService

            self._jobs = JobService(engine=self.engine, settings=self.settings, audit=self.audit,
                                    archive=lambda: self.archive)
        return self._jobs

    def seal_audit(self) -> str | None:
        """Archive the audit events written since the last seal, under lock."""
        from datetime import UTC, datetime

        from domain.retention import add_years
        from services.audit import seal

        until = add_years(datetime.now(UTC), self.settings.retention_years)
        return seal(self.audit, self.store, until)

    def start_housekeeping(self, interval_s: float = 24 * 3600) -> None:
        """Embedded mode: seal the audit log at start and daily; run fixity weekly (a thread)."""
        import threading

        stop = threading.Event()

        def loop() -> None:
            from services.fixity import run_fixity

            runs = 0
            while not stop.is_set():
                try:
                    if self._archive is not None:
                        self.seal_audit()
                        if runs % 7 == 6:
                            report = run_fixity(self.engine, self.store, self.settings)
                            log.info("fixity: %s", json.dumps(report.as_dict(), ensure_ascii=False))
                except Exception:
                    log.exception("housekeeping failed; retried at the next interval")
                runs += 1
                stop.wait(interval_s)

        thread = threading.Thread(target=loop, name="azx-housekeeping", daemon=True)
        thread.start()
        self._closers.insert(0, stop.set)

    def close(self) -> None:
        if self._jobs is not None:  # finish running jobs before the store goes away
            self._jobs.close()
        while self._closers:
            closer = self._closers.pop()
            try:
                closer()
            except Exception:
                log.exception("error while closing")
        self.engine.dispose()


def _stamper(settings: Settings) -> Any:
    from signing.keys import QrKeyRing
    from signing.qr import qr_png
    from signing.qr_token import make_verify_url

    ring = QrKeyRing.from_settings(settings)

    def stamp(record_id: str, content_sha256: bytes) -> tuple[str, bytes]:
        url = make_verify_url(record_id, content_sha256, key_ring=ring,
                              public_base_url=settings.public_base_url)
        return url, qr_png(url, box_size=4)

    return stamp


def _pdf_signer(settings: Settings) -> Any:
    from signing.pdf_signer import ServiceSigner

    signer = ServiceSigner.from_settings(settings)
    if signer.self_signed:
        log.info("signing PDFs with the self-signed certificate under %s/keys "
                 "(set AZX_SIGNING_P12 for a real one)", settings.data_dir)

    def sign(pdf: bytes, record_id: str, kind: FormKind,
             parties: list[Any]) -> tuple[bytes, list[dict[str, Any]]]:
        """Let the parties sign in the annex's order, then the service seals; the record ID
        goes into the revision the first signature signs, so that every signature covers it."""
        from domain.signatures import SIGNATURE_LINES
        from signing.pdf_signer import ClickConfirmation, PartySigner

        labels = dict(SIGNATURE_LINES.get(kind.type, ()))
        rid: str | None = record_id  # embedded by the first signature only
        signed: list[dict[str, Any]] = []
        for p in parties:
            field = f"AZX-{p.role}"
            if p.method == "certificate":
                party = PartySigner.from_pkcs12(base64.b64decode(p.p12), p.p12_password)
                pdf = party.sign_pdf(pdf, field_name=field, signer_name=p.name, record_id=rid,
                                     reason=f"{labels.get(p.role, p.role)}签署 / signed as {p.role}")
                signed.append({"role": p.role, "label": labels.get(p.role), "name": p.name,
                               "method": "certificate", "certificate": party.subject})
            else:
                confirmation = ClickConfirmation(p.name, p.confirmed_at, p.channel, p.reference)
                pdf = signer.sign_on_behalf(pdf, field_name=field, confirmation=confirmation,
                                            record_id=rid)
                signed.append({"role": p.role, "label": labels.get(p.role), "name": p.name,
                               "method": "click", "confirmed_at": p.confirmed_at.isoformat(),
                               "channel": p.channel, "reference": p.reference})
            rid = None
        pdf = signer.sign_pdf(pdf, field_name="AZX-Service", record_id=rid,
                              reason=f"安责险事故预防服务档案 {kind.title} / archived record",
                              signer_name="AZX archive service")
        signed.append({"role": "service", "name": "AZX archive service", "method": "certificate",
                       "certificate": signer.subject})
        return pdf, signed

    return sign


def open_context(settings: Settings) -> AppContext:
    from domain.risk import configure_profile_bands

    configure_profile_bands(settings.risk_bands)
    settings.ensure_dirs()
    engine = make_engine(settings.sqlalchemy_url)
    migrate(engine)
    return AppContext(settings=settings, engine=engine, audit=AuditLog(engine))
