"""Render a document type in a profile, blank or from data, to PDF or DOCX."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from domain.budget import check_photo_budget
from domain.catalog import FormKind, get_kind, parse_data
from rendering.blocks import Document
from rendering.docx_writer import document_docx
from rendering.pdf import Engine, document_pdf
from rendering.spec import build_document, load_spec
from rendering.views import view_for

__all__ = ["Format", "RenderedForm", "build", "load_annex_specs", "render_archive_contents",
           "render_blank", "render_data", "render_document"]

Format = Literal["pdf", "docx"]
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@dataclass(frozen=True)
class RenderedForm:
    content: bytes
    media_type: str
    filename: str


def load_annex_specs() -> int:
    """Load every kind's annex spec into its typed blocks and check every bind path against the
    kind's data model (rendering.spec.load_spec); called once at start-up, so that a malformed
    spec stops the service with a message naming the file, the block and what to fix, instead
    of printing ／ where a value belongs. Returns how many specs were loaded."""
    from domain.catalog import CATALOG

    for doc_type, profile in CATALOG:
        load_spec(profile, doc_type)
    return len(CATALOG)


def build(kind: FormKind, model: BaseModel | None, *, record_id: str | None = None,
          verify_url: str | None = None) -> Document:
    spec = load_spec(kind.profile, kind.type)
    doc = build_document(spec, view_for(kind, model), blank=model is None)
    doc.record_id = record_id
    doc.verify_url = verify_url
    return doc


def render_document(doc: Document, fmt: Format, *, qr_png: bytes | None = None,
                    engine: Engine = "typst") -> bytes:
    if fmt == "pdf":
        return document_pdf(doc, qr_png=qr_png, engine=engine)
    return document_docx(doc)


def _filename(kind: FormKind, suffix: str, fmt: Format) -> str:
    return f"{kind.type}-{kind.profile}-{suffix}.{fmt}"


def render_blank(doc_type: str, profile: str | None, fmt: Format, *,
                 engine: Engine = "typst") -> RenderedForm:
    kind = get_kind(doc_type, profile)
    doc = build(kind, None)
    return RenderedForm(render_document(doc, fmt, engine=engine), MEDIA_TYPES[fmt],
                        _filename(kind, "blank", fmt))


def render_data(doc_type: str, profile: str | None, data: Any, fmt: Format, *,
                engine: Engine = "typst") -> RenderedForm:
    """A pre-filled form: validated, rendered, not archived."""
    kind = get_kind(doc_type, profile)
    check_photo_budget(kind.model, data, ("data",))  # before parsing decodes the photos
    model = parse_data(kind, data)
    doc = build(kind, model)
    return RenderedForm(render_document(doc, fmt, engine=engine), MEDIA_TYPES[fmt],
                        _filename(kind, "filled", fmt))


def archive_contents(record: dict[str, Any]) -> Any:
    """The 档案内容清单 data of a record as ``describe()`` shows it (its stored 表B.1 items)."""
    import datetime as dt

    from domain.archive_items import ArchiveContentsData

    items = [{"service": i["service"], "item": i["item"], "present": bool(i["present"])}
             for i in record.get("archive_items") or []]
    archived = record.get("archived_at")
    return ArchiveContentsData.model_validate({
        "record_id": record["id"], "title": record.get("title") or record["type"],
        "insured": record.get("insured"), "policy_no": record.get("policy_no"),
        "archived_at": dt.datetime.fromisoformat(archived) if archived else None,
        "items": items, "missing": sum(not i["present"] for i in items)})


def render_archive_contents(record: dict[str, Any], fmt: Format | Literal["json"], *,
                            engine: Engine = "typst") -> RenderedForm:
    """AQ 9010.1-2025 附录B as a printable 档案内容清单 for one archived record: the items its
    service types require (表B.1), which are present, which are missing."""
    import json

    from rendering.kinds import kind_rendering
    from rendering.values import Overlay

    data = archive_contents(record)
    name = f"{record['id']}-archive-contents.{fmt}"
    if fmt == "json":
        return RenderedForm(json.dumps(data.model_dump(mode="json"), ensure_ascii=False).encode(),
                            "application/json", name)
    kr = kind_rendering("archive_contents", "national")
    view = Overlay(data, **(kr.extras(data) if kr.extras else {}))
    doc = build_document(load_spec("national", "archive_contents"), view, blank=False)
    return RenderedForm(render_document(doc, fmt, engine=engine), MEDIA_TYPES[fmt], name)
