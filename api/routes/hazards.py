"""The hazard ledger as a living record (Chengdu 表 9): create, plan, rectify, accept, list.

Every change archives a new version of the policy's 表 9 ledger (see ``services.hazards``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from api.body import read_payload
from api.deps import Ctx, CurrentCaller
from domain.hazards import HazardState
from services.context import AppContext
from services.hazards import HazardService

router = APIRouter(prefix="/v1", tags=["hazards"])

_ROW = {"type": "object", "description": "表 9 隐患排查行 (chengdu_table_9 rows[])"}
_CREATE_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "required": ["policy_no", "insured_name", "hazard"],
    "properties": {"policy_no": {"type": "string"}, "insured_name": {"type": "string"},
                   "hazard": _ROW}}}}}}
_BODIES = {
    "plan": {"required": ["measures", "deadline", "responsible"],
             "properties": {"measures": {"type": "string"},
                            "deadline": {"type": "string", "format": "date"},
                            "responsible": {"type": "string"}, "funds": {"type": "string"}}},
    "rectify": {"required": ["note"],
                "properties": {"note": {"type": "string"},
                               "on": {"type": "string", "format": "date"},
                               "photos": {"type": "array", "items": {"type": "object"}}}},
    "accept": {"required": ["on", "acceptors"],
               "properties": {"on": {"type": "string", "format": "date"},
                              "acceptors": {"type": "array", "items": {"type": "string"}},
                              "remarks": {"type": "string"}}},
}


def _extra(action: str) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": {
        "type": "object", **_BODIES[action]}}}}}


def _service(ctx: AppContext) -> HazardService:
    return ctx.hazards


@router.post("/hazards", status_code=201, openapi_extra=_CREATE_BODY,
             summary="登记隐患 / record a hazard (表 9 row; archives the ledger)")
async def create_hazard(request: Request, caller: CurrentCaller, ctx: Ctx) -> JSONResponse:
    body = await read_payload(request, ctx.settings.max_body_bytes)
    out = await run_in_threadpool(_service(ctx).create, caller, body)
    return JSONResponse(out, status_code=201, headers={"Location": out["links"]["self"]})


async def _transition(action: str, hid: str, request: Request, caller: Any,
                      ctx: AppContext) -> dict[str, Any]:
    body = await read_payload(request, ctx.settings.max_body_bytes)
    service = _service(ctx)
    return await run_in_threadpool(getattr(service, action), caller, hid, body)


@router.post("/hazards/{hid}/plan", openapi_extra=_extra("plan"),
             summary="治理计划 / plan rectification (measures, deadline, responsible, funds)")
async def plan_hazard(hid: str, request: Request, caller: CurrentCaller, ctx: Ctx) -> Any:
    return await _transition("plan", hid, request, caller, ctx)


@router.post("/hazards/{hid}/rectify", openapi_extra=_extra("rectify"),
             summary="登记治理 / rectified (open → rectified)")
async def rectify_hazard(hid: str, request: Request, caller: CurrentCaller, ctx: Ctx) -> Any:
    return await _transition("rectify", hid, request, caller, ctx)


@router.post("/hazards/{hid}/accept", openapi_extra=_extra("accept"),
             summary="隐患效果验收 / accepted (rectified → accepted)")
async def accept_hazard(hid: str, request: Request, caller: CurrentCaller, ctx: Ctx) -> Any:
    return await _transition("accept", hid, request, caller, ctx)


@router.get("/hazards", summary="隐患台账 / hazards by state (overdue as of today, China time)")
def list_hazards(
    caller: CurrentCaller, ctx: Ctx,
    state: Literal["open", "rectified", "accepted", "overdue"] | None = Query(None),
    policy_no: str | None = Query(None, max_length=200),
    as_of: dt.date | None = Query(None, description="判定逾期的日期（缺省为今天）"),
    limit: int = Query(100, ge=1, le=500),
    offset: int = Query(0, ge=0, le=10_000_000),
) -> dict[str, Any]:
    return _service(ctx).list(caller, state=HazardState(state) if state else None,
                              policy_no=policy_no, as_of=as_of, limit=limit, offset=offset)


@router.get("/hazards/{hid}", summary="隐患 / one hazard, with its state as of today")
def get_hazard(hid: str, caller: CurrentCaller, ctx: Ctx,
               as_of: dt.date | None = Query(None)) -> dict[str, Any]:
    return _service(ctx).get(caller, hid, as_of)
