"""The insurer's books computed from the archive (issue 15): the prevention-fee ledger, sampling
draws, coverage figures and the annual evaluation."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from api.body import read_payload
from api.deps import ClientKey, Ctx, CurrentCaller
from services.context import AppContext
from services.coverage import CoverageService, GroupBy
from services.evaluations import EvaluationService
from services.fees import FeeService
from services.obligations import ObligationService
from services.sampling import SamplingService

router = APIRouter(prefix="/v1", tags=["ledger"])

Profile = Literal["shandong", "chengdu", "national", "wenzhou"]

_FEE_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "required": ["profile", "kind", "year", "insurer", "date"],
    "properties": {
        "profile": {"type": "string", "enum": ["shandong", "wenzhou"]},
        "kind": {"type": "string", "enum": ["accrual", "expenditure", "pooling"]},
        "year": {"type": "integer"}, "insurer": {"type": "string"},
        "branch": {"type": "string"}, "date": {"type": "string", "format": "date"},
        "amount": {"type": "string", "example": "18600.00"},
        "premium": {"type": "string"}, "share_percent": {"type": "string"},
        "policy_no": {"type": "string"}, "insured_name": {"type": "string"},
        "purpose": {"type": "string"},
        "records": {"type": "array", "items": {"type": "string"}},
        "invoices": {"type": "array", "items": {"type": "string"}},
        "corrects": {"type": "string"}, "note": {"type": "string"}}}}}}}
_SAMPLING_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "required": ["kind", "period"],
    "properties": {
        "kind": {"type": "string", "enum": ["post_policy", "post_claim"]},
        "period": {"type": "string", "example": "2026-06"}, "branch": {"type": "string"},
        "claims": {"type": "array", "items": {"type": "object", "properties": {
            "claim_no": {"type": "string"}, "policy_no": {"type": "string"},
            "insured": {"type": "string"}, "total_paid": {"type": "string"}}}}}}}}}}


def _obligations(ctx: AppContext) -> ObligationService:
    return ObligationService(engine=ctx.engine, store=ctx.store, settings=ctx.settings)


def _status(record: dict[str, Any]) -> int:
    """201 once under lock; 202 when accepted while the store is away."""
    return 202 if record["status"] == "pending" else 201


@router.post("/fees", status_code=201, openapi_extra=_FEE_BODY,
             summary="费用台账记账 / archive a prevention-fee ledger entry (计提、支出、统筹划拨)")
async def create_fee_entry(request: Request, caller: CurrentCaller, ctx: Ctx,
                           idempotency_key: ClientKey) -> JSONResponse:
    body = await read_payload(request, ctx.settings.max_body_bytes)
    fees = FeeService(engine=ctx.engine, store=ctx.store, archive=ctx.archive)
    out = await run_in_threadpool(fees.create, caller, body, idempotency_key)
    return JSONResponse(out, status_code=_status(out["record"]),
                        headers={"Location": out["record"]["links"]["self"]})


@router.get("/fees/summary",
            summary="费用收支汇总 / accrued, spent, pooled, balance and the profile's floors")
def fee_summary(caller: CurrentCaller, ctx: Ctx, year: int = Query(ge=2000, le=2100),
                branch: str | None = Query(None, max_length=200),
                insurer: str | None = Query(None, max_length=200),
                profile: Profile | None = Query(None)) -> dict[str, Any]:
    fees = FeeService(engine=ctx.engine, store=ctx.store, archive=ctx.archive)
    return fees.summary(caller, year=year, branch=branch, insurer=insurer, profile=profile)


@router.post("/samplings", status_code=201, openapi_extra=_SAMPLING_BODY,
             summary="抽检 / a reproducible post-policy or post-claim draw (山东 8.1 b, c), archived")
async def create_sampling(request: Request, caller: CurrentCaller, ctx: Ctx) -> JSONResponse:
    body = await read_payload(request, ctx.settings.max_body_bytes)
    out = await run_in_threadpool(SamplingService(engine=ctx.engine, archive=ctx.archive).create,
                                  caller, body)
    return JSONResponse(out, status_code=_status(out["record"]),
                        headers={"Location": out["record"]["links"]["self"]})


@router.get("/metrics/coverage",
            summary="覆盖率 / 服务实时覆盖率 and 季度终保保单服务覆盖率 (山东 8.1 a) with their policies")
def coverage(caller: CurrentCaller, ctx: Ctx,
             as_of: dt.date | None = Query(None, description="判定日期（缺省为今天，北京时间）"),
             quarter: str | None = Query(None, max_length=10, description="如 2026Q3"),
             group_by: GroupBy = Query("branch"),
             profile: Profile | None = Query(None),
             branch: str | None = Query(None, max_length=200),
             region: str | None = Query(None, max_length=200),
             industry: str | None = Query(None, max_length=200)) -> dict[str, Any]:
    svc = CoverageService(engine=ctx.engine, obligations=_obligations(ctx))
    return svc.coverage(caller, as_of=as_of, quarter=quarter, group_by=group_by,
                        profile=profile, branch=branch, region=region, industry=industry)


_EVALUATION_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "required": ["profile", "year", "insurer"],
    "properties": {
        "profile": {"type": "string", "enum": ["shandong", "chengdu", "wenzhou"]},
        "year": {"type": "integer", "example": 2026}, "insurer": {"type": "string"},
        "evaluator": {"type": "string"}, "findings": {"type": "object"},
        "summary": {"type": "string"}, "half": {"type": "string", "enum": ["上半年", "下半年"]},
        "provider": {"type": "string"}, "implementation": {"type": "string"},
        "capability": {"type": "string"}, "scores": {"type": "object"},
        "date": {"type": "string", "format": "date"},
        "experience": {"type": "string"}, "problems": {"type": "string"},
        "next_plan": {"type": "array", "items": {"type": "object"}},
        "responsible": {"type": "string"}, "pooled_by_broker": {"type": "boolean"},
        "broker": {"type": "string"}}}}}}}


@router.post("/evaluations", status_code=201, openapi_extra=_EVALUATION_BODY,
             summary="总结评估报告 / the annual evaluation computed from the archive, archived "
                     "with the hash of every record it summarises (山东 附件6, 成都 附录E, "
                     "温州 第二十三–二十五条)")
async def create_evaluation(request: Request, caller: CurrentCaller, ctx: Ctx) -> JSONResponse:
    body = await read_payload(request, ctx.settings.max_body_bytes)
    fees = FeeService(engine=ctx.engine, store=ctx.store, archive=ctx.archive)
    svc = EvaluationService(engine=ctx.engine, store=ctx.store, archive=ctx.archive, fees=fees,
                            obligations=_obligations(ctx))
    out = await run_in_threadpool(svc.create, caller, body)
    return JSONResponse(out, status_code=_status(out["record"]),
                        headers={"Location": out["record"]["links"]["self"]})
