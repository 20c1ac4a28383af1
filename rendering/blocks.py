"""A format-neutral document tree: what both the PDF and the DOCX writer draw.

An annex spec (templates/annex/…/*.yaml) plus the posted data become a ``Document``; the HTML
writer (→ WeasyPrint) and the DOCX writer (→ docxtpl) each walk the same tree, so both formats
carry the same labels and values by construction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "Attachment",
    "Blank",
    "Block",
    "Cell",
    "Check",
    "Document",
    "Heading",
    "Image",
    "Inline",
    "PageBreak",
    "Paragraph",
    "Row",
    "Signature",
    "Signatures",
    "Source",
    "Spacer",
    "Table",
    "Text",
]

CHECKED = "☑"
UNCHECKED = "□"
#: Opens every note the service adds to an annex (the bands in force, a line the standard does
#: not have): printed small and grey after this mark, so that a reader never takes it for the
#: standard's own words.
NOTE_MARK = "【系统补充】"


#: Where a printed value comes from in the request body, e.g. ``("data", "hazards", 3,
#: "description")`` (rendering.values.DataPath).
Source = tuple[str | int, ...] | None


@dataclass(frozen=True)
class Text:
    text: str
    bold: bool = False
    # The data path of the posted value this text shows; None for labels, ／ and values the
    # domain computes (levels, scores, totals). Not part of equality: two cells showing the same
    # text are the same cell (merged runs), whichever item they came from.
    source: Source = field(default=None, compare=False)


@dataclass(frozen=True)
class Blank:
    """A fill-in line: ``____`` on a blank form."""

    width: int | None = 8  # in characters; None: ruled to the right edge of the line


@dataclass(frozen=True)
class Check:
    label: str
    checked: bool
    style: Literal["box_first", "paren"] = "box_first"  # ☑好  or  好（☑）

    @property
    def mark(self) -> str:
        return CHECKED if self.checked else UNCHECKED


@dataclass(frozen=True)
class Image:
    data: bytes
    mime: str
    caption: str | None = None
    kind: str = "photo"  # "map": the four-colour risk map, drawn at text width
    # draws a PNG for formats that cannot embed ``mime`` (SVG in Word); called only by them
    fallback: Callable[[], bytes] | None = None
    source: Source = field(default=None, compare=False)  # of the caption

    @property
    def fallback_png(self) -> bytes | None:
        return self.fallback() if self.fallback is not None else None


Inline = Text | Blank | Check | Image


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1  # 0 = a title (a cover's, set as the document title), 1 = 一、, 2 = （一）/1.


@dataclass(frozen=True)
class Paragraph:
    inlines: tuple[Inline, ...]
    indent: bool = False
    align: Literal["left", "center", "right"] = "left"
    small: bool = False
    # a note of the service, not the standard's text: starts with NOTE_MARK, printed small, grey
    note: bool = False


#: The pitch of the ruled lines of a write-in area (a blank form's 四、工作建议): room for
#: handwriting, as the write-in rows of tables (rendering/spec.py WRITE_IN_MM).
WRITE_IN_LINE_MM = 8.0


def is_write_in_line(b: Paragraph) -> bool:
    """A paragraph that is nothing but a line ruled to the right edge: a line to write on."""
    return len(b.inlines) == 1 and isinstance(b.inlines[0], Blank) and b.inlines[0].width is None


@dataclass(frozen=True)
class Spacer:
    """Vertical space (a cover's layout)."""

    mm: float


@dataclass(frozen=True)
class Cell:
    inlines: tuple[Inline, ...]
    colspan: int = 1
    rowspan: int = 1
    header: bool = False
    align: Literal["left", "center", "right"] = "left"
    min_height_mm: float | None = None


@dataclass(frozen=True)
class Row:
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Table:
    rows: tuple[Row, ...]
    widths: tuple[float, ...]  # relative column widths
    header_rows: int = 0  # repeated on every page
    caption: str | None = None
    font_small: bool = False
    borders: bool = True


@dataclass(frozen=True)
class Signature:
    label: str
    name: str | None = None
    date: str | None = None  # formatted, or None → "年 月 日" line
    with_date: bool = True
    source: Source = field(default=None, compare=False)  # of the name


@dataclass(frozen=True)
class Signatures:
    items: tuple[Signature, ...]
    columns: int = 1


@dataclass(frozen=True)
class PageBreak:
    pass


Block = Heading | Paragraph | Table | Signatures | PageBreak | Spacer


@dataclass(frozen=True)
class Attachment:
    """A file the PDF carries as an associated file (PDF/A-3 ``/AF``): e.g. the source JSON the
    document was made from (``relationship`` "source") or its record metadata ("data")."""

    name: str
    content: bytes
    relationship: Literal["source", "data"]
    mime_type: str = "application/json"
    description: str = ""


@dataclass
class Document:
    title: str
    blocks: list[Block] = field(default_factory=list)
    subtitle: str | None = None  # e.g. 附件 4
    record_id: str | None = None
    verify_url: str | None = None
    blank: bool = False
    landscape: bool = False
    #: an archived record: PDF/A-3b, carrying ``attachments`` as associated files
    pdf_a: bool = False
    attachments: list[Attachment] = field(default_factory=list)

    def add(self, *blocks: Block) -> None:
        self.blocks.extend(blocks)

    def texts(self) -> list[str]:
        """Every text the document shows, in order (for tests comparing both formats)."""
        out: list[str] = [self.title]
        for block in self.blocks:
            out += _block_texts(block)
        return out


def _inline_texts(inlines: tuple[Inline, ...]) -> list[str]:
    out: list[str] = []
    for i in inlines:
        if isinstance(i, Text):
            out.append(i.text)
        elif isinstance(i, Check):
            out.append(i.label)
        elif isinstance(i, Image) and i.caption:
            out.append(i.caption)
    return out


def _block_texts(block: Block) -> list[str]:
    if isinstance(block, Heading):
        return [block.text]
    if isinstance(block, Paragraph):
        return _inline_texts(block.inlines)
    if isinstance(block, Table):
        out = [block.caption] if block.caption else []
        for row in block.rows:
            for cell in row.cells:
                out += _inline_texts(cell.inlines)
        return out
    if isinstance(block, Signatures):
        out = []
        for s in block.items:
            out.append(s.label)
            if s.name:
                out.append(s.name)
        return out
    return []
