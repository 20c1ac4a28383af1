"""Archived records: create, search, read metadata and content."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.body import limited, read_payload
from api.deps import Ctx, CurrentCaller
from domain.errors import DomainValidationError, NotFound

router = APIRouter(prefix="/v1", tags=["documents"])

_CREATE_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "required": ["type", "data"],
    "properties": {"type": {"type": "string"}, "profile": {"type": "string"},
                   "data": {"type": "object"}, "supersedes": {"type": "string"},
                   "signatures": {"type": "array", "items": {"type": "object"}}}}}}}}


@router.post("/documents", status_code=201, openapi_extra=_CREATE_BODY,
             responses={202: {"description": "mode=async: accepted; poll the job (Location)"}},
             summary="归档一份文书 / archive a document (201 after the locked writes)")
async def create_document(
    request: Request, caller: CurrentCaller, ctx: Ctx,
    idempotency_key: str | None = Header(None, max_length=200),
    mode: Literal["sync", "async"] = Query("sync", description="async: 202 + a job to poll"),
) -> JSONResponse:
    body = await read_payload(request, ctx.settings.max_body_bytes)
    if not isinstance(body, dict):
        raise DomainValidationError.single((), "type", "请求体须为 JSON 对象", "the body must be an object")
    problems_path = []
    for key in ("type", "data"):
        if key not in body:
            problems_path.append(key)
    if problems_path:
        raise DomainValidationError.single(
            (problems_path[0],), "missing", f"缺少字段「{problems_path[0]}」",
            f"field {problems_path[0]!r} is required")
    extra = set(body) - {"type", "profile", "data", "supersedes", "signatures"}
    if extra:
        k = sorted(extra)[0]
        raise DomainValidationError.single((k,), "extra_forbidden", "未知字段", "unknown field")
    for key in ("type", "profile", "supersedes"):
        if body.get(key) is not None and not isinstance(body[key], str):
            raise DomainValidationError.single((key,), "string_type", "必须是字符串", "must be a string")
    if mode == "async":
        job = await run_in_threadpool(ctx.jobs.submit_document, caller, body,
                                      idempotency_key=idempotency_key)
        return JSONResponse(job, status_code=202, headers={"Location": job["links"]["self"]})
    record = await run_in_threadpool(
        ctx.archive.create, caller, body["type"], body.get("profile"), body["data"],
        idempotency_key=idempotency_key, supersedes=body.get("supersedes"),
        signatures=body.get("signatures"))
    return JSONResponse(record, status_code=201, headers={"Location": record["links"]["self"]})


@router.get("/documents", summary="查询档案 / search records (own tenant only)")
def search_documents(
    caller: CurrentCaller, ctx: Ctx,
    policy_no: str | None = Query(None, max_length=200),
    insured: str | None = Query(None, max_length=200),
    type: str | None = Query(None, max_length=40),
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=10_000_000),
) -> dict[str, Any]:
    return ctx.archive.search(caller, policy_no=policy_no, insured=insured, doc_type=type,
                              created_from=created_from, created_to=created_to, limit=limit,
                              offset=offset)


@router.get("/documents/{name}", summary="档案元数据或内容 / record metadata, .pdf, .docx or .json")
def get_document(name: str, caller: CurrentCaller, ctx: Ctx) -> Any:
    rid, _, ext = name.partition(".")
    if not ext:
        return ctx.archive.get(caller, rid)
    if ext not in ("pdf", "docx", "json", "scan"):
        raise NotFound("记录内容", name)
    part = ctx.archive.part(caller, rid, ext)
    return Response(part.content, media_type=part.media_type,
                    headers={"Content-Disposition": f'inline; filename="{part.filename}"'})


class RetentionRequest(BaseModel):
    retain_until: datetime = Field(title="新的保存期限")
    reason: str = Field(min_length=1, max_length=2000, title="原因（理赔、争议、事故调查等）")


class LegalHoldRequest(BaseModel):
    on: bool = Field(title="是否保全")
    reason: str = Field(min_length=1, max_length=2000, title="原因")


@router.post("/documents/{rid}/retention", summary="延长保存期限（管理员）/ extend retention (admin)")
def extend_retention(rid: str, body: RetentionRequest, caller: CurrentCaller, ctx: Ctx) -> Any:
    return ctx.archive.extend_retention(caller, rid, body.retain_until, body.reason)


@router.post("/documents/{rid}/legal-hold", summary="法律保全（管理员）/ legal hold (admin)")
def legal_hold(rid: str, body: LegalHoldRequest, caller: CurrentCaller, ctx: Ctx) -> Any:
    return ctx.archive.set_legal_hold(caller, rid, body.on, body.reason)


@router.post("/scans", status_code=201,
             summary="上传签字盖章纸质文书扫描件 / archive a scan of a form signed on paper",
             openapi_extra={"requestBody": {"required": True, "content": {"multipart/form-data": {
                 "schema": {"type": "object", "required": ["file"], "properties": {
                     "file": {"type": "string", "format": "binary"},
                     "links_to": {"type": "string"}, "policy_no": {"type": "string"},
                     "note": {"type": "string"}}}}}}})
async def upload_scan(request: Request, caller: CurrentCaller, ctx: Ctx,
                      idempotency_key: str | None = Header(None, max_length=200)) -> JSONResponse:
    form = await limited(request, ctx.settings.max_body_bytes).form(max_files=1, max_fields=10)
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise DomainValidationError.single(("file",), "missing", "缺少扫描件文件 file",
                                           "the multipart field 'file' is required")
    content = await upload.read()
    fields = {k: form.get(k) for k in ("links_to", "policy_no", "note")}
    texts = {k: v if isinstance(v, str) and v else None for k, v in fields.items()}
    record = await run_in_threadpool(
        ctx.archive.archive_scan, caller, content, upload.filename or "scan",
        links_to=texts["links_to"], policy_no=texts["policy_no"], note=texts["note"],
        idempotency_key=idempotency_key)
    return JSONResponse(record, status_code=201, headers={"Location": record["links"]["self"]})


@router.get("/exports.zip", summary="导出档案（审计/监管）/ export a policy's or an insured's records",
            responses={200: {"content": {"application/zip": {}}}})
def export_records(caller: CurrentCaller, ctx: Ctx,
                   policy_no: str | None = Query(None, max_length=200),
                   insured: str | None = Query(None, max_length=200)) -> Response:
    from services.export import export_zip

    data = export_zip(ctx.archive, caller, policy_no=policy_no, insured=insured)
    return Response(data, media_type="application/zip",
                    headers={"Content-Disposition": 'attachment; filename="azx-export.zip"'})
