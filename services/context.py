"""Everything a running service needs, opened once, in one order a reader can follow.

Start-up (:func:`open_context`, called off the event loop):

1. the registry: engine, migrations;
2. the object store: the embedded SeaweedFS is started (once per data dir, under its lock) or
   an S3 endpoint is connected; an external store that does not answer yet leaves the service
   alive but not ready, and is tried again by the recovery loop;
3. the services, each built once: archive, verification, jobs, hazards.

Then :meth:`AppContext.start_background` starts, in this order, the recovery loop (a thread:
completes every record a dead process or a store outage left pending, first at once, then every
``AZX_RECOVERY_INTERVAL`` seconds), the job threads (embedded mode) and the housekeeping thread
(daily audit seal and pruning of expired web sign-outs, weekly fixity). :meth:`AppContext.close`
stops them in reverse.

Commands that only need the registry (API keys) use :func:`open_registry`.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, text

from core.settings import Settings
from services.archive import ArchiveService
from services.audit import AuditLog
from services.four_properties import FourPropertiesChecker
from services.hazards import HazardService
from services.jobs import JobService
from services.produce import DocumentSigner
from services.timestamps import TimestampRenewer
from services.verify import VerificationService
from signing.keys import QrKeyRing
from signing.pdf_signer import ServiceSigner
from storage import (
    EmbeddedS3,
    MinioObjectStore,
    ObjectStore,
    StorageUnavailable,
    open_object_store,
    prepare_bucket,
)
from storage.db import make_engine, migrate

if TYPE_CHECKING:
    from cryptography import x509

__all__ = ["AppContext", "Readiness", "Registry", "open_context", "open_registry"]

log = logging.getLogger("azx")


@dataclass(frozen=True)
class Registry:
    """The registry database alone."""

    settings: Settings
    engine: Engine
    audit: AuditLog

    def close(self) -> None:
        self.engine.dispose()


@dataclass(frozen=True)
class Readiness:
    """Whether the service can archive right now (``/readyz``)."""

    registry: bool
    store: bool

    @property
    def ready(self) -> bool:
        return self.registry and self.store

    def as_dict(self) -> dict[str, Any]:
        return {"status": "ready" if self.ready else "not_ready",
                "registry": "ok" if self.registry else "unavailable",
                "store": "ok" if self.store else "unavailable"}


@dataclass
class AppContext:
    settings: Settings
    engine: Engine
    audit: AuditLog
    store: ObjectStore
    server: EmbeddedS3 | None
    archive: ArchiveService
    verifier: VerificationService
    jobs: JobService
    hazards: HazardService
    key_ring: QrKeyRing
    signing_certificate: x509.Certificate
    started_at: datetime
    checks: FourPropertiesChecker | None = None  # 四性 (DA/T 70), services.four_properties
    #: archive time stamp renewal (services.timestamps); None without AZX_TSA_URL
    timestamps: TimestampRenewer | None = None
    store_verified: bool = False
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _closed: bool = False

    # -- background work -------------------------------------------------------------------
    def start_background(self, *, housekeeping_interval: float = 24 * 3600) -> None:
        """Recovery loop, job threads, housekeeping — in that order."""
        self._spawn("azx-recovery", self._recovery_loop)
        self.jobs.start()
        self._spawn("azx-housekeeping", lambda: self._housekeeping_loop(housekeeping_interval))

    def _spawn(self, name: str, target: Any) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _recovery_loop(self) -> None:
        # In embedded mode this process is the only writer of its data dir: records pending
        # from before it started belong to a process that is gone, whatever their lease says.
        taken_before = self.started_at if self.server is not None else None
        while not self._stop.is_set():
            try:
                if not self.store_verified:
                    self.verify_store()
                if self.store_verified:
                    report = self.archive.recover(taken_before=taken_before)
                    if not report.still_pending:
                        taken_before = None
            except StorageUnavailable as exc:
                log.info("recovery waits for the object store: %s", exc)
            except Exception:
                log.exception("recovery pass failed; retried at the next interval")
            self._stop.wait(self.settings.recovery_interval)

    def verify_store(self) -> None:
        """Set up or check the bucket (Object Lock, versioning, default rule) once an outside
        store answers — with the admin identity, as at start-up (the service's may not)."""
        prepare_bucket(self.settings)
        if not self.store_verified:
            log.info("object store ready (bucket %s verified)", self.store.bucket)
        self.store_verified = True

    def _housekeeping_loop(self, interval: float) -> None:
        from services.fixity import run_fixity

        runs = 0
        while not self._stop.is_set():
            try:
                self.prune_web_sessions()
                if self.store_verified:
                    self.seal_audit()
                    if runs % 7 == 3:  # weekly: the lead (AZX_TIMESTAMP_RENEW_DAYS) is long
                        self.renew_timestamps()
                    if runs % 7 == 6:
                        report = run_fixity(self.engine, self.store, self.settings)
                        log.info("fixity: %s", json.dumps(report.as_dict(), ensure_ascii=False))
            except Exception:
                log.exception("housekeeping failed; retried at the next interval")
            runs += 1
            self._stop.wait(interval)

    def prune_web_sessions(self) -> int:
        """Daily: forget the signed-out web sessions whose tokens have expired."""
        from services.web_sessions import prune_ended

        return prune_ended(self.engine)

    def renew_timestamps(self) -> None:
        """Weekly: renew the archive time stamps due (``AZX_TIMESTAMP_RENEW_DAYS``); a fault is
        logged and the pass runs again the next week, well within the lead."""
        if self.timestamps is None:
            return
        try:
            self.timestamps.run()
        except StorageUnavailable as exc:
            log.info("timestamp renewal waits for the object store: %s", exc)

    def seal_audit(self) -> str | None:
        """Archive the audit events written since the last seal, under lock."""
        from domain.retention import add_years
        from services.audit import seal

        until = add_years(datetime.now(UTC), self.settings.retention_years)
        return seal(self.audit, self.store, until)

    # -- health ------------------------------------------------------------------------------
    def readiness(self) -> Readiness:
        """The registry answers a query and the store answers for the bucket (short timeouts)."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            registry = True
        except Exception as exc:
            log.warning("readiness: registry unavailable: %s", exc)
            registry = False
        store = self.store_verified and self.store.ping()
        return Readiness(registry, store)

    # -- shutdown ------------------------------------------------------------------------------
    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._stop.set()
        self.jobs.close()  # finish running jobs before the store goes away
        for thread in self._threads:
            thread.join(timeout=30)
        try:
            self.store.close()
        finally:
            if self.server is not None:
                self.server.stop()
            self.engine.dispose()


def open_registry(settings: Settings) -> Registry:
    settings.ensure_dirs()
    engine = make_engine(settings.sqlalchemy_url)
    migrate(engine)
    return Registry(settings, engine, AuditLog(engine))


def open_context(settings: Settings) -> AppContext:
    """Open the registry, the object store and every service (see the module docstring)."""
    registry = open_registry(settings)
    try:
        store, server, verified = _open_store(settings)
    except BaseException:
        registry.close()
        raise
    service_signer = ServiceSigner.from_settings(settings)
    if service_signer.self_signed:
        log.info("signing PDFs with the self-signed certificate under %s/keys "
                 "(set AZX_SIGNING_P12 for a real one)", settings.data_dir)
    ring = QrKeyRing.from_settings(settings)
    archive = ArchiveService(engine=registry.engine, store=store, settings=settings,
                             audit=registry.audit, key_ring=ring,
                             signer=DocumentSigner(service_signer),
                             stamper=_stamper(settings, ring))
    checks = FourPropertiesChecker(engine=registry.engine, store=store, settings=settings,
                                   audit=registry.audit, keys=ring.public_keys,
                                   trust_roots=[service_signer.certificate])
    if settings.check_at_archiving:
        archive.on_archived = checks.at_archiving
    ctx = AppContext(
        settings=settings, engine=registry.engine, audit=registry.audit, store=store,
        server=server, archive=archive,
        verifier=VerificationService(registry.engine, store, ring, [service_signer.certificate]),
        jobs=JobService(engine=registry.engine, settings=settings, audit=registry.audit,
                        archive=archive),
        hazards=HazardService(registry.engine, archive), key_ring=ring,
        signing_certificate=service_signer.certificate, started_at=datetime.now(UTC),
        store_verified=verified, checks=checks,
        timestamps=TimestampRenewer.from_settings(settings, engine=registry.engine, store=store,
                                                  audit=registry.audit, key_ring=ring))
    return ctx


def _open_store(settings: Settings) -> tuple[ObjectStore, EmbeddedS3 | None, bool]:
    """(store, embedded server or None, bucket verified). The embedded server must start; an
    external store that does not answer yet is connected unverified (not ready)."""
    try:
        store, server = open_object_store(settings)
        return store, server, True
    except StorageUnavailable as exc:
        if settings.embedded_s3:
            raise
        log.warning("object store %s does not answer yet (%s); the service is not ready until "
                    "it does", settings.s3_endpoint, exc)
    assert settings.s3_endpoint is not None
    store = MinioObjectStore(settings.s3_endpoint, settings.s3_access_key,
                             settings.s3_secret_key.get_secret_value(), settings.s3_bucket,
                             secure=settings.s3_secure, region=settings.s3_region)
    return store, None, False


def _stamper(settings: Settings, ring: QrKeyRing) -> Any:
    from signing.qr import qr_png
    from signing.qr_token import make_verify_url

    def stamp(record_id: str, content_sha256: bytes) -> tuple[str, bytes]:
        url = make_verify_url(record_id, content_sha256, key_ring=ring,
                              public_base_url=settings.public_base_url)
        return url, qr_png(url, box_size=4)

    return stamp
