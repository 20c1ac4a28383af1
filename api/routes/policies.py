"""Policies and their obligations (deadlines, visit counts, complaints) from the standards."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from api.body import read_payload
from api.deps import Ctx, CurrentCaller
from domain.policies import HIGH_RISK_INDUSTRIES, PROFILES
from services.context import AppContext
from services.obligations import ObligationService
from services.policies import PolicyService

router = APIRouter(prefix="/v1", tags=["policies"])

Profile = Literal["shandong", "chengdu", "national", "wenzhou"]
StateFilter = Literal["done", "done_late", "due", "overdue", "not_applicable", "due_soon"]

_POLICY_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "type": "object",
    "required": ["policy_no", "profile", "insured", "premium", "period_start", "period_end"],
    "properties": {
        "policy_no": {"type": "string", "title": "保单号"},
        "profile": {"type": "string", "enum": list(PROFILES)},
        "standard": {"type": "string", "enum": ["AQ 9010-2019", "AQ 9010.1-2025"],
                     "description": "national only; default AQ 9010-2019"},
        "insured": {"type": "string", "title": "被保险人"},
        "premium": {"type": "string", "title": "保险费（元）", "example": "120000.00"},
        "period_start": {"type": "string", "format": "date"},
        "period_end": {"type": "string", "format": "date"},
        "industry": {"type": "string"}, "branch": {"type": "string"},
        "region": {"type": "string"},
        "high_risk_industry": {"type": "string", "enum": list(HIGH_RISK_INDUSTRIES)},
        "above_scale": {"type": "boolean"}, "large_or_medium": {"type": "boolean"},
        "pooled": {"type": "boolean"},
        "last_year": {"type": "object", "properties": {
            "fatal_accident": {"type": "boolean"},
            "max_injured_in_one_accident": {"type": "integer"},
            "blacklisted": {"type": "boolean"}, "claims": {"type": "integer"},
            "loss_ratio_percent": {"type": "string"}}}}}}}}}


def policies_of(ctx: AppContext) -> PolicyService:
    return PolicyService(ctx.engine, ctx.audit)


def obligations_of(ctx: AppContext) -> ObligationService:
    return ObligationService(engine=ctx.engine, store=ctx.store, settings=ctx.settings)


@router.post("/policies", status_code=201, openapi_extra=_POLICY_BODY,
             summary="登记保单 / register a policy (its obligations follow from its terms)")
async def create_policy(request: Request, caller: CurrentCaller, ctx: Ctx) -> JSONResponse:
    body = await read_payload(request, ctx.settings.max_body_bytes)
    out, created = await run_in_threadpool(policies_of(ctx).create, caller, body)
    return JSONResponse(out, status_code=201 if created else 200,
                        headers={"Location": out["links"]["self"]})


@router.get("/policies", summary="保单 / the tenant's policies")
def list_policies(caller: CurrentCaller, ctx: Ctx, profile: Profile | None = Query(None),
                  limit: int = Query(50, ge=1, le=500),
                  offset: int = Query(0, ge=0, le=10_000_000)) -> dict[str, Any]:
    return policies_of(ctx).list(caller, profile=profile, limit=limit, offset=offset)


@router.get("/policies/{policy_no}", summary="保单 / a policy and the documents that name it")
def get_policy(policy_no: str, caller: CurrentCaller, ctx: Ctx) -> dict[str, Any]:
    return policies_of(ctx).get(caller, policy_no)


@router.get("/policies/{policy_no}/obligations",
            summary="保单的义务 / a policy's obligations with their clauses, deadlines and state")
def policy_obligations(
    policy_no: str, caller: CurrentCaller, ctx: Ctx,
    as_of: dt.date | None = Query(None, description="判定日期（缺省为今天，北京时间）"),
) -> dict[str, Any]:
    return obligations_of(ctx).for_policy(caller, policy_no, as_of)


@router.get("/obligations",
            summary="义务 / the tenant's obligations by state (overdue, due_soon …), paginated")
def list_obligations(
    caller: CurrentCaller, ctx: Ctx,
    state: StateFilter | None = Query(None),
    profile: Profile | None = Query(None),
    as_of: dt.date | None = Query(None, description="判定日期（缺省为今天，北京时间）"),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=10_000_000),
) -> dict[str, Any]:
    return obligations_of(ctx).across_tenant(caller, state=state, profile=profile, as_of=as_of,
                                             limit=limit, offset=offset)
