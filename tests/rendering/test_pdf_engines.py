"""Both PDF engines draw the same document: Typst (the default) and WeasyPrint carry every text of
the document tree, Typst draws every example and every blank form without a warning (a warning
means something was not drawn as meant), and the engine is chosen by AZX_PDF_ENGINE."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from core.settings import Settings
from domain.catalog import CATALOG, get_kind, parse_data
from rendering.blocks import Document
from rendering.pdf import ENGINES, document_pdf
from rendering.pdf_typst import compile_pdf
from services.render import build
from tests.conftest import load_examples
from tests.textutil import pdf_text, squash

EXAMPLES = load_examples()
RID = "AZX-26RPT-5XR67-E5Q2A-3"


def _doc(name: str) -> Document:
    body = EXAMPLES[name]
    kind = get_kind(body["type"], body.get("profile"))
    return build(kind, parse_data(kind, body["data"]), record_id=RID)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_typst_draws_every_example_without_a_warning(name: str) -> None:
    pdf, warnings = compile_pdf(_doc(name))
    assert warnings == []
    assert pdf.startswith(b"%PDF-")


@pytest.mark.parametrize("key", sorted(CATALOG), ids=lambda k: "-".join(k))
def test_typst_draws_every_blank_form_without_a_warning(key: tuple[str, str]) -> None:
    pdf, warnings = compile_pdf(build(CATALOG[key], None))
    assert warnings == []
    assert pdf.startswith(b"%PDF-")


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", ["report-shandong", "callback-chengdu", "chengdu_table_7-chengdu"])
def test_each_engine_prints_every_text_of_the_document(name: str, engine: str) -> None:
    doc = _doc(name)
    text = squash(pdf_text(document_pdf(doc, engine=engine)))  # type: ignore[arg-type]
    missing = [t for t in doc.texts() if squash(t) and squash(t) not in text]
    assert missing == []
    assert RID in text  # the running header


def test_values_are_text_never_typst_markup() -> None:
    doc = _doc("callback-shandong")
    hostile = '#panic("x") $x^2$ *bold* _em_ <label> @ref = heading ] ) } // comment \\ `raw`'
    from dataclasses import replace

    from rendering.blocks import Paragraph, Text

    doc = replace(doc, blocks=[Paragraph((Text(hostile),)), *doc.blocks])
    pdf, warnings = compile_pdf(doc)
    assert warnings == []
    assert squash(hostile) in squash(pdf_text(pdf))


def test_the_engine_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().pdf_engine == "typst"
    monkeypatch.setenv("AZX_PDF_ENGINE", "weasyprint")
    assert Settings().pdf_engine == "weasyprint"
    monkeypatch.setenv("AZX_PDF_ENGINE", "latex")
    with pytest.raises(ValueError, match="pdf_engine"):
        Settings()


def test_images_exist_on_disk_only_while_a_document_compiles() -> None:
    from rendering import pdf_typst

    compile_pdf(_doc("report-shandong"), qr_png=_qr())
    root = pdf_typst._get_typesetter().root
    assert sorted(p.name for p in root.iterdir()) == ["document.typ", "empty.typ"]


def test_a_new_compiler_after_many_image_bytes_draws_the_same(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from rendering import pdf_typst

    doc = _doc("report-shandong")
    before = squash(pdf_text(compile_pdf(doc)[0]))
    typesetter = pdf_typst._get_typesetter()
    monkeypatch.setattr(pdf_typst, "RECYCLE_AFTER_BYTES", 1)
    first = typesetter.compiler
    pdf, warnings = compile_pdf(doc)
    assert typesetter.compiler is not first and warnings == []
    assert squash(pdf_text(pdf)) == before


def test_over_the_memory_budget_the_layout_cache_is_aged_out(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from rendering import pdf_typst

    aged: list[int] = []
    typesetter = pdf_typst._get_typesetter()
    real_age = typesetter._age_cache
    monkeypatch.setattr(typesetter, "_age_cache", lambda: (aged.append(1), real_age()))
    monkeypatch.setattr(pdf_typst, "MEMORY_BUDGET_MB", 10**6)
    compile_pdf(_doc("callback-shandong"))
    assert aged == []
    monkeypatch.setattr(pdf_typst, "MEMORY_BUDGET_MB", 1)
    pdf, warnings = compile_pdf(_doc("callback-shandong"))
    assert aged == [1] and warnings == [] and pdf.startswith(b"%PDF-")


def _qr() -> bytes:
    from signing.qr import qr_png

    return qr_png(f"https://example.org/verify/{RID}", box_size=4)


def test_threads_rendering_at_once_each_get_their_own_document() -> None:
    """The API runs jobs in threads: concurrent renders must not mix images or values."""
    from concurrent.futures import ThreadPoolExecutor

    names = ["report-shandong", "callback-chengdu", "chengdu_table_7-chengdu", "plan-national"] * 3
    docs = [_doc(n) for n in names]
    expected = {n: squash(pdf_text(compile_pdf(_doc(n))[0])) for n in set(names)}
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda d: compile_pdf(d), docs))
    for name, (pdf, warnings) in zip(names, results, strict=True):
        assert warnings == []
        assert squash(pdf_text(pdf)) == expected[name], name


@pytest.mark.parametrize("engine", ENGINES)
def test_a_long_unbroken_value_wraps_inside_the_page(engine: str) -> None:
    import re
    import subprocess

    from services.render import render_data

    data = dict(EXAMPLES["callback-shandong"]["data"])
    data["suggestions"] = "前文" + "X" * 300 + "后文 https://example.org/" + "b" * 80
    data["service_place"] = "https://example.org/" + "a" * 150 + "/path"
    pdf = render_data("callback", "shandong", data, "pdf", engine=engine).content  # type: ignore[arg-type]
    text = squash(pdf_text(pdf))
    assert squash(data["suggestions"]) in text and squash(data["service_place"]) in text
    bbox = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()
    page_width = float(re.search(r'<page width="([\d.]+)"', bbox).group(1))  # type: ignore[union-attr]
    right_edges = [float(x) for x in re.findall(r'xMax="([\d.]+)"', bbox)]
    assert max(right_edges) <= page_width - 18 * 72 / 25.4 + 1  # the right margin is 18 mm


def test_folders_of_ended_processes_are_swept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess
    import sys

    from rendering import pdf_typst

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True).stdout.strip()
    left = tmp_path / f"azx-typst-{ended}-abc"
    left.mkdir()
    (left / "document.typ").write_text("")
    alive = tmp_path / f"azx-typst-{os.getppid()}-abc"
    alive.mkdir()
    pdf_typst._sweep_folders_of_dead_processes()
    assert not left.exists() and alive.exists()
