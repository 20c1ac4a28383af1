"""安全风险四色图 — the four-colour risk map, as SVG text or as a PNG.

Chengdu 3.2 asks the risk-assessment report for 风险清单 (表 7) with its levels "并给出安全风险
四色图". Each area (场所/区域) is coloured by its highest level and labelled with its name and the
number of risks per level (``重大1 较大2 一般0 低3``); a legend shows the four colours and the bands
in force.

Without a site plan the areas are tiles in a grid. With one, the plan is embedded (``data:`` URI)
and each area with a polygon (in the plan's pixel coordinates) is drawn over it, semi-transparent;
areas without a polygon follow as tiles below the plan.

One layout (:func:`layout_map`) is computed and drawn twice: as SVG (stdlib only) and as PNG
(Pillow, imported when needed, with a CJK font found through ``fc-match``). Every text is escaped:
names are data, never markup.
"""

from __future__ import annotations

import base64
import io
import math
import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, Protocol
from xml.sax.saxutils import escape

from domain.risk import RiskLevel, parse_level
from rendering import drawkit
from rendering.drawkit import FontNotFound, TextLine, fc_match, rgb, text_drawer

_FONT_FAMILY: Final = drawkit.FONT_FAMILY
_attr, _clean, _n, _rect = drawkit.attr, drawkit.clean, drawkit.n, drawkit.rect
_svg_text, _text_width, _wrap = drawkit.svg_text, drawkit.text_width, drawkit.wrap

__all__ = [
    "MAX_AREAS",
    "MAX_PLAN_BYTES",
    "MAX_PLAN_PIXELS",
    "UNASSIGNED_AREA",
    "AreaRisk",
    "AreaRow",
    "LegendItem",
    "MapLayout",
    "RiskMapError",
    "SitePlan",
    "TextLine",
    "Tile",
    "group_by_area",
    "layout_map",
    "risk_map_png",
    "risk_map_svg",
]

Point = tuple[float, float]

MAX_AREAS: Final = 500
MAX_POLYGON_POINTS: Final = 1_000
MAX_PLAN_BYTES: Final = 20 * 1024 * 1024
MAX_PLAN_PIXELS: Final = 40_000_000
UNASSIGNED_AREA: Final = "未指定区域"

_LEVELS: Final = (RiskLevel.MAJOR, RiskLevel.SIGNIFICANT, RiskLevel.GENERAL, RiskLevel.LOW)
_NO_RISK_FILL: Final = "D9D9D9"
_OVERLAY_OPACITY: Final = 0.45
_NOTE: Final = "注：各区域按其最高风险等级着色；区域名称下为该区域各等级风险的数量。"
_NOTE_GREY: Final = "灰色区域无风险记录。"


class RiskMapError(ValueError):
    """Input the map cannot be drawn from (bad plan image, polygon, too many areas)."""


# --- Input --------------------------------------------------------------------------------------


class AreaRow(Protocol):
    """Anything with an area (场所/区域) and a level, e.g. a 风险清单 row."""

    @property
    def area(self) -> str | None: ...

    @property
    def level(self) -> RiskLevel | str | None: ...


@dataclass(frozen=True)
class AreaRisk:
    """One area: its name, the number of risks per level, and optionally its plan polygon."""

    name: str
    counts: Mapping[RiskLevel, int]
    polygon: tuple[Point, ...] | None = None

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise RiskMapError("area name is empty")
        if any(n < 0 for n in self.counts.values()):
            raise RiskMapError(f"negative risk count for area {self.name!r}")
        if self.polygon is not None:
            if not 3 <= len(self.polygon) <= MAX_POLYGON_POINTS:
                raise RiskMapError(
                    f"polygon of {self.name!r} needs 3–{MAX_POLYGON_POINTS} points"
                )
            if not all(math.isfinite(c) for p in self.polygon for c in p):
                raise RiskMapError(f"polygon of {self.name!r} has a non-finite coordinate")

    def count(self, level: RiskLevel) -> int:
        return self.counts.get(level, 0)

    @property
    def highest(self) -> RiskLevel | None:
        """The worst level present, None when the area has no risk recorded."""
        return next((lv for lv in _LEVELS if self.count(lv) > 0), None)

    @property
    def counts_label(self) -> str:
        """``重大1 较大2 一般0 低3`` (not ``一0``: a lone 一 reads as a minus sign)."""
        return " ".join(f"{lv.value.removesuffix('风险')}{self.count(lv)}" for lv in _LEVELS)


def _level_of(value: RiskLevel | str | None) -> RiskLevel:
    level = value if isinstance(value, RiskLevel) else parse_level(value or "")
    if level is None:
        raise RiskMapError(f"not a risk level: {value!r} (compute levels before drawing the map)")
    return level


def group_by_area(
    rows: Iterable[AreaRow | tuple[str | None, RiskLevel | str]],
    polygons: Mapping[str, Sequence[Point]] | None = None,
) -> list[AreaRisk]:
    """Count risks per area, in order of first appearance; rows without an area go together.

    ``polygons`` maps an area name to its outline on the site plan (image pixel coordinates).
    """
    order: dict[str, dict[RiskLevel, int]] = {}
    for row in rows:
        area, raw_level = row if isinstance(row, tuple) else (row.area, row.level)
        name = " ".join((area or "").split()) or UNASSIGNED_AREA
        counts = order.setdefault(name, dict.fromkeys(_LEVELS, 0))
        counts[_level_of(raw_level)] += 1
    if len(order) > MAX_AREAS:
        raise RiskMapError(f"more than {MAX_AREAS} areas")
    polygons = polygons or {}
    return [
        AreaRisk(
            name, counts,
            tuple((float(x), float(y)) for x, y in polygons[name]) if name in polygons else None,
        )
        for name, counts in order.items()
    ]


_PNG: Final = b"\x89PNG\r\n\x1a\n"
_JPEG: Final = b"\xff\xd8\xff"


def _image_size(data: bytes) -> tuple[str, int, int]:
    """(media type, width, height) read from a PNG or JPEG header; anything else is refused."""
    if data.startswith(_PNG) and len(data) >= 24 and data[12:16] == b"IHDR":
        w, h = struct.unpack(">II", data[16:24])
        return "image/png", w, h
    if data.startswith(_JPEG):
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                break
            marker = data[i + 1]
            if marker == 0xFF:  # fill byte
                i += 1
                continue
            if marker in (0x01, *range(0xD0, 0xDA)):  # no length
                i += 2
                continue
            (length,) = struct.unpack(">H", data[i + 2 : i + 4])
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):  # SOFn
                h, w = struct.unpack(">HH", data[i + 5 : i + 9])
                return "image/jpeg", w, h
            i += 2 + length
        raise RiskMapError("JPEG site plan without a readable size")
    raise RiskMapError("site plan must be a PNG or JPEG image")


@dataclass(frozen=True)
class SitePlan:
    """A site plan (总平面布置图) as PNG or JPEG bytes; its size is read from the header."""

    image: bytes
    media_type: str = field(init=False)
    width: int = field(init=False)
    height: int = field(init=False)

    def __post_init__(self) -> None:
        if len(self.image) > MAX_PLAN_BYTES:
            raise RiskMapError(f"site plan larger than {MAX_PLAN_BYTES} bytes")
        media_type, w, h = _image_size(self.image)
        if not (w > 0 and h > 0 and w * h <= MAX_PLAN_PIXELS):
            raise RiskMapError(f"site plan of {w}×{h} pixels is empty or too large")
        object.__setattr__(self, "media_type", media_type)
        object.__setattr__(self, "width", w)
        object.__setattr__(self, "height", h)

    @property
    def data_uri(self) -> str:
        return f"data:{self.media_type};base64,{base64.b64encode(self.image).decode('ascii')}"


# --- Layout -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tile:
    """An area as drawn: outline on the canvas, fill colour, label box and label lines."""

    area: AreaRisk
    outline: tuple[Point, ...]
    fill: str
    on_plan: bool
    label_box: tuple[float, float, float, float] | None  # x, y, w, h of a white box, if any
    lines: tuple[TextLine, ...]


@dataclass(frozen=True)
class LegendItem:
    level: RiskLevel
    swatch: tuple[float, float, float, float]
    label: TextLine


@dataclass(frozen=True)
class MapLayout:
    width: float
    height: float
    title: tuple[TextLine, ...]
    plan: SitePlan | None
    plan_box: tuple[float, float, float, float] | None
    tiles: tuple[Tile, ...]
    texts: tuple[TextLine, ...]  # headings, legend title, bands and note lines
    legend: tuple[LegendItem, ...]
    legend_box: tuple[float, float, float, float]


def _text_colour(fill: str) -> str:
    """Black on light fills (orange, yellow, grey), white on red and blue."""
    r, g, b = (int(fill[i : i + 2], 16) for i in (0, 2, 4))
    return "000000" if 0.299 * r + 0.587 * g + 0.114 * b > 150 else "FFFFFF"


def _fill(area: AreaRisk) -> str:
    top = area.highest
    return top.colour_hex if top else _NO_RISK_FILL


def _centroid(points: Sequence[Point]) -> Point:
    a = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(points, [*points[1:], points[0]], strict=True):
        cross = x0 * y1 - x1 * y0
        a += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if abs(a) < 1e-9:
        return (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))
    return (cx / (3 * a), cy / (3 * a))


_MARGIN: Final = 32.0
_GAP: Final = 16.0
_TILE_H: Final = 150.0
_NAME_SIZE: Final = 24.0
_COUNT_SIZE: Final = 20.0
_SMALL: Final = 18.0


def _counts_lines(area: AreaRisk, width: float, size: float) -> tuple[tuple[str, ...], float]:
    """The counts on one line, else on two, shrinking the font only if even that is too wide."""
    label = area.counts_label
    if _text_width(label, size) <= width:
        return (label,), size
    parts = label.split(" ")
    two = (" ".join(parts[:2]), " ".join(parts[2:]))
    widest = max(_text_width(t, size) for t in two)
    return two, size if widest <= width else max(8.0, size * width / widest)


def _label_lines(area: AreaRisk, cx: float, cy: float, width: float, colour: str,
                 name_size: float) -> tuple[TextLine, ...]:
    """Name (bold, up to two lines) over the counts, centred on (cx, cy)."""
    names = _wrap(_clean(area.name), width, name_size, 2)
    counts, count_size = _counts_lines(area, width, name_size * _COUNT_SIZE / _NAME_SIZE)
    name_lh, count_lh = name_size * 1.3, count_size * 1.3
    top = cy - (name_lh * len(names) + count_lh * len(counts)) / 2
    out = [
        TextLine(n, cx, top + name_lh * (i + 0.78), name_size, colour, True, "middle")
        for i, n in enumerate(names)
    ]
    top += name_lh * len(names)
    out += [
        TextLine(c, cx, top + count_lh * (i + 0.78), count_size, colour, False, "middle")
        for i, c in enumerate(counts)
    ]
    return tuple(out)


def _grid(areas: Sequence[AreaRisk], top: float, inner: float) -> tuple[list[Tile], float]:
    if not areas:
        return [], top
    cols = min(4, max(1, math.ceil(math.sqrt(len(areas)))))
    tile_w = (inner - _GAP * (cols - 1)) / cols
    tiles: list[Tile] = []
    for i, area in enumerate(areas):
        row, col = divmod(i, cols)
        x = _MARGIN + col * (tile_w + _GAP)
        y = top + row * (_TILE_H + _GAP)
        fill = _fill(area)
        outline = ((x, y), (x + tile_w, y), (x + tile_w, y + _TILE_H), (x, y + _TILE_H))
        lines = _label_lines(area, x + tile_w / 2, y + _TILE_H / 2, tile_w - 24,
                             _text_colour(fill), _NAME_SIZE)
        tiles.append(Tile(area, outline, fill, False, None, lines))
    rows = math.ceil(len(areas) / cols)
    return tiles, top + rows * _TILE_H + (rows - 1) * _GAP


def _on_plan(area: AreaRisk, k: float, ox: float, oy: float, box: tuple[float, float, float, float]
             ) -> Tile:
    assert area.polygon is not None
    outline = tuple((ox + px * k, oy + py * k) for px, py in area.polygon)
    cx, cy = _centroid(outline)
    name = _clean(area.name)
    size = _NAME_SIZE * 0.8
    w = min(max(_text_width(name, size), _text_width(area.counts_label, size * 0.85)) + 16,
            box[2] * 0.45)
    lines = _label_lines(area, cx, cy, w - 16, "000000", size)
    h = (lines[-1].y - lines[0].y) + size * 1.6
    bx = min(max(cx - w / 2, box[0]), box[0] + box[2] - w)
    by = min(max(cy - h / 2, box[1]), box[1] + box[3] - h)
    dx, dy = bx - (cx - w / 2), by - (cy - h / 2)  # keep the label box on the plan
    lines = tuple(TextLine(t.text, t.x + dx, t.y + dy, t.size, t.colour, t.bold, t.anchor)
                  for t in lines)
    return Tile(area, outline, _fill(area), True, (bx, by, w, h), lines)


def layout_map(
    areas: Sequence[AreaRisk],
    *,
    title: str,
    plan: SitePlan | None = None,
    bands_text: str = "",
    width: float = 1200.0,
    max_plan_height: float = 1500.0,
) -> MapLayout:
    """Where everything goes, in output pixels; both renderers draw exactly this.

    Polygons are used only with a ``plan``; without one every area is a tile.
    """
    if len(areas) > MAX_AREAS:
        raise RiskMapError(f"more than {MAX_AREAS} areas")
    if not 600 <= width <= 10_000:
        raise RiskMapError("map width must be 600–10000 px")
    inner = width - 2 * _MARGIN
    title_size = 32.0
    title_lines = tuple(
        TextLine(t, width / 2, _MARGIN + title_size * (1.0 + 1.35 * i), title_size, bold=True,
                 anchor="middle")
        for i, t in enumerate(_wrap(_clean(title) or "安全风险四色图", inner, title_size, 2))
    )
    y = title_lines[-1].y + title_size * 0.6 + 16
    texts: list[TextLine] = []
    tiles: list[Tile] = []
    plan_box = None
    loose = list(areas)
    if plan is not None:
        k = min(inner / plan.width, max_plan_height / plan.height)
        pw, ph = plan.width * k, plan.height * k
        plan_box = (_MARGIN + (inner - pw) / 2, y, pw, ph)
        tiles += [_on_plan(a, k, plan_box[0], y, plan_box) for a in areas if a.polygon]
        loose = [a for a in areas if not a.polygon]
        y += ph + 24
        if loose:
            texts.append(TextLine("未在平面图上标注的区域：", _MARGIN, y + _SMALL, _SMALL))
            y += _SMALL + 14
    grid_tiles, y = _grid(loose, y, inner)
    tiles += grid_tiles
    if not areas:
        texts.append(TextLine("（无风险记录）", width / 2, y + 40, 24, "595959", anchor="middle"))
        y += 60
    # Legend: heading, four swatches in a row, then the bands in force and a note.
    y += 28
    legend_top = y
    texts.append(TextLine("图例", _MARGIN + 16, y + 34, 22, bold=True))
    slot = (inner - 100) / 4
    legend = tuple(
        LegendItem(
            lv,
            (_MARGIN + 90 + i * slot, y + 14, 40, 26),
            TextLine(f"{lv.value}（{lv.colour.zh}）", _MARGIN + 90 + i * slot + 50, y + 34, 20),
        )
        for i, lv in enumerate(_LEVELS)
    )
    y += 54
    note = _NOTE + (_NOTE_GREY if any(a.highest is None for a in areas) else "")
    for line in (_clean(bands_text), note):
        for part in _wrap(line, inner - 32, _SMALL, 4) if line else ():
            texts.append(TextLine(part, _MARGIN + 16, y + _SMALL, _SMALL, "333333"))
            y += _SMALL * 1.5
    y += 12
    legend_box = (_MARGIN, legend_top, inner, y - legend_top)
    return MapLayout(width, math.ceil(y + _MARGIN), title_lines, plan, plan_box, tuple(tiles),
                     tuple(texts), legend, legend_box)


# --- SVG ----------------------------------------------------------------------------------------


def _svg_from_layout(lay: MapLayout, title: str) -> str:
    out = [
        '<svg xmlns="http://www.w3.org/2000/svg" '
        f'width="{_n(lay.width)}" height="{_n(lay.height)}" '
        f'viewBox="0 0 {_n(lay.width)} {_n(lay.height)}" font-family="{_FONT_FAMILY}">',
        f"<title>{escape(_clean(title))}</title>",
        _rect((0, 0, lay.width, lay.height), 'fill="#FFFFFF"'),
        *(_svg_text(t) for t in lay.title),
    ]
    if lay.plan is not None and lay.plan_box is not None:
        x, y, w, h = lay.plan_box
        out.append(f'<image x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" '
                   f'preserveAspectRatio="none" href="{lay.plan.data_uri}"/>')
        out.append(_rect(lay.plan_box, 'fill="none" stroke="#808080" stroke-width="1"'))
    for tile in lay.tiles:
        pts = " ".join(f"{_n(px)},{_n(py)}" for px, py in tile.outline)
        out.append(f'<g data-area="{_attr(_clean(tile.area.name))}">')
        if tile.on_plan:
            out.append(f'<polygon points="{pts}" fill="#{tile.fill}" '
                       f'fill-opacity="{_OVERLAY_OPACITY}" stroke="#{tile.fill}" '
                       'stroke-width="3" stroke-linejoin="round"/>')
        else:
            out.append(f'<polygon points="{pts}" fill="#{tile.fill}" stroke="#404040" '
                       'stroke-width="1"/>')
        if tile.label_box is not None:
            out.append(_rect(tile.label_box, 'rx="4" fill="#FFFFFF" fill-opacity="0.85" '
                             'stroke="#404040" stroke-width="0.5"'))
        out += [_svg_text(t) for t in tile.lines]
        out.append("</g>")
    out.append(_rect(lay.legend_box, 'fill="none" stroke="#808080" stroke-width="1"'))
    for item in lay.legend:
        out.append(_rect(item.swatch, f'fill="#{item.level.colour_hex}" stroke="#404040" '
                         'stroke-width="1"'))
        out.append(_svg_text(item.label))
    out += [_svg_text(t) for t in lay.texts]
    out.append("</svg>")
    return "\n".join(out) + "\n"


def risk_map_svg(
    areas: Sequence[AreaRisk],
    *,
    title: str,
    plan: SitePlan | None = None,
    bands_text: str = "",
    width: float = 1200.0,
) -> str:
    """The four-colour map as a standalone SVG document (text, UTF-8 when encoded)."""
    lay = layout_map(areas, title=title, plan=plan, bands_text=bands_text, width=width)
    return _svg_from_layout(lay, title)


# --- PNG ----------------------------------------------------------------------------------------


def _fc_match(pattern: str) -> tuple[str, int]:
    try:
        return fc_match(pattern)
    except FontNotFound as exc:
        raise RiskMapError(str(exc)) from None


def risk_map_png(
    areas: Sequence[AreaRisk],
    *,
    title: str,
    plan: SitePlan | None = None,
    bands_text: str = "",
    width: float = 1200.0,
    scale: float = 1.0,
    font: tuple[str, int] | None = None,
    bold_font: tuple[str, int] | None = None,
) -> bytes:
    """The same map as a PNG, drawn with Pillow; ``scale`` 2 gives a print-sharp image.

    ``font``/``bold_font`` are (file, face index); by default ``fc-match 'Noto Sans CJK SC'``.
    """
    from PIL import Image, ImageDraw

    if not 0.25 <= scale <= 4:
        raise RiskMapError("scale must be 0.25–4")
    lay = layout_map(areas, title=title, plan=plan, bands_text=bands_text, width=width)
    try:
        draw_text = text_drawer(scale, font, bold_font)
    except FontNotFound as exc:
        raise RiskMapError(str(exc)) from None

    def s(v: float) -> float:
        return v * scale

    def pts(points: Iterable[Point]) -> list[tuple[float, float]]:
        return [(s(x), s(y)) for x, y in points]

    def box(b: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
        return (s(b[0]), s(b[1]), s(b[0] + b[2]), s(b[1] + b[3]))

    size = (math.ceil(s(lay.width)), math.ceil(s(lay.height)))
    img = Image.new("RGBA", size, (255, 255, 255, 255))
    if lay.plan is not None and lay.plan_box is not None:
        x0, y0, x1, y1 = box(lay.plan_box)
        try:
            with Image.open(io.BytesIO(lay.plan.image)) as src:
                if src.size != (lay.plan.width, lay.plan.height):
                    raise RiskMapError("site plan header and image disagree about its size")
                shown = src.convert("RGBA").resize((round(x1 - x0), round(y1 - y0)),
                                                   Image.Resampling.LANCZOS)
        except (OSError, SyntaxError) as exc:  # Pillow's errors for broken image data
            raise RiskMapError(f"site plan image cannot be read: {exc}") from None
        img.alpha_composite(shown, (round(x0), round(y0)))
        ImageDraw.Draw(img).rectangle((x0, y0, x1, y1), outline=rgb("808080"), width=1)

    overlay = Image.new("RGBA", size, (0, 0, 0, 0))
    odraw = ImageDraw.Draw(overlay)
    alpha = round(_OVERLAY_OPACITY * 255)
    for tile in lay.tiles:
        if tile.on_plan:
            odraw.polygon(pts(tile.outline), fill=rgb(tile.fill, alpha))
    img.alpha_composite(overlay)

    draw = ImageDraw.Draw(img)

    def text(t: TextLine) -> None:
        draw_text(draw, t)

    for t in lay.title:
        text(t)
    labels = Image.new("RGBA", size, (0, 0, 0, 0))
    ldraw = ImageDraw.Draw(labels)
    for tile in lay.tiles:
        if tile.on_plan:
            outline = pts(tile.outline)
            draw.line([*outline, outline[0]], fill=rgb(tile.fill), width=max(1, round(s(3))),
                      joint="curve")
            if tile.label_box is not None:
                ldraw.rounded_rectangle(box(tile.label_box), radius=s(4),
                                        fill=(255, 255, 255, round(0.85 * 255)),
                                        outline=rgb("404040"), width=1)
        else:
            draw.polygon(pts(tile.outline), fill=rgb(tile.fill), outline=rgb("404040"))
    img.alpha_composite(labels)
    draw = ImageDraw.Draw(img)
    for tile in lay.tiles:
        for t in tile.lines:
            text(t)
    draw.rectangle(box(lay.legend_box), outline=rgb("808080"), width=1)
    for item in lay.legend:
        draw.rectangle(box(item.swatch), fill=rgb(item.level.colour_hex), outline=rgb("404040"))
        text(item.label)
    for t in lay.texts:
        text(t)
    buf = io.BytesIO()
    img.convert("RGB").save(buf, format="PNG", compress_level=6)
    return buf.getvalue()
