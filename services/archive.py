"""Archive records: prepare → produce → stage → lock → register.

Order of work (what makes a client's mistake and a crash both harmless):

1. ``prepare`` checks everything about the request (all problems at once): a client's mistake
   is a 4xx and nothing is written anywhere;
2. ``produce`` renders, proves complete, stamps and signs in memory: a PDF that would hide a
   value is a 422 and nothing is written;
3. one transaction inserts the ``pending`` registry row (with its Idempotency-Key, and its
   ``supersedes`` slot: one successor per record) and *stages* every part in the database;
4. :meth:`ArchiveService.complete` writes the staged parts under COMPLIANCE lock, then the
   manifest, then marks the row ``archived`` and drops the staged copies (one transaction).

Step 4 is the only way a record is finished: by its creator, by a client's retry with the same
Idempotency-Key, by a job, and by :meth:`ArchiveService.recover` (start-up and a periodic
thread). It is idempotent: a part already stored with the staged bytes is kept; a part stored
with *other* bytes, or a record with nothing staged and no manifest, fails with a reason. A
writer holds a pending record by a lease (``lease_until``), so two processes never write one
record at once and a record whose writer died is taken over when the lease runs out.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from core.settings import Settings
from domain.access import Action, Caller, require
from domain.archive_items import archive_items
from domain.errors import Conflict, DomainValidationError, NotFound
from domain.ids import new_record_id
from domain.records import record_subject
from domain.retention import add_years, retention_years
from domain.timestamps import RENEWAL_DIR, renewal_of
from rendering.spec import load_spec
from services.audit import AuditLog
from services.prepare import PreparedDocument, prepare, request_sha256
from services.produce import Artefacts, DocumentSigner, Stamper, produce
from services.records import (
    ARCHIVED,
    FAILED,
    MANIFEST,
    PARTS,
    PENDING,
    KeyScope,
    Manifest,
    PartRef,
    Record,
    RecordPending,
    build_manifest,
    canonical_json,
    check_manifest,
    describe,
    record_prefix,
    sha256_hex,
)
from signing.keys import QrKeyRing
from storage.errors import ObjectExists, StorageUnavailable
from storage.objectstore import ObjectStore
from storage.tables import legal_holds, records, staged_parts

__all__ = ["ArchiveService", "IdempotencyKey", "RecordPart", "RecoveryReport"]

log = logging.getLogger("azx.archive")

_META = "meta"  # a staged pseudo-part: manifest fields of paper scans, never an object


@dataclass(frozen=True)
class IdempotencyKey:
    """A key that makes a create safe to repeat, in the namespace of whoever made it."""

    value: str
    scope: KeyScope = "client"


@dataclass(frozen=True)
class RecordPart:
    content: bytes
    media_type: str
    filename: str


@dataclass
class RecoveryReport:
    completed: int = 0
    failed: int = 0
    still_pending: int = 0

    def __bool__(self) -> bool:
        return bool(self.completed or self.failed or self.still_pending)


@dataclass(frozen=True)
class _Staged:
    name: str
    content: bytes
    media_type: str
    sha256: str


class _IntegrityProblem(Exception):
    """A record's object holds other bytes than the ones staged for it."""


class ArchiveService:
    def __init__(self, *, engine: Engine, store: ObjectStore, settings: Settings, audit: AuditLog,
                 key_ring: QrKeyRing, signer: DocumentSigner | None = None,
                 stamper: Stamper | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.engine = engine
        self.store = store
        self.settings = settings
        self.audit = audit
        self.key_ring = key_ring  # seals every manifest (the QR codes' key family)
        self.signer = signer
        self.stamper = stamper
        self.clock = clock
        #: called with each record once it is under lock (the 四性 check at archiving,
        #: ``services.four_properties``); must not raise
        self.on_archived: Callable[[Record], object] | None = None

    # -- create ---------------------------------------------------------------------------
    def create(self, caller: Caller, request: Any, *,
               key: IdempotencyKey | None = None) -> dict[str, Any]:
        """Archive the document ``request`` ({type, profile, data, supersedes, signatures}).

        Returns the record under lock (status ``archived``), or — when the store is away —
        accepted and ``pending``: it is staged and completes on its own once the store is
        back. A request that cannot be archived raises before anything is written."""
        require(caller, Action.CREATE)
        if key is not None:
            existing = self.find_by_key(caller.tenant, key)
            if existing is not None:
                return self._replay(existing, request)
        prepared = prepare(request, caller, find_record=self.find)
        now = self.clock()
        kind = prepared.checked.kind
        record_id = new_record_id(kind.type, now.year)
        version = load_spec(kind.profile, kind.type).version
        artefacts = produce(prepared, record_id=record_id, template_version=version,
                            settings=self.settings, stamper=self.stamper, signer=self.signer)
        record = self._new_record(caller, prepared, record_id, version, artefacts, now, key)
        staged = [_stage("json", artefacts.source), _stage("pdf", artefacts.pdf),
                  _stage("docx", artefacts.docx)]
        try:
            self._insert(record, staged)
        except IntegrityError:
            return self._lost_race(caller, request, key, prepared)
        self.audit.append("create", tenant=caller.tenant, actor=caller.key_id,
                          record_id=record_id, detail={"type": kind.type, "profile": kind.profile})
        return self._finish_or_accept(record_id)

    def _finish_or_accept(self, rid: str) -> dict[str, Any]:
        """The record under lock; or, if the store is away, the accepted record still
        ``pending`` (it completes on its own: a retry would only find the same record)."""
        try:
            return describe(self._finish(rid))
        except StorageUnavailable as exc:
            log.warning("record %s accepted; the store is unavailable (%s): it completes when "
                        "the store is back", rid, exc)
            found = self.find(rid)
            assert found is not None
            return describe(found)

    def _new_record(self, caller: Caller, prepared: PreparedDocument, record_id: str,
                    version: str, artefacts: Artefacts, now: datetime,
                    key: IdempotencyKey | None) -> Record:
        kind, model = prepared.checked.kind, prepared.checked.model
        years = self._years(caller.tenant, kind.type)
        policy_no, insured = record_subject(model)
        return Record(
            id=record_id, tenant=caller.tenant, doc_type=kind.type, profile=kind.profile,
            title=kind.title, template_version=version,
            content_sha256=artefacts.content_sha256,
            manifest_key=record_prefix(record_id) + MANIFEST, created_at=now, status=PENDING,
            retain_until=add_years(now, years), policy_no=policy_no, insured_name=insured,
            supersedes=prepared.supersedes, created_by=caller.key_id,
            idempotency_key=key.value if key else None, key_scope=key.scope if key else "client",
            request_sha256=prepared.request_sha256, signers=artefacts.signers,
            archive_items=[a.as_dict() for a in archive_items(kind.type, model)],
            lease_until=now + self._lease)

    def _insert(self, record: Record, staged: list[_Staged]) -> None:
        with self.engine.begin() as conn:
            conn.execute(insert(records).values(**record.row()))
            conn.execute(insert(staged_parts), [
                {"record_id": record.id, "name": s.name, "content": s.content,
                 "media_type": s.media_type, "sha256": s.sha256} for s in staged])

    def _replay(self, existing: Record, request: Any) -> dict[str, Any]:
        """A retry with a known Idempotency-Key: the same record, finished if need be."""
        if existing.request_sha256 != request_sha256(request):
            raise Conflict("该 Idempotency-Key 已用于另一内容不同的请求",
                           "this Idempotency-Key was already used with a different request body")
        if existing.status == PENDING:
            # A job that runs again was given up on by the broker or its lease: its earlier
            # run is dead, so the record's lease is its own to take over (writing twice is
            # harmless: every part is written once, If-None-Match decides).
            take_over = existing.key_scope == "job"
            try:
                return describe(self.complete(existing.id, take_over=take_over))
            except (RecordPending, StorageUnavailable):
                pass  # still being written, or the store is away: it completes on its own
        return describe(existing)

    def _lost_race(self, caller: Caller, request: Any, key: IdempotencyKey | None,
                   prepared: PreparedDocument) -> dict[str, Any]:
        """The insert hit a unique constraint: a concurrent request with the same key, or a
        concurrent correction of the same record, came first."""
        if key is not None:
            existing = self.find_by_key(caller.tenant, key)
            if existing is not None:
                return self._replay(existing, request)
        old = prepared.supersedes
        if old is not None:
            with self.engine.connect() as conn:
                taken = conn.execute(select(records.c.id).where(
                    records.c.supersedes == old)).scalar()
            raise Conflict(f"记录「{old}」已有更正记录「{taken}」，一条记录只能更正一次",
                           f"record {old!r} already has a correction ({taken!r}); a record is "
                           "corrected once")
        raise Conflict("请求与另一请求同时提交，请重试", "a concurrent request conflicted; retry")

    # -- completing: the one path that finishes a record ----------------------------------
    @property
    def _lease(self) -> timedelta:
        return timedelta(seconds=self.settings.record_lease_seconds)

    def complete(self, rid: str, *, take_over: bool = False) -> Record:
        """Finish a pending record (idempotent); raise RecordPending if another writer holds
        it (unless ``take_over``: its writer is known to be gone), StorageUnavailable if the
        store is away."""
        record = self.find(rid)
        if record is None:
            raise NotFound("记录", rid)
        if record.status != PENDING:
            return record
        if not self._claim(rid, force=take_over):
            raise RecordPending(rid)
        return self._finish(rid)

    def _claim(self, rid: str, *, force: bool = False) -> bool:
        now = self.clock()
        cond = [records.c.id == rid, records.c.status == PENDING]
        if not force:
            cond.append(or_(records.c.lease_until.is_(None), records.c.lease_until < now))
        with self.engine.begin() as conn:
            res = conn.execute(update(records).where(*cond).values(lease_until=now + self._lease))
        return res.rowcount == 1

    def _finish(self, rid: str) -> Record:
        """Write a claimed record's staged parts and manifest, then register it archived."""
        record = self.find(rid)
        assert record is not None
        try:
            written = self._stored_manifest(record) or self._write_parts(record)
        except StorageUnavailable:
            self._release(rid)
            raise
        except _IntegrityProblem as exc:
            return self._fail(record, "integrity", f"归档对象与待写入内容不一致：{exc}",
                              f"an archived object differs from what was to be written: {exc}")
        except _NothingStaged:
            return self._fail(record, "nothing_staged",
                              "该记录没有待写入的内容（由早期版本留下），请重新提交",
                              "nothing is staged for this record (left by an earlier version); "
                              "submit it again")
        self._mark_archived(record, *written)
        found = self.find(rid)
        assert found is not None
        if self.on_archived is not None:
            self.on_archived(found)
        return found

    def _write_parts(self, record: Record) -> tuple[Manifest, str | None]:
        """Lock every staged part, then the sealed manifest naming each part's version and
        hash; return the manifest and its version ID."""
        staged = self._staged(record.id)
        objects = [s for s in staged if s.name != _META]
        if not objects:
            raise _NothingStaged
        parts: dict[str, PartRef] = {}
        for part in objects:
            parts[part.name] = self._put(record, part)
            self._renew(record.id)
        meta = next((s for s in staged if s.name == _META), None)
        extra: dict[str, str | None] = {}
        if meta is not None:
            extra = json.loads(meta.content)
        manifest = build_manifest(
            record, parts, archived_at=self.clock(),
            retention_years=self._years(record.tenant, record.doc_type), signers=record.signers,
            original_filename=extra.get("original_filename"), note=extra.get("note"),
        ).sealed(self.key_ring)
        try:
            version = self.store.put_locked(record.manifest_key, manifest.content(),
                                            "application/json", record.retain_until,
                                            metadata={"record-id": record.id})
        except ObjectExists:  # written by an earlier attempt that stopped before the registry
            stored = self._stored_manifest(record)
            if stored is None:
                raise _IntegrityProblem(f"{MANIFEST} exists but is not readable") from None
            return stored
        return manifest, version.version_id

    def _renew(self, rid: str) -> None:
        """Keep the lease while writing (a slow store can take longer than one lease)."""
        with self.engine.begin() as conn:
            conn.execute(update(records).where(records.c.id == rid, records.c.status == PENDING)
                         .values(lease_until=self.clock() + self._lease))

    def _put(self, record: Record, part: _Staged) -> PartRef:
        filename = PARTS[part.name][0] if part.name in PARTS else f"scan.{_ext(part.media_type)}"
        key = record_prefix(record.id) + filename
        try:
            ver = self.store.put_locked(key, part.content, part.media_type, record.retain_until,
                                        metadata={"record-id": record.id})
            version_id: str | None = ver.version_id
        except ObjectExists:  # written before a crash: keep it if it holds exactly these bytes
            versions = [v for v in self.store.versions(key) if v.key == key]
            if len(versions) != 1 or versions[0].is_delete_marker:
                raise _IntegrityProblem(f"{filename} has {len(versions)} versions or a delete "
                                        "marker") from None
            version_id = versions[0].version_id
            if sha256_hex(self.store.get(key, version_id)) != part.sha256:
                raise _IntegrityProblem(f"{filename} holds other bytes") from None
        return PartRef(key=key, sha256=part.sha256, size=len(part.content),
                       version_id=version_id, media_type=part.media_type)

    def _stored_manifest(self, record: Record) -> tuple[Manifest, str | None] | None:
        """The manifest an earlier attempt locked for this record, with its version ID: the one
        version of ``manifest.json`` sealed by the service (unsealed only if written before
        sealing, and then the only version); None if there is none."""
        versions = [v for v in self.store.versions(record.manifest_key)
                    if v.key == record.manifest_key]
        if not versions:
            return None
        if any(v.is_delete_marker for v in versions) or len(versions) > 1:
            raise _IntegrityProblem(f"{MANIFEST} has {len(versions)} versions or a delete marker")
        only = versions[0]
        checked = check_manifest(self.store.get(record.manifest_key, only.version_id),
                                 self.key_ring.public_keys())
        manifest = checked.manifest
        if manifest is None or checked.state == "invalid":
            raise _IntegrityProblem(f"{MANIFEST}: {checked.detail}")
        if manifest.id != record.id or manifest.content_sha256 != record.content_sha256:
            raise _IntegrityProblem(f"{MANIFEST} describes another record")
        return manifest, only.version_id

    def _mark_archived(self, record: Record, manifest: Manifest,
                       manifest_version_id: str | None) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(records).where(records.c.id == record.id).values(
                status=ARCHIVED, archived_at=manifest.archived_at or self.clock(),
                manifest_version_id=manifest_version_id,
                parts={k: v.model_dump() for k, v in manifest.parts.items()},
                signers=[s.model_dump(exclude_none=True) for s in manifest.signers],
                lease_until=None, failure=None))
            if record.supersedes:
                conn.execute(update(records).where(records.c.id == record.supersedes)
                             .values(superseded_by=record.id))
            conn.execute(delete(staged_parts).where(staged_parts.c.record_id == record.id))

    def _fail(self, record: Record, code: str, zh: str, en: str) -> Record:
        """A record that can never be completed: failed with its reason, its correction slot
        freed. Staged parts stay for inspection."""
        log.error("record %s cannot be archived: %s", record.id, en)
        with self.engine.begin() as conn:
            conn.execute(update(records).where(records.c.id == record.id).values(
                status=FAILED, lease_until=None, supersedes=None,
                failure={"error": code, "message_zh": zh, "message_en": en}))
        self.audit.append("failed", tenant=record.tenant, actor="service", record_id=record.id,
                          detail={"error": code, "reason": en})
        found = self.find(record.id)
        assert found is not None
        return found

    def _release(self, rid: str) -> None:
        """Give a record back for the recovery loop (the store was away)."""
        with self.engine.begin() as conn:
            conn.execute(update(records).where(records.c.id == rid, records.c.status == PENDING)
                         .values(lease_until=None))

    def _staged(self, rid: str) -> list[_Staged]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(staged_parts).where(staged_parts.c.record_id == rid)
                                .order_by(staged_parts.c.name)).mappings().all()
        return [_Staged(r["name"], bytes(r["content"]), r["media_type"], r["sha256"])
                for r in rows]

    # -- recovery ------------------------------------------------------------------------
    def recover(self, *, taken_before: datetime | None = None, limit: int = 500) -> RecoveryReport:
        """Complete every pending record no live writer holds (its lease ran out, or it was
        created before ``taken_before``: at start-up, records of a process that died)."""
        now = self.clock()
        free = or_(records.c.lease_until.is_(None), records.c.lease_until < now)
        if taken_before is not None:
            free = or_(free, records.c.created_at < taken_before)
        with self.engine.connect() as conn:
            ids = list(conn.execute(select(records.c.id).where(records.c.status == PENDING, free)
                                    .order_by(records.c.created_at).limit(limit)).scalars())
        report = RecoveryReport()
        for rid in ids:
            if not self._claim(rid, force=taken_before is not None):
                continue
            try:
                status = self._finish(rid).status
            except StorageUnavailable as exc:
                log.info("recovery paused: the object store is unavailable (%s)", exc)
                report.still_pending += 1
                break
            except Exception:  # a defect: keep going; the record is retried at the next pass
                log.exception("could not complete pending record %s", rid)
                self._release(rid)
                report.still_pending += 1
                continue
            if status == ARCHIVED:
                report.completed += 1
            else:
                report.failed += 1
        if report:
            log.info("recovery: %d completed, %d failed, %d still pending", report.completed,
                     report.failed, report.still_pending)
        return report

    def pending_count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(records)
                                    .where(records.c.status == PENDING)).scalar_one())

    # -- signed paper (Shandong 6.2 e: on-site records bear the insured's seal or signature) --
    def archive_scan(self, caller: Caller, content: bytes, filename: str, *,
                     links_to: str | None = None, policy_no: str | None = None,
                     note: str | None = None,
                     idempotency_key: IdempotencyKey | None = None) -> dict[str, Any]:
        """Archive a scan (PDF, JPEG or PNG) of a form signed and sealed on paper, under the same
        lock, linked to a record or to a policy."""
        require(caller, Action.CREATE)
        media = _scan_media_type(content)
        if not links_to and not policy_no:
            raise DomainValidationError.single(
                ("links_to",), "link_required", "扫描件须关联一条记录（links_to）或一个保单号（policy_no）",
                "a scan must be linked to a record (links_to) or a policy (policy_no)")
        insured = None
        if links_to:
            linked = self._visible(caller, links_to)
            policy_no, insured = policy_no or linked.policy_no, linked.insured_name
        request = {"scan": sha256_hex(content), "links_to": links_to, "policy_no": policy_no,
                   "note": note}
        if idempotency_key is not None:
            existing = self.find_by_key(caller.tenant, idempotency_key)
            if existing is not None:
                return self._replay(existing, request)
        now = self.clock()
        rid = new_record_id("paper_scan", now.year)
        years = self._years(caller.tenant, "paper_scan")
        record = Record(
            id=rid, tenant=caller.tenant, doc_type="paper_scan", profile="paper",
            title="签字盖章纸质文书扫描件", template_version="-",
            content_sha256=sha256_hex(content), manifest_key=record_prefix(rid) + MANIFEST,
            created_at=now, status=PENDING, retain_until=add_years(now, years),
            policy_no=policy_no, insured_name=insured, links_to=links_to,
            created_by=caller.key_id,
            idempotency_key=idempotency_key.value if idempotency_key else None,
            key_scope=idempotency_key.scope if idempotency_key else "client",
            request_sha256=request_sha256(request), lease_until=now + self._lease)
        meta = canonical_json({"original_filename": filename, "note": note})
        try:
            self._insert(record, [_Staged("scan", content, media, sha256_hex(content)),
                                  _Staged(_META, meta, "application/json", sha256_hex(meta))])
        except IntegrityError:
            if idempotency_key is not None:
                existing = self.find_by_key(caller.tenant, idempotency_key)
                if existing is not None:
                    return self._replay(existing, request)
            raise
        self.audit.append("create", tenant=caller.tenant, actor=caller.key_id, record_id=rid,
                          detail={"type": "paper_scan", "links_to": links_to})
        return self._finish_or_accept(rid)

    # -- retention and legal hold (administrators) -----------------------------------------
    def _objects(self, record: Record) -> list[tuple[str, str | None]]:
        objs = [(p.key, p.version_id) for p in record.parts.values()]
        # time stamp renewals (services.timestamps) share the record's retention and hold
        prefix = record_prefix(record.id)
        renewals = [(v.key, v.version_id) for v in self.store.versions(prefix + RENEWAL_DIR)
                    if not v.is_delete_marker and renewal_of(prefix, v.key) is not None]
        return [*objs, (record.manifest_key, None), *renewals]

    def extend_retention(self, caller: Caller, rid: str, until: datetime,
                         reason: str) -> dict[str, Any]:
        """Keep a record longer (a claim, a dispute, an accident investigation); never shorter."""
        require(caller, Action.RETENTION)
        record = self._visible(caller, rid)
        current = record.retain_until
        if until.tzinfo is None:
            until = until.replace(tzinfo=UTC)
        if until <= current:
            raise DomainValidationError.single(
                ("retain_until",), "retention_shorter",
                f"保存期限只能延长：新期限须晚于 {current.date()}",
                f"retention can only be extended: the new date must be after {current.date()}")
        self._require_archived(record)
        for key, version in self._objects(record):
            self.store.extend_retention(key, version, until)
        with self.engine.begin() as conn:
            conn.execute(update(records).where(records.c.id == rid).values(retain_until=until))
        self.audit.append("retention", tenant=caller.tenant, actor=caller.key_id, record_id=rid,
                          detail={"until": until.isoformat(), "reason": reason})
        return self.get(caller, rid)

    def set_legal_hold(self, caller: Caller, rid: str, on: bool, reason: str) -> dict[str, Any]:
        """Set or release a legal hold; the reason is recorded in the registry and the audit log."""
        require(caller, Action.RETENTION)
        record = self._visible(caller, rid)
        self._require_archived(record)
        for key, version in self._objects(record):
            self.store.set_legal_hold(key, version, on)
        with self.engine.begin() as conn:
            conn.execute(update(records).where(records.c.id == rid).values(legal_hold=on))
            conn.execute(insert(legal_holds).values(record_id=rid, on=on, reason=reason,
                                                    actor=caller.key_id, at=self.clock()))
        self.audit.append("legal_hold", tenant=caller.tenant, actor=caller.key_id, record_id=rid,
                          detail={"on": on, "reason": reason})
        return self.get(caller, rid)

    @staticmethod
    def _require_archived(record: Record) -> None:
        if record.status != ARCHIVED:
            raise Conflict(f"记录「{record.id}」尚未归档（{record.status}）",
                           f"record {record.id!r} is not archived ({record.status})")

    # -- reads ---------------------------------------------------------------------------
    def find(self, rid: str) -> Record | None:
        """The registry's record ``rid`` (any tenant: for the service itself, not for callers)."""
        with self.engine.connect() as conn:
            r = conn.execute(select(records).where(records.c.id == rid)).mappings().first()
        return Record.from_row(r) if r else None

    def find_by_key(self, tenant: str, key: IdempotencyKey) -> Record | None:
        with self.engine.connect() as conn:
            r = conn.execute(select(records).where(and_(
                records.c.tenant == tenant, records.c.key_scope == key.scope,
                records.c.idempotency_key == key.value))).mappings().first()
        return Record.from_row(r) if r else None

    def _visible(self, caller: Caller, rid: str) -> Record:
        require(caller, Action.READ)
        record = self.find(rid)
        if record is None or record.tenant != caller.tenant:
            if record is not None:
                self.audit.append("refused", tenant=caller.tenant, actor=caller.key_id,
                                  record_id=rid, detail={"reason": "other tenant"})
            raise NotFound("记录", rid)
        return record

    def get(self, caller: Caller, rid: str) -> dict[str, Any]:
        return describe(self._visible(caller, rid))

    def part(self, caller: Caller, rid: str, name: str) -> RecordPart:
        record = self._visible(caller, rid)
        info = record.parts.get(name)
        if record.status != ARCHIVED or info is None:
            raise NotFound("记录内容", f"{rid}.{name}")
        content = self.store.get(info.key, info.version_id)
        self.audit.append("read", tenant=caller.tenant, actor=caller.key_id, record_id=rid,
                          detail={"part": name})
        return RecordPart(content, info.media_type, f"{rid}.{name}")

    def search(self, caller: Caller, *, policy_no: str | None = None, insured: str | None = None,
               doc_type: str | None = None, created_from: datetime | None = None,
               created_to: datetime | None = None, limit: int = 50,
               offset: int = 0) -> dict[str, Any]:
        require(caller, Action.READ)
        cond = [records.c.tenant == caller.tenant]
        if policy_no:
            cond.append(records.c.policy_no == policy_no)
        if insured:
            cond.append(records.c.insured_name.contains(insured, autoescape=True))
        if doc_type:
            cond.append(records.c.doc_type == doc_type)
        if created_from:
            cond.append(records.c.created_at >= _aware(created_from))
        if created_to:
            cond.append(records.c.created_at < _aware(created_to))
        with self.engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(records).where(*cond)).scalar_one()
            rows = conn.execute(select(records).where(*cond)
                                .order_by(records.c.created_at.desc(), records.c.id)
                                .limit(limit).offset(offset)).mappings().all()
        return {"total": total, "limit": limit, "offset": offset,
                "items": [describe(Record.from_row(r)) for r in rows]}

    def iter_records(self, *, tenant: str | None = None,
                     status: str | None = None) -> Iterator[Record]:
        """Every record (fixity, export), oldest first, read page by page."""
        last: tuple[datetime, str] | None = None
        while True:
            q = select(records)
            if tenant is not None:
                q = q.where(records.c.tenant == tenant)
            if status is not None:
                q = q.where(records.c.status == status)
            if last is not None:
                q = q.where(or_(records.c.created_at > last[0],
                                and_(records.c.created_at == last[0], records.c.id > last[1])))
            with self.engine.connect() as conn:
                rows = conn.execute(q.order_by(records.c.created_at, records.c.id)
                                    .limit(500)).mappings().all()
            if not rows:
                return
            for r in rows:
                yield Record.from_row(r)
            last = (rows[-1]["created_at"], rows[-1]["id"])

    def _years(self, tenant: str, doc_type: str) -> int:
        return retention_years(self.settings.retention_years, self.settings.retention_overrides,
                               tenant, doc_type)


class _NothingStaged(Exception):
    """A pending record with neither staged parts nor a manifest."""


def _stage(name: str, content: bytes) -> _Staged:
    return _Staged(name, content, PARTS[name][1], sha256_hex(content))


def _aware(v: datetime) -> datetime:
    return v if v.tzinfo is not None else v.replace(tzinfo=UTC)


def _ext(media: str) -> str:
    return {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}.get(media, "bin")


def _scan_media_type(content: bytes) -> str:
    if content.startswith(b"%PDF-"):
        return "application/pdf"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    raise DomainValidationError.single(("file",), "scan_format", "扫描件须为 PDF、JPEG 或 PNG",
                                       "a scan must be a PDF, JPEG or PNG file")

