"""Is this record / this PDF the authentic archived document? Online and offline.

Online (:class:`VerificationService`) a record is authentic only if it exists and is archived,
its stored PDF and source re-read from the object store still hash to what the registry and the
manifest recorded, the PDF's signature validates against the service certificate and covers the
whole file, and — when a QR claim (``h``, ``k``, ``s`` of the verify URL) is given — the claim
is signed by a key of the JWKS and names this record's content hash.

Offline (:func:`verify_pdf_offline`) needs only the PDF, the JWKS and the certificate: the
signatures, and the verify URL of the page-1 QR code (from a link annotation if there is one,
else decoded from the page rasterised with ``pdftoppm`` and ``zxing-cpp``).

Answers show only what the printed document shows: never the tenant, API keys or source JSON.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import logging
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Engine, select

from domain.errors import DomainValidationError
from domain.ids import InvalidRecordId, parse_record_id
from domain.jsonvalue import visible_text
from services.integrity import check_record
from services.records import Record, iso_utc
from signing.errors import InvalidToken, UnreadablePdf
from signing.keys import QrKeyRing
from signing.pdf_meta import read_record_id
from signing.pdf_verify import SignatureReport, TrustRoot, inspect_pdf_signatures
from signing.qr_token import VerifyClaim, parse_verify_url, verify_claim
from storage.objectstore import ObjectStore
from storage.tables import records

__all__ = [
    "REASONS",
    "VerificationService",
    "claim_from_query",
    "find_verify_urls",
    "parse_record_id_input",
    "verify_pdf_offline",
]

log = logging.getLogger("azx.verify")

_PDF_MAGIC = b"%PDF-"
_CHINA = timezone(timedelta(hours=8), "CST")
_RASTER_DPI = 150
_RASTER_TIMEOUT_S = 60

#: Why a verification failed (``reasons``) or what else to know (``notices``): code → (zh, en).
REASONS: Mapping[str, tuple[str, str]] = {
    "not_found": ("未找到该编号的存档记录", "no archived record has this ID"),
    "not_archived": ("该记录尚未完成归档", "the record is not archived (yet)"),
    "revoked": ("该记录已被撤销", "the record has been revoked"),
    "archive_missing": ("存档原件缺失", "the archived original is missing from the store"),
    "archive_corrupt": ("存档原件与登记的 SHA-256 不符",
                        "the archived original does not match its registered SHA-256"),
    "content_mismatch": ("存档内容与登记的内容哈希不符",
                         "the archived content does not match its registered content hash"),
    "unsigned": ("PDF 没有数字签名", "the PDF carries no digital signature"),
    "signature_invalid": ("数字签名无效", "a digital signature does not verify"),
    "signature_untrusted": ("没有本服务证书的有效签名",
                            "no signature by the service's certificate"),
    "modified": ("文件已被修改（与签名或存档原件不一致）",
                 "the file was modified (it differs from what was signed or archived)"),
    "record_id_mismatch": ("文件中的编号与签名或记录不符",
                           "the record ID in the file differs from the signed one or the record"),
    "no_record_id": ("文件中没有存档编号", "the file names no record ID"),
    "qr_malformed": ("二维码链接格式无效", "the QR verify link is malformed"),
    "qr_signature_invalid": ("二维码签名无效（可能伪造）",
                             "the QR code's signature does not verify (possibly forged)"),
    "qr_hash_mismatch": ("二维码中的内容哈希与存档不符",
                         "the QR code's content hash does not match the archived content"),
    "qr_id_mismatch": ("二维码中的编号与文件不符", "the QR code names a different record"),
    "archive_versions": ("存档对象被写入了新版本或删除标记（原件可能被替换）",
                         "a new version or a delete marker was written over an archived object"),
    "manifest_unverified": ("存档清单（manifest）的服务签名无法验证",
                            "the service's seal on the record's manifest does not verify"),
    "manifest_unsigned": ("存档清单没有服务签名", "the record's manifest is not sealed"),
    "lock_weakened": ("存档原件的保存锁定被削弱或已失效",
                      "the retention lock of an archived object was weakened or has lapsed"),
    "legal_hold_changed": ("法律保全状态与登记不符",
                           "the legal hold differs from what the registry records"),
    # notices: not failures
    "superseded": ("该记录已被更正，请以更正后的记录为准",
                   "the record was superseded by a correction; rely on the new record"),
    "qr_not_found": ("未在第 1 页找到二维码，仅核验了数字签名",
                     "no QR code found on page 1; only the digital signatures were checked"),
}


def _reason(code: str, detail: str | None = None) -> dict[str, str]:
    zh, en = REASONS[code]
    out = {"code": code, "message_zh": zh, "message_en": en}
    if detail:
        out["detail"] = detail
    return out


@dataclass
class _Findings:
    """Reasons (failures) and notices, each code once, in the order found."""

    reasons: list[dict[str, str]] = field(default_factory=list)
    notices: list[dict[str, str]] = field(default_factory=list)

    def fail(self, code: str, detail: str | None = None) -> None:
        if all(r["code"] != code for r in self.reasons):
            self.reasons.append(_reason(code, detail))

    def note(self, code: str) -> None:
        if all(r["code"] != code for r in self.notices):
            self.notices.append(_reason(code))

    @property
    def ok(self) -> bool:
        return not self.reasons


# -- helpers shared by online and offline ---------------------------------------------------


def parse_record_id_input(text: str) -> str:
    """The canonical record ID, or a 422 :class:`DomainValidationError` (bilingual)."""
    try:
        return parse_record_id(text).canonical
    except InvalidRecordId as exc:
        raise DomainValidationError.single(("id",), "record_id", exc.message_zh,
                                           exc.message_en) from None


def claim_from_query(record_id: str, h: str | None, k: str | None,
                     s: str | None) -> VerifyClaim | None:
    """The QR claim of a verify URL's query; None when absent; :class:`InvalidToken` when
    malformed (incomplete, bad encoding)."""
    if h is None and k is None and s is None:
        return None
    query = urlencode({name: v for name, v in (("h", h), ("k", k), ("s", s)) if v is not None})
    return parse_verify_url(f"/verify/{record_id}?{query}")


def _require_pdf(pdf: bytes) -> None:
    if _PDF_MAGIC not in pdf[:1024]:
        raise DomainValidationError.single(("body",), "not_pdf", "上传的文件不是 PDF",
                                           "the uploaded file is not a PDF")


def _inspect(pdf: bytes, trust_roots: Sequence[TrustRoot]) -> list[SignatureReport]:
    try:
        return inspect_pdf_signatures(pdf, trust_roots)
    except UnreadablePdf as exc:
        raise DomainValidationError.single(("body",), "unreadable_pdf", "无法解析该 PDF 文件",
                                           f"the PDF cannot be parsed: {exc}") from None




def _signer(r: SignatureReport) -> dict[str, Any]:
    return {
        "field": r.field_name, "name": r.signer_name, "subject": r.signer_subject,
        "signed_at": iso_utc(r.signing_time), "timestamped_at": iso_utc(r.timestamp_time),
        "intact": r.intact, "valid": r.valid, "trusted": r.trusted,
        "covers_whole_file": r.covers_whole_file, "problem": r.problem,
        "level": r.level, "evidence_until": iso_utc(r.evidence_until),
    }


def _check_signatures(reports: Sequence[SignatureReport], found: _Findings) -> str | None:
    """Record the signature findings; return the record ID the trusted signature signed."""
    if not reports:
        found.fail("unsigned")
        return None
    for r in reports:
        if not r.contents_clean:
            found.fail("modified", f"{r.field_name}: the signature's /Contents was changed "
                                   "(padding or encoding outside the signed bytes)")
        if not (r.intact and r.valid):
            found.fail("signature_invalid", f"{r.field_name}: {r.problem}")
            if not r.intact:
                found.fail("modified", f"{r.field_name}: {r.problem}")
        elif r.modified:
            found.fail("modified", f"{r.field_name}: {r.problem or 'changed after signing'}")
    last = reports[-1]
    if not last.sealed:  # B-LTA: only validation data and document time stamps after it
        found.fail("modified", f"the last signature ({last.field_name}) does not cover the "
                               f"whole file: content was appended after signing")
    trusted = [r for r in reports if r.trusted and r.intact and r.valid]
    if not trusted:
        found.fail("signature_untrusted", "; ".join(f"{r.field_name}: {r.problem}"
                                                   for r in reports if r.problem))
        return None
    return trusted[0].record_id


def _claimed_id(pdf: bytes, signed_id: str | None, found: _Findings) -> str | None:
    """The record the file claims to be: the ID its trusted signature covers, else /Info's."""
    try:
        latest = read_record_id(pdf)
    except UnreadablePdf:
        latest = None
    claimed = signed_id or latest
    if claimed is None:
        found.fail("no_record_id")
        return None
    try:
        canonical = parse_record_id(claimed).canonical
    except InvalidRecordId:
        found.fail("no_record_id", f"not a record ID: {claimed!r}")
        return None
    if signed_id is not None and latest is not None and latest != signed_id:
        found.fail("record_id_mismatch", f"signed {signed_id}, now claims {latest}")
    return canonical


def _empty(record_id: str | None) -> dict[str, Any]:
    doc_type = None
    if record_id:
        doc_type = parse_record_id(record_id).doc_type
    return {
        "id": record_id, "authentic": False, "current": None, "reasons": [], "notices": [],
        "disclosure": "public",
        "type": doc_type, "title": None, "insured": None, "policy_no": None, "created_at": None,
        "archived": None, "signers": [], "sha256": None, "content_sha256": None,
        "retain_until": None, "legal_hold": None, "supersedes": None, "superseded_by": None,
        "evidence": None,
    }


#: What a holder of the document (its QR token, or the archived file itself) is also shown:
#: what the printed page shows and the status an auditor needs.
_HOLDER_ONLY = ("current", "insured", "policy_no", "created_at", "archived", "signers",
                "sha256", "content_sha256", "retain_until", "legal_hold", "supersedes",
                "superseded_by", "evidence")
#: Notices that are part of that status.
_HOLDER_NOTICES = ("superseded",)


def _finish(out: dict[str, Any], found: _Findings, *, holder: bool = True) -> dict[str, Any]:
    """The answer; without ``holder`` only what anyone may see (ID, type, authentic or not)."""
    out["authentic"] = found.ok
    out["current"] = found.ok and not out.get("superseded_by")
    out["reasons"] = found.reasons
    out["notices"] = found.notices
    for key in ("insured",):
        if isinstance(out.get(key), str):
            out[key] = visible_text(out[key])
    for signer in out.get("signers") or []:
        for key in ("name", "subject"):
            if isinstance(signer.get(key), str):
                signer[key] = visible_text(signer[key])
    if holder:
        out["disclosure"] = "holder"
        return out
    for key in _HOLDER_ONLY:
        out[key] = [] if key == "signers" else None
    out["reasons"] = [{k: v for k, v in r.items() if k != "detail"} for r in found.reasons]
    out["notices"] = [n for n in found.notices if n["code"] not in _HOLDER_NOTICES]
    out["disclosure"] = "public"
    return out


# -- offline -------------------------------------------------------------------------------


def _link_urls(pdf: bytes) -> list[str]:
    """URIs of the link annotations on page 1 (WeasyPrint writes one for ``<a href>``)."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        page = PdfReader(io.BytesIO(pdf), strict=False).pages[0]
        urls = []
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A")
            uri = action.get_object().get("/URI") if action is not None else None
            if uri is not None:
                urls.append(str(uri))
        return urls
    except (PyPdfError, ValueError, KeyError, IndexError, TypeError, AttributeError):
        return []


def _qr_texts(pdf: bytes) -> list[str] | None:
    """Texts of the QR codes on page 1 (rasterised at 150 dpi); None if the tools are missing."""
    exe = shutil.which("pdftoppm")
    try:
        import zxingcpp
        from PIL import Image
    except ImportError:
        return None
    if exe is None:
        return None
    with tempfile.TemporaryDirectory(prefix="azx-verify-") as tmp:
        src = Path(tmp) / "doc.pdf"
        src.write_bytes(pdf)
        try:
            subprocess.run([exe, "-r", str(_RASTER_DPI), "-f", "1", "-l", "1", "-png",
                            str(src), str(Path(tmp) / "page")],
                           check=True, capture_output=True, timeout=_RASTER_TIMEOUT_S)
        except (subprocess.SubprocessError, OSError) as exc:
            log.info("could not rasterise page 1: %s", exc)
            return []
        texts: list[str] = []
        for png in sorted(Path(tmp).glob("page*.png")):
            with Image.open(png) as image:
                texts.extend(b.text for b in zxingcpp.read_barcodes(
                    image, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)))
        return texts


def find_verify_urls(pdf: bytes) -> list[str] | None:
    """Verify URLs on page 1: link annotations first, else the decoded QR code(s).

    None if there is no link and the QR could not be looked for (pdftoppm or zxing-cpp
    missing)."""
    links = [u for u in _link_urls(pdf) if "/verify/" in u]
    if links:
        return links
    texts = _qr_texts(pdf)
    if texts is None:
        return None
    return [t for t in texts if "/verify/" in t]


def _check_claim(claim: VerifyClaim, record_id: str | None, keys: Mapping[str, Any],
                 content_sha256: str | None, found: _Findings) -> dict[str, Any]:
    signature_ok = verify_claim(claim, keys)
    id_ok = record_id is not None and claim.record_id == record_id
    hash_ok = None if content_sha256 is None else hmac.compare_digest(
        claim.content_sha256.hex(), content_sha256)
    if not signature_ok:
        found.fail("qr_signature_invalid", f"key {claim.kid}")
    if not id_ok:
        found.fail("qr_id_mismatch", f"QR names {claim.record_id}, the document {record_id}")
    if hash_ok is False:
        found.fail("qr_hash_mismatch")
    return {"present": True, "id": claim.record_id, "kid": claim.kid,
            "content_sha256": claim.content_sha256.hex(), "signature_valid": signature_ok,
            "id_matches": id_ok, "hash_matches": hash_ok}


@dataclass
class _FileCheck:
    """What a PDF file proves by itself (the checks online and offline verification share)."""

    out: dict[str, Any]
    found: _Findings
    record_id: str | None
    claim: VerifyClaim | None  # the page-1 QR claim, when found and well-formed
    claim_valid: bool  # signed by a key of the service and naming this record


def _check_file(pdf_bytes: bytes, trust_roots: Sequence[TrustRoot],
                keys: Mapping[str, Any]) -> _FileCheck:
    """Signatures (intact, valid, trusted, covering the whole file, /Contents unaltered), the
    record ID they sign, and the page-1 QR claim — the same for online and offline checks."""
    _require_pdf(pdf_bytes)
    found = _Findings()
    reports = _inspect(pdf_bytes, trust_roots)
    signed_id = _check_signatures(reports, found)
    record_id = _claimed_id(pdf_bytes, signed_id, found)
    out = _empty(record_id)
    out["signers"] = [_signer(r) for r in reports]
    out["sha256"] = out["file_sha256"] = hashlib.sha256(pdf_bytes).hexdigest()
    urls = find_verify_urls(pdf_bytes)
    qr: dict[str, Any] = {"present": False}
    claim: VerifyClaim | None = None
    if not urls:
        found.note("qr_not_found")
    else:
        qr_found = _Findings()
        claims: list[VerifyClaim] = []
        for url in urls:
            try:
                claims.append(parse_verify_url(url))
            except InvalidToken as exc:
                qr_found.fail("qr_malformed", str(exc))
        if claims:
            claim = claims[0]
            qr = {**_check_claim(claim, record_id, keys, None, qr_found), "url": urls[0]}
            out["content_sha256"] = qr["content_sha256"] if qr["signature_valid"] else None
        for r in qr_found.reasons:
            found.fail(r["code"], r.get("detail"))
    out["qr"] = qr
    valid = bool(qr.get("signature_valid") and qr.get("id_matches"))
    return _FileCheck(out, found, record_id, claim, valid)


def verify_pdf_offline(pdf_bytes: bytes, jwks: Mapping[str, Any],
                       trust_roots: Sequence[TrustRoot]) -> dict[str, Any]:
    """Verify a PDF without the service: exactly the file checks of online verification (its
    signatures against ``trust_roots``, the service certificate; its /Contents unaltered; its
    page-1 QR verify URL against ``jwks``), without the comparison with the archive.

    Raises :class:`DomainValidationError` for a non-PDF.
    """
    checked = _check_file(pdf_bytes, trust_roots, jwks)
    return _finish(checked.out, checked.found)


# -- online --------------------------------------------------------------------------------


class VerificationService:
    """Public verification against the archive (no API key).

    Anyone is told whether a record ID is authentic and its type; whoever holds the document —
    the QR code's signed token, or the archived file itself — also sees what the printed page
    shows and the status an auditor needs (current or superseded, retained until, legal hold).
    """

    def __init__(self, engine: Engine, store: ObjectStore, key_ring: QrKeyRing,
                 trust_roots: Sequence[TrustRoot]) -> None:
        self.engine = engine
        self.store = store
        self.key_ring = key_ring
        self.trust_roots = list(trust_roots)

    def verify_id(self, record_id: str, claim: VerifyClaim | None = None, *,
                  reader: bool = False) -> dict[str, Any]:
        """Is record ``record_id`` authentic (and the QR ``claim`` about it genuine)?
        ``reader``: the caller may read the record (checked before, ``ArchiveService.get``),
        so is shown what a holder of the document is (signers, levels, status)."""
        rid = parse_record_id_input(record_id)
        found = _Findings()
        out, stored, _ = self._check_record(rid, found)
        if stored is not None:  # the newest evidence: the last time stamp renewal's PDF
            reports = _inspect(stored, self.trust_roots)
            out["signers"] = [_signer(r) for r in reports]
            signed_id = _check_signatures(reports, found)
            if signed_id is not None and signed_id != rid:
                found.fail("record_id_mismatch", f"the archived PDF was signed as {signed_id}")
        holder = False
        if claim is not None:
            qr_found = _Findings()
            out["qr"] = _check_claim(claim, rid, self._keys(), out["content_sha256"], qr_found)
            holder = qr_found.ok and bool(out["content_sha256"])
            for r in qr_found.reasons:
                found.fail(r["code"], r.get("detail"))
        return _finish(out, found, holder=holder or reader)

    def verify_query(self, record_id: str, h: str | None, k: str | None,
                     s: str | None) -> dict[str, Any]:
        """:meth:`verify_id` for the query of a scanned verify URL; a malformed query makes the
        answer not authentic (it is not a 422: the URL came from paper)."""
        rid = parse_record_id_input(record_id)
        try:
            claim = claim_from_query(rid, h, k, s)
        except InvalidToken as exc:
            out = self.verify_id(rid)
            out["qr"] = {"present": True, "signature_valid": False}
            found = _Findings(out["reasons"], out["notices"])
            found.fail("qr_malformed", str(exc))
            return _finish(out, found, holder=False)
        return self.verify_id(rid, claim)

    def verify_pdf(self, pdf_bytes: bytes) -> dict[str, Any]:
        """Is ``pdf_bytes`` exactly the archived PDF of the record it claims to be? The file
        checks of :func:`verify_pdf_offline`, then the archive's. Raises
        :class:`DomainValidationError` for a non-PDF."""
        checked = _check_file(pdf_bytes, self.trust_roots, self._keys())
        found, rid, file_out = checked.found, checked.record_id, checked.out
        renewed: dict[str, str] = {}  # SHA-256 of each valid time stamp renewal's PDF
        if rid is None:
            out = file_out
            out["sha256"] = None
        else:
            out, stored, renewed = self._check_record(rid, found)
            out["qr"] = file_out["qr"]
            if stored is not None:
                stored_reports = _inspect(stored, self.trust_roots)
                stored_found = _Findings()
                stored_id = _check_signatures(stored_reports, stored_found)
                for r in stored_found.reasons:  # the archive itself is broken
                    found.fail("archive_corrupt", f"{r['code']}: {r.get('detail', '')}")
                if stored_id is not None and stored_id != rid:
                    found.fail("record_id_mismatch", f"archived PDF signed as {stored_id}")
            if checked.claim is not None and out["content_sha256"] and not hmac.compare_digest(
                    checked.claim.content_sha256.hex(), out["content_sha256"]):
                found.fail("qr_hash_mismatch")
        out["signers"] = file_out["signers"]
        file_sha = hashlib.sha256(pdf_bytes).hexdigest()
        out["file_sha256"] = file_sha
        out["matches_archive"] = bool(out["sha256"]) and (hmac.compare_digest(
            out["sha256"], file_sha) or (rid is not None and file_sha in renewed))
        if out["sha256"] and not out["matches_archive"]:
            found.fail("modified", "this file is not byte-for-byte the archived original")
        # whoever holds the archived file itself, or its genuine QR token, holds the document
        holder = bool(out["matches_archive"]) or checked.claim_valid
        return _finish(out, found, holder=holder)

    # -- internals -------------------------------------------------------------------------

    def _keys(self) -> dict[str, Any]:
        return dict(self.key_ring.public_keys())

    def _record(self, rid: str) -> Record | None:
        with self.engine.connect() as conn:
            r = conn.execute(select(records).where(records.c.id == rid)).mappings().first()
        return Record.from_row(r) if r else None

    def _check_record(self, rid: str, found: _Findings
                      ) -> tuple[dict[str, Any], bytes | None, dict[str, str]]:
        """The facts of record ``rid``, the stored PDF carrying its newest evidence (the last
        valid time stamp renewal's, else the archived one) and the SHA-256 → file name of each
        renewal's PDF (``services.integrity``: versions, seals, hashes, locks, legal hold)."""
        out = _empty(rid)
        record = self._record(rid)
        if record is None:
            found.fail("not_found")
            return out, None, {}
        out.update({
            "type": record.doc_type, "title": record.title, "insured": record.insured_name,
            "policy_no": record.policy_no, "created_at": _day(record.created_at),
            "archived": record.status == "archived",
            "content_sha256": record.content_sha256, "retain_until": _day(record.retain_until),
            "legal_hold": record.legal_hold, "supersedes": record.supersedes,
            "superseded_by": record.superseded_by,
        })
        pdf_part = record.parts.get("pdf")
        if pdf_part:
            out["sha256"] = pdf_part.sha256
        if record.superseded_by:
            found.note("superseded")
        if record.status != "archived" or not pdf_part:
            found.fail("not_archived")
            return out, None, {}
        checked = check_record(record, self.store, self._keys(), read=("pdf", "json"))
        for f in checked.findings:
            if f.severity in ("critical", "error"):
                found.fail(f.code, f.what)
            else:
                found.note(f.code)
        source = record.parts.get("json")
        if source is not None and source.sha256 != record.content_sha256:
            found.fail("content_mismatch", "source.json does not hash to content_sha256")
        evidence = checked.evidence_pdf
        out["evidence"] = {
            "file": checked.evidence_name, "renewals": len(checked.renewals),
            "sha256": hashlib.sha256(evidence).hexdigest() if evidence is not None else None,
            "renewed_at": (iso_utc(checked.renewals[-1].statement.renewed_at)
                           if checked.renewals else None)}
        return out, evidence, checked.evidence_sha256s


def _day(v: datetime | None) -> str | None:
    """A date as the printed page shows it (China time), not the exact moment."""
    if v is None:
        return None
    return v.astimezone(_CHINA).date().isoformat()
