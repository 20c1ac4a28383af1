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

__all__ = ["Format", "RenderedForm", "build", "render_blank", "render_data", "render_document"]

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
