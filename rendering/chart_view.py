"""The figures of the annual evaluations as pictures of the ``photos`` mechanism: each chart of
the record's ``charts`` (domain/charts.py) drawn as SVG for the PDF, with a PNG of the same layout
for Word (which cannot embed SVG), and a caption — 图 n, title, the clause it answers — that the
document prints as text under the figure."""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

from domain.charts import EVALUATION_CHARTS, ChartData, ChartDef, chart_caption
from rendering.charts import Bar, Chart, ChartError, chart_png, chart_svg
from rendering.values import MISSING

__all__ = ["chart_of", "evaluation_chart_extras", "extras_names"]

WIDTH = 820.0  # px across the text width: labels about 9 pt in print
log = logging.getLogger("azx.render")


def extras_names(profile: str) -> tuple[str, ...]:
    """The names the spec binds: ``chart_<key>`` for each chart of the profile."""
    return tuple(f"chart_{k}" for k in EVALUATION_CHARTS[profile])


def chart_of(d: ChartDef, data: ChartData, caption: str) -> Chart:
    return Chart(title=d.title, caption=caption,
                 bars=tuple(Bar(b.label, tuple(b.values)) for b in data.bars),
                 series=d.series, fmt=d.fmt, unit=d.unit, floor=data.floor,
                 floor_label=d.floor_label or "")


def _picture(chart: Chart) -> Any:
    from rendering.views import MapPicture

    try:
        svg = chart_svg(chart, width=WIDTH, framed=False).encode("utf-8")
    except ChartError:  # the document still prints without its figure
        log.warning("chart not drawn", exc_info=True)
        return MISSING

    @cache
    def png() -> bytes:
        return chart_png(chart, width=WIDTH, framed=False, scale=1.5)

    return [MapPicture(svg, caption=chart.caption, kind="chart", fallback=png)]


def evaluation_chart_extras(profile: str, model: Any | None) -> dict[str, Any]:
    """``chart_<key>``: [picture] for each chart the record carries, MISSING for the others (and
    for every chart of a blank form or of an evaluation typed by hand: nothing is drawn)."""
    out: dict[str, Any] = dict.fromkeys(extras_names(profile), MISSING)
    charts = getattr(model, "charts", None) if model is not None else None
    if charts is None:
        return out
    number = 0
    for key, d in EVALUATION_CHARTS[profile].items():
        data = getattr(charts, key, None)
        if data is None:
            continue
        number += 1
        out[f"chart_{key}"] = _picture(chart_of(d, data, chart_caption(number, d)))
    return out
