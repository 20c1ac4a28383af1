"""The four-colour risk map: grouping, geometry, pixels of the PNG, text of the SVG and its PDF."""

from __future__ import annotations

import io
import re
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw, ImageFont

from domain.risk import LEC_FOUR_LEVEL, LS_SCHEME_A, RiskLevel
from rendering.riskmap import (
    UNASSIGNED_AREA,
    AreaRisk,
    RiskMapError,
    SitePlan,
    _fc_match,
    _text_width,
    _wrap,
    group_by_area,
    layout_map,
    risk_map_png,
    risk_map_svg,
)

MAJOR, SIG, GEN, LOW = RiskLevel.MAJOR, RiskLevel.SIGNIFICANT, RiskLevel.GENERAL, RiskLevel.LOW
EXPECTED_RGB = {
    MAJOR: (0xFF, 0x00, 0x00),
    SIG: (0xFF, 0xC0, 0x00),
    GEN: (0xFF, 0xFF, 0x00),
    LOW: (0x00, 0x70, 0xC0),
}
HOSTILE = '<b>&"x"</b> 区域'
SVG_NS = "{http://www.w3.org/2000/svg}"
TITLE = "某公司 安全风险四色图"


@dataclass
class Row:
    area: str | None
    level: RiskLevel | str | None


ROWS: list[Row | tuple[str | None, RiskLevel | str]] = [
    ("冲压车间", MAJOR), ("冲压车间", GEN), ("冲压车间", LOW), ("冲压车间", LOW),
    ("涂装车间", SIG), Row("涂装车间", "较大风险"), ("涂装车间", LOW),
    ("仓库", GEN), Row("配电房", "较大"), ("办公楼", LOW), (HOSTILE, GEN),
]


def areas() -> list[AreaRisk]:
    return group_by_area(ROWS)


def png_image(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img.convert("RGB")


def solid_png(w: int, h: int, rgb: tuple[int, int, int]) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (w, h), rgb).save(buf, "PNG")
    return buf.getvalue()


# --- Grouping -----------------------------------------------------------------------------------


def test_group_by_area_counts_in_first_seen_order() -> None:
    got = areas()
    assert [a.name for a in got] == ["冲压车间", "涂装车间", "仓库", "配电房", "办公楼", HOSTILE]
    stamping = got[0]
    assert stamping.highest is MAJOR
    assert stamping.counts_label == "重大1 较大0 一般1 低2"
    assert got[1].highest is SIG and got[1].count(SIG) == 2
    assert got[3].highest is SIG  # "较大" accepted for 较大风险


def test_group_by_area_unassigned_polygons_and_bad_levels() -> None:
    got = group_by_area([(None, LOW), ("  ", GEN), (" 仓  库 ", LOW)],
                        polygons={"仓 库": [(0, 0), (10, 0), (10, 10)]})
    assert [a.name for a in got] == [UNASSIGNED_AREA, "仓 库"]
    assert got[0].counts_label == "重大0 较大0 一般1 低1"
    assert got[1].polygon == ((0.0, 0.0), (10.0, 0.0), (10.0, 10.0))
    with pytest.raises(RiskMapError):
        group_by_area([Row("仓库", None)])
    with pytest.raises(RiskMapError):
        group_by_area([("仓库", "高风险")])


def test_area_validation() -> None:
    with pytest.raises(RiskMapError):
        AreaRisk("a", {LOW: 1}, ((0, 0), (1, 1)))
    with pytest.raises(RiskMapError):
        AreaRisk("a", {LOW: 1}, ((0, 0), (1, 1), (float("nan"), 2)))
    with pytest.raises(RiskMapError):
        AreaRisk(" ", {LOW: 1})
    assert AreaRisk("空", {}).highest is None


# --- SVG ----------------------------------------------------------------------------------------


def svg_texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return [t.text or "" for t in root.iter(f"{SVG_NS}text")]


def test_svg_is_well_formed_and_escapes_names() -> None:
    svg = risk_map_svg(areas(), title=f"{TITLE} <i>", bands_text=LS_SCHEME_A.describe())
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG_NS}svg"
    assert not list(root.iter(f"{SVG_NS}b")) and not list(root.iter("b"))
    texts = svg_texts(svg)
    assert HOSTILE in texts and f"{TITLE} <i>" in texts
    assert LS_SCHEME_A.describe() in texts
    assert {"重大风险（红）", "较大风险（橙）", "一般风险（黄）", "低风险（蓝）"} <= set(texts)
    fills = {g.get("data-area"): g.find(f"{SVG_NS}polygon").get("fill")  # type: ignore[union-attr]
             for g in root.iter(f"{SVG_NS}g")}
    assert fills == {"冲压车间": "#FF0000", "涂装车间": "#FFC000", "仓库": "#FFFF00",
                     "配电房": "#FFC000", "办公楼": "#0070C0", HOSTILE: "#FFFF00"}


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=40).filter(lambda s: s.strip()))
def test_svg_well_formed_for_any_name(name: str) -> None:
    svg = risk_map_svg([AreaRisk(name, {GEN: 1})], title=name, bands_text=name)
    root = ET.fromstring(svg)  # raises on anything not escaped
    (group,) = root.iter(f"{SVG_NS}g")
    shown = group.get("data-area") or ""
    assert shown.strip()
    if all(c.isprintable() and c not in "\ufffe\uffff" for c in name) and name == " ".join(
        name.split()
    ):
        assert shown == name


def test_svg_with_plan_embeds_image() -> None:
    plan = SitePlan(solid_png(400, 200, (250, 250, 250)))
    a = [AreaRisk("车间", {MAJOR: 1}, ((10, 10), (190, 10), (190, 190), (10, 190))),
         AreaRisk("食堂", {LOW: 2})]
    svg = risk_map_svg(a, title=TITLE, plan=plan, bands_text=LS_SCHEME_A.describe())
    root = ET.fromstring(svg)
    (image,) = root.iter(f"{SVG_NS}image")
    assert (image.get("href") or "").startswith("data:image/png;base64,")
    polygons = {g.get("data-area"): g.find(f"{SVG_NS}polygon") for g in root.iter(f"{SVG_NS}g")}
    assert polygons["车间"].get("fill-opacity") == "0.45"  # type: ignore[union-attr]
    assert polygons["食堂"].get("fill-opacity") is None  # type: ignore[union-attr]
    assert "未在平面图上标注的区域：" in svg_texts(svg)


# --- Site plan ----------------------------------------------------------------------------------


def test_site_plan_sizes() -> None:
    png = SitePlan(solid_png(321, 123, (0, 0, 0)))
    assert (png.media_type, png.width, png.height) == ("image/png", 321, 123)
    buf = io.BytesIO()
    Image.new("RGB", (77, 55), (10, 20, 30)).save(buf, "JPEG")
    jpg = SitePlan(buf.getvalue())
    assert (jpg.media_type, jpg.width, jpg.height) == ("image/jpeg", 77, 55)
    assert jpg.data_uri.startswith("data:image/jpeg;base64,/9j/")


def test_site_plan_refused() -> None:
    gif = io.BytesIO()
    Image.new("RGB", (5, 5)).save(gif, "GIF")
    for data in (gif.getvalue(), b"<svg/>", b"", b"\xff\xd8\xff\xe0"):
        with pytest.raises(RiskMapError):
            SitePlan(data)
    ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    bomb = (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + ihdr
            + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr)))
    with pytest.raises(RiskMapError, match="too large"):
        SitePlan(bomb)


# --- PNG pixels ---------------------------------------------------------------------------------


def corners(outline: tuple[tuple[float, float], ...], inset: float = 8) -> list[tuple[int, int]]:
    xs = [p[0] for p in outline]
    ys = [p[1] for p in outline]
    x0, x1, y0, y1 = min(xs) + inset, max(xs) - inset, min(ys) + inset, max(ys) - inset
    return [(round(x), round(y)) for x, y in ((x0, y0), (x1, y0), (x0, y1), (x1, y1))]


@pytest.mark.parametrize("scale", [1, 2])
def test_png_grid_tile_and_legend_colours(scale: int) -> None:
    a = areas()
    bands = LS_SCHEME_A.describe()
    img = png_image(risk_map_png(a, title=TITLE, bands_text=bands, scale=scale))
    lay = layout_map(a, title=TITLE, bands_text=bands)
    assert img.size == (round(lay.width * scale), round(lay.height * scale))
    assert len(lay.tiles) == len(a)
    for tile in lay.tiles:
        expected = EXPECTED_RGB[tile.area.highest]  # type: ignore[index]
        for x, y in corners(tile.outline):
            assert img.getpixel((x * scale, y * scale)) == expected, (tile.area.name, x, y)
    for item in lay.legend:
        sx, sy, sw, sh = item.swatch
        assert img.getpixel((round((sx + sw / 2) * scale), round((sy + sh / 2) * scale))) == (
            EXPECTED_RGB[item.level]
        )
    colours = {c for _, c in img.getcolors(maxcolors=1 << 20) or []}
    assert set(EXPECTED_RGB.values()) <= colours


def test_png_with_plan_blends_polygons() -> None:
    plan_rgb = (255, 255, 255)
    plan = SitePlan(solid_png(800, 400, plan_rgb))
    a = [
        AreaRisk("冲压车间", {MAJOR: 1, LOW: 3}, ((20, 20), (380, 20), (380, 380), (20, 380))),
        AreaRisk("仓库", {LOW: 1}, ((420, 20), (780, 20), (780, 380), (420, 380))),
        AreaRisk("门卫室", {GEN: 1}),
    ]
    bands = LEC_FOUR_LEVEL.describe()
    img = png_image(risk_map_png(a, title=TITLE, plan=plan, bands_text=bands))
    lay = layout_map(a, title=TITLE, plan=plan, bands_text=bands)
    alpha = 0.45
    for tile in lay.tiles:
        level = tile.area.highest
        assert level is not None
        if tile.on_plan:
            want = tuple(round(p + (c - p) * alpha) for p, c in
                         zip(plan_rgb, EXPECTED_RGB[level], strict=True))
            for x, y in corners(tile.outline, inset=12):
                got = img.getpixel((x, y))
                assert isinstance(got, tuple)
                assert all(abs(g - w) <= 2 for g, w in zip(got, want, strict=True)), (got, want)
        else:
            for x, y in corners(tile.outline):
                assert img.getpixel((x, y)) == EXPECTED_RGB[level]
    assert lay.plan_box is not None
    px, py, pw, _ = lay.plan_box
    assert img.getpixel((round(px + pw / 2), round(py + 5))) == plan_rgb  # between polygons


def test_labels_fit_their_tiles() -> None:
    """Measured with the real font: no label line is wider than its tile."""
    long = [AreaRisk("危险化学品仓库（甲类）及配套装卸平台、消防泵房、事故应急池和危废暂存间",
                     {MAJOR: 2}),
            AreaRisk("Workshop No. 3 — Machining & Welding Line ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                     {LOW: 1}),
            AreaRisk("短", {SIG: 1})]
    lay = layout_map(long, title=TITLE * 8, bands_text=LEC_FOUR_LEVEL.describe())
    regular, bold = _fc_match("Noto Sans CJK SC:lang=zh-cn"), \
        _fc_match("Noto Sans CJK SC:lang=zh-cn:weight=bold")
    for tile in lay.tiles:
        xs = [p[0] for p in tile.outline]
        tile_w = max(xs) - min(xs)
        assert len(tile.lines) <= 3
        for t in tile.lines:
            path, index = bold if t.bold else regular
            f = ImageFont.truetype(path, round(t.size), index=index)
            assert f.getlength(t.text) <= tile_w - 8, t.text
    assert len(lay.title) == 2 and lay.title[-1].text.endswith("…")
    for t in lay.title:
        f = ImageFont.truetype(bold[0], round(t.size), index=bold[1])
        assert f.getlength(t.text) <= lay.width - 64


def test_cjk_font_has_the_glyphs() -> None:
    path, index = _fc_match("Noto Sans CJK SC:lang=zh-cn")
    f = ImageFont.truetype(path, 24, index=index)

    def ink(ch: str) -> bytes:
        img = Image.new("L", (32, 32))
        ImageDraw.Draw(img).text((2, 2), ch, font=f, fill=255)
        return img.tobytes()

    notdef = ink("\U000f0000")  # a private-use code point: drawn as .notdef (tofu)
    for ch in "重大较一般低风险区域图例红橙黄蓝":
        assert ink(ch) != notdef, ch


def test_empty_map() -> None:
    svg = risk_map_svg([], title=TITLE, bands_text="")
    assert "（无风险记录）" in svg_texts(svg)
    png_image(risk_map_png([], title=TITLE))


# --- SVG → PDF round trip -----------------------------------------------------------------------


def svg_pdf(svg: str, tmp_path: Path) -> Path:
    weasyprint = pytest.importorskip("weasyprint")
    html = ("<html><head><style>@page { size: A4; margin: 10mm } svg { width: 100%; "
            "height: auto }</style></head><body>" + svg + "</body></html>")
    out = tmp_path / "map.pdf"
    weasyprint.HTML(string=html).write_pdf(out)
    return out


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_svg_pdf_text_extractable(tmp_path: Path) -> None:
    a = areas()
    pdf = svg_pdf(risk_map_svg(a, title=TITLE, bands_text=LS_SCHEME_A.describe()), tmp_path)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    flat = "".join(text.split())
    for area in a:
        assert "".join(area.name.split()) in flat, area.name
    assert "".join(TITLE.split()) in flat
    assert "重大风险（红）" in flat and "20–25重大风险" in flat


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_svg_pdf_shows_the_colours(tmp_path: Path) -> None:
    plan = SitePlan(solid_png(600, 300, (240, 240, 240)))
    a = [AreaRisk("车间", {MAJOR: 1}, ((10, 10), (290, 10), (290, 290), (10, 290))),
         *areas()]
    pdf = svg_pdf(risk_map_svg(a, title=TITLE, plan=plan, bands_text="x"), tmp_path)
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-singlefile", str(pdf),
                    str(tmp_path / "page")], check=True)
    img = Image.open(tmp_path / "page.png").convert("RGB")
    colours = {c for _, c in img.getcolors(maxcolors=1 << 20) or [] if isinstance(c, tuple)}
    for rgb in EXPECTED_RGB.values():
        assert any(all(abs(a - b) <= 3 for a, b in zip(c, rgb, strict=True)) for c in colours)


# --- Line breaking ------------------------------------------------------------------------------


def test_wrap_breaks_where_a_typesetter_would() -> None:
    assert _wrap("危险化学品仓库（甲类）及配套装卸平台", 240, 24, 3)[:2] == (
        "危险化学品仓库", "（甲类）及配套装卸平"
    )
    assert _wrap("Workshop No. 3 — Machining & Welding", 240, 24, 3)[0] == "Workshop No. 3 —"
    bands = _wrap(LEC_FOUR_LEVEL.describe(), 1100, 18, 4)
    assert bands[0].endswith("一般风险（黄）；") and bands[1].startswith("D<70")
    assert _wrap("  ", 100, 20, 2) == ("",)


@given(st.text(alphabet="区域车间（）、；ABC abc—.", max_size=80),
       st.floats(min_value=60, max_value=600), st.integers(1, 4))
def test_wrap_property(text: str, width: float, max_lines: int) -> None:
    lines = _wrap(text, width, 20, max_lines)
    assert 1 <= len(lines) <= max_lines
    assert all(_text_width(line, 20) <= width for line in lines)
    if not lines[-1].endswith("…"):
        assert "".join("".join(lines).split()) == "".join(text.split())
    if not re.search(r"[A-Za-z.—]|[（）、；]{2}", text):  # a CJK break is always at hand
        for line in lines[1:]:
            assert not line or line[0] not in "）、；", lines


def test_large_counts_wrap_instead_of_overflowing() -> None:
    big = AreaRisk("配电室", {MAJOR: 12, SIG: 10, GEN: 100, LOW: 1000})
    (tile,) = layout_map([big, *areas()][:1], title=TITLE).tiles
    assert [t.text for t in tile.lines] == ["配电室", "重大12 较大10 一般100 低1000"]
    lay = layout_map([big] + [AreaRisk(f"区{i}", {LOW: 1}) for i in range(15)], title=TITLE)
    tile = lay.tiles[0]
    assert [t.text for t in tile.lines] == ["配电室", "重大12 较大10", "一般100 低1000"]
    xs = [p[0] for p in tile.outline]
    assert all(_text_width(t.text, t.size) <= max(xs) - min(xs) for t in tile.lines)
