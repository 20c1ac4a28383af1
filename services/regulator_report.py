"""The regulator's summary as a PDF report (``GET /v1/regulator/summary?format=pdf``, issue 15
point 5), printed through the annex machinery like the 四性检测报告: the summary's rows
(domain/regulator_report.py) bound by templates/annex/national/regulator_summary.yaml, its seven
charts as SVG figures (rendering/regulator_report.py). A read-only view: not signed, not archived,
no record ID or QR code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from domain.regulator_report import report_data
from rendering.charts import chart_png, chart_svg
from rendering.kinds import kind_rendering
from rendering.pdf import Engine
from rendering.regulator_charts import regulator_chart
from rendering.regulator_export import summary_csv, summary_xlsx
from rendering.regulator_report import chart_extras
from rendering.spec import build_document, load_spec
from rendering.values import Overlay
from services.render import render_document

__all__ = ["XLSX", "SummaryFile", "summary_file", "summary_pdf"]


def summary_pdf(summary: dict[str, Any], *, engine: Engine = "typst") -> bytes:
    """The PDF of a summary as RegulatorService.summary returns it."""
    data = report_data(summary)
    extras = kind_rendering("regulator_summary", "national").extras
    view = Overlay(data, **{**(extras(data) if extras else {}), **chart_extras(summary)})
    doc = build_document(load_spec("national", "regulator_summary"), view, blank=False)
    return render_document(doc, "pdf", engine=engine)


@dataclass(frozen=True)
class SummaryFile:
    """One of the summary's files: its bytes, media type and Content-Disposition."""

    content: bytes
    media_type: str
    disposition: str


XLSX: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_IMAGE: Final = {"svg": "image/svg+xml", "png": "image/png"}


def summary_file(summary: dict[str, Any], format: str, *, table: str = "groups",
                 chart: str | None = None, engine: Engine = "typst") -> SummaryFile:
    """The summary as ``format`` (csv: one ``table``; xlsx; pdf; svg/png: one ``chart``)."""
    day = summary["as_of"]
    if chart is not None:
        figure = regulator_chart(summary, chart)
        body = (chart_svg(figure).encode("utf-8") if format == "svg"
                else chart_png(figure, scale=1.5))
        return SummaryFile(body, _IMAGE[format],
                           f'inline; filename="regulator-{chart}-{day}.{format}"')
    if format == "csv":
        return SummaryFile(summary_csv(summary, table), "text/csv; charset=utf-8",
                           f'attachment; filename="regulator-{table}-{day}.csv"')
    if format == "pdf":
        return SummaryFile(summary_pdf(summary, engine=engine), "application/pdf",
                           f'inline; filename="regulator-summary-{day}.pdf"')
    return SummaryFile(summary_xlsx(summary), XLSX,
                       f'attachment; filename="regulator-{day}.xlsx"')
