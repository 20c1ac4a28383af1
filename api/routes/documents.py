"""Archived records: create, search, read metadata and content."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from api.body import body_schema, json_body, limited, read_payload
from api.deps import ClientKey, Ctx, CurrentCaller
from domain.common import Model, Text
from domain.errors import DomainValidationError, NotFound
from domain.jsonvalue import text_problem
from services.archive import IdempotencyKey

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
    request: Request, caller: CurrentCaller, ctx: Ctx, idempotency_key: ClientKey,
    mode: Literal["sync", "async"] = Query("sync", description="async: 202 + a job to poll"),
) -> JSONResponse:
    body = await read_payload(request, ctx.settings.max_body_bytes)
    if mode == "async":
        job = await run_in_threadpool(ctx.jobs.submit_document, caller, body,
                                      idempotency_key=idempotency_key)
        return JSONResponse(job, status_code=202, headers={"Location": job["links"]["self"]})
    key = IdempotencyKey(idempotency_key) if idempotency_key else None
    record = await run_in_threadpool(ctx.archive.create, caller, body, key=key)
    return _created(record)


def _created(record: dict[str, Any]) -> JSONResponse:
    """201 once under lock; 202 when accepted while the store is away (it completes on its
    own, so the client must not post it again)."""
    status = {"archived": 201, "pending": 202}.get(record["status"], 500)  # failed: a defect
    return JSONResponse(record, status_code=status, headers={"Location": record["links"]["self"]})


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


@router.get("/documents/{rid}/archive-contents.{fmt}",
            summary="档案内容清单（AQ 9010.1-2025 附录B）/ the record's archive checklist",
            responses={200: {"content": {"application/pdf": {}}}})
def archive_contents(rid: str, fmt: str, caller: CurrentCaller, ctx: Ctx) -> Response:
    """The items 表B.1 requires for the record's service types, which are present, which are
    missing — as PDF, DOCX or JSON."""
    if fmt not in ("pdf", "docx", "json"):
        raise NotFound("记录内容", f"{rid}/archive-contents.{fmt}")
    from services.render import render_archive_contents

    form = render_archive_contents(ctx.archive.get(caller, rid), fmt,  # type: ignore[arg-type]
                                   engine=ctx.settings.pdf_engine)
    return Response(form.content, media_type=form.media_type,
                    headers={"Content-Disposition": f'inline; filename="{form.filename}"'})


class RetentionRequest(Model):
    retain_until: datetime = Field(title="新的保存期限")
    reason: Text = Field(min_length=1, title="原因（理赔、争议、事故调查等）")


class LegalHoldRequest(Model):
    on: bool = Field(title="是否保全")
    reason: Text = Field(min_length=1, title="原因")


@router.post("/documents/{rid}/retention", openapi_extra=body_schema(RetentionRequest),
             summary="延长保存期限（管理员）/ extend retention (admin)")
def extend_retention(rid: str, caller: CurrentCaller, ctx: Ctx,
                     body: Annotated[RetentionRequest, Depends(json_body(RetentionRequest))],
                     ) -> Any:
    return ctx.archive.extend_retention(caller, rid, body.retain_until, body.reason)


@router.post("/documents/{rid}/legal-hold", openapi_extra=body_schema(LegalHoldRequest),
             summary="法律保全（管理员）/ legal hold (admin)")
def legal_hold(rid: str, caller: CurrentCaller, ctx: Ctx,
               body: Annotated[LegalHoldRequest, Depends(json_body(LegalHoldRequest))]) -> Any:
    return ctx.archive.set_legal_hold(caller, rid, body.on, body.reason)


@router.post("/scans", status_code=201,
             summary="上传签字盖章纸质文书扫描件 / archive a scan of a form signed on paper",
             openapi_extra={"requestBody": {"required": True, "content": {"multipart/form-data": {
                 "schema": {"type": "object", "required": ["file"], "properties": {
                     "file": {"type": "string", "format": "binary"},
                     "links_to": {"type": "string"}, "policy_no": {"type": "string"},
                     "note": {"type": "string"}}}}}}})
async def upload_scan(request: Request, caller: CurrentCaller, ctx: Ctx,
                      idempotency_key: ClientKey) -> JSONResponse:
    form = await limited(request, ctx.settings.max_body_bytes).form(max_files=1, max_fields=10)
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise DomainValidationError.single(("file",), "missing", "缺少扫描件文件 file",
                                           "the multipart field 'file' is required")
    content = await upload.read()
    fields = {k: form.get(k) for k in ("links_to", "policy_no", "note")}
    texts = {k: v if isinstance(v, str) and v else None for k, v in fields.items()}
    problems = [p for k, v in texts.items() if v is not None
                for p in [text_problem(v, (k,))] if p is not None]
    if problems:
        raise DomainValidationError(problems)
    record = await run_in_threadpool(
        ctx.archive.archive_scan, caller, content, upload.filename or "scan",
        links_to=texts["links_to"], policy_no=texts["policy_no"], note=texts["note"],
        idempotency_key=IdempotencyKey(idempotency_key) if idempotency_key else None)
    return _created(record)


@router.get("/exports.zip", summary="导出档案（审计/监管）/ export a policy's or an insured's records",
            responses={200: {"content": {"application/zip": {}}}})
def export_records(caller: CurrentCaller, ctx: Ctx,
                   policy_no: str | None = Query(None, max_length=200),
                   insured: str | None = Query(None, max_length=200)) -> Response:
    from services.export import export_zip

    data = export_zip(ctx.archive, caller, policy_no=policy_no, insured=insured)
    return Response(data, media_type="application/zip",
                    headers={"Content-Disposition": 'attachment; filename="azx-export.zip"'})
