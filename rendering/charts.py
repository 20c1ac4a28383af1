"""Bar charts drawn by the product (issue 15 points 5 and 6), as SVG text or as a PNG.

A chart is horizontal bars, one group per category with one bar per series, on a value axis
that starts at zero (or below, for a negative balance), with the value printed after every bar
(a black-and-white print loses the colours, never the numbers), an optional floor drawn as a
dashed line with its label (a rule's minimum), a legend when there is more than one series or a
floor, and — unless the document prints them itself — a title above and a caption under it that
cites the clause the figure answers.

One layout (:func:`layout_chart`) is computed and drawn twice: as SVG (stdlib only) and as PNG
(Pillow), as the four-colour risk map (rendering/riskmap.py) with the primitives of
rendering/drawkit.py. Every text is escaped: labels are data, never markup.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Final, Literal
from xml.sax.saxutils import escape

from rendering.drawkit import (
    FONT_FAMILY,
    TextLine,
    attr,
    clean,
    n,
    rect,
    rgb,
    svg_text,
    text_drawer,
    text_width,
    wrap,
)

__all__ = ["MAX_BARS", "Bar", "Chart", "ChartError", "ChartLayout", "chart_png", "chart_svg",
           "format_value", "layout_chart"]

MAX_BARS: Final = 40
#: Series fills: dark, light, mid — told apart in grey too; each bar also carries its value.
SERIES_FILLS: Final = ("2F5597", "BDD7EE", "7F7F7F")
_FLOOR: Final = "C00000"
_GRID: Final = "D9D9D9"
_MARGIN: Final = 24.0
_LABEL: Final = 18.0
_VALUE: Final = 17.0
_TICK: Final = 15.0
_BAR_H: Final = 24.0
_GAP: Final = 14.0

Box = tuple[float, float, float, float]
Fmt = Literal["count", "money", "percent"]


class ChartError(ValueError):
    """A chart that cannot be drawn (no series, too many bars, a value that is not finite)."""


@dataclass(frozen=True)
class Bar:
    """One category: its label and one value per series; ``texts`` replace the printed values
    (e.g. ``85.00%（17/20）``)."""

    label: str
    values: tuple[Decimal, ...]
    texts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Chart:
    title: str
    caption: str  # cites the clause: "依据：山东规范 8.1 a） 服务实时覆盖率"
    bars: tuple[Bar, ...]
    series: tuple[str, ...] = ("数量",)
    fmt: Fmt = "count"
    unit: str = ""
    floor: Decimal | None = None
    floor_label: str = ""
    subtitle: str = ""


@dataclass(frozen=True)
class Shape:
    """A filled box (a bar, a swatch) or a line (an axis, a grid line, the floor)."""

    box: Box  # x, y, w, h; a line runs from (x, y) to (x + w, y + h)
    fill: str | None = None
    stroke: str | None = "000000"
    width: float = 1.0
    dashed: bool = False
    line: bool = False
    data: tuple[tuple[str, str], ...] = ()  # SVG data-* attributes (label, series, value)


@dataclass(frozen=True)
class ChartLayout:
    width: float
    height: float
    shapes: tuple[Shape, ...]
    texts: tuple[TextLine, ...]


def format_value(v: Decimal, fmt: Fmt, unit: str = "") -> str:
    """The printed value: counts whole, money with two decimals and thousands separators,
    percentages with one decimal."""
    if fmt == "money":
        s = f"{v:,.2f}"
    elif fmt == "percent":
        s = f"{v:.1f}%"
    else:
        s = f"{v:,.0f}" if v == v.to_integral_value() else f"{v:,.2f}"
    return f"{s} {unit}" if unit else s


def _nice_step(span: float) -> float:
    """A step of 1, 2 or 5 × 10ⁿ giving about five intervals over ``span``."""
    raw = span / 5
    mag = float(10 ** math.floor(math.log10(raw)))
    return next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)


def _axis(chart: Chart) -> tuple[float, float, float]:
    """(low, high, step) of the value axis: zero included, the floor too; 0–100 for percents."""
    vals = [float(v) for b in chart.bars for v in b.values]
    if chart.floor is not None:
        vals.append(float(chart.floor))
    if chart.fmt == "percent" and all(0 <= v <= 100 for v in vals):
        return 0.0, 100.0, 20.0
    lo, hi = min([0.0, *vals]), max([0.0, *vals])
    if hi - lo < 1e-9:
        hi = lo + (1.0 if chart.fmt != "money" else 100.0)
    step = _nice_step(hi - lo)
    if chart.fmt == "count":
        step = max(step, 1.0)
    return math.floor(lo / step) * step, math.ceil(hi / step) * step, step


def _check(chart: Chart) -> None:
    if not chart.series:
        raise ChartError("a chart needs at least one series")
    if len(chart.bars) > MAX_BARS:
        raise ChartError(f"more than {MAX_BARS} bars")
    for b in chart.bars:
        if len(b.values) != len(chart.series):
            raise ChartError(f"bar {b.label!r} has {len(b.values)} values for "
                             f"{len(chart.series)} series")
        if b.texts and len(b.texts) != len(b.values):
            raise ChartError(f"bar {b.label!r}: one text per value")
        if not all(v.is_finite() for v in b.values):
            raise ChartError(f"bar {b.label!r} has a value that is not finite")
    if chart.floor is not None and not chart.floor.is_finite():
        raise ChartError("the floor is not finite")


def _heading(chart: Chart, width: float, inner: float, framed: bool) -> tuple[list[TextLine],
                                                                               float]:
    texts: list[TextLine] = []
    y = _MARGIN
    if framed:
        for line in wrap(clean(chart.title), inner, 26.0, 2):
            y += 26.0 * 1.3
            texts.append(TextLine(line, width / 2, y, 26.0, bold=True, anchor="middle"))
    if chart.subtitle:
        for line in wrap(clean(chart.subtitle), inner, 16.0, 2):
            y += 16.0 * 1.4
            texts.append(TextLine(line, width / 2, y, 16.0, "404040", anchor="middle"))
    return texts, y + (12.0 if texts else 0.0)


def _legend(chart: Chart, y: float, inner: float) -> tuple[list[Shape], list[TextLine], float]:
    """Swatches of the series (when more than one) and the floor's dashed line, in rows."""
    items: list[tuple[str, str | None, bool]] = []  # label, fill, dashed line
    if len(chart.series) > 1:
        items += [(clean(s), SERIES_FILLS[i], False) for i, s in enumerate(chart.series)]
    if chart.floor is not None:
        label = clean(chart.floor_label or "下限")
        items.append((f"{label}：{format_value(chart.floor, chart.fmt, chart.unit)}", None, True))
    shapes: list[Shape] = []
    texts: list[TextLine] = []
    if not items:
        return shapes, texts, y
    x = _MARGIN
    y += 4
    for label, fill, dashed in items:
        w = 34 + text_width(label, _LABEL) + 24
        if x > _MARGIN and x + w > _MARGIN + inner:
            x, y = _MARGIN, y + _LABEL * 1.6
        if dashed:
            shapes.append(Shape((x, y + 10, 26, 0), stroke=_FLOOR, width=3, dashed=True,
                                line=True))
        else:
            shapes.append(Shape((x, y + 2, 26, 16), fill=fill, stroke="404040"))
        texts.append(TextLine(label, x + 34, y + 16, _LABEL))
        x += w
    return shapes, texts, y + _LABEL * 1.6 + 6


def layout_chart(chart: Chart, *, width: float = 1000.0, framed: bool = True) -> ChartLayout:
    """Where everything goes, in output pixels; both renderers draw exactly this. ``framed``
    False leaves out the title and the caption (a document prints them as text)."""
    _check(chart)
    if not 400 <= width <= 5000:
        raise ChartError("chart width must be 400–5000 px")
    inner = width - 2 * _MARGIN
    texts, y = _heading(chart, width, inner, framed)
    legend_shapes, legend_texts, y = _legend(chart, y, inner)
    shapes = list(legend_shapes)
    texts += legend_texts
    fmt = chart.fmt
    values = [[b.texts[i] if b.texts else format_value(v, fmt, chart.unit)
               for i, v in enumerate(b.values)] for b in chart.bars]
    labels = [wrap(clean(b.label), inner * 0.3, _LABEL, 2) for b in chart.bars]
    label_w = max([text_width(ln, _LABEL) for ls in labels for ln in ls] or [0.0])
    label_w = min(label_w, inner * 0.3)
    value_w = max([text_width(t, _VALUE) for vs in values for t in vs] or [0.0]) + 10
    x0 = _MARGIN + label_w + 14
    x1 = _MARGIN + inner - value_w
    lo, hi, step = _axis(chart)

    def xv(v: float) -> float:
        return x0 + (v - lo) / (hi - lo) * (x1 - x0)

    top = y + 6
    k = len(chart.series)
    group_h = [max(k * _BAR_H, len(ls) * _LABEL * 1.25) + _GAP for ls in labels]
    bottom = top + sum(group_h) + (0 if chart.bars else 60)
    # grid lines and tick labels under the plot
    ticks = round((hi - lo) / step)
    for i in range(ticks + 1):
        at = lo + i * step
        shapes.append(Shape((xv(at), top, 0, bottom - top), stroke=_GRID, line=True))
        tick = Decimal(str(round(at, 6)))
        texts.append(TextLine(format_value(tick, "count" if fmt == "money" else fmt), xv(at),
                              bottom + _TICK * 1.3, _TICK, "404040", anchor="middle"))
    backs: list[Shape] = []
    gy = top
    for b, ls, vs, h in zip(chart.bars, labels, values, group_h, strict=True):
        mid = gy + (h - _GAP) / 2 + _GAP / 2
        for j, line in enumerate(ls):
            texts.append(TextLine(line, x0 - 10, mid + _LABEL * (0.35 + 1.25 * (j - (len(ls) - 1) / 2)),
                                  _LABEL, anchor="end"))
        by = mid - k * _BAR_H / 2
        for i, (v, t) in enumerate(zip(b.values, vs, strict=True)):
            a, z = sorted((xv(0.0), xv(float(v))))
            shapes.append(Shape((a, by + i * _BAR_H + 2, max(z - a, 1.0), _BAR_H - 4),
                                fill=SERIES_FILLS[i], stroke="404040",
                                data=(("label", clean(b.label)), ("series", chart.series[i]),
                                      ("value", f"{v:f}"))))
            tx = max(z, xv(0.0)) + 6
            ty = by + i * _BAR_H + _BAR_H / 2 + 6
            # a white ground under the value: the floor line never runs through a number
            backs.append(Shape((tx - 2, ty - _VALUE, text_width(t, _VALUE) + 4, _VALUE * 1.25),
                               fill="FFFFFF", stroke=None))
            texts.append(TextLine(t, tx, ty, _VALUE))
        gy += h
    if not chart.bars:
        texts.append(TextLine("（无数据）", (x0 + x1) / 2, top + 36, 20, "595959",
                              anchor="middle"))
    if chart.floor is not None:
        shapes.append(Shape((xv(float(chart.floor)), top - 4, 0, bottom - top + 8),
                            stroke=_FLOOR, width=3, dashed=True, line=True))
    shapes += backs
    shapes.append(Shape((xv(0.0), top, 0, bottom - top), stroke="000000", width=1.5, line=True))
    shapes.append(Shape((x0, bottom, x1 - x0, 0), stroke="000000", line=True))
    y = bottom + _TICK * 1.3 + 14
    if framed and chart.caption:
        for line in wrap(clean(chart.caption), inner, 16.0, 3):
            y += 16.0 * 1.45
            texts.append(TextLine(line, width / 2, y, 16.0, "333333", anchor="middle"))
        y += 6
    return ChartLayout(width, math.ceil(y + _MARGIN / 2), tuple(shapes), tuple(texts))


# --- SVG ----------------------------------------------------------------------------------------


def _svg_shape(s: Shape) -> str:
    dash = ' stroke-dasharray="10 6"' if s.dashed else ""
    if s.line:
        x, y, w, h = s.box
        return (f'<line x1="{n(x)}" y1="{n(y)}" x2="{n(x + w)}" y2="{n(y + h)}" '
                f'stroke="#{s.stroke}" stroke-width="{n(s.width)}"{dash}/>')
    data = "".join(f' data-{k}="{attr(v)}"' for k, v in s.data)
    stroke = f'stroke="#{s.stroke}" stroke-width="{n(s.width)}"' if s.stroke else 'stroke="none"'
    return rect(s.box, f'fill="#{s.fill}" {stroke}{data}')


def chart_svg(chart: Chart, *, width: float = 1000.0, framed: bool = True) -> str:
    """The chart as a standalone SVG document (text, UTF-8 when encoded)."""
    lay = layout_chart(chart, width=width, framed=framed)
    return "\n".join([
        '<svg xmlns="http://www.w3.org/2000/svg" '
        f'width="{n(lay.width)}" height="{n(lay.height)}" '
        f'viewBox="0 0 {n(lay.width)} {n(lay.height)}" font-family="{FONT_FAMILY}">',
        f"<title>{escape(clean(chart.title))}</title>",
        f"<desc>{escape(clean(chart.caption))}</desc>",
        rect((0, 0, lay.width, lay.height), 'fill="#FFFFFF"'),
        *(_svg_shape(s) for s in lay.shapes),
        *(svg_text(t) for t in lay.texts),
        "</svg>",
    ]) + "\n"


# --- PNG ----------------------------------------------------------------------------------------


def _dashes(x0: float, y0: float, x1: float, y1: float, on: float, off: float
            ) -> list[tuple[float, float, float, float]]:
    length = math.hypot(x1 - x0, y1 - y0)
    if length == 0:
        return []
    ux, uy = (x1 - x0) / length, (y1 - y0) / length
    out, pos = [], 0.0
    while pos < length:
        end = min(pos + on, length)
        out.append((x0 + ux * pos, y0 + uy * pos, x0 + ux * end, y0 + uy * end))
        pos += on + off
    return out


def chart_png(chart: Chart, *, width: float = 1000.0, framed: bool = True, scale: float = 1.0,
              font: tuple[str, int] | None = None,
              bold_font: tuple[str, int] | None = None) -> bytes:
    """The same chart as a PNG, drawn with Pillow; ``scale`` 2 gives a print-sharp image.
    ``font``/``bold_font`` are (file, face index); by default ``fc-match 'Noto Sans CJK SC'``."""
    from PIL import Image, ImageDraw

    if not 0.25 <= scale <= 4:
        raise ChartError("scale must be 0.25–4")
    lay = layout_chart(chart, width=width, framed=framed)
    draw_text = text_drawer(scale, font, bold_font)
    img = Image.new("RGB", (math.ceil(lay.width * scale), math.ceil(lay.height * scale)),
                    (255, 255, 255))
    draw = ImageDraw.Draw(img)
    for s in lay.shapes:
        x, y, w, h = (v * scale for v in s.box)
        lw = max(1, round(s.width * scale))
        if s.line and s.stroke:
            segments = (_dashes(x, y, x + w, y + h, 10 * scale, 6 * scale) if s.dashed
                        else [(x, y, x + w, y + h)])
            for seg in segments:
                draw.line(seg, fill=rgb(s.stroke)[:3], width=lw)
        else:
            draw.rectangle((x, y, x + w, y + h), fill=rgb(s.fill)[:3] if s.fill else None,
                           outline=rgb(s.stroke)[:3] if s.stroke else None, width=lw)
    for t in lay.texts:
        draw_text(draw, t)
    buf = io.BytesIO()
    img.save(buf, format="PNG", compress_level=6)
    return buf.getvalue()

