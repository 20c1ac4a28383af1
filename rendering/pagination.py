"""Which table rows are kept whole on a page and which may break across pages.

One rule for the Typst engine, the WeasyPrint engine and Word: a row whose estimated height is at
most half the page's text area is kept whole (it moves to the next page rather than being cut, as
a reader expects of a short row); any taller row may break, so that no row is ever pushed whole
onto a page it cannot fit and runs off its bottom. The estimate errs on the tall side (a wide
character for every CJK character, generous widths for Latin text), so a row judged short surely
fits on a page.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from itertools import pairwise

from rendering.blocks import Blank, Block, Cell, Check, Image, Paragraph, Table, Text

__all__ = ["KEEP_WHOLE_FRACTION", "PT_MM", "TEXT_AREA_MM", "advance_em", "breakable_rows",
           "cell_grid", "cell_height_mm"]

#: A4 less the margins of annex.css / document.typ (22 18 20 22 mm): the text area in mm.
TEXT_AREA_MM = {False: (170.0, 255.0), True: (257.0, 168.0)}  # landscape → (width, height)
#: Rows up to this share of the text area's height are kept whole.
KEEP_WHOLE_FRACTION = 0.5
PT_MM = 25.4 / 72
_LINE_EM = 1.6  # line height: 1.55 em on both engines, rounded up
_PAD_MM = 3.0  # cell padding: 1.5 mm each side (2.4 mm vertically), rounded up
_NARROW_EM = 0.62  # a Latin letter, digit or space: ~0.5 em, rounded up
_PHOTO_ROW_MM = 24.0  # photos in a cell: two a line, 18 mm high with a caption
_MAP_MM = 65.0  # the risk map is drawn 65 mm tall


def cell_grid(table: Table) -> Iterator[tuple[int, int, Cell]]:
    """``(row, first column, cell)`` for every cell, columns counted past cells spanning down."""
    ncols = len(table.widths)
    below: dict[int, tuple[int, int]] = {}  # column → (rows still covered, colspan)
    for r, row in enumerate(table.rows):
        cells = iter(row.cells)
        c = 0
        while c < ncols:
            if c in below:
                left, span = below[c]
                below[c] = (left - 1, span)
                if left <= 1:
                    del below[c]
                c += span
                continue
            cell = next(cells, None)
            if cell is None:
                break
            span = max(1, min(cell.colspan, ncols - c))
            if cell.rowspan > 1:
                below[c] = (cell.rowspan - 1, span)
            yield r, c, cell
            c += span


def breakable_rows(table: Table, *, landscape: bool) -> tuple[bool, ...]:
    """For each row of ``table``: True when it may break across pages (its estimated height is
    more than :data:`KEEP_WHOLE_FRACTION` of the text area), False when it is kept whole."""
    from rendering.layout import column_widths_mm  # layout builds on this module

    _, height_mm = TEXT_AREA_MM[landscape]
    limit = KEEP_WHOLE_FRACTION * height_mm
    em_mm = (9.0 if table.font_small else 10.5) * PT_MM
    cols = column_widths_mm(table, landscape=landscape)
    out = [False] * len(table.rows)
    for r, c, cell in cell_grid(table):
        span = max(1, min(cell.colspan, len(table.widths) - c))
        cell_w = sum(cols[c:c + span]) - _PAD_MM
        if cell_height_mm(cell, max(cell_w, em_mm), em_mm) > limit:
            # a cell spanning rows may need all of them to break
            for k in range(r, min(r + max(cell.rowspan, 1), len(out))):
                out[k] = True
    return tuple(out)


def cell_height_mm(cell: Cell, width_mm: float, em_mm: float) -> float:
    """A generous estimate of ``cell``'s height when set ``width_mm`` wide."""
    per_line = max(1.0, width_mm / em_mm)  # wide characters a line holds
    lines = 0
    run = 0.0  # width (in em) of the line being filled, across inlines
    images = 0.0
    for i in cell.inlines:
        if isinstance(i, Text):
            parts = i.text.split("\n")
            for n, part in enumerate(parts):
                run += advance_em(part)
                if n < len(parts) - 1:
                    lines += max(1, math.ceil(run / per_line))
                    run = 0.0
        elif isinstance(i, Check):
            run += advance_em(i.label) + 2.5
        elif isinstance(i, Blank):
            run += i.width or per_line
        elif isinstance(i, Image):
            images += _MAP_MM if i.kind == "map" else _PHOTO_ROW_MM / 2
    lines += max(1, math.ceil(run / per_line))
    height = lines * _LINE_EM * em_mm + images + _PAD_MM
    return max(height, cell.min_height_mm or 0.0)


def advance_em(text: str) -> float:
    """The width of ``text`` in em: 1 for a CJK (3- or 4-byte UTF-8) character, ~0.6 otherwise.

    Counted on the UTF-8 length (in C) rather than character by character: this runs for every
    cell of every document rendered.
    """
    n = len(text)
    wide = min(n, (len(text.encode("utf-8", "surrogatepass")) - n) // 2)
    return wide + (n - wide) * _NARROW_EM


#: A paragraph this short (in em, about two lines) that comes just before a table is the table's
#: lead-in ("事故预防费用计提、支出和余额等。"): it stays on the page of the table's first rows.
LEAD_IN_EM = 90.0


def lead_ins(blocks: Sequence[Block]) -> frozenset[int]:
    """The indexes of the paragraphs that lead into the table after them (kept with it)."""
    out = set()
    for n, (b, nxt) in enumerate(pairwise(blocks)):
        if isinstance(b, Paragraph) and isinstance(nxt, Table) and advance_em(
                "".join(i.text for i in b.inlines if isinstance(i, Text))) <= LEAD_IN_EM:
            out.add(n)
    return frozenset(out)
