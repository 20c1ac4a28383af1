"""安全风险四色图 (Chengdu 3.2): the four-colour risk map of posted rows, as PNG or SVG.

POST ``{"rows": [{"area", "level"}], "title"?, "bands_text"?, "plan"?, "polygons"?, "scale"?}``
to ``/v1/risk/map.png`` or ``/v1/risk/map.svg``. ``plan`` is a PNG/JPEG site plan (base64 or a
``data:`` URI); ``polygons`` maps an area name to its outline in the plan's pixel coordinates.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from api.body import read_payload
from api.deps import Ctx, CurrentCaller
from domain.access import Action, require
from domain.common import Model, ShortText
from domain.errors import DomainValidationError
from domain.validation import parse_model
from rendering.riskmap import (
    MAX_PLAN_BYTES,
    RiskMapError,
    SitePlan,
    group_by_area,
    risk_map_png,
    risk_map_svg,
)

router = APIRouter(prefix="/v1", tags=["risk"])

MAX_ROWS = 5_000


class MapRow(Model):
    area: ShortText | None = Field(None, title="场所/区域")
    level: ShortText = Field(title="风险等级", description="重大风险 / 较大风险 / 一般风险 / 低风险")


class MapRequest(Model):
    rows: list[MapRow] = Field(max_length=MAX_ROWS, title="风险（区域、等级）")
    title: ShortText = Field("安全风险四色图", min_length=1, title="标题")
    bands_text: ShortText | None = Field(None, title="分级标准说明（图例下）")
    plan: str | None = Field(None, max_length=MAX_PLAN_BYTES * 4 // 3 + 100,
                             title="总平面布置图（PNG/JPEG，base64 或 data: URI）")
    polygons: dict[ShortText, list[tuple[float, float]]] | None = Field(
        None, max_length=500, title="各区域在平面图上的轮廓（像素坐标）")
    scale: float = Field(1.0, ge=0.25, le=4, title="PNG 放大倍数")


_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "required": ["rows"],
    "properties": {"rows": {"type": "array", "items": {"type": "object", "properties": {
        "area": {"type": "string"}, "level": {"type": "string"}}}},
        "title": {"type": "string"}, "bands_text": {"type": "string"},
        "plan": {"type": "string"}, "scale": {"type": "number"},
        "polygons": {"type": "object", "additionalProperties": {"type": "array"}}}}}}}}


def _plan(raw: str | None) -> SitePlan | None:
    if raw is None:
        return None
    text = raw.split(",", 1)[1] if raw.startswith("data:") else raw
    try:
        return SitePlan(base64.b64decode(text, validate=True))
    except (binascii.Error, ValueError) as exc:
        raise DomainValidationError.single(
            ("plan",), "riskmap.plan_invalid", f"总平面布置图无效：{exc}",
            f"the site plan is not a usable PNG/JPEG image: {exc}") from None


def _draw(body: Any, fmt: Literal["png", "svg"]) -> bytes:
    req = parse_model(MapRequest, body, ())
    try:
        areas = group_by_area([(r.area, r.level) for r in req.rows], req.polygons)
        plan = _plan(req.plan)
        args: dict[str, Any] = {"title": req.title, "plan": plan, "bands_text": req.bands_text or ""}
        if fmt == "svg":
            return risk_map_svg(areas, **args).encode("utf-8")
        return risk_map_png(areas, scale=req.scale, **args)
    except RiskMapError as exc:
        raise DomainValidationError.single(
            ("rows",), "riskmap.invalid", f"无法绘制四色图：{exc}",
            f"the risk map cannot be drawn: {exc}") from None


async def _map(request: Request, caller: Any, ctx: Any, fmt: Literal["png", "svg"]) -> Response:
    require(caller, Action.FORMS)
    body = await read_payload(request, ctx.settings.max_body_bytes)
    content = await run_in_threadpool(_draw, body, fmt)
    media = "image/png" if fmt == "png" else "image/svg+xml; charset=utf-8"
    return Response(content, media_type=media, headers={
        "Content-Disposition": f'inline; filename="risk-map.{fmt}"',
        "Content-Security-Policy": "default-src 'none'; img-src data:; style-src 'unsafe-inline'"})


@router.post("/risk/map.png", openapi_extra=_BODY,
             responses={200: {"content": {"image/png": {}}}},
             summary="安全风险四色图 PNG / the four-colour risk map as PNG")
async def risk_map_as_png(request: Request, caller: CurrentCaller, ctx: Ctx) -> Response:
    return await _map(request, caller, ctx, "png")


@router.post("/risk/map.svg", openapi_extra=_BODY,
             responses={200: {"content": {"image/svg+xml": {}}}},
             summary="安全风险四色图 SVG / the four-colour risk map as SVG")
async def risk_map_as_svg(request: Request, caller: CurrentCaller, ctx: Ctx) -> Response:
    return await _map(request, caller, ctx, "svg")
