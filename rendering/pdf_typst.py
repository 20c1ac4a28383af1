"""Document tree → PDF with the Typst typesetter (PyPI ``typst``), the fast PDF engine.

The tree is handed to ``templates/annex/document.typ`` as JSON (values stay Typst strings, never
markup); images are written, content-addressed, into a private folder that is the Typst project
root, for the time of one compile. One compiler per process keeps its font index and layout
caches warm between documents (Typst keeps the layouts of the last 10 compiles).
"""

from __future__ import annotations

import atexit
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rendering.blocks import (
    Blank,
    Block,
    Cell,
    Check,
    Document,
    Heading,
    Image,
    Inline,
    PageBreak,
    Paragraph,
    Signatures,
    Spacer,
    Table,
    Text,
    is_write_in_line,
)
from rendering.fonts import FALLBACK_SANS, FALLBACK_SERIF, FONTS_DIR, SANS_FAMILY, SERIF_FAMILY
from rendering.layout import (
    cell_blank_em,
    cell_padding_mm,
    cell_widths_em,
    column_widths_mm,
    keep_runs,
)
from rendering.pagination import breakable_rows, lead_ins

__all__ = ["compile_pdf", "document_json", "document_pdf_typst"]

TEMPLATE = Path(__file__).resolve().parent.parent / "templates" / "annex" / "document.typ"
_EXT = {"image/png": "png", "image/jpeg": "jpg", "image/svg+xml": "svg", "image/gif": "gif",
        "image/webp": "webp"}
#: A compiler keeps every image it has read (its file cache never shrinks): start a new one
#: (cheap: the font index is shared) after this many image bytes, so memory stays bounded.
RECYCLE_AFTER_BYTES = 48 * 1024 * 1024
#: Typst memoises layouts and drops those unused for 10 compiles; a run of long reports would
#: hold ~30 MB each. Above this resident size, empty compiles age the cache out at once.
MEMORY_BUDGET_MB = 256
_TYPST_CACHE_AGE = 10

log = logging.getLogger("azx.rendering")


class _Images:
    """The images of one document, by content-addressed name (written only while compiling)."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def path(self, data: bytes, mime: str) -> str:
        name = f"{hashlib.sha256(data).hexdigest()}.{_EXT.get(mime, 'bin')}"
        self.files[name] = data
        return "/" + name


class _Typesetter:
    """One per process: a warm Typst compiler over a private project folder.

    Compiles run one at a time (the compiler is not shared between threads); the images of a
    document exist on disk only while it compiles.
    """

    def __init__(self) -> None:
        import typst

        self.pid = os.getpid()
        self.lock = threading.Lock()
        _sweep_folders_of_dead_processes()
        self.root = Path(tempfile.mkdtemp(prefix=f"azx-typst-{self.pid}-"))
        (self.root / "document.typ").write_bytes(TEMPLATE.read_bytes())
        (self.root / "empty.typ").write_bytes(b"")
        # system fonts (Noto CJK, HanaMin, DejaVu) for the fall-back stacks, and ours
        self.fonts = typst.Fonts(include_system_fonts=True, font_paths=[str(FONTS_DIR)])
        self.compiler: Any = None
        self.image_bytes = 0
        atexit.register(shutil.rmtree, self.root, True)

    def compile(self, data: str, images: _Images, *, pdf_a: bool = False,
                attachments: Mapping[str, str] | None = None) -> tuple[bytes, list[str]]:
        import typst

        with self.lock:
            size = sum(len(b) for b in images.files.values())
            if self.compiler is None or self.image_bytes + size > RECYCLE_AFTER_BYTES:
                self.compiler = typst.Compiler(str(self.root / "document.typ"),
                                               root=str(self.root), font_paths=self.fonts)
                self.image_bytes = 0
            self.image_bytes += size
            paths = [self.root / name for name in images.files]
            try:
                for path, content in zip(paths, images.files.values(), strict=True):
                    path.write_bytes(content)
                # PDF/A-3b for archived records (DA/T 47 names PDF/A for long-term keeping):
                # Typst embeds every font, writes the XMP pdfaid and an sRGB output intent
                out, warnings = self.compiler.compile_with_warnings(
                    format="pdf", sys_inputs={"doc": data, **(attachments or {})},
                    **({"pdf_standards": ["a-3b"]} if pdf_a else {}))
            finally:
                for path in paths:
                    path.unlink(missing_ok=True)
            if _resident_mb() > MEMORY_BUDGET_MB:
                self._age_cache()
        assert isinstance(out, bytes)
        return out, [w.message for w in warnings]


    def _age_cache(self) -> None:
        import typst

        empty = typst.Compiler(str(self.root / "empty.typ"), root=str(self.root),
                               font_paths=self.fonts)
        for _ in range(_TYPST_CACHE_AGE):
            empty.compile(format="pdf")


def _sweep_folders_of_dead_processes() -> None:
    """Remove project folders left by processes that ended without atexit (SIGKILL, os._exit of
    a Celery pool process); each is named azx-typst-<pid>-…"""
    for folder in Path(tempfile.gettempdir()).glob("azx-typst-*-*"):
        pid = folder.name.split("-")[2]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except PermissionError:  # alive, another user's
            pass


def _resident_mb() -> float:
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):  # not Linux: Typst's own eviction only
        return 0.0


_typesetter: _Typesetter | None = None
_typesetter_lock = threading.Lock()


def _get_typesetter() -> _Typesetter:
    global _typesetter
    with _typesetter_lock:  # a forked worker builds its own
        if _typesetter is None or _typesetter.pid != os.getpid():
            _typesetter = _Typesetter()
        return _typesetter


#: A run this long without a space or a CJK character (a URL, a serial number) may break between
#: any two characters — else Typst would let it run out of its cell and off the page.
_LONG_RUN = re.compile(r"[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]{16,}")


def _long_runs(text: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    pos = 0
    for m in _LONG_RUN.finditer(text):
        if m.start() > pos:
            out.append({"s": text[pos:m.start()], "any": False, "keep": False})
        out.append({"s": m.group(), "any": True, "keep": False})
        pos = m.end()
    if pos < len(text):
        out.append({"s": text[pos:], "any": False, "keep": False})
    return out


def _value(text: str, width_em: float | None = None) -> str | list[dict[str, Any]]:
    """``text``, or its runs: ``any`` may break anywhere (a long unbroken run), ``keep`` never
    (in a table cell of ``width_em``: a date, a number with its unit… rendering/layout.py)."""
    runs = keep_runs(text, width_em) if width_em is not None else [(text, False)]
    if len(runs) == 1 and not runs[0][1] and (len(text) < 16 or not _LONG_RUN.search(text)):
        return text
    out: list[dict[str, Any]] = []
    for s, keep in runs:
        if keep:
            out.append({"s": s, "any": False, "keep": True})
        elif len(s) < 16 or not _LONG_RUN.search(s):
            out.append({"s": s, "any": False, "keep": False})
        else:
            out += _long_runs(s)
    return out


def _inline(i: Inline, images: _Images, width_em: float | None = None,
            inlines: tuple[Inline, ...] = ()) -> dict[str, Any]:
    if isinstance(i, Text):
        return {"k": "t", "text": _value(i.text, width_em), "bold": i.bold}
    if isinstance(i, Blank):
        return {"k": "b", "width": cell_blank_em(i, inlines, width_em)}
    if isinstance(i, Check):
        return {"k": "c", "label": i.label, "mark": i.mark, "style": i.style}
    if isinstance(i, Image):
        return {"k": "i", "path": images.path(i.data, i.mime), "caption": i.caption,
                "kind": i.kind}
    raise TypeError(i)


def _cell(c: Cell, images: _Images, keep: bool, width_em: float) -> dict[str, Any]:
    return {"inlines": [_inline(i, images, width_em, c.inlines) for i in c.inlines],
            "colspan": c.colspan,
            "rowspan": c.rowspan, "header": c.header, "align": c.align,
            "min_height": c.min_height_mm,
            # a cell spanning rows may always break between them (else it would hold them all on
            # one page); a row is kept whole only when every cell in it is
            "keep": keep and c.rowspan <= 1}


def _table(t: Table, images: _Images, landscape: bool) -> dict[str, Any]:
    breakable = breakable_rows(t, landscape=landscape)
    widths = column_widths_mm(t, landscape=landscape)
    return {"k": "tbl", "widths": [round(w, 3) for w in widths], "header_rows": t.header_rows,
            "pad": cell_padding_mm(t, landscape=landscape),
            "caption": t.caption, "small": t.font_small, "borders": t.borders,
            "rows": [[_cell(c, images, not brk, w) for c, w in zip(r.cells, ws, strict=True)]
                     for r, brk, ws in zip(t.rows, breakable,
                                           cell_widths_em(t, landscape=landscape), strict=True)]}


def _block(b: Block, images: _Images, landscape: bool, lead_in: bool = False) -> dict[str, Any]:
    if isinstance(b, Heading):
        return {"k": "h", "text": b.text, "level": b.level}
    if isinstance(b, Paragraph):
        return {"k": "p", "inlines": [_inline(i, images) for i in b.inlines], "indent": b.indent,
                "align": b.align, "small": b.small, "note": b.note, "sticky": lead_in,
                "write_in": is_write_in_line(b)}
    if isinstance(b, Table):
        return _table(b, images, landscape)
    if isinstance(b, Signatures):
        return {"k": "sig", "columns": b.columns, "items": [
            {"label": s.label, "name": _value(s.name) if s.name else None, "date": s.date,
             "with_date": s.with_date}
            for s in b.items]}
    if isinstance(b, PageBreak):
        return {"k": "br"}
    if isinstance(b, Spacer):
        return {"k": "sp", "mm": b.mm}
    raise TypeError(b)


def document_json(doc: Document, qr_png: bytes | None, images: _Images) -> str:
    """The tree as the template reads it; images go to ``images`` and are named by path."""
    leads = lead_ins(doc.blocks)
    tree = {
        "title": doc.title, "subtitle": doc.subtitle, "landscape": doc.landscape,
        "record_id": doc.record_id,
        "attachments": [{"input": f"att{i}", "name": a.name, "relationship": a.relationship,
                         "mime": a.mime_type, "description": a.description}
                        for i, a in enumerate(doc.attachments)],
        "qr": images.path(qr_png, "image/png") if qr_png and doc.record_id else None,
        "verify_url": doc.verify_url if qr_png and doc.record_id else None,
        "fonts": {"serif": [SERIF_FAMILY, *FALLBACK_SERIF], "sans": [SANS_FAMILY, *FALLBACK_SANS],
                  "box": ["DejaVu Sans", SERIF_FAMILY, *FALLBACK_SERIF],
                  "mono": ["DejaVu Sans Mono"]},
        "blocks": [_block(b, images, doc.landscape, n in leads)
                   for n, b in enumerate(doc.blocks)],
    }
    return json.dumps(tree, ensure_ascii=False)


def compile_pdf(doc: Document, *, qr_png: bytes | None = None) -> tuple[bytes, list[str]]:
    """The PDF and Typst's warnings (each a sign that something was not drawn as meant)."""
    images = _Images()
    data = document_json(doc, qr_png, images)
    # attached files travel as sys.inputs (strings: the attachments are UTF-8 JSON)
    attachments = {f"att{i}": a.content.decode("utf-8") for i, a in enumerate(doc.attachments)}
    return _get_typesetter().compile(data, images, pdf_a=doc.pdf_a, attachments=attachments)


def document_pdf_typst(doc: Document, *, qr_png: bytes | None = None) -> bytes:
    pdf, warnings = compile_pdf(doc, qr_png=qr_png)
    for message in dict.fromkeys(warnings):
        log.warning("typst: %s (%s)", message, doc.title)
    return pdf
