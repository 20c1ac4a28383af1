"""The figures of the regulator's summary report (``GET /v1/regulator/summary?format=pdf``): the
seven charts of rendering/regulator_charts.py as ``photos`` pictures of kind ``chart`` — SVG in
the PDF (vector, its values text), a PNG of the same layout for Word — each with the caption
图 n, its title and the clause it answers, printed by the document as text under the figure.

A figure is drawn at most :data:`PDF_MAX_BARS` bars long (its subtitle says when some are left
out; the tables hold every row) and, when still tall, drawn wider so that it fits a landscape
page: the document scales every chart to the text width."""

from __future__ import annotations

import logging
import math
from dataclasses import replace
from functools import cache
from typing import Any, Final

from rendering.charts import Chart, ChartError, chart_png, chart_svg, layout_chart
from rendering.regulator_charts import chart_title, regulator_chart
from rendering.values import MISSING

__all__ = ["ORDER", "PDF_MAX_BARS", "chart_extras", "report_extras"]

log = logging.getLogger("azx.render")

PDF_MAX_BARS: Final = 15
WIDTH: Final = 1300.0  # px across a landscape text width (257 mm): labels about 10 pt
TEXT_WIDTH_MM: Final = 257.0
MAX_HEIGHT_MM: Final = 150.0  # with its caption, a figure fits a landscape page (168 mm)
#: The charts in the order the report prints them (templates/annex/national/regulator_summary.yaml)
ORDER: Final = (*(f"{figure}_by_{dim}" for dim in ("region", "insurer")
                  for figure in ("coverage", "overdue", "major_hazards")), "fee_floors")


def report_extras(model: Any | None) -> dict[str, Any]:
    """The model's computed values: ``no_fees``; the charts are drawn from the summary itself
    (:func:`chart_extras`), MISSING until then."""
    out: dict[str, Any] = dict.fromkeys((f"chart_{n}" for n in ORDER), MISSING)
    out["no_fees"] = True if model is not None and not model.fees else MISSING
    return out


def _fitting_width(chart: Chart) -> float:
    """WIDTH, or wider for a tall figure, so that it is at most MAX_HEIGHT_MM tall in print."""
    height = layout_chart(chart, width=WIDTH, framed=False).height
    if height * TEXT_WIDTH_MM / WIDTH <= MAX_HEIGHT_MM:
        return WIDTH
    return float(min(5000, math.ceil(height * TEXT_WIDTH_MM / MAX_HEIGHT_MM)))


def _picture(chart: Chart, caption: str) -> Any:
    from rendering.views import MapPicture

    try:
        width = _fitting_width(chart)
        svg = chart_svg(chart, width=width, framed=False).encode("utf-8")
    except ChartError:  # the report still prints its tables
        log.warning("regulator chart not drawn", exc_info=True)
        return MISSING

    @cache
    def png() -> bytes:
        return chart_png(chart, width=width, framed=False, scale=1.5)

    return [MapPicture(svg, caption=caption, kind="chart", fallback=png)]


def chart_extras(summary: dict[str, Any]) -> dict[str, Any]:
    """``chart_<name>``: [picture] of each chart of the summary that has a bar, numbered in the
    order the report prints them (by region, by insurer, fee floors); MISSING for the others."""
    out: dict[str, Any] = {}
    number = 0
    for name in ORDER:
        title, clause = chart_title(name)
        chart = regulator_chart(summary, name, max_bars=PDF_MAX_BARS, context=False)
        if not chart.bars:  # nothing to draw: the table above says （无）
            out[f"chart_{name}"] = MISSING
            continue
        number += 1
        out[f"chart_{name}"] = _picture(replace(chart, title=title),
                                        f"图{number}　{title}（依据：{clause}）")
    return out
