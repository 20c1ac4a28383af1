"""The regulator's view (issue 15 point 5): read-only, region-bound, across tenants."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.deps import Ctx, RegulatorCaller
from rendering.regulator_export import summary_csv, summary_xlsx
from services.fees import FeeService
from services.obligations import ObligationService
from services.regulator import RegulatorQuery, RegulatorService

router = APIRouter(prefix="/v1/regulator", tags=["regulator"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/summary",
            summary="监管汇总 / coverage, overdue obligations, open major hazards and fee floors "
                    "of the key's regions, by region, industry and insurer (JSON, CSV, XLSX)",
            responses={200: {"content": {"text/csv": {}, XLSX: {}}}})
async def summary(caller: RegulatorCaller, ctx: Ctx,
                  region: str | None = Query(None, max_length=100),
                  industry: str | None = Query(None, max_length=200),
                  insurer: str | None = Query(None, max_length=100),
                  as_of: dt.date | None = Query(None, description="判定日期（缺省为今天，北京时间）"),
                  quarter: str | None = Query(None, max_length=10, description="如 2026Q3"),
                  year: int | None = Query(None, ge=2000, le=2100, description="费用年度"),
                  format: Literal["json", "csv", "xlsx"] = Query("json"),
                  table: Literal["groups", "by_region", "by_industry", "by_insurer", "fees"] =
                  Query("groups", description="CSV：导出哪一张表")) -> Any:
    svc = RegulatorService(
        engine=ctx.engine, audit=ctx.audit,
        obligations=ObligationService(engine=ctx.engine, store=ctx.store, settings=ctx.settings),
        fees=FeeService(engine=ctx.engine, store=ctx.store, archive=ctx.archive))
    q = RegulatorQuery(region=region, industry=industry, insurer=insurer, as_of=as_of,
                       quarter=quarter, year=year)
    out = await run_in_threadpool(svc.summary, caller, q)
    if format == "csv":
        return Response(summary_csv(out, table), media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="regulator-{table}-{out["as_of"]}.csv"'})
    if format == "xlsx":
        return Response(await run_in_threadpool(summary_xlsx, out), media_type=XLSX, headers={
            "Content-Disposition": f'attachment; filename="regulator-{out["as_of"]}.xlsx"'})
    return out
