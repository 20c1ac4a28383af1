"""The 四性 check of archived records (DA/T 70-2018), on the integrity check of
``services.integrity`` (versions, seal, hashes, locks, legal hold) and the bucket audit of
``services.bucket_audit``, plus what those do not look at: the PDF's signatures and QR claim
(the offline verifier's file checks, ``services.verify.verify_pdf_offline``), metadata against
content, the version chain, DA/T 46 core metadata, and whether the files open, embed their fonts
and yield their text.

Run at archiving (``ArchiveService`` calls :meth:`FourPropertiesChecker.at_archiving` once a
record is under lock; the outcome is an audit event ``four_properties``), by fixity, and on
demand (``GET /v1/documents/{id}/checks``, ``GET /v1/checks`` and ``/v1/checks.pdf`` for a set).
Nothing is stored besides the audit event: results are computed from the store each time.
"""

from __future__ import annotations

import io
import json
import logging
import re
import threading
import time
import zipfile
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Literal
from xml.etree import ElementTree

from sqlalchemy import Engine, select

from core.settings import Settings
from domain.access import Action, Caller, require
from domain.errors import DomainValidationError, NotFound
from domain.four_properties import (
    FINDING_ITEMS,
    Outcome,
    RecordFourProperties,
    evidence_outcome,
    judge,
    missing_metadata,
    report_data,
)
from services.audit import AuditLog
from services.bucket_audit import BucketFinding, audit_bucket
from services.integrity import RecordCheck, check_record
from services.records import ARCHIVED, Record, sha256_hex
from services.render import MEDIA_TYPES, RenderedForm, render_document
from signing.pdf_verify import TrustRoot
from storage.errors import StorageUnavailable
from storage.objectstore import ObjectStore
from storage.tables import records

__all__ = ["MAX_SET", "FourPropertiesChecker", "pdf_usability", "scope_text"]

log = logging.getLogger("azx.four_properties")

_CHINA = timezone(timedelta(hours=8), "CST")
#: Records one set report may cover (narrow the filter beyond it).
MAX_SET = 1000
#: The bucket's configuration changes rarely: read again after this many seconds.
_BUCKET_TTL_S = 300.0

Found = dict[str, tuple[Outcome, str | None]]


class FourPropertiesChecker:
    """Checks the records of one archive (registry ``engine``, object ``store``); ``keys``: the
    service's manifest and QR public keys; ``trust_roots``: its PDF-signing certificate."""

    def __init__(self, *, engine: Engine, store: ObjectStore, settings: Settings,
                 audit: AuditLog, keys: Callable[[], Mapping[str, Any]],
                 trust_roots: Sequence[TrustRoot]) -> None:
        self.engine = engine
        self.store = store
        self.settings = settings
        self.audit = audit
        self.keys = keys
        self.trust_roots = list(trust_roots)
        self._bucket: tuple[float, list[BucketFinding]] | None = None
        self._bucket_lock = threading.Lock()

    def find(self, rid: str) -> Record | None:
        with self.engine.connect() as conn:
            r = conn.execute(select(records).where(records.c.id == rid)).mappings().first()
        return Record.from_row(r) if r else None

    def archived(self, tenant: str, *, policy_no: str | None = None,
                 insured: str | None = None, ids: Sequence[str] = ()) -> list[Record]:
        """The tenant's archived records matching every filter given, oldest first (at most
        MAX_SET + 1)."""
        cond = [records.c.tenant == tenant, records.c.status == ARCHIVED]
        if policy_no:
            cond.append(records.c.policy_no == policy_no)
        if insured:
            cond.append(records.c.insured_name == insured)
        if ids:
            cond.append(records.c.id.in_(list(ids)))
        with self.engine.connect() as conn:
            rows = conn.execute(select(records).where(*cond)
                                .order_by(records.c.created_at, records.c.id)
                                .limit(MAX_SET + 1)).mappings().all()
        return [Record.from_row(r) for r in rows]

    # -- one record ----------------------------------------------------------------------------
    def check(self, record: Record, *, checked: RecordCheck | None = None,
              bucket: list[BucketFinding] | None = None,
              now: datetime | None = None) -> RecordFourProperties:
        """The 四性 of ``record``; ``checked``: its integrity check if already made (fixity)."""
        now = now or datetime.now(UTC)
        found: Found = {}
        if record.status != ARCHIVED:
            found["parts_present"] = ("failed", f"记录尚未归档（{record.status}）")
            return judge(record.id, record.title, record.doc_type, now, found)
        if checked is None:
            checked = check_record(record, self.store, self.keys(), now=now)
        _from_integrity(checked, found)
        self._authenticity(record, checked, found)
        self._integrity(record, checked, found)
        self._usability(record, checked, found)
        self._security(bucket if bucket is not None else self.bucket_findings(), found)
        return judge(record.id, record.title, record.doc_type, now, found)

    def at_archiving(self, record: Record) -> RecordFourProperties | None:
        """Check a record just locked and note the outcome in the audit log; never raises (the
        record is archived whatever the check says: a failure is for people to look into)."""
        try:
            result = self.check(record)
            self.audit.append("four_properties", tenant=record.tenant, actor="service",
                              record_id=record.id, detail=_audit_detail(result, "archiving"))
        except StorageUnavailable as exc:
            log.warning("四性 check of %s at archiving could not run: %s (fixity checks it "
                        "later)", record.id, exc)
            return None
        except Exception:
            log.exception("四性 check of %s at archiving could not run", record.id)
            return None
        if not result.passed:
            log.warning("四性 check of %s at archiving failed: %s", record.id,
                        _audit_detail(result, "archiving")["failed"])
        return result

    def bucket_findings(self) -> list[BucketFinding]:
        with self._bucket_lock:
            if self._bucket is None or time.monotonic() - self._bucket[0] > _BUCKET_TTL_S:
                self._bucket = (time.monotonic(), audit_bucket(self.store, self.settings))
            return self._bucket[1]

    # -- callers -------------------------------------------------------------------------------
    def for_caller(self, caller: Caller, rid: str) -> RecordFourProperties:
        require(caller, Action.READ)
        record = self.find(rid)
        if record is None or record.tenant != caller.tenant:
            if record is not None:
                self.audit.append("refused", tenant=caller.tenant, actor=caller.key_id,
                                  record_id=rid, detail={"reason": "other tenant"})
            raise NotFound("记录", rid)
        result = self.check(record)
        self.audit.append("four_properties", tenant=caller.tenant, actor=caller.key_id,
                          record_id=rid, detail=_audit_detail(result, "on_demand"))
        return result

    def for_set(self, caller: Caller, *, policy_no: str | None = None,
                insured: str | None = None,
                ids: Sequence[str] = ()) -> tuple[str, list[RecordFourProperties]]:
        """(scope as printed, the results) for the caller's archived records matching."""
        require(caller, Action.READ)
        if not policy_no and not insured and not ids:
            raise DomainValidationError.single(
                ("policy_no",), "filter_required",
                "须指定保单号（policy_no）、被保险人（insured）或记录编号（id）",
                "give a policy number (policy_no), an insured (insured) or record IDs (id)")
        chosen = self.archived(caller.tenant, policy_no=policy_no, insured=insured, ids=ids)
        if len(chosen) > MAX_SET:
            raise DomainValidationError.single(
                ("policy_no",), "too_many_records",
                f"检测范围超过 {MAX_SET} 条记录，请缩小范围", f"more than {MAX_SET} records; narrow "
                "the filter")
        bucket = self.bucket_findings()
        now = datetime.now(UTC)
        results = [self.check(r, bucket=bucket, now=now) for r in chosen]
        self.audit.append("four_properties", tenant=caller.tenant, actor=caller.key_id,
                          detail={"scope": "set", "policy_no": policy_no, "insured": insured,
                                  "records": len(results),
                                  "failed": [r.record_id for r in results if not r.passed]})
        return scope_text(policy_no, insured, ids), results

    def render_report(self, tenant: str, scope: str, results: Sequence[RecordFourProperties],
                      fmt: Literal["pdf", "docx", "json"], *, engine: Any = "typst",
                      checked_at: datetime | None = None) -> RenderedForm:
        """The 电子档案四性检测报告 of ``results``."""
        checked_at = checked_at or datetime.now(UTC)
        name = f"four-properties-{checked_at:%Y%m%d}.{fmt}"
        if fmt == "json":
            body = {"scope": scope, "checked_at": checked_at.isoformat(),
                    "total": len(results), "passed": sum(r.passed for r in results),
                    "records": [r.model_dump(mode="json") for r in results]}
            return RenderedForm(json.dumps(body, ensure_ascii=False, indent=1).encode(),
                                "application/json", name)
        from rendering.kinds import kind_rendering
        from rendering.spec import build_document, load_spec
        from rendering.values import Overlay

        data = report_data(results, scope=scope, tenant=tenant,
                           checked_at=checked_at.astimezone(_CHINA))
        extras = kind_rendering("four_properties", "national").extras
        view = Overlay(data, **(extras(data) if extras else {}))
        doc = build_document(load_spec("national", "four_properties"), view, blank=False)
        return RenderedForm(render_document(doc, fmt, engine=engine), MEDIA_TYPES[fmt], name)

    # -- the properties ------------------------------------------------------------------------
    def _authenticity(self, record: Record, checked: RecordCheck, found: Found) -> None:
        pdf = checked.evidence_pdf  # the last time stamp renewal's PDF, if any (its evidence)
        if "pdf" not in record.parts:
            found.setdefault("signature", ("not_applicable", "纸质签字文书的扫描件，无本服务的 PDF 签名"))
        elif pdf is None:
            found.setdefault("signature", ("failed", "PDF 无法完好读出"))
        else:
            from services.verify import verify_pdf_offline

            try:
                answer = verify_pdf_offline(pdf, self.keys(), self.trust_roots)
            except DomainValidationError as exc:
                answer = {"authentic": False, "reasons": [{"code": "unreadable",
                                                           "detail": str(exc)}], "id": None}
            if not answer["authentic"]:
                found["signature"] = ("failed", "；".join(
                    r["code"] + (f" ({r['detail']})" if r.get("detail") else "")
                    for r in answer["reasons"]))
            elif answer.get("id") != record.id:
                found["metadata_matches_content"] = (
                    "failed", f"PDF 签名中的编号为 {answer.get('id')}，不是 {record.id}")
            else:
                until = (answer.get("signers") or [{}])[-1].get("evidence_until")
                evidence = evidence_outcome(
                    datetime.fromisoformat(until) if until else None, datetime.now(UTC))
                if evidence is not None:
                    found["signature"] = evidence
        source = checked.contents.get("json") or checked.contents.get("scan")
        if source is not None and sha256_hex(source) != record.content_sha256:
            found["metadata_matches_content"] = ("failed", "源数据的 SHA-256 与登记的内容哈希不符")
        if "json" in checked.contents:
            try:
                posted = json.loads(checked.contents["json"])
            except ValueError:
                posted = None
            if isinstance(posted, dict):
                differs = [k for k, v in (("id", record.id), ("type", record.doc_type),
                                          ("profile", record.profile),
                                          ("template_version", record.template_version))
                           if posted.get(k) not in (None, v)]
                if differs:
                    found["metadata_matches_content"] = (
                        "failed", f"source.json 与登记不符：{'、'.join(differs)}")

    def _integrity(self, record: Record, checked: RecordCheck, found: Found) -> None:
        required = {"scan"} if record.doc_type == "paper_scan" else {"pdf", "docx", "json"}
        missing = sorted(required - set(record.parts))
        if missing:
            found["parts_present"] = ("failed", f"缺少组成部分：{'、'.join(missing)}")
        manifest = checked.manifest.manifest if checked.manifest else None
        if manifest is None:
            found["metadata_complete"] = ("failed", "存档清单无法读出")
        else:
            absent = missing_metadata(manifest.model_dump(mode="json"))
            if absent:
                found["metadata_complete"] = ("failed", "缺少：" + "、".join(absent))
        chain = _chain_problems(record, self.find)
        if chain:
            found["version_chain"] = ("failed", "; ".join(chain))
        items = record.archive_items
        if not items:
            found["archive_contents"] = ("not_applicable", "不属于表B.1所列服务类型的服务档案")
        elif lacking := [i["item"] for i in items if not i.get("present")]:
            found["archive_contents"] = ("warning", f"表B.1 缺 {len(lacking)} 项：" +
                                         "；".join(lacking))

    def _usability(self, record: Record, checked: RecordCheck, found: Found) -> None:
        pdf = checked.contents.get("pdf")
        if "pdf" not in record.parts:
            for code in ("fonts_embedded", "text_extractable", "long_term_format"):
                found[code] = ("not_applicable", "扫描件，无 PDF")
        elif pdf is None:
            found["opens"] = ("failed", "PDF 无法完好读出")
        else:
            for code, outcome in pdf_usability(pdf, record.id).items():
                found[code] = outcome
        problems = []
        if (docx := checked.contents.get("docx")) is not None and not _docx_opens(docx):
            problems.append("document.docx 无法打开")
        if (source := checked.contents.get("json")) is not None:
            try:
                json.loads(source)
            except ValueError:
                problems.append("source.json 不是有效的 JSON")
        if problems and found.get("opens", ("passed", None))[0] != "failed":
            found["opens"] = ("failed", "; ".join(problems))

    @staticmethod
    def _security(bucket: list[BucketFinding], found: Found) -> None:
        bad = [f.what for f in bucket if f.severity in ("critical", "error")]
        warn = [f.what for f in bucket if f.severity == "warning"]
        if bad:
            found["bucket"] = ("failed", "; ".join(bad))
        elif warn:
            found["bucket"] = ("warning", "; ".join(warn))


def _from_integrity(checked: RecordCheck, found: Found) -> None:
    for f in checked.findings:
        code = FINDING_ITEMS.get(f.code)
        if code is None:
            continue
        outcome: Outcome = "failed" if f.severity in ("critical", "error") else "warning"
        previous = found.get(code)
        if previous is None or (previous[0] == "warning" and outcome == "failed"):
            found[code] = (outcome, f.what)
        elif previous[0] == outcome:
            found[code] = (outcome, f"{previous[1]}; {f.what}")


def _chain_problems(record: Record, find: Callable[[str], Record | None]) -> list[str]:
    out = []
    if record.supersedes:
        before = find(record.supersedes)
        if before is None:
            out.append(f"更正对象 {record.supersedes} 不在登记中")
        else:
            if before.tenant != record.tenant or before.doc_type != record.doc_type:
                out.append(f"更正对象 {before.id} 属于其他单位或其他文书类型")
            if before.superseded_by != record.id:
                out.append(f"{before.id} 记载的更正记录为 {before.superseded_by or '无'}，"
                           f"不是 {record.id}")
    if record.superseded_by:
        after = find(record.superseded_by)
        if after is None or after.supersedes != record.id or after.tenant != record.tenant:
            out.append(f"更正记录 {record.superseded_by} 未指向本记录")
    return out


_PDFAID = re.compile(rb"pdfaid:part(?:=\"|>)\s*(\d)\s*(?:\"|<).*?pdfaid:conformance(?:=\"|>)\s*"
                     rb"([A-Za-z])", re.S)


def pdf_usability(pdf: bytes, record_id: str | None) -> dict[str, tuple[Outcome, str | None]]:
    """opens, fonts_embedded, text_extractable and long_term_format of one PDF."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    out: dict[str, tuple[Outcome, str | None]] = {}
    try:
        reader = PdfReader(io.BytesIO(pdf))
        pages = len(reader.pages)
    except (PyPdfError, ValueError, KeyError) as exc:
        return {"opens": ("failed", f"PDF 无法解析：{exc}"),
                "fonts_embedded": ("failed", "PDF 无法解析，未能检测"),
                "text_extractable": ("failed", "PDF 无法解析，未能检测")}
    if pages == 0:
        out["opens"] = ("failed", "PDF 没有页面")
    else:
        out["opens"] = ("passed", f"{pages} 页")
    fonts, unembedded = _fonts(reader)
    out["fonts_embedded"] = (("failed", "未嵌入：" + ", ".join(sorted(unembedded)))
                             if unembedded else ("passed", f"{fonts} 种字体，全部嵌入"))
    from rendering.pdf_text import page_texts

    try:
        text = "".join("".join(t.split()) for t in page_texts(pdf))
    except Exception as exc:  # any reader failure is the finding itself
        out["text_extractable"] = ("failed", f"文本层无法读出：{exc}")
    else:
        if not text:
            out["text_extractable"] = ("failed", "各页均无文本")
        elif record_id and record_id not in text:
            out["text_extractable"] = ("failed", f"文本中没有记录编号 {record_id}")
        else:
            out["text_extractable"] = ("passed", f"{len(text)} 个字符")
    out["long_term_format"] = _pdfa(reader)
    return out


def _pdfa(reader: Any) -> tuple[Outcome, str | None]:
    root = reader.trailer["/Root"]
    meta = root.get("/Metadata")
    xmp = meta.get_object().get_data() if meta is not None else b""
    m = _PDFAID.search(xmp)
    if m is None:
        return ("warning", f"PDF {reader.pdf_header.removeprefix('%PDF-')}，未声明 PDF/A"
                           "（XMP 元数据中无 pdfaid）")
    level = f"PDF/A-{m.group(1).decode()}{m.group(2).decode().lower()}"
    if "/OutputIntents" not in root:
        return ("failed", f"声明 {level}，但没有输出意图（OutputIntent）")
    return ("passed", f"声明 {level}（XMP pdfaid），有输出意图")


def _fonts(reader: Any) -> tuple[int, set[str]]:
    """(fonts seen, names of those not embedded) over pages, form XObjects and annotation
    appearances."""
    seen: set[int] = set()
    fonts: dict[int, Any] = {}

    def resources(res: Any) -> None:
        if res is None:
            return
        res = res.get_object()
        for font in (res.get("/Font") or {}).values():
            ref = getattr(font, "idnum", id(font))
            fonts[ref] = font.get_object()
        for xobj in (res.get("/XObject") or {}).values():
            ref = getattr(xobj, "idnum", None)
            if ref is not None and ref in seen:
                continue
            if ref is not None:
                seen.add(ref)
            xo = xobj.get_object()
            if xo.get("/Subtype") == "/Form":
                resources(xo.get("/Resources"))

    for page in reader.pages:
        resources(page.get("/Resources"))
        for annot in page.get("/Annots") or []:
            ap = annot.get_object().get("/AP")
            if ap is None:
                continue
            for appearance in ap.get_object().values():
                appearance = appearance.get_object()
                if "/Resources" in appearance or appearance.get("/Subtype") == "/Form":
                    resources(appearance.get("/Resources"))
    unembedded = set()
    for font in fonts.values():
        if font.get("/Subtype") == "/Type3":
            continue
        desc_font = font
        if font.get("/Subtype") == "/Type0":
            desc_font = font["/DescendantFonts"][0].get_object()
        descriptor = desc_font.get("/FontDescriptor")
        descriptor = descriptor.get_object() if descriptor is not None else {}
        if not any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
            unembedded.add(str(font.get("/BaseFont", "?")))
    return len(fonts), unembedded


def _docx_opens(docx: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(docx)) as z:
            ElementTree.fromstring(z.read("word/document.xml"))
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError):
        return False
    return True


def _audit_detail(result: RecordFourProperties, when: str) -> dict[str, Any]:
    return {"when": when, "passed": result.passed,
            "properties": {v.property: v.passed for v in result.properties},
            "failed": [i.code for i in result.items if i.outcome == "failed"],
            "warnings": [i.code for i in result.items if i.outcome == "warning"]}


def scope_text(policy_no: str | None, insured: str | None, ids: Sequence[str]) -> str:
    parts = []
    if policy_no:
        parts.append(f"保单号 {policy_no}")
    if insured:
        parts.append(f"被保险人 {insured}")
    if ids:
        parts.append("记录 " + "、".join(ids))
    return "；".join(parts) + " 的已归档记录"

