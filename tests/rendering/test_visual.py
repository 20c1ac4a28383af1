"""Visual regression: every page of every blank form and every example — Typst PDF, WeasyPrint
PDF and the Word file as LibreOffice prints it — rendered to a small grey PNG and compared with
the committed reference (tests/rendering/visual/<engine>/<form>-p<N>.png) by a perceptual
measure: both pages blurred, then the mean difference of every 12×12-pixel tile (~1 cm²). A
layout change moves text across tiles and fails; anti-aliasing noise does not.

A failing page is saved, with its reference and the difference, under
``tests/rendering/visual/_failed/`` (ignored by git) for a reviewer to look at. To accept the new
look of every page after a reviewed change:

    AZX_ACCEPT_VISUAL=1 .venv/bin/pytest tests/rendering/test_visual.py

which rewrites the references (and removes those of pages that no longer exist); commit them.
"""

from __future__ import annotations

import io
import os
import subprocess
import tempfile
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageFilter

from tests.rendering import corpus
from tests.rendering.corpus import forms

REFERENCE = Path(__file__).resolve().parent / "visual"
FAILED = REFERENCE / "_failed"
DPI = 25
TILE = 12  # pixels: about 1.2 cm at 25 dpi
MAX_TILE_DIFF = 18.0  # mean grey difference (0–255) a tile may show after blurring
ACCEPT = os.environ.get("AZX_ACCEPT_VISUAL") == "1"
ENGINES = ["typst", "weasyprint", "libreoffice"]
FORMS = [f.name for f in forms()]


def _pdf(name: str, engine: str) -> bytes:
    if engine == "libreoffice":
        return corpus.libreoffice_pdfs()[name]
    return corpus.pdf(name, engine)


def page_images(pdf: bytes) -> list[Image.Image]:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["pdftoppm", "-r", str(DPI), "-gray", "-png", "-", f"{tmp}/p"],
                       input=pdf, check=True, capture_output=True, timeout=120)
        return [Image.open(io.BytesIO(p.read_bytes())).convert("L")
                for p in sorted(Path(tmp).glob("p-*.png"), key=lambda p: int(p.stem[2:]))]


def tile_difference(a: Image.Image, b: Image.Image) -> float:
    """The largest mean difference of a tile between the two pages, blurred (0–255)."""
    if a.size != b.size:
        return 255.0
    blur = ImageFilter.GaussianBlur(1.2)
    diff = ImageChops.difference(a.filter(blur), b.filter(blur))
    w, h = diff.size
    tiles = diff.resize((max(1, w // TILE), max(1, h // TILE)), Image.Resampling.BOX)
    return float(max(tiles.getdata()))


def _save_failure(engine: str, name: str, n: int, new: Image.Image,
                  ref: Image.Image | None) -> Path:
    FAILED.mkdir(parents=True, exist_ok=True)
    out = FAILED / f"{engine}-{name}-p{n}.png"
    w, h = new.size
    sheet = Image.new("L", (w * 3 + 8, h), 128)
    sheet.paste(new, (0, 0))
    if ref is not None:
        sheet.paste(ref.resize(new.size), (w + 4, 0))
        sheet.paste(ImageChops.invert(ImageChops.difference(new, ref.resize(new.size))),
                    (2 * w + 8, 0))
    sheet.save(out)
    return out


@pytest.mark.skipif(not corpus.has_libreoffice(), reason="LibreOffice not installed")
@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", FORMS)
def test_every_page_looks_as_reviewed(name: str, engine: str) -> None:
    pages = page_images(_pdf(name, engine))
    folder = REFERENCE / engine
    refs = sorted(folder.glob(f"{name}-p*.png"), key=lambda p: int(p.stem.rsplit("-p", 1)[1]))
    if ACCEPT:
        folder.mkdir(parents=True, exist_ok=True)
        for old in refs:
            old.unlink()
        for n, page in enumerate(pages, start=1):
            page.save(folder / f"{name}-p{n}.png", optimize=True)
        return
    assert refs, (f"no reference pages for {engine}/{name}: accept them with "
                  "AZX_ACCEPT_VISUAL=1 .venv/bin/pytest tests/rendering/test_visual.py")
    problems = []
    if len(refs) != len(pages):
        problems.append(f"{len(pages)} pages, the reference has {len(refs)}")
    for n, page in enumerate(pages, start=1):
        ref = Image.open(refs[n - 1]).convert("L") if n <= len(refs) else None
        d = tile_difference(page, ref) if ref is not None else 255.0
        if d > MAX_TILE_DIFF:
            path = _save_failure(engine, name, n, page, ref)
            problems.append(f"page {n} differs (tile difference {d:.0f}): see {path}")
    assert problems == []


def test_the_measure_sees_a_moved_line_and_ignores_noise() -> None:
    """A page with one line of text moved by 2 mm fails; the same page re-rendered passes."""
    pages = page_images(corpus.pdf("callback-shandong-blank"))
    assert tile_difference(pages[0], page_images(corpus.pdf("callback-shandong-blank"))[0]) == 0
    moved = pages[0].copy()
    band = moved.crop((0, 60, moved.width, 80))
    moved.paste(255, (0, 60, moved.width, 80))
    moved.paste(band, (0, 62))
    assert tile_difference(pages[0], moved) > MAX_TILE_DIFF
