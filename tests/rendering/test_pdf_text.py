"""The fast reader (rendering/pdf_text.py) keeps a glyph when its baseline and the middle of its
advance are inside the page's box.

It reads a usual page in bulk (every run's strings at once, a run's reach from its length and
the widest glyph of its font) and, when a run may cross an edge, run by run and glyph by glyph.
These tests cut the box of the Typst engine's pages through their text, at every side, and read
each page both ways; they compare the lines cut at the foot or the head with PDFium's reader
(poppler keeps a glyph that merely overlaps the box, a more lenient rule; PDFium's reader, like
ours, takes the baseline); and they read literal strings with every escape the Typst engine
writes both in bulk and one by one.
"""

from __future__ import annotations

import io
from collections import Counter
from functools import cache

import pypdf
import pytest

from domain.catalog import get_kind, parse_data
from rendering.pdf import document_pdf
from rendering.pdf_text import (
    _Reader,
    _runs_text,
    _shown,
    _strings,
    _usual_page_text,
    fast_page_texts,
    general_page_texts,
)
from services.render import build
from tests.conftest import load_examples
from tests.textutil import squash

#: Documents with tables, TJ adjustments (full-width punctuation at a line's start) and the risk
#: map (its labels in runs that scale).
DOCUMENTS = ["report-shandong", "chengdu_table_7-chengdu", "callback-shandong"]
SIDES = ["left", "right", "bottom", "top"]
#: Where a side of the box is moved to, as a part of the page: through lines, columns, the map;
#: within the margins (all of the text inside) for the first and the last.
FRACTIONS = [0.02, 0.05, 0.12, 0.3, 0.45, 0.55, 0.7, 0.85, 0.95, 0.98]


@cache
def _pdf(name: str) -> bytes:
    body = load_examples()[name]
    kind = get_kind(body["type"], body["profile"])
    doc = build(kind, parse_data(kind, body["data"]), record_id="AZX-26RPT-5XR67-E5Q2A-3")
    return document_pdf(doc)


def _cut(pdf: bytes, side: str, fraction: float, *, at: float | None = None) -> bytes:
    """``pdf`` with a side of each page's box moved to ``fraction`` of the page, or to ``at``."""
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(pdf)))
    for page in writer.pages:
        box = page.mediabox
        left, bottom, right, top = (float(v) for v in (box.left, box.bottom, box.right, box.top))
        if side == "left":
            left = at if at is not None else left + fraction * (right - left)
        elif side == "right":
            right = at if at is not None else left + fraction * (right - left)
        elif side == "bottom":
            bottom = at if at is not None else bottom + fraction * (top - bottom)
        else:
            top = at if at is not None else bottom + fraction * (top - bottom)
        page.mediabox = pypdf.generic.RectangleObject([left, bottom, right, top])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _bulk_and_glyph_by_glyph(pdf: bytes) -> tuple[int, int]:
    """How many pages the bulk reading takes, and declines; asserting that those it takes
    read as glyph by glyph."""
    taken = declined = 0
    reader = _Reader(pdf)
    for page in reader.pages():
        content = b"\n" + page.content()
        text = _usual_page_text(reader, page, content)
        if text is None:
            declined += 1
        else:
            taken += 1
            assert text == _runs_text(reader, page, content), page.box
    return taken, declined


@pytest.mark.parametrize("side", SIDES)
@pytest.mark.parametrize("name", DOCUMENTS)
def test_a_page_read_in_bulk_reads_as_glyph_by_glyph(name: str, side: str) -> None:
    """Whenever the bulk reading takes a page (all its glyphs inside), the glyph by glyph
    reading finds the same text; and the cuts make it decline some pages."""
    counts = [_bulk_and_glyph_by_glyph(_cut(_pdf(name), side, f)) for f in FRACTIONS]
    assert sum(taken for taken, _ in counts) and sum(declined for _, declined in counts)


def test_glyphs_that_tj_adjustments_move_past_an_edge_are_seen() -> None:
    """A run starting at the left margin (x = 62.4), its first glyphs moved 3 ems (33 pt) back
    and its last 45 ems on, past the right margin: cut through where they land (and where no
    other glyph is), the page is read glyph by glyph, and they are left out."""
    old = rb"[(\000\001\000\002\000\003\000\004)]TJ"
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(_pdf("callback-shandong"))))
    content = writer.pages[0].get_contents()
    assert content is not None and content.get_data().count(old) == 1
    content.set_data(content.get_data().replace(
        old, rb"[3000(\000\001\000\002)-45000(\000\003\000\004)]TJ"))
    writer.pages[0].replace_contents(content)
    out = io.BytesIO()
    writer.write(out)
    moved = out.getvalue()
    assert _bulk_and_glyph_by_glyph(moved) == (1, 0)  # uncut: all inside, read in bulk
    whole = fast_page_texts(moved)
    assert whole is not None
    for side, at in [("left", 35), ("left", 45), ("left", 55), ("left", 61), ("right", 548),
                     ("right", 552)]:
        cut = _cut(moved, side, 0, at=at)
        assert _bulk_and_glyph_by_glyph(cut) == (0, 1), (side, at)
        fast = fast_page_texts(cut)
        assert fast is not None and len(fast[0]) < len(whole[0]), (side, at)


@pytest.mark.parametrize("side", ["bottom", "top"])
@pytest.mark.parametrize("name", DOCUMENTS)
def test_the_fast_reader_keeps_the_lines_pdfium_keeps(name: str, side: str) -> None:
    for fraction in FRACTIONS:
        pdf = _cut(_pdf(name), side, fraction)
        fast = fast_page_texts(pdf)
        assert fast is not None  # still the Typst engine's shape: the fast reader reads it
        assert [Counter(squash(p)) for p in fast] == [
            Counter(squash(p)) for p in general_page_texts(pdf)], fraction


#: Runs as the Typst engine writes them (one a line), with literal strings: octal escapes, the
#: named ones, escaped parentheses and backslashes, a balanced pair left unescaped, adjustments
#: both ways, hex strings between.
RUNS = [
    rb"[(\000\001\000\002)]TJ",
    rb"(\000\()Tj",
    rb"(\000\)\000\\)Tj",
    rb"[(\000(\000))]TJ",
    rb"[(\001.\001/\000u\000v)]TJ",
    rb"[500(\000\026\000\027\000\030)]TJ",
    rb"[<00BF00F2006000F3>500(\000\026\000\027)-250<0041>]TJ",
    rb"[(\000\n\000\r\000\t\000\b\000\f)]TJ",
    rb"[(\000\\\000\()-12.5(\001\377)]TJ",
    rb"<00410042>Tj",
    rb"[(AB)(\101\102)]TJ",
]


def test_literal_strings_read_at_once_are_read_as_one_by_one() -> None:
    read = _strings(b"\n".join(RUNS), {})
    assert read is not None
    codes, hexed, shape = read
    one_by_one = b"".join(code.to_bytes(2, "big") for run in RUNS for code in _shown(run)[0])
    assert codes.encode("utf-16-be", "surrogatepass") == one_by_one
    assert shape.count(b"\n") == len(RUNS) - 1  # a run a line, still
    assert b"(" not in hexed  # every string in hex


@pytest.mark.parametrize("run", [
    rb"(\000\q)Tj",  # an escape PDF reads as "q", unicode_escape does not
    rb"(\000\400)Tj",  # octal beyond a byte
    rb"(\000\x41)Tj",  # not an escape in PDF, one in Python
    rb"(\000A\000)Tj",  # an odd number of bytes: not 2-byte codes
    rb"<004>Tj",
    b"(\\000\rA\\000)Tj",  # a bare CR, which PDF reads as LF
])
def test_a_literal_string_read_at_once_otherwise_than_pdf_is_not_read_so(run: bytes) -> None:
    assert _strings(run, {}) is None
