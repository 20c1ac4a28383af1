"""Names with characters outside the common set still print: 𠮷 (U+20BB7, CJK Ext. B), 䶮
(U+4DAE, Ext. A) and 𪚥 (U+2A6A5, Ext. B) come out of the PDF as text, drawn by embedded fonts,
on a page that is not blank — on both PDF engines."""

from __future__ import annotations

import copy
import io
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from rendering.pdf import ENGINES
from services.render import render_data
from tests.conftest import load_examples
from tests.textutil import docx_text, pdf_text, squash

NAME = "𠮷䶮𪚥化工有限公司"
RARE = ("𠮷", "䶮", "𪚥")


@pytest.fixture(scope="module", params=ENGINES)
def pdf(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    body = load_examples()["report-shandong"]
    data = copy.deepcopy(body["data"])
    data["insured"]["name"] = NAME
    data["policy"]["insured_name"] = NAME
    path = tmp_path_factory.mktemp("glyphs") / "report.pdf"
    path.write_bytes(render_data("report", "shandong", data, "pdf", engine=request.param).content)
    return path


def test_every_rare_character_is_in_the_pdf_text(pdf: Path) -> None:
    text = pdf_text(pdf.read_bytes())
    assert "\ufffd" not in text
    for ch in RARE:
        assert ch in text, f"U+{ord(ch):X} missing"
    # The name is printed whole, twice on page 1: 被保险人：… and in the information table.
    assert squash(text).count(NAME) >= 2


def test_the_docx_keeps_the_characters_too() -> None:
    body = load_examples()["report-shandong"]
    data = copy.deepcopy(body["data"])
    data["insured"]["name"] = NAME
    data["policy"]["insured_name"] = NAME  # the same party: the names must agree
    text = docx_text(render_data("report", "shandong", data, "docx").content)
    assert NAME in text and "\ufffd" not in text


def _fonts(pdf: Path) -> list[list[str]]:
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    return [line.split() for line in out.splitlines()[2:] if line.strip()]


def test_every_font_is_embedded(pdf: Path) -> None:
    fonts = _fonts(pdf)
    assert fonts
    # Columns: name type [encoding…] emb sub uni object ID; "emb" is the 5th from the end.
    not_embedded = [f[0] for f in fonts if f[-5] != "yes"]
    assert not_embedded == []


def _families_with(ch: str) -> set[str]:
    out = subprocess.run(["fc-list", f":charset={ord(ch):x}", "family"], capture_output=True,
                         text=True, check=False).stdout
    return {name.strip().replace(" ", "") for line in out.splitlines() for name in line.split(",")}


def test_the_ext_b_character_is_drawn_by_a_font_that_has_it(pdf: Path) -> None:
    """𪚥 is not in the bundled AZX subsets: a fall-back font of the stack must be embedded."""
    have = _families_with("𪚥")
    if not have:
        pytest.skip("no installed font has U+2A6A5")
    embedded = {f[0].split("+", 1)[-1].replace("-", "") for f in _fonts(pdf)}
    assert any(any(e.startswith(h) or h.startswith(e) for h in have) for e in embedded), (
        embedded, have)


def test_page_one_is_not_blank(pdf: Path, tmp_path: Path) -> None:
    subprocess.run(["pdftoppm", "-r", "100", "-f", "1", "-l", "1", "-png", str(pdf),
                    str(tmp_path / "page")], check=True, capture_output=True)
    (png,) = tmp_path.glob("page*.png")
    with Image.open(io.BytesIO(png.read_bytes())) as im:
        gray = im.convert("L")
        dark = sum(gray.histogram()[:128])
        assert gray.size[0] > 700  # A4 at 100 dpi: 827 × 1169
        assert dark > 0.005 * gray.size[0] * gray.size[1]  # text and table rules, not white
