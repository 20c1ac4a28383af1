"""Batch files: the body posted to ``/v1/batches`` (a JSON array or NDJSON) turned into items,
and what a finished batch hands back (results.csv, documents.zip).

Each item is a :class:`~domain.envelope.DocumentRequest` or the problems that make it one that
fails on its own; only a body that is not an array, not UTF-8 or nested too deep is refused as
a whole.
"""

from __future__ import annotations

import tempfile
import zipfile
from dataclasses import dataclass
from typing import IO, Any

from pydantic import ValidationError
from sqlalchemy import Engine, select

from domain.catalog import get_kind
from domain.envelope import DocumentRequest
from domain.errors import DomainValidationError, Problem
from domain.jsonvalue import check_value, parse_json
from domain.validation import problems_from_pydantic
from rendering.csv_file import csv_bytes
from services.records import sha256_hex
from storage.objectstore import IntegrityError as ObjectIntegrityError
from storage.objectstore import ObjectStore
from storage.tables import jobs, records

__all__ = ["NDJSON_TYPES", "BatchItem", "check_item", "documents_zip", "parse_batch_body",
           "results_csv"]

NDJSON_TYPES = ("application/x-ndjson", "application/ndjson", "application/jsonl",
                "application/x-jsonlines")


@dataclass(frozen=True)
class BatchItem:
    """One posted document of a batch: its JSON value, or why its line could not be read."""

    value: Any
    problems: tuple[Problem, ...] = ()


def parse_batch_body(raw: bytes, content_type: str) -> list[BatchItem]:
    """The items of a batch body: a JSON array, or NDJSON (one document per line)."""
    ctype = content_type.split(";", 1)[0].strip().lower()
    if ctype in NDJSON_TYPES:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DomainValidationError.single(
                ("body",), "json_invalid", "请求体不是 UTF-8 编码", "the body is not UTF-8") from None
        items: list[BatchItem] = []
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                items.append(BatchItem(parse_json(line)))
            except DomainValidationError as exc:
                items.append(BatchItem(None, tuple(_on_line(p, n) for p in exc.problems)))
        return items
    value = _array(raw)
    return [BatchItem(item, tuple(check_value(item))) for item in value]


def _array(raw: bytes) -> list[Any]:
    """The body's JSON array; the values inside are checked item by item (so that one item's
    NaN or control character fails that item only)."""
    value = parse_json(raw, check_values=False)
    if not isinstance(value, list):
        raise DomainValidationError.single(
            ("body",), "array_type",
            "请求体须为文书的 JSON 数组，或 NDJSON（Content-Type: application/x-ndjson）",
            "the body must be a JSON array of documents, or NDJSON "
            "(Content-Type: application/x-ndjson)")
    return value


def _on_line(p: Problem, line: int) -> Problem:
    if p.path == ("body",):
        return Problem((), p.rule, f"第 {line} 行：{p.message_zh}", f"line {line}: {p.message_en}")
    return p


def check_item(item: BatchItem) -> tuple[DocumentRequest | None, list[Problem]]:
    """The structure of one item — the envelope, its type and profile, no certificate
    signatures (not kept for later) — but not its ``data``, which is checked when it runs."""
    if item.problems:
        return None, list(item.problems)
    raw = item.value
    if not isinstance(raw, dict):
        return None, [Problem((), "object_type", "每一项须为 JSON 对象 {type, profile, data}",
                              "each item must be a JSON object {type, profile, data}")]
    problems: list[Problem] = []
    signatures = raw.get("signatures")
    for i, sig in enumerate(signatures if isinstance(signatures, list) else []):
        if isinstance(sig, dict) and (sig.get("method") == "certificate" or "p12" in sig):
            problems.append(Problem(
                ("signatures", i, "method"), "certificate_async",
                "证书签署只能同步提交（服务不保存签署方的证书和口令）",
                "certificate signatures are accepted only synchronously (the service does not "
                "keep the parties' certificates and passwords)"))
    request: DocumentRequest | None = None
    try:
        request = DocumentRequest.model_validate(raw)
    except ValidationError as exc:
        problems += problems_from_pydantic(exc, DocumentRequest, ())
    if request is not None:
        try:
            kind = get_kind(request.type, request.profile)
        except DomainValidationError as exc:
            problems += exc.problems
        else:
            request = request.model_copy(update={"type": kind.type, "profile": kind.profile})
    if problems or request is None:
        return None, problems
    return request, []


def results_csv(engine: Engine, batch_id: str) -> bytes:
    """Per-item results (UTF-8 with BOM, for spreadsheet programs)."""
    q = (select(jobs.c.item_index, jobs.c.id, jobs.c.status, jobs.c.doc_type,
                jobs.c.profile, jobs.c.record_id, jobs.c.error, records.c.policy_no)
         .join(records, records.c.id == jobs.c.record_id, isouter=True)
         .where(jobs.c.batch_id == batch_id).order_by(jobs.c.item_index))
    rows: list[list[Any]] = [["item", "job_id", "status", "type", "profile", "record_id",
                              "policy_no", "pdf", "error", "path", "message_zh", "message_en"]]
    sep = " | "
    with engine.connect() as conn:
        for r in conn.execute(q):
            err = r.error or {}
            problems = err.get("problems") or []
            rows.append([
                r.item_index, r.id, r.status, r.doc_type, r.profile, r.record_id, r.policy_no,
                f"/v1/documents/{r.record_id}.pdf" if r.record_id else "",
                err.get("error", ""), sep.join(p["path"] for p in problems),
                sep.join(p["message_zh"] for p in problems) or err.get("message_zh", ""),
                sep.join(p["message_en"] for p in problems) or err.get("message_en", ""),
            ])
    return csv_bytes(rows)


def documents_zip(engine: Engine, store: ObjectStore, batch_id: str,
                  tenant: str) -> tuple[IO[bytes], int]:
    """A ZIP of a finished batch's PDFs (``00001_<record>.pdf`` …) and results.csv, spooled to
    disk past 32 MiB; each PDF is checked against its recorded SHA-256. Returns (file, count)."""
    q = (select(jobs.c.item_index, records.c.id, records.c.parts)
         .join(records, records.c.id == jobs.c.record_id)
         .where(jobs.c.batch_id == batch_id, jobs.c.status == "done",
                records.c.tenant == tenant)
         .order_by(jobs.c.item_index))
    with engine.connect() as conn:
        items = conn.execute(q).all()
    spool = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)  # noqa: SIM115
    try:
        with zipfile.ZipFile(spool, "w") as zf:
            zf.writestr("results.csv", results_csv(engine, batch_id),
                        compress_type=zipfile.ZIP_DEFLATED)
            for item, rid, parts in items:
                pdf = (parts or {}).get("pdf")
                if not pdf:
                    continue
                content = store.get(pdf["key"], pdf.get("version_id"))
                if sha256_hex(content) != pdf["sha256"]:
                    raise ObjectIntegrityError(f"{pdf['key']}: SHA-256 does not match")
                zf.writestr(f"{item:05d}_{rid}.pdf", content, compress_type=zipfile.ZIP_STORED)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return spool, len(items)
