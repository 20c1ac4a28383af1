"""The reduced CJK fonts and the fall-back stack lose no glyph (rendering/fonts.py).

Every character of a rendered document must come out: in the PDF's text, and drawn by an
embedded font program that really has a glyph for it (not .notdef, not an empty outline),
including characters outside the reduced fonts (𠮷 from the full Noto Serif CJK SC, 𪚥
from HanaMinB, which Noto lacks).
"""

from __future__ import annotations

import io
import logging
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from fontTools.pens.boundsPen import BoundsPen
from fontTools.ttLib import TTFont

from rendering import fonts

ROOT = Path(__file__).resolve().parents[2]
RARE = "𠮷䶮𪚥"  # U+20BB7 (Ext B, in Noto), U+4DAE (Ext A, 通用规范), U+2A6A5 (not in Noto)
ORDINARY = (
    "安全生产责任保险事故预防技术服务报告：隐患排查（第1次）①②⑳ ☐☑☒□√× "
    "ABC abc 123 “引号”《书名》㎡ ℃ 鲁交安委办函〔2024〕45号。"
)


def gb2312() -> set[str]:
    chars = set()
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.add(bytes((high, low)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return chars


BLANK_LETTERS = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800"}  # fillers, no ink


def visible(text: str) -> list[str]:
    return [ch for ch in dict.fromkeys(text) if unicodedata.category(ch)[0] not in "ZC"]


def has_outline(glyph_set: object, glyph_name: str) -> bool:
    pen = BoundsPen(glyph_set)
    glyph_set[glyph_name].draw(pen)  # type: ignore[index]
    return pen.bounds is not None


# --------------------------------------------------------------------------- font files


@pytest.fixture(scope="module")
def reduced_fonts() -> dict[str, TTFont]:
    return {name: TTFont(fonts.FONTS_DIR / name) for _, _, name in fonts.FONT_FILES}


def test_reduced_fonts_are_small_and_named_apart(reduced_fonts: dict[str, TTFont]) -> None:
    total = sum((fonts.FONTS_DIR / name).stat().st_size for name in reduced_fonts)
    assert total <= 25 * 2**20
    for family, weight, name in fonts.FONT_FILES:
        font = reduced_fonts[name]
        names = {record.nameID: record.toUnicode() for record in font["name"].names}
        assert names[1] == family
        assert font["OS/2"].usWeightClass == weight
        # No name fontconfig matches (family, full and PostScript names) says Noto.
        assert not any("Noto" in names.get(nid, "") for nid in (1, 4, 6, 16, 21))


def test_reduced_fonts_cover_the_common_set(reduced_fonts: dict[str, TTFont]) -> None:
    gb = gb2312()
    assert len([ch for ch in gb if "\u4e00" <= ch <= "\u9fff"]) == 6763
    tgh = set((fonts.FONTS_DIR / "tgh-2013.txt").read_text(encoding="utf-8").strip())
    assert len(tgh) == 8105
    extra = set(ORDINARY) | set("①⑳☐☑☒□■●○√×、。，；：？！（）《》“”…—～￥％")
    for name, font in reduced_fonts.items():
        cmap = font.getBestCmap()
        missing = sorted(ch for ch in gb | tgh | extra if ch.strip() and ord(ch) not in cmap)
        assert not missing, f"{name} lacks {''.join(missing[:50])}"


def test_every_mapped_glyph_has_ink(reduced_fonts: dict[str, TTFont]) -> None:
    # Drawn by FreeType (through Pillow), which Pango uses too: fast, and a second reader.
    from PIL import ImageFont

    for name, font in reduced_fonts.items():
        face = ImageFont.truetype(str(fonts.FONTS_DIR / name), 24)
        empty = [
            chr(cp) for cp in font.getBestCmap()
            if visible(chr(cp)) and chr(cp) not in BLANK_LETTERS
            and face.getmask(chr(cp)).getbbox() is None]
        assert not empty, f"{name}: no ink for {''.join(empty[:50])}"


def test_cid_is_gid(reduced_fonts: dict[str, TTFont]) -> None:
    # WeasyPrint writes glyph IDs as CIDs: the CID-keyed CFF must map CID n to glyph n.
    for font in reduced_fonts.values():
        order = font.getGlyphOrder()
        assert order[0] == ".notdef"
        assert all(glyph == f"cid{gid:05d}" for gid, glyph in enumerate(order) if gid)


# --------------------------------------------------------------------------- rendering


def render(body: str) -> bytes:
    from weasyprint import HTML

    html = (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<style>{fonts.font_face_css()}</style></head><body>{body}</body></html>")
    return HTML(string=html).write_pdf(font_config=fonts.font_configuration())


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return render(
        f"<h1>{ORDINARY[:9]}</h1><p>{ORDINARY}{RARE}</p>"
        f"<p><b>{ORDINARY}{RARE}</b></p><table><tr><th>{RARE}表头</th></tr></table>"
        f"<h2>{RARE}</h2>")


def embedded_fonts(pdf: bytes) -> list[tuple[str, dict[int, str], TTFont, bool]]:
    """(BaseFont, glyph code -> text, font program, CID-keyed CFF?) of each font."""
    from pypdf import PdfReader

    found = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            program = (descriptor.get("/FontFile3") or descriptor["/FontFile2"]).get_object()
            to_unicode = font["/ToUnicode"].get_object().get_data().decode("latin-1")
            codes = {
                int(code, 16): bytes.fromhex(text).decode("utf-16-be")
                for code, text in re.findall(r"<([0-9a-f]{4})> <([0-9a-f]+)>", to_unicode)}
            found.append((
                str(font["/BaseFont"]), codes, TTFont(io.BytesIO(program.get_data())),
                descendant["/Subtype"] == "/CIDFontType0"))
    return found


def test_text_comes_out_whole(pdf: bytes) -> None:
    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    for ch in visible(ORDINARY + RARE):
        assert ch in text, f"{ch} U+{ord(ch):04X} missing from the PDF text"
    assert "\ufffd" not in text


def test_every_character_is_drawn_by_a_real_glyph(pdf: bytes) -> None:
    drawn: dict[str, set[str]] = {}
    lost = []
    for base_font, codes, program, cid_keyed in embedded_fonts(pdf):
        order, glyph_set = program.getGlyphOrder(), program.getGlyphSet()
        for code, text in codes.items():
            if not visible(text):
                continue
            # CFF: the code is a CID, looked up through the charset; TrueType: a glyph ID.
            # A character a font lacks gets a code past its last glyph (or .notdef, 0).
            glyph = f"cid{code:05d}" if cid_keyed else order[code] if code < len(order) else None
            if code and glyph in glyph_set and has_outline(glyph_set, glyph):
                drawn.setdefault(text, set()).add(base_font)
            else:
                lost.append(f"{text} U+{ord(text[0]):04X} in {base_font}")
    assert not lost
    for ch in visible(ORDINARY + RARE + "表头"):
        assert ch in drawn, f"{ch} U+{ord(ch):04X} has no glyph in any embedded font"
    # Common characters from the reduced font, rare ones from the full fonts after it.
    assert any("AZX-Serif" in name for name in drawn["安"])
    assert any("AZX-Sans" in name for name in drawn["安"])  # the h1
    assert any("AZX-Serif" in name for name in drawn["䶮"])
    assert any("Noto-Serif-CJK-SC" in name for name in drawn["𠮷"])
    assert any("HanaMinB" in name for name in drawn["𪚥"])


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_pdftotext_and_pdffonts(pdf: bytes, tmp_path: Path) -> None:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"],
        check=True, capture_output=True, text=True).stdout
    for ch in visible(ORDINARY + RARE):
        assert ch in text
    assert "\ufffd" not in text
    listing = subprocess.run(
        ["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
    rows = listing.splitlines()[2:]
    assert any("AZX-Serif" in row for row in rows)
    assert any("HanaMinB" in row for row in rows)
    assert all(row.split()[-5] == "yes" for row in rows), listing  # every font embedded


# --------------------------------------------------------------------------- module


def test_font_configuration_is_shared() -> None:
    assert fonts.font_configuration() is fonts.font_configuration()
    assert fonts.base_stylesheet() is fonts.base_stylesheet()


def test_documents_carrying_the_rules_copy_no_font(pdf: bytes) -> None:
    # font_configuration() adds the font files to fontconfig in place; WeasyPrint then
    # skips the document's @font-face rules instead of copying 9.5 MB to a temporary
    # folder (left behind by workers that die without running atexit).
    folder = getattr(fonts.font_configuration(), "_folder", None)
    assert folder is not None
    assert [path.stat().st_size for path in Path(folder).iterdir()] == [0] * 4


def test_stack_goes_from_reduced_to_full_fonts() -> None:
    css = fonts.font_face_css()
    assert css.count("@font-face") == 4
    for _, _, name in fonts.FONT_FILES:
        assert (fonts.FONTS_DIR / name).as_uri() in css
    assert '"AZX Serif", "Noto Serif CJK SC", "HanaMinB", "HanaMinA", serif' in css
    assert '"AZX Sans", "Noto Sans CJK SC", "HanaMinB", "HanaMinA", sans-serif' in css


def test_import_has_no_side_effects() -> None:
    code = "import sys, rendering.fonts; print('weasyprint' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "False"


def test_harfbuzz_subset_is_used_here() -> None:
    assert fonts.harfbuzz_subset_available()


def test_without_harfbuzz_subset_it_works_and_says_so_once(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    from weasyprint.pdf import fonts as pdf_fonts

    monkeypatch.setattr(pdf_fonts, "harfbuzz_subset", None)
    fonts.harfbuzz_subset_available.cache_clear()
    try:
        with caplog.at_level(logging.WARNING):
            assert not fonts.harfbuzz_subset_available()
            assert not fonts.harfbuzz_subset_available()
            pdf = render(f"<p>{ORDINARY}</p><p><b>{ORDINARY}</b></p>")
    finally:
        logging.getLogger("weasyprint").removeFilter(fonts._drop_fonttools_warnings)
        fonts.harfbuzz_subset_available.cache_clear()
    ours = [r for r in caplog.records if r.name == "azx.rendering"]
    assert len(ours) == 1
    assert "libharfbuzz-subset0" in ours[0].getMessage()
    assert not [r for r in caplog.records if r.name == "weasyprint"]
    drawn = {text for _, codes, _, _ in embedded_fonts(pdf) for text in codes.values()}
    assert set(visible(ORDINARY)) <= drawn
