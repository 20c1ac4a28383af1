"""Document tree → DOCX that matches the PDF: the same column widths (rendering/layout.py) with a
``w:tblGrid`` equal to the cells, row heights for write-in areas (``w:trHeight``, at least the
PDF's), header rows that repeat (``w:tblHeader``), short rows kept whole (``w:cantSplit``, the
rule of rendering/pagination.py), captions and headings kept with what follows (``w:keepNext``),
write-in lines ruled to the right edge (a right tab with an underscore leader), landscape
sections where the PDF is landscape.

The base template (templates/annex/base.docx) carries page setup, fonts, styles and the 第 X 页
共 Y 页 footer; the body is written as WordprocessingML text in one pass (every value escaped:
data never becomes markup) and parsed once — building it element by element through python-docx
took three times as long as the Typst PDF of a long report.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

from docx import Document as open_docx
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import parse_xml
from docx.oxml.ns import qn
from PIL import Image as PILImage

from rendering.blocks import (
    WRITE_IN_LINE_MM,
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
from rendering.layout import cell_padding_mm, column_widths_mm, text_width_mm
from rendering.pagination import PT_MM, advance_em, breakable_rows, cell_grid

__all__ = ["BASE_DOCX", "document_docx"]

log = logging.getLogger("azx.rendering")

BASE_DOCX = Path(__file__).resolve().parent.parent / "templates" / "annex" / "base.docx"
PHOTO_MAX_H_CM = 4.0
PHOTO_MAX_H_CELL_CM = 1.8
#: The four-colour map's height (as both PDF engines): under a third of a page, so that moving
#: it to the next page never leaves a third of a page empty.
MAP_MAX_H_MM = 65.0
#: a chart (rendering/charts.py) at text width unless taller than this
CHART_MAX_H_MM = 180.0
_TWIPS_MM = 1440 / 25.4
_EMU_CM = 360000
_CELL_MARGIN_V_TW = 57  # 1 mm (the engines' 1.2 mm less Word's taller single line)
_JC = {"left": "left", "center": "center", "right": "right"}
_BOX_FONT = ('<w:rFonts w:ascii="Segoe UI Symbol" w:hAnsi="Segoe UI Symbol" '
             'w:eastAsia="Segoe UI Symbol" w:cs="Segoe UI Symbol"/>')


@lru_cache(maxsize=1)
def _base_bytes() -> bytes:
    return BASE_DOCX.read_bytes()


def _clean(text: str) -> str:
    # XML 1.0 forbids most control characters; Word could not open a file containing them.
    return "".join(ch for ch in text if ch in "\t\n" or (ord(ch) >= 0x20 and ch not in "\ufffe\uffff"))


_HYPHENATED = re.compile(r"(?<=[0-9A-Za-z])-(?=[0-9A-Za-z])")


def _no_break(text: str) -> str:
    """``text`` escaped, a hyphen inside a code or number (AQ 9010-2019, 028-8456) as Word's
    non-breaking hyphen: a line breaks there in no PDF engine either."""
    out = escape(text)
    if "-" not in out:
        return out
    return _HYPHENATED.sub('</w:t><w:noBreakHyphen/><w:t xml:space="preserve">', out)


_LINE_MM = 4.3  # one line of 10.5 pt text at Word's 1.15 line spacing


def _tw(mm: float) -> int:
    return round(mm * _TWIPS_MM)


class _Writer:
    """Writes one document's body; images become parts of ``part`` (the main document part)."""

    def __init__(self, part: object, landscape: bool) -> None:
        self.part = part
        self.landscape = landscape
        self.text_mm = text_width_mm(landscape)
        self.out: list[str] = []
        self.pic_id = 0
        self.images: dict[bytes, tuple[str, int, int]] = {}

    # -- runs -----------------------------------------------------------------------------
    @staticmethod
    def _rpr(bold: bool = False, size_pt: float | None = None, grey: bool = False,
             box: bool = False) -> str:
        parts = []
        if box:
            parts.append(_BOX_FONT)
        if bold:
            parts.append("<w:b/>")
        if grey:
            parts.append('<w:color w:val="595959"/>')
        if size_pt:
            parts.append(f'<w:sz w:val="{round(size_pt * 2)}"/><w:szCs w:val="{round(size_pt * 2)}"/>')
        return f"<w:rPr>{''.join(parts)}</w:rPr>" if parts else ""

    def text_runs(self, text: str, rpr: str) -> str:
        out = []
        for n, line in enumerate(_clean(text).split("\n")):
            if n:
                out.append(f"<w:r>{rpr}<w:br/></w:r>")
            for m, piece in enumerate(line.split("\t")):
                if m:
                    out.append(f"<w:r>{rpr}<w:tab/></w:r>")
                if piece:
                    out.append(f'<w:r>{rpr}<w:t xml:space="preserve">{_no_break(piece)}</w:t></w:r>'
                               .replace("<w:t xml:space=\"preserve\"></w:t>", ""))
        return "".join(out)

    def inlines(self, items: tuple[Inline, ...], max_w_cm: float, size_pt: float | None,
                grey: bool = False, in_cell: bool = False) -> str:
        rpr = self._rpr(size_pt=size_pt, grey=grey)
        out = []
        em_mm = (size_pt or 10.5) * PT_MM
        line_em = 0.0
        for i in items:
            if isinstance(i, Text):
                out.append(self.text_runs(i.text, self._rpr(i.bold, size_pt, grey)))
            elif isinstance(i, Blank):
                if i.width is None:  # ruled to the edge: a right tab with an underscore leader
                    out.append(f"<w:r>{rpr}<w:tab/></w:r>")
                else:
                    out.append(f'<w:r>{rpr}<w:t>{"_" * max(2, i.width)}</w:t></w:r>')
            elif isinstance(i, Check):
                # Word breaks CJK anywhere: a box with its label that would not fit after the
                # ones before it starts a new line, so that no label is cut (□未/开展)
                em = advance_em(i.label) + 2.0 + (2.0 if i.style == "paren" else 0.0)
                if in_cell and line_em and line_em + em > max_w_cm * 10 / em_mm:
                    out.append(f"<w:r>{rpr}<w:br/></w:r>")
                    line_em = 0.0
                line_em += em
                box = f"<w:r>{self._rpr(size_pt=size_pt, box=True)}<w:t>{i.mark}</w:t></w:r>"
                if i.style == "paren":
                    out.append(self.text_runs(f"{i.label}（", rpr) + box
                               + self.text_runs("）  ", rpr))
                else:
                    out.append(box + self.text_runs(f"{i.label}  ", rpr))
            elif isinstance(i, Image):
                out.append(self.picture(i, max_w_cm, in_cell))
        return "".join(out)

    def picture(self, img: Image, max_w_cm: float, in_cell: bool) -> str:
        if img.mime == "image/svg+xml":
            try:
                png = img.fallback_png
            except (OSError, ValueError):  # the document still prints without its map
                log.warning("risk map not drawn for Word", exc_info=True)
                return ""
            if png is None:
                return ""
            img = Image(png, "image/png", img.caption, img.kind)
        key = hashlib.sha1(img.data).digest()  # a photo repeated in many rows is added once
        if key not in self.images:
            rid, image = self.part.get_or_add_image(io.BytesIO(img.data))  # type: ignore[attr-defined]
            w, h = image.px_width, image.px_height
            if not (w and h):
                with PILImage.open(io.BytesIO(img.data)) as im:
                    w, h = im.size
            self.images[key] = (rid, w, h)
        rid, w, h = self.images[key]
        max_h = {"map": MAP_MAX_H_MM / 10, "chart": CHART_MAX_H_MM / 10}.get(
            img.kind, PHOTO_MAX_H_CELL_CM if in_cell else PHOTO_MAX_H_CM)
        width = max(min(max_w_cm, max_h * w / max(h, 1)), 0.5)
        cx = round(width * _EMU_CM)
        cy = round(cx * h / max(w, 1))
        self.pic_id += 1
        n = self.pic_id
        drawing = (
            f'<w:r><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0">'
            f'<wp:extent cx="{cx}" cy="{cy}"/><wp:docPr id="{n}" name="Picture {n}"/>'
            '<wp:cNvGraphicFramePr><a:graphicFrameLocks noChangeAspect="1" '
            'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"/>'
            '</wp:cNvGraphicFramePr>'
            '<a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
            '<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">'
            '<pic:pic xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture">'
            f'<pic:nvPicPr><pic:cNvPr id="{n}" name="image{n}"/><pic:cNvPicPr/></pic:nvPicPr>'
            f'<pic:blipFill><a:blip r:embed="{rid}"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>'
            f'<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm>'
            '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic>'
            "</a:graphicData></a:graphic></wp:inline></w:drawing></w:r>")
        if img.caption:
            drawing += f"<w:r><w:br/></w:r>{self.text_runs(img.caption, self._rpr(size_pt=8))}"
        return drawing

    # -- paragraphs -----------------------------------------------------------------------
    def para(self, body: str, *, style: str | None = None, jc: str = "left",
             indent: bool = False, keep_next: bool = False, tab_mm: float | None = None,
             space_before_pt: float | None = None, after0: bool = False,
             pitch_mm: float | None = None) -> str:
        ppr = []
        if style:
            ppr.append(f'<w:pStyle w:val="{style}"/>')
        if keep_next:
            ppr.append("<w:keepNext/>")
        if tab_mm is not None:
            ppr.append(f'<w:tabs><w:tab w:val="right" w:leader="underscore" '
                       f'w:pos="{_tw(tab_mm)}"/></w:tabs>')
        if after0:  # in a table cell: no extra space between CJK and Latin text (as the PDF)
            ppr.append('<w:autoSpaceDE w:val="0"/><w:autoSpaceDN w:val="0"/>')
        if pitch_mm is not None:
            # a line to write on, ``pitch_mm`` below the one before: space before its one line
            # of ~4.3 mm (LibreOffice ignores an exact line height on a line holding only a tab)
            ppr.append(f'<w:spacing w:before="{_tw(pitch_mm - _LINE_MM)}" w:after="0"/>')
        elif space_before_pt is not None or after0:
            before = f' w:before="{round((space_before_pt or 0) * 20)}"'
            after = ' w:after="0"' if after0 else ""
            ppr.append(f"<w:spacing{before}{after}/>")
        if indent:
            ppr.append('<w:ind w:firstLine="420"/>')
        if jc != "left":
            ppr.append(f'<w:jc w:val="{_JC[jc]}"/>')
        return f"<w:p><w:pPr>{''.join(ppr)}</w:pPr>{body}</w:p>"

    def block(self, b: Block) -> None:
        out = self.out
        if isinstance(b, Heading):
            if b.level == 0:
                out.append(self.para(self.text_runs(b.text, ""), style="Title", jc="center",
                                     keep_next=True, space_before_pt=18))
            else:
                style = f"Heading{max(1, min(b.level, 3))}"
                out.append(self.para(self.text_runs(b.text, ""), style=style, keep_next=True))
        elif isinstance(b, Paragraph):
            size = 8.5 if b.note else (9 if b.small else None)
            fill = any(isinstance(i, Blank) and i.width is None for i in b.inlines)
            body = self.inlines(b.inlines, self.text_mm / 10, size, grey=b.note)
            out.append(self.para(body, jc=b.align, indent=b.indent,
                                 tab_mm=self.text_mm if fill else None,
                                 pitch_mm=WRITE_IN_LINE_MM if is_write_in_line(b) else None))
        elif isinstance(b, Table):
            self.table(b)
        elif isinstance(b, Signatures):
            for sig in b.items:
                name = (self.text_runs(sig.name, "") if sig.name
                        else f"<w:r><w:t>{'_' * 16}</w:t></w:r>")
                out.append(self.para(self.text_runs(sig.label, "") + name, space_before_pt=12,
                                     keep_next=sig.with_date))
                if sig.with_date:
                    out.append(self.para(self.text_runs(sig.date or "年　　月　　日", ""),
                                         jc="right"))
        elif isinstance(b, PageBreak):
            out.append('<w:p><w:r><w:br w:type="page"/></w:r></w:p>')
        elif isinstance(b, Spacer):
            out.append(self.para("", space_before_pt=b.mm * 72 / 25.4, after0=True))

    # -- tables ---------------------------------------------------------------------------
    def table(self, t: Table) -> None:
        out = self.out
        ncols = len(t.widths)
        cols_mm = column_widths_mm(t, landscape=self.landscape)
        cols_tw = [_tw(w) for w in cols_mm]
        cols_tw[-1] += _tw(self.text_mm) - sum(cols_tw)  # the grid adds up to the text width
        size = 9.0 if t.font_small else None
        pad_tw = _tw(cell_padding_mm(t, landscape=self.landscape))  # 1.5 mm, 0.8 mm if dense
        if t.caption:
            out.append(self.para(self.text_runs(t.caption, self._rpr(bold=True)), jc="center",
                                 keep_next=True))
        borders = "" if t.borders else (
            "<w:tblBorders>" + "".join(f'<w:{e} w:val="nil"/>' for e in
                                       ("top", "left", "bottom", "right", "insideH", "insideV"))
            + "</w:tblBorders>")
        out.append(
            "<w:tbl><w:tblPr>" + ('<w:tblStyle w:val="TableGrid"/>' if t.borders else "")
            + f'<w:tblW w:w="{sum(cols_tw)}" w:type="dxa"/><w:jc w:val="center"/>{borders}'
            '<w:tblLayout w:type="fixed"/><w:tblCellMar>'
            f'<w:top w:w="{_CELL_MARGIN_V_TW}" w:type="dxa"/>'
            f'<w:left w:w="{pad_tw}" w:type="dxa"/>'
            f'<w:bottom w:w="{_CELL_MARGIN_V_TW}" w:type="dxa"/>'
            f'<w:right w:w="{pad_tw}" w:type="dxa"/></w:tblCellMar>'
            '<w:tblLook w:val="0000"/></w:tblPr><w:tblGrid>'
            + "".join(f'<w:gridCol w:w="{w}"/>' for w in cols_tw) + "</w:tblGrid>")
        breakable = breakable_rows(t, landscape=self.landscape)
        placed: dict[int, list[tuple[int, int, Cell]]] = {r: [] for r in range(len(t.rows))}
        for r, c, cell in cell_grid(t):
            placed[r].append((c, max(1, min(cell.colspan, ncols - c)), cell))
        below: dict[int, tuple[int, int]] = {}  # column → (rows still covered, span)
        keep_caption = bool(t.caption)
        for r in range(len(t.rows)):
            starts = {c: (span, cell) for c, span, cell in placed[r]}
            heights = [cell.min_height_mm for _, _, cell in placed[r] if cell.min_height_mm]
            tr_pr = []
            if not breakable[r]:
                tr_pr.append("<w:cantSplit/>")
            if heights:
                tr_pr.append(f'<w:trHeight w:val="{_tw(max(heights))}" w:hRule="atLeast"/>')
            if r < t.header_rows:
                tr_pr.append("<w:tblHeader/>")
            cells = []
            c = 0
            while c < ncols:
                if c in below:
                    left, span = below[c]
                    if left <= 1:
                        del below[c]
                    else:
                        below[c] = (left - 1, span)
                    width = sum(cols_tw[c:c + span])
                    cells.append(self.tc(width, span, None, size, "continue", False))
                    c += span
                    continue
                if c not in starts:  # no cell left in the row: an empty one keeps the grid
                    cells.append(self.tc(cols_tw[c], 1, None, size, None, False))
                    c += 1
                    continue
                span, cell = starts[c]
                if cell.rowspan > 1:
                    below[c] = (cell.rowspan - 1, span)
                width = sum(cols_tw[c:c + span])
                cells.append(self.tc(width, span, cell, size,
                                     "restart" if cell.rowspan > 1 else None,
                                     keep_caption))
                c += span
            keep_caption = False
            out.append(f"<w:tr><w:trPr>{''.join(tr_pr)}</w:trPr>{''.join(cells)}</w:tr>")
        out.append("</w:tbl>")
        out.append(self.para("", after0=True))

    def tc(self, width_tw: int, span: int, cell: Cell | None, size: float | None,
           vmerge: str | None, keep_next: bool) -> str:
        pr = [f'<w:tcW w:w="{width_tw}" w:type="dxa"/>']
        if span > 1:
            pr.append(f'<w:gridSpan w:val="{span}"/>')
        if vmerge == "restart":
            pr.append('<w:vMerge w:val="restart"/>')
        elif vmerge == "continue":
            pr.append("<w:vMerge/>")
        if cell is not None and cell.header:
            pr.append('<w:shd w:val="clear" w:color="auto" w:fill="F2F2F2"/>')
        pr.append('<w:vAlign w:val="center"/>')
        body = ""
        jc = "left"
        if cell is not None:
            width_cm = max(width_tw / _TWIPS_MM / 10 - 0.3, 1.0)
            body = self.inlines(cell.inlines, width_cm, size, in_cell=True)
            jc = cell.align
        para = self.para(body, jc=jc, keep_next=keep_next, after0=True)
        return f"<w:tc><w:tcPr>{''.join(pr)}</w:tcPr>{para}</w:tc>"


_PLACEHOLDER = "<w:p><w:r><w:t>{{p body }}</w:t></w:r></w:p>"
_PG_SIZE = re.compile(r'<w:pgSz w:w="(\d+)" w:h="(\d+)"/>')


@lru_cache(maxsize=1)
def _base_document_xml() -> str:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(_base_bytes())) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    if _PLACEHOLDER not in xml or not _PG_SIZE.search(xml):
        raise RuntimeError("templates/annex/base.docx: no {{p body }} paragraph or page size")
    return xml


def document_docx(doc: Document) -> bytes:
    d = open_docx(io.BytesIO(_base_bytes()))
    w = _Writer(d.part, doc.landscape)
    if doc.subtitle:
        w.out.append(w.para(w.text_runs(doc.subtitle, "")))
    w.out.append(w.para(w.text_runs(doc.title, ""), style="Title", jc="center", keep_next=True))
    for b in doc.blocks:
        w.block(b)
    # the body goes into the template's document.xml as text, parsed once (moving thousands of
    # parsed elements into the template's tree one by one would take longer than the writing)
    xml = _base_document_xml().replace(_PLACEHOLDER, "".join(w.out), 1)
    if doc.landscape:
        xml = _PG_SIZE.sub(lambda m: f'<w:pgSz w:w="{m.group(2)}" w:h="{m.group(1)}" '
                           'w:orient="landscape"/>', xml, 1)
    d.part._element = parse_xml(xml.encode("utf-8"))
    for rel in d.part.rels.values():  # the running header carries the record ID
        if rel.reltype == RT.HEADER:
            for t in rel.target_part.element.iter(qn("w:t")):
                if "record_id" in (t.text or ""):
                    t.text = doc.record_id or ""
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()
