"""The regulator's view (issue 15 point 5): read-only, region-bound, across tenants."""

from __future__ import annotations

import datetime as dt
from typing import Any, Final, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.deps import Ctx, RegulatorCaller
from domain.errors import DomainValidationError
from rendering.regulator_charts import CHART_NAMES
from services.fees import FeeService
from services.obligations import ObligationService
from services.regulator import RegulatorQuery, RegulatorService
from services.regulator_report import XLSX, summary_file

router = APIRouter(prefix="/v1/regulator", tags=["regulator"])

ChartName = Literal["coverage_by_region", "coverage_by_insurer", "overdue_by_region",
                    "overdue_by_insurer", "major_hazards_by_region", "major_hazards_by_insurer",
                    "fee_floors"]
IMAGES: Final = ("svg", "png")


def _chart_problem(format: str, chart: str | None) -> DomainValidationError | None:
    """A chart is asked for with format svg or png, and only then (bilingual, naming ``chart``)."""
    if format in IMAGES and chart is None:
        return DomainValidationError.single(
            ("query", "chart"), "chart_required",
            f"format={format} 须同时给出 chart（{'、'.join(CHART_NAMES)}）",
            f"format={format} needs the query parameter chart (one of {', '.join(CHART_NAMES)})")
    if format not in IMAGES and chart is not None:
        return DomainValidationError.single(
            ("query", "chart"), "chart_needs_image",
            "chart 仅用于 format=svg 或 format=png",
            "the query parameter chart goes with format=svg or format=png only")
    return None


@router.get("/summary",
            summary="监管汇总 / coverage, overdue obligations, open major hazards and fee floors "
                    "of the key's regions, by region, industry and insurer (JSON, CSV, XLSX; "
                    "a PDF report with its charts as SVG; one chart as SVG or PNG with chart=…)",
            responses={200: {"content": {"text/csv": {}, XLSX: {}, "application/pdf": {},
                                         "image/svg+xml": {}, "image/png": {}}}})
async def summary(caller: RegulatorCaller, ctx: Ctx,
                  region: str | None = Query(None, max_length=100),
                  industry: str | None = Query(None, max_length=200),
                  insurer: str | None = Query(None, max_length=100),
                  as_of: dt.date | None = Query(None, description="判定日期（缺省为今天，北京时间）"),
                  quarter: str | None = Query(None, max_length=10, description="如 2026Q3"),
                  year: int | None = Query(None, ge=2000, le=2100, description="费用年度"),
                  format: Literal["json", "csv", "xlsx", "pdf", "svg", "png"] = Query("json"),
                  table: Literal["groups", "by_region", "by_industry", "by_insurer", "fees"] =
                  Query("groups", description="CSV：导出哪一张表"),
                  chart: ChartName | None = Query(
                      None, description="format=svg 或 png 时：绘制哪一张图（各图注明所依条款）")
                  ) -> Any:
    bad = _chart_problem(format, chart)
    if bad is not None:
        raise bad
    svc = RegulatorService(
        engine=ctx.engine, audit=ctx.audit,
        obligations=ObligationService(engine=ctx.engine, store=ctx.store, settings=ctx.settings),
        fees=FeeService(engine=ctx.engine, store=ctx.store, archive=ctx.archive))
    q = RegulatorQuery(region=region, industry=industry, insurer=insurer, as_of=as_of,
                       quarter=quarter, year=year)
    audited = ({"format": format, "chart": chart} if chart else
               {"format": format} if format == "pdf" else None)
    out = await run_in_threadpool(svc.summary, caller, q, audited)
    if format == "json":
        return out
    got = await run_in_threadpool(summary_file, out, format, table=table, chart=chart,
                                  engine=ctx.settings.pdf_engine)
    return Response(got.content, media_type=got.media_type,
                    headers={"Content-Disposition": got.disposition})
