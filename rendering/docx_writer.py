"""Document tree → DOCX through docxtpl: the base template (templates/annex/base.docx) carries
page setup, fonts, styles and the 第 X 页 共 Y 页 footer; the body is a sub-document built from
the same tree the PDF is drawn from."""

from __future__ import annotations

import io
import logging
from functools import lru_cache
from pathlib import Path
from typing import Literal

from docx import Document as open_docx
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import Table as DocxTable
from docx.table import _Cell
from docx.text.paragraph import Paragraph as DocxParagraph
from docxtpl import DocxTemplate
from docxtpl.subdoc import Subdoc
from PIL import Image as PILImage

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
    Table,
    Text,
)
from rendering.pagination import breakable_rows

__all__ = ["BASE_DOCX", "document_docx"]

log = logging.getLogger("azx.rendering")

BASE_DOCX = Path(__file__).resolve().parent.parent / "templates" / "annex" / "base.docx"
TEXT_WIDTH_CM = 17.0
TEXT_WIDTH_LANDSCAPE_CM = 25.7
PHOTO_MAX_H_CM = 4.0
PHOTO_MAX_H_CELL_CM = 1.8
_ALIGN = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER,
          "right": WD_ALIGN_PARAGRAPH.RIGHT}


@lru_cache(maxsize=1)
def _base_bytes() -> bytes:
    return BASE_DOCX.read_bytes()


def _clean(text: str) -> str:
    # XML 1.0 forbids most control characters; Word could not open a file containing them.
    return "".join(ch for ch in text if ch in "\t\n" or (ord(ch) >= 0x20 and ch not in "\ufffe\uffff"))


def _add_text(p: DocxParagraph, text: str, bold: bool = False) -> None:
    lines = _clean(text).split("\n")
    for n, line in enumerate(lines):
        if n:
            p.add_run().add_break(WD_BREAK.LINE)
        run = p.add_run(line)  # python-docx turns \t into a w:tab
        run.bold = bold or None


def _photo(p: DocxParagraph, img: Image, max_w_cm: float) -> None:
    if img.mime == "image/svg+xml":
        try:
            png = img.fallback_png
        except (OSError, ValueError):  # the document still prints without its map
            log.warning("risk map not drawn for Word", exc_info=True)
            return
        if png is None:
            return
        img = Image(png, "image/png", img.caption, img.kind)
    with PILImage.open(io.BytesIO(img.data)) as im:
        w, h = im.size
    max_h = 15.0 if img.kind == "map" else PHOTO_MAX_H_CM
    width = min(max_w_cm, max_h * w / max(h, 1), w / 96 * 2.54 * (2 if img.kind == "map" else 1))
    run = p.add_run()
    run.add_picture(io.BytesIO(img.data), width=Cm(max(width, 0.5)))
    if img.caption:
        run.add_break(WD_BREAK.LINE)
        p.add_run(_clean(img.caption)).font.size = Pt(8)


def _inlines(p: DocxParagraph, items: tuple[Inline, ...], max_w_cm: float) -> None:
    for i in items:
        if isinstance(i, Text):
            _add_text(p, i.text, i.bold)
        elif isinstance(i, Blank):
            p.add_run("_" * max(2, i.width * 2 // 2))
        elif isinstance(i, Check):
            if i.style == "paren":
                p.add_run(f"{i.label}（")
                _box(p, i.mark)
                p.add_run("）  ")
            else:
                _box(p, i.mark)
                p.add_run(f"{i.label}  ")
        elif isinstance(i, Image):
            _photo(p, i, max_w_cm)


def _box(p: DocxParagraph, mark: str) -> None:
    run = p.add_run(mark)
    run.font.name = "Segoe UI Symbol"
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), "Segoe UI Symbol")


def _row_properties(row_el: object, *, header: bool, keep: bool) -> None:
    """``w:tblHeader`` repeats a header row on every page; ``w:cantSplit`` keeps a short row whole
    on a page. A tall row has no ``w:cantSplit``: Word would push it whole onto the next page
    and cut it at the page's foot (rendering/pagination.py decides, as for both PDF engines)."""
    if not (header or keep):
        return
    tr_pr = row_el.get_or_add_trPr()  # type: ignore[attr-defined]
    if keep:
        tr_pr.append(OxmlElement("w:cantSplit"))
    if header:
        el = OxmlElement("w:tblHeader")
        el.set(qn("w:val"), "true")
        tr_pr.append(el)


def _shade(cell: object) -> None:
    tc_pr = cell._element.get_or_add_tcPr()  # type: ignore[attr-defined]
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), "F2F2F2")
    tc_pr.append(shd)


def _vmerge(tc: object, val: str | None) -> None:
    tc_pr = tc.get_or_add_tcPr()  # type: ignore[attr-defined]
    el = OxmlElement("w:vMerge")
    if val:
        el.set(qn("w:val"), val)
    tc_pr.append(el)


def _table(sd: object, t: Table, text_w: float, landscape: bool) -> None:
    """Build the table row by row on the XML (python-docx's cell() is quadratic in the size)."""
    ncols = len(t.widths)
    total = sum(t.widths) or 1
    col_cm = [w / total * text_w for w in t.widths]
    if t.caption:
        cap = sd.add_paragraph()  # type: ignore[attr-defined]
        cap.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _add_text(cap, t.caption, bold=True)
    table: DocxTable = sd.add_table(rows=0, cols=ncols)  # type: ignore[attr-defined]
    table.style = "Table Grid" if t.borders else None
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    below: dict[int, tuple[int, int]] = {}  # column → (rows still covered, colspan) from a rowspan
    breakable = breakable_rows(t, landscape=landscape)
    for r, row in enumerate(t.rows):
        docx_row = table.add_row()  # type: ignore[no-untyped-call]
        _row_properties(docx_row._tr, header=r < t.header_rows, keep=not breakable[r])
        tcs = list(docx_row._tr.tc_lst)
        # (start col, span, cell or None=continue or False=no cell left in the row)
        plan: list[tuple[int, int, Cell | Literal[False] | None]] = []
        cells = iter(row.cells)
        c = 0
        while c < ncols:
            if c in below:
                left, span = below[c]
                plan.append((c, span, None))
                if left <= 1:
                    del below[c]
                else:
                    below[c] = (left - 1, span)
                c += span
                continue
            cell = next(cells, None)
            if cell is None:
                plan.append((c, 1, False))
                c += 1
                continue
            span = max(1, min(cell.colspan, ncols - c))
            if cell.rowspan > 1:
                below[c] = (cell.rowspan - 1, span)
            plan.append((c, span, cell))
            c += span
        for start, span, bcell in plan:
            tc = tcs[start]
            if span > 1:
                tc.grid_span = span
                for extra in tcs[start + 1 : start + span]:
                    docx_row._tr.remove(extra)
            width = sum(col_cm[start : start + span])
            tc.width = Cm(width)
            dcell = _Cell(tc, table)
            if bcell is None:
                _vmerge(tc, None)
                continue
            if bcell is False:
                continue
            if bcell.rowspan > 1:
                _vmerge(tc, "restart")
            p = dcell.paragraphs[0]
            p.alignment = _ALIGN[bcell.align]
            _inlines(p, bcell.inlines, max(width - 0.3, 1.0))
            if bcell.header:
                _shade(dcell)
            if t.font_small:
                for run in p.runs:
                    run.font.size = Pt(9)
    sd.add_paragraph()  # type: ignore[attr-defined]


def _block(sd: object, b: Block, text_w: float, landscape: bool) -> None:
    if isinstance(b, Heading):
        sd.add_paragraph(_clean(b.text), style=f"Heading {max(1, min(b.level, 3))}")  # type: ignore[attr-defined]
    elif isinstance(b, Paragraph):
        p = sd.add_paragraph()  # type: ignore[attr-defined]
        p.alignment = _ALIGN[b.align]
        if b.indent:
            p.paragraph_format.first_line_indent = Pt(21)
        _inlines(p, b.inlines, text_w)
        if b.small:
            for run in p.runs:
                run.font.size = Pt(9)
    elif isinstance(b, Table):
        _table(sd, b, text_w, landscape)
    elif isinstance(b, Signatures):
        for sig in b.items:
            p = sd.add_paragraph()  # type: ignore[attr-defined]
            p.paragraph_format.space_before = Pt(12)
            p.add_run(_clean(sig.label))
            p.add_run(_clean(sig.name) if sig.name else "_" * 16)
            if sig.with_date:
                d = sd.add_paragraph(_clean(sig.date) if sig.date else "年　　月　　日")  # type: ignore[attr-defined]
                d.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    elif isinstance(b, PageBreak):
        sd.add_paragraph().add_run().add_break(WD_BREAK.PAGE)  # type: ignore[attr-defined]


class _Body(Subdoc):  # type: ignore[misc]
    """The sub-document the body is built in, on our trimmed base.docx rather than python-docx's
    default template (whose 0.8 MB of styles ``DocxTemplate.new_subdoc`` would parse each time)."""

    def __init__(self, tpl: DocxTemplate) -> None:
        self.tpl = tpl
        self.docx = tpl.get_docx()
        self.subdocx = open_docx(io.BytesIO(_base_bytes()))
        body = self.subdocx.element.body
        for child in list(body):
            if child.tag != qn("w:sectPr"):
                body.remove(child)
        self.subdocx._part = self.docx._part  # styles resolve against the main document


def _body_of(tpl: DocxTemplate) -> Subdoc:
    tpl.init_docx()
    return _Body(tpl)


def document_docx(doc: Document) -> bytes:
    tpl = DocxTemplate(io.BytesIO(_base_bytes()))
    text_w = TEXT_WIDTH_LANDSCAPE_CM if doc.landscape else TEXT_WIDTH_CM
    if doc.landscape:
        sec = tpl.get_docx().sections[0]
        sec.orientation = WD_ORIENT.LANDSCAPE
        sec.page_width, sec.page_height = sec.page_height, sec.page_width
    sd = _body_of(tpl)
    if doc.subtitle:
        sd.add_paragraph(_clean(doc.subtitle))
    title = sd.add_paragraph(_clean(doc.title), style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for b in doc.blocks:
        _block(sd, b, text_w, doc.landscape)
    tpl.render({"body": sd, "record_id": doc.record_id or ""}, autoescape=True)
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()
