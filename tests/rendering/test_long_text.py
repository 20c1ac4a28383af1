"""Long free text is printed whole: a row or cell taller than a page breaks across pages on both
PDF engines and in Word, and the completeness proof finds every value on a page.

Every free-text field of every document type (found from the data models:
tests/rendering/free_text.py) is filled with numbered items — 3,000 characters (or the field's
max_length) on both engines for a representative set of documents and on Typst for all, 7,000 on
Typst for all — and every item must be in poppler's ``pdftotext`` output, which keeps only what
lies inside the page. An item is marked at its head and at its tail (a page break may cut one of
the two marks). In Word, the row holding a long value may split (no ``w:cantSplit``) and header
rows repeat (``w:tblHeader``).
"""

from __future__ import annotations

import io
import subprocess
import zipfile
from functools import cache
from typing import Any

import pytest
from lxml import etree

from domain.catalog import CATALOG, get_kind, parse_data
from rendering import pagination
from rendering.blocks import Document, Table
from rendering.completeness import Unprinted, printed_texts, unprinted_values
from rendering.docx_writer import document_docx
from rendering.pdf import ENGINES, document_pdf
from services.render import build
from tests.conftest import load_examples
from tests.rendering.free_text import FreeTextField, concrete_path, fill, item_marks
from tests.textutil import is_bound, pdf_text, spec_bindings, squash

EXAMPLES = sorted(load_examples())
#: Both engines, 3,000 characters: grid cells (回访表), a landscape table with header rows
#: (表 9), paragraphs and tables of a long report (附件 4).
BOTH_ENGINES = ["callback-shandong", "chengdu_table_9-chengdu", "report-shandong"]
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@cache
def _long(name: str, chars: int) -> tuple[dict[str, Any], dict[FreeTextField, str], Document]:
    body, texts = fill(name, chars)
    kind = get_kind(body["type"], body["profile"])
    return body, texts, build(kind, parse_data(kind, body["data"]))


@cache
def _pdf(name: str, chars: int, engine: str) -> bytes:
    return document_pdf(_long(name, chars)[2], engine=engine)  # type: ignore[arg-type]


def _printed_fields(name: str, chars: int) -> dict[FreeTextField, str]:
    """The free-text fields the document shows (a text of the tree carries the field's data
    path, or that of the list it is joined from), with their text."""
    body, texts, doc = _long(name, chars)
    sources = {s for _, s in printed_texts(doc) if s is not None}
    out = {}
    for field, text in texts.items():
        path = concrete_path(body["data"], field.pattern)
        if any(path[:n] in sources for n in range(2, len(path) + 1)):
            out[field] = text
    return out


def _cases() -> list[Any]:
    cases = [pytest.param(name, 3000, "typst", id=f"{name}-3000-typst") for name in EXAMPLES]
    cases += [pytest.param(name, 7000, "typst", id=f"{name}-7000-typst") for name in EXAMPLES
              if any(f.max_length > 3000 for f in fill(name, 1)[1])]
    cases += [pytest.param(name, 3000, "weasyprint", id=f"{name}-3000-weasyprint")
              for name in BOTH_ENGINES]
    return cases


@pytest.mark.parametrize(("name", "chars", "engine"), _cases())
def test_every_item_of_every_free_text_field_is_on_a_page(name: str, chars: int,
                                                          engine: str) -> None:
    text = squash(pdf_text(_pdf(name, chars, engine)))  # pdftotext: what is inside the pages
    missing = {}
    for field, value in _printed_fields(name, chars).items():
        lost = [head for head, tail in item_marks(value) if head not in text and tail not in text]
        if lost:
            missing[field.name] = lost
    assert missing == {}
    assert unprinted_values(_long(name, chars)[2], _pdf(name, chars, engine)) == []


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_free_text_field_the_annex_shows_names_its_data_path(name: str) -> None:
    """The view code attaches the data path to the texts it prints from posted values, so that
    the proof can name the field of a value that is not on the page."""
    body, texts, _ = _long(name, 3000)
    kind = CATALOG[(body["type"], body["profile"])]
    bindings = spec_bindings(_spec_blocks(kind.profile, kind.type))
    printed = _printed_fields(name, 3000)
    unnamed = [f.name for f in texts if is_bound(f.pattern, bindings) and f not in printed]
    assert unnamed == []


def _spec_blocks(profile: str, doc_type: str) -> Any:
    from rendering.spec import load_spec

    return load_spec(profile, doc_type)


@pytest.mark.parametrize("name", EXAMPLES)
def test_in_word_a_long_row_may_split_and_header_rows_repeat(name: str) -> None:
    doc = _long(name, 3000)[2]
    xml = etree.fromstring(zipfile.ZipFile(io.BytesIO(document_docx(doc))).read("word/document.xml"))
    rows = xml.iter(f"{W}tr")
    tables = [b for b in doc.blocks if isinstance(b, Table)]
    docx_tables = list(xml.iter(f"{W}tbl"))
    assert len(docx_tables) == len(tables)
    for table, element in zip(tables, docx_tables, strict=True):
        trs = element.findall(f"{W}tr")
        assert [tr.find(f"{W}trPr/{W}tblHeader") is not None for tr in trs] == [
            i < table.header_rows for i in range(len(trs))]
    long_items = [item_marks(v)[-1][0] for v in _printed_fields(name, 3000).values()]
    for tr in rows:
        row_text = "".join(t.text or "" for t in tr.iter(f"{W}t"))
        if any(mark in row_text for mark in long_items):
            assert tr.find(f"{W}trPr/{W}cantSplit") is None, row_text[:40]


def test_short_rows_stay_whole_and_tall_ones_may_break() -> None:
    from rendering.blocks import Cell, Row, Text

    short = Row((Cell((Text("标签"),)), Cell((Text("短" * 300),))))
    tall = Row((Cell((Text("标签"),)), Cell((Text("长" * 2000),))))
    narrow_tall = Row((Cell((Text("窄" * 200),)), Cell((Text("x"),))))
    table = Table((short, tall, narrow_tall), widths=(0.5, 9.5))
    assert pagination.breakable_rows(table, landscape=False) == (False, True, True)
    # a cell spanning rows lets each of its rows break when it is tall
    spanning = Table((Row((Cell((Text("跨" * 3000),), rowspan=2), Cell((Text("a"),)))),
                      Row((Cell((Text("b"),)),))), widths=(5, 5))
    assert pagination.breakable_rows(spanning, landscape=False) == (True, True)


# -- the completeness proof --------------------------------------------------------------------


def _callback(**data: Any) -> tuple[Document, Any]:
    body = load_examples()["callback-shandong"]
    kind = get_kind(body["type"], body["profile"])
    return build(kind, parse_data(kind, {**body["data"], **data})), kind


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", EXAMPLES)
def test_the_proof_finds_every_value_of_every_example(name: str, engine: str) -> None:
    body = load_examples()[name]
    kind = get_kind(body["type"], body["profile"])
    doc = build(kind, parse_data(kind, body["data"]), record_id="AZX-26RPT-5XR67-E5Q2A-3")
    assert unprinted_values(doc, document_pdf(doc, engine=engine)) == []  # type: ignore[arg-type]


def test_the_proof_names_a_value_cut_off_by_a_smaller_page_box() -> None:
    import pypdf

    doc, _ = _callback()
    reader = pypdf.PdfReader(io.BytesIO(document_pdf(doc)))
    writer = pypdf.PdfWriter(clone_from=reader)
    box = writer.pages[0].mediabox
    writer.pages[0].mediabox = pypdf.generic.RectangleObject(
        [box.left, box.bottom + 400, box.right, box.top])  # the lower half is off the page
    out = io.BytesIO()
    writer.write(out)
    cropped = out.getvalue()
    assert "希望增加驾驶员" not in squash(pdf_text(cropped))  # poppler agrees: it is not there
    found = unprinted_values(doc, cropped)
    assert Unprinted(("data", "suggestions"), "希望增加驾驶员应急处置实操培训。") in found
    assert Unprinted(None, "其他建议") in found  # a label: no data path
    assert all(len(u.text) <= 40 for u in found)


def test_the_proof_names_a_row_pushed_whole_off_the_foot_of_a_page(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """As before rows could break: a tall row kept whole runs off its page (Typst draws it
    there all the same), and the proof says which field and from where."""
    value = "".join(f"第{i}项：现场检查发现消防通道堆放杂物，已要求立即清理并建立巡查制度。"
                    for i in range(1, 81))
    doc, _ = _callback(suggestions=value)
    _keep_every_row_whole(monkeypatch)
    pdf = document_pdf(doc)
    text = squash(pdf_text(pdf))
    lost = [i for i in range(1, 81) if f"第{i}项：" not in text]
    assert lost and lost[-1] == 80  # poppler: the tail of the value is not on any page
    [report] = [u for u in unprinted_values(doc, pdf) if u.path is not None]
    assert report.path == ("data", "suggestions")
    # the excerpt begins where the visible part of the value stops: in the first lost item
    first, after = value.index(f"第{lost[0]}项"), value.index(f"第{lost[0] + 1}项")
    assert first <= value.index(report.text) < after


def _keep_every_row_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows as they were: kept whole on a page however tall."""
    from rendering import pdf_typst

    monkeypatch.setattr(pdf_typst, "breakable_rows", lambda t, landscape: (False,) * len(t.rows))


def test_the_fast_reader_reads_the_typst_engine_s_files_as_poppler_does() -> None:
    """The fast reader reads the Typst engine's files as poppler does (the same characters) and
    declines any other file (WeasyPrint's): PDFium reads those."""
    from rendering.pdf_text import fast_page_texts, general_page_texts

    for name in ["report-shandong", "chengdu_table_7-chengdu", "callback-chengdu"]:
        body = load_examples()[name]
        kind = get_kind(body["type"], body["profile"])
        doc = build(kind, parse_data(kind, body["data"]), record_id="AZX-26RPT-5XR67-E5Q2A-3")
        pdf = document_pdf(doc)
        fast = fast_page_texts(pdf)
        assert fast is not None
        poppler = sorted(squash(pdf_text(pdf, drop_footers=False)))
        assert sorted(squash("".join(fast))) == poppler
        assert sorted(squash("".join(general_page_texts(pdf)))) == poppler
    weasy = document_pdf(doc, engine="weasyprint")
    assert fast_page_texts(weasy) is None
    assert unprinted_values(doc, weasy) == []


def test_both_readers_leave_out_text_off_the_page(monkeypatch: pytest.MonkeyPatch) -> None:
    """Page by page, what either reader keeps of a page that text runs off is what poppler
    keeps."""
    from collections import Counter

    from rendering.pdf_text import fast_page_texts, general_page_texts

    value = "".join(f"第{i}项：现场检查发现消防通道堆放杂物。" for i in range(1, 200))
    doc, _ = _callback(suggestions=value)
    _keep_every_row_whole(monkeypatch)
    pdf = document_pdf(doc)
    pages = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf,
                           capture_output=True, check=True).stdout.decode().split("\f")
    fast = fast_page_texts(pdf)
    assert fast is not None and len(fast) == len(pages) - 1
    for reader in (fast, general_page_texts(pdf)):
        for ours, poppler in zip(reader, pages, strict=False):
            assert Counter(squash(ours)) == Counter(squash(poppler))
    assert sum(len(squash(p)) for p in fast) < len(value)  # and the rest is off the page


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("value", [
    "{{ 7*7 }} <b>粗</b> &amp; a\nb x\ty 𠮷野家 䶮 𪚥",  # markup-like, line breaks, beyond the BMP
    "维吾尔文：ئابدۇرېھىم 阿拉伯文：مرحبا بالعالم 希伯来文：שלום עולם 混排 abc",  # right to left
    "e\u0301té Café ﬁle ＡＢＣ①② 笑脸🙂★☆✓",  # combining marks, compatibility forms, emoji
    "https://example.org/" + "a" * 300,  # one unbroken run
], ids=["hostile", "right-to-left", "compatibility", "unbroken"])
def test_the_proof_finds_values_in_any_script(value: str, engine: str) -> None:
    """No false alarm: a valid record must never be refused because its text is unusual."""
    doc, _ = _callback(suggestions=value, process=value)
    assert unprinted_values(doc, document_pdf(doc, engine=engine)) == []  # type: ignore[arg-type]
