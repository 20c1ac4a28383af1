"""Forms for technicians: blank or pre-filled, PDF or DOCX, never archived; and the schemas."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.body import read_payload
from api.deps import Ctx, CurrentCaller
from domain.access import Action, require
from domain.catalog import CATALOG, PROFILES, TYPES, get_kind
from domain.errors import DomainValidationError
from services.render import RenderedForm, render_blank, render_data

router = APIRouter(prefix="/v1", tags=["forms"])

Profile = Query(None, description="shandong | national | chengdu（缺省：该类型唯一或山东版本）",
                max_length=40)


def _split(name: str) -> tuple[str, Literal["pdf", "docx"]]:
    doc_type, _, ext = name.rpartition(".")
    if ext not in ("pdf", "docx") or not doc_type:
        raise DomainValidationError.single(
            ("path",), "format", "文件格式须为 .pdf 或 .docx", "the format must be .pdf or .docx")
    return doc_type, ext  # type: ignore[return-value]


def _response(form: RenderedForm) -> Response:
    return Response(form.content, media_type=form.media_type, headers={
        "Content-Disposition": f'attachment; filename="{form.filename}"',
        "Cache-Control": "no-store"})


@router.get("/forms", summary="文书类型与版本 / document types and profiles")
def list_forms(caller: CurrentCaller) -> dict[str, Any]:
    require(caller, Action.FORMS)
    return {
        "profiles": PROFILES,
        "types": TYPES,
        "forms": [{"type": k.type, "profile": k.profile, "title": k.title, "source": k.source,
                   "blank": {"pdf": f"/v1/forms/{k.type}.pdf?profile={k.profile}",
                             "docx": f"/v1/forms/{k.type}.docx?profile={k.profile}"},
                   "schema": f"/v1/schemas/{k.type}?profile={k.profile}"}
                  for k in CATALOG.values()],
    }


@router.get("/forms/{name}", summary="空白表单 / a blank form",
            responses={200: {"content": {"application/pdf": {}}}})
def blank_form(name: str, caller: CurrentCaller, ctx: Ctx,
               profile: str | None = Profile) -> Response:
    require(caller, Action.FORMS)
    doc_type, fmt = _split(name)
    return _response(render_blank(doc_type, profile, fmt, engine=ctx.settings.pdf_engine))


@router.post("/forms/{name}", summary="预填表单（不归档）/ a pre-filled form, not archived",
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/json": {"schema": {"type": "object"}}}}},
             responses={200: {"content": {"application/pdf": {}}}})
async def filled_form(name: str, request: Request, caller: CurrentCaller, ctx: Ctx,
                      profile: str | None = Profile) -> Response:
    require(caller, Action.FORMS)
    doc_type, fmt = _split(name)
    get_kind(doc_type, profile)
    data = await read_payload(request, ctx.settings.max_body_bytes)
    from starlette.concurrency import run_in_threadpool

    form = await run_in_threadpool(render_data, doc_type, profile, data, fmt,
                                  engine=ctx.settings.pdf_engine)
    return _response(form)


@router.get("/schemas/{doc_type}", summary="data 的 JSON Schema / the JSON Schema of data")
def schema(doc_type: str, caller: CurrentCaller, profile: str | None = Profile) -> dict[str, Any]:
    require(caller, Action.FORMS)
    kind = get_kind(doc_type, profile)
    out: dict[str, Any] = kind.model.model_json_schema()
    out["title"] = kind.title
    out["description"] = f"{kind.title}（{kind.source}）"
    return out
