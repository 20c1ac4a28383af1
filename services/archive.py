"""Archive records: render → sign → write every part under a COMPLIANCE lock → register.

Write order (what makes a crash harmless):
1. a ``pending`` registry row (carries the Idempotency-Key; a retry finds it);
2. the parts (PDF, DOCX, source JSON), each locked;
3. the manifest, locked — its presence is what makes the record complete;
4. the registry row turns ``archived``.
A crash between any two steps is completed by ``recover()`` at start-up or by the client's retry
with the same Idempotency-Key; the registry can always be rebuilt from the manifests alone.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Engine, and_, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from core.settings import Settings
from domain.access import Action, Caller, require
from domain.archive_items import archive_items
from domain.catalog import FormKind, get_kind, parse_data
from domain.errors import Conflict, DomainValidationError, NotFound
from domain.ids import new_record_id
from domain.retention import add_years, retention_years
from domain.signatures import PartySignature, check_signature_order
from domain.validation import parse_model
from rendering.spec import load_spec
from services.audit import AuditLog
from services.render import build, render_document
from storage.errors import ObjectExists, ObjectNotFound
from storage.objectstore import ObjectStore
from storage.tables import records

__all__ = ["ArchiveService", "RecordPart", "canonical_json", "iso_utc", "sha256_hex"]

log = logging.getLogger("azx.archive")

PARTS = {
    "pdf": ("document.pdf", "application/pdf"),
    "docx": ("document.docx",
             "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "json": ("source.json", "application/json"),
}
MANIFEST = "manifest.json"


def canonical_json(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      default=str).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse_signatures(doc_type: str, raw: Any) -> list[PartySignature]:
    """The parties' signatures posted with a document, validated and in the annex's order."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise DomainValidationError.single(("signatures",), "list_type", "必须是 JSON 数组",
                                           "must be a JSON array")
    parties = [parse_model(PartySignature, item, ("signatures", i)) for i, item in enumerate(raw)]
    problems = check_signature_order(doc_type, parties)
    if problems:
        raise DomainValidationError(problems)
    return parties


def _scan_media_type(content: bytes) -> str:
    if content.startswith(b"%PDF-"):
        return "application/pdf"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    raise DomainValidationError.single(("file",), "scan_format", "扫描件须为 PDF、JPEG 或 PNG",
                                       "a scan must be a PDF, JPEG or PNG file")


def _source(record_id: str, kind: FormKind, version: str, data: Any,
            parties: list[PartySignature]) -> bytes:
    """The stored source JSON: what was posted, never the parties' certificates or passwords."""
    return canonical_json({
        "id": record_id, "type": kind.type, "profile": kind.profile, "template_version": version,
        "data": data,
        "signatures": [p.model_dump(mode="json", exclude={"p12", "p12_password"}) for p in parties],
    })


def record_prefix(record_id: str) -> str:
    return f"records/{record_id}/"


@dataclass(frozen=True)
class RecordPart:
    content: bytes
    media_type: str
    filename: str


def _policy_and_insured(model: BaseModel) -> tuple[str | None, str | None]:
    policy = getattr(model, "policy", None)
    policy_no = getattr(policy, "policy_no", None)
    insured = getattr(model, "insured", None)
    name = getattr(insured, "name", None) or getattr(model, "insured_name", None)
    if name is None and policy is not None:
        name = getattr(policy, "insured_name", None)
    return policy_no, name


class ArchiveService:
    def __init__(self, *, engine: Engine, store: ObjectStore, settings: Settings, audit: AuditLog,
                 pdf_signer: Any | None = None, stamper: Any | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.engine = engine
        self.store = store
        self.settings = settings
        self.audit = audit
        self.pdf_signer = pdf_signer
        self.stamper = stamper  # makes the QR verify URL + SVG for a record (signing.stamp)
        self.clock = clock

    # -- create ---------------------------------------------------------------------------
    def create(self, caller: Caller, doc_type: str, profile: str | None, data: Any, *,
               idempotency_key: str | None = None, supersedes: str | None = None,
               signatures: Any = None) -> dict[str, Any]:
        require(caller, Action.CREATE)
        kind = get_kind(doc_type, profile)
        model = parse_data(kind, data)
        parties = parse_signatures(kind.type, signatures)
        request = {"type": kind.type, "profile": kind.profile, "data": data,
                   "supersedes": supersedes, "signatures": signatures}
        request_sha = sha256_hex(canonical_json(request))
        if idempotency_key:
            existing = self._by_idempotency(caller.tenant, idempotency_key)
            if existing is not None:
                if existing["request_sha256"] != request_sha:
                    raise Conflict(
                        "该 Idempotency-Key 已用于另一内容不同的请求",
                        "this Idempotency-Key was already used with a different request body",
                    )
                if existing["status"] != "archived":
                    self._complete(existing["id"])
                    row = self._row(existing["id"])
                    if row is not None and row["status"] != "archived":
                        # crashed before even the source was stored: finish from this request
                        source = _source(row["id"], kind, row["template_version"], data, parties)
                        years = retention_years(self.settings.retention_years,
                                                self.settings.retention_overrides,
                                                caller.tenant, kind.type)
                        self._write(kind, model, row, source, years, parties)
                return self.get(caller, existing["id"])
        if supersedes:
            old = self._row(supersedes)
            if old is None or old["tenant"] != caller.tenant:
                raise DomainValidationError.single(
                    ("supersedes",), "unknown_record", f"要更正的记录「{supersedes}」不存在",
                    f"record {supersedes!r} to be superseded does not exist")
            if old["superseded_by"]:
                raise Conflict(f"记录「{supersedes}」已被「{old['superseded_by']}」更正",
                               f"record {supersedes!r} is already superseded by "
                               f"{old['superseded_by']!r}")
        now = self.clock()
        record_id = new_record_id(kind.type, now.year)
        spec = load_spec(kind.profile, kind.type)
        source_bytes = _source(record_id, kind, spec.version, data, parties)
        years = retention_years(self.settings.retention_years, self.settings.retention_overrides,
                                caller.tenant, kind.type)
        policy_no, insured = _policy_and_insured(model)
        row = {
            "id": record_id, "tenant": caller.tenant, "doc_type": kind.type,
            "profile": kind.profile, "title": kind.title, "policy_no": policy_no,
            "insured_name": insured, "template_version": spec.version,
            "content_sha256": sha256_hex(source_bytes), "parts": {},
            "manifest_key": record_prefix(record_id) + MANIFEST, "created_at": now,
            "retain_until": add_years(now, years), "legal_hold": False, "status": "pending",
            "supersedes": supersedes, "created_by": caller.key_id,
            "idempotency_key": idempotency_key, "request_sha256": request_sha,
            "archive_items": [a.as_dict() for a in archive_items(kind.type, model)],
        }
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(records).values(**row))
        except IntegrityError:  # a concurrent request with the same Idempotency-Key won
            if idempotency_key:
                return self.create(caller, doc_type, profile, data,
                                   idempotency_key=idempotency_key, supersedes=supersedes,
                                   signatures=signatures)
            raise
        self._write(kind, model, row, source_bytes, years, parties)
        self.audit.append("create", tenant=caller.tenant, actor=caller.key_id,
                          record_id=record_id, detail={"type": kind.type, "profile": kind.profile})
        return self.get(caller, record_id)

    def _write(self, kind: FormKind, model: BaseModel, row: dict[str, Any], source: bytes,
               years: int, parties: list[PartySignature] | None = None) -> None:
        rid = row["id"]
        row = dict(row)
        for col in ("retain_until", "created_at"):  # SQLite hands datetimes back naive (UTC)
            if row.get(col) is not None and row[col].tzinfo is None:
                row[col] = row[col].replace(tzinfo=UTC)
        # the source first: a crash after this point can always be completed from it
        json_part = self._put(rid, PARTS["json"][0], source, PARTS["json"][1], row["retain_until"])
        doc = build(kind, model, record_id=rid)
        qr = None
        if self.stamper is not None:
            doc.verify_url, qr = self.stamper(rid, bytes.fromhex(row["content_sha256"]))
        pdf = render_document(doc, "pdf", qr_png=qr, engine=self.settings.pdf_engine)
        signers: list[dict[str, Any]] = []
        if self.pdf_signer is not None:
            pdf, signers = self.pdf_signer(pdf, rid, kind, parties or [])
        docx = render_document(doc, "docx")
        parts: dict[str, Any] = {}
        for name, payload in (("pdf", pdf), ("docx", docx)):
            filename, media = PARTS[name]
            parts[name] = self._put(rid, filename, payload, media, row["retain_until"])
        parts["json"] = json_part
        manifest = self._manifest(row, parts, years, signers)
        self._put(rid, MANIFEST, canonical_json(manifest), "application/json", row["retain_until"])
        self._mark_archived(rid, parts, signers)
        if row.get("supersedes"):
            self._link_superseded(row["supersedes"], rid)

    def _put(self, rid: str, filename: str, payload: bytes, media: str,
             until: datetime) -> dict[str, Any]:
        key = record_prefix(rid) + filename
        digest = sha256_hex(payload)
        try:
            ver = self.store.put_locked(key, payload, media, until, metadata={"record-id": rid})
            version_id: str | None = ver.version_id
        except ObjectExists:  # written before a crash: keep what is there, if intact
            info = self.store.stat(key)
            stored = self.store.get(key)
            digest, version_id, payload = sha256_hex(stored), info.version_id, stored
        return {"key": key, "sha256": digest, "size": len(payload), "version_id": version_id,
                "media_type": media}

    def _manifest(self, row: dict[str, Any], parts: dict[str, Any], years: int,
                  signers: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "manifest_version": 1, "id": row["id"], "type": row["doc_type"],
            "profile": row["profile"], "title": row["title"], "tenant": row["tenant"],
            "policy_no": row["policy_no"], "insured": row["insured_name"],
            "template_version": row["template_version"], "content_sha256": row["content_sha256"],
            "parts": parts, "created_at": row["created_at"].isoformat(),
            "archived_at": self.clock().isoformat(), "retention_years": years,
            "retain_until": row["retain_until"].isoformat(), "supersedes": row["supersedes"],
            "links_to": row.get("links_to"), "created_by": row["created_by"],
            "idempotency_key": row["idempotency_key"], "request_sha256": row["request_sha256"],
            "archive_items": row["archive_items"], "signers": signers,
        }

    def _mark_archived(self, rid: str, parts: dict[str, Any],
                       signers: list[dict[str, Any]]) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(records).where(records.c.id == rid).values(
                status="archived", parts=parts, archived_at=self.clock(), signers=signers))

    def _link_superseded(self, old: str, new: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(records).where(records.c.id == old).values(superseded_by=new))

    # -- recovery ------------------------------------------------------------------------
    def _complete(self, rid: str) -> None:
        """Finish a pending record: from its manifest if written, else by writing what is left."""
        row = self._row(rid)
        if row is None or row["status"] == "archived":
            return
        try:
            manifest = json.loads(self.store.get(row["manifest_key"]))
        except ObjectNotFound:
            manifest = None
        if manifest is not None:
            self._mark_archived(rid, manifest["parts"], manifest.get("signers") or [])
            if row["supersedes"]:
                self._link_superseded(row["supersedes"], rid)
            return
        try:
            source = json.loads(self.store.get(record_prefix(rid) + PARTS["json"][0]))
        except ObjectNotFound:
            source = None
        kind = get_kind(row["doc_type"], row["profile"])
        if source is None:
            log.warning("pending record %s has no stored source; it cannot be completed", rid)
            return
        model = parse_data(kind, source["data"])
        parties = [PartySignature.model_validate(p) for p in source.get("signatures") or []]
        if any(p.method == "certificate" for p in parties):
            log.warning("pending record %s needs its parties' certificates again; "
                        "the client must retry with the same Idempotency-Key", rid)
            return
        years = retention_years(self.settings.retention_years, self.settings.retention_overrides,
                                row["tenant"], row["doc_type"])
        self._write(kind, model, row, canonical_json(source), years, parties)

    def recover(self, older_than: timedelta = timedelta(0)) -> int:
        """Complete every pending record older than ``older_than`` (start-up: records another
        process is still writing are left alone). Returns how many were completed."""
        cutoff = self.clock() - older_than
        with self.engine.connect() as conn:
            ids = [r.id for r in conn.execute(select(records.c.id).where(
                records.c.status == "pending", records.c.created_at <= cutoff))]
        done = 0
        for rid in ids:
            try:
                self._complete(rid)
                done += 1
            except Exception:  # keep going; the record stays pending and is retried next time
                log.exception("could not complete pending record %s", rid)
        return done

    # -- signed paper (Shandong 6.2 e: on-site records bear the insured's seal or signature) --
    def archive_scan(self, caller: Caller, content: bytes, filename: str, *,
                     links_to: str | None = None, policy_no: str | None = None,
                     note: str | None = None, idempotency_key: str | None = None) -> dict[str, Any]:
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
            policy_no, insured = policy_no or linked["policy_no"], linked["insured_name"]
        request_sha = sha256_hex(canonical_json({"scan": sha256_hex(content), "links_to": links_to,
                                                 "policy_no": policy_no, "note": note}))
        if idempotency_key:
            existing = self._by_idempotency(caller.tenant, idempotency_key)
            if existing is not None:
                if existing["request_sha256"] != request_sha:
                    raise Conflict("该 Idempotency-Key 已用于另一内容不同的请求",
                                   "this Idempotency-Key was already used with a different request body")
                return self.get(caller, existing["id"])
        now = self.clock()
        rid = new_record_id("paper_scan", now.year)
        years = retention_years(self.settings.retention_years, self.settings.retention_overrides,
                                caller.tenant, "paper_scan")
        ext = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}[media]
        row: dict[str, Any] = {
            "id": rid, "tenant": caller.tenant, "doc_type": "paper_scan", "profile": "paper",
            "title": "签字盖章纸质文书扫描件", "policy_no": policy_no, "insured_name": insured,
            "template_version": "-", "content_sha256": sha256_hex(content), "parts": {},
            "manifest_key": record_prefix(rid) + MANIFEST, "created_at": now,
            "retain_until": add_years(now, years), "legal_hold": False, "status": "pending",
            "supersedes": None, "links_to": links_to, "created_by": caller.key_id,
            "idempotency_key": idempotency_key, "request_sha256": request_sha, "archive_items": [],
        }
        with self.engine.begin() as conn:
            conn.execute(insert(records).values(**row))
        parts = {"scan": self._put(rid, f"scan.{ext}", content, media, row["retain_until"])}
        manifest = self._manifest(row, parts, years, [])
        manifest["original_filename"] = filename
        manifest["note"] = note
        self._put(rid, MANIFEST, canonical_json(manifest), "application/json", row["retain_until"])
        self._mark_archived(rid, parts, [])
        self.audit.append("create", tenant=caller.tenant, actor=caller.key_id, record_id=rid,
                          detail={"type": "paper_scan", "links_to": links_to})
        return self.get(caller, rid)

    # -- retention and legal hold (administrators) -----------------------------------------
    def _objects(self, row: dict[str, Any]) -> list[tuple[str, str | None]]:
        objs = [(p["key"], p.get("version_id")) for p in (row["parts"] or {}).values()]
        return [*objs, (row["manifest_key"], None)]

    def extend_retention(self, caller: Caller, rid: str, until: datetime,
                         reason: str) -> dict[str, Any]:
        """Keep a record longer (a claim, a dispute, an accident investigation); never shorter."""
        require(caller, Action.RETENTION)
        row = self._visible(caller, rid)
        current = row["retain_until"]
        if current is not None and current.tzinfo is None:
            current = current.replace(tzinfo=UTC)
        if until.tzinfo is None:
            until = until.replace(tzinfo=UTC)
        if current is not None and until <= current:
            raise DomainValidationError.single(
                ("retain_until",), "retention_shorter",
                f"保存期限只能延长：新期限须晚于 {current.date()}",
                f"retention can only be extended: the new date must be after {current.date()}")
        for key, version in self._objects(row):
            self.store.extend_retention(key, version, until)
        with self.engine.begin() as conn:
            conn.execute(update(records).where(records.c.id == rid).values(retain_until=until))
        self.audit.append("retention", tenant=caller.tenant, actor=caller.key_id, record_id=rid,
                          detail={"until": until.isoformat(), "reason": reason})
        return self.get(caller, rid)

    def set_legal_hold(self, caller: Caller, rid: str, on: bool, reason: str) -> dict[str, Any]:
        """Set or release a legal hold; the reason is recorded in the registry and the audit log."""
        from storage.tables import legal_holds

        require(caller, Action.RETENTION)
        row = self._visible(caller, rid)
        for key, version in self._objects(row):
            self.store.set_legal_hold(key, version, on)
        with self.engine.begin() as conn:
            conn.execute(update(records).where(records.c.id == rid).values(legal_hold=on))
            conn.execute(insert(legal_holds).values(record_id=rid, on=on, reason=reason,
                                                    actor=caller.key_id, at=self.clock()))
        self.audit.append("legal_hold", tenant=caller.tenant, actor=caller.key_id, record_id=rid,
                          detail={"on": on, "reason": reason})
        return self.get(caller, rid)

    # -- reads ---------------------------------------------------------------------------
    def _row(self, rid: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            r = conn.execute(select(records).where(records.c.id == rid)).mappings().first()
        return dict(r) if r else None

    def _by_idempotency(self, tenant: str, key: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            r = conn.execute(select(records).where(and_(
                records.c.tenant == tenant, records.c.idempotency_key == key))).mappings().first()
        return dict(r) if r else None

    def _visible(self, caller: Caller, rid: str) -> dict[str, Any]:
        require(caller, Action.READ)
        row = self._row(rid)
        if row is None or row["tenant"] != caller.tenant:
            if row is not None:
                self.audit.append("refused", tenant=caller.tenant, actor=caller.key_id,
                                  record_id=rid, detail={"reason": "other tenant"})
            raise NotFound("记录", rid)
        return row

    def get(self, caller: Caller, rid: str) -> dict[str, Any]:
        return self.describe(self._visible(caller, rid))

    def describe(self, row: dict[str, Any]) -> dict[str, Any]:
        rid = row["id"]
        base = f"/v1/documents/{rid}"
        return {
            "id": rid, "type": row["doc_type"], "profile": row["profile"], "title": row["title"],
            "tenant": row["tenant"], "policy_no": row["policy_no"],
            "insured": row["insured_name"], "template_version": row["template_version"],
            "status": row["status"], "content_sha256": row["content_sha256"],
            "parts": {k: {"sha256": v["sha256"], "size": v["size"]}
                      for k, v in (row["parts"] or {}).items()},
            "created_at": iso_utc(row["created_at"]), "archived_at": iso_utc(row["archived_at"]),
            "retain_until": iso_utc(row["retain_until"]), "legal_hold": bool(row["legal_hold"]),
            "supersedes": row["supersedes"], "superseded_by": row["superseded_by"],
            "archive_items": row["archive_items"] or [],
            "links_to": row.get("links_to"),
            "links": {"self": base, "verify": f"/verify/{rid}",
                      **{name: f"{base}.{name}" for name in (row["parts"] or {})}},
        }

    def part(self, caller: Caller, rid: str, name: str) -> RecordPart:
        row = self._visible(caller, rid)
        info = (row["parts"] or {}).get(name)
        if row["status"] != "archived" or info is None:
            raise NotFound("记录内容", f"{rid}.{name}")
        content = self.store.get(info["key"], info.get("version_id"))
        self.audit.append("read", tenant=caller.tenant, actor=caller.key_id, record_id=rid,
                          detail={"part": name})
        return RecordPart(content, info["media_type"], f"{rid}.{name}")

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
            cond.append(records.c.created_at >= created_from)
        if created_to:
            cond.append(records.c.created_at < created_to)
        with self.engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(records).where(*cond)).scalar_one()
            rows = conn.execute(select(records).where(*cond)
                                .order_by(records.c.created_at.desc(), records.c.id)
                                .limit(limit).offset(offset)).mappings().all()
        return {"total": total, "limit": limit, "offset": offset,
                "items": [self.describe(dict(r)) for r in rows]}


def iso_utc(v: datetime | None) -> str | None:
    if v is None:
        return None
    if v.tzinfo is None:
        v = v.replace(tzinfo=UTC)
    return v.isoformat()
