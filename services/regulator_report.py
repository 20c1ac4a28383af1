"""The regulator's summary as a PDF report (``GET /v1/regulator/summary?format=pdf``, issue 15
point 5), printed through the annex machinery like the 四性检测报告: the summary's rows
(domain/regulator_report.py) bound by templates/annex/national/regulator_summary.yaml, its seven
charts as SVG figures (rendering/regulator_report.py). A read-only view: not signed, not archived,
no record ID or QR code."""

from __future__ import annotations

from typing import Any

from domain.regulator_report import report_data
from rendering.kinds import kind_rendering
from rendering.pdf import Engine
from rendering.regulator_report import chart_extras
from rendering.spec import build_document, load_spec
from rendering.values import Overlay
from services.render import render_document

__all__ = ["summary_pdf"]


def summary_pdf(summary: dict[str, Any], *, engine: Engine = "typst") -> bytes:
    """The PDF of a summary as RegulatorService.summary returns it."""
    data = report_data(summary)
    extras = kind_rendering("regulator_summary", "national").extras
    view = Overlay(data, **{**(extras(data) if extras else {}), **chart_extras(summary)})
    doc = build_document(load_spec("national", "regulator_summary"), view, blank=False)
    return render_document(doc, "pdf", engine=engine)
