"""Asynchronous jobs, batches and webhooks (the work is in ``services.jobs``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from api.body import body_schema, json_body, read_limited
from api.deps import ClientKey, Ctx, CurrentCaller
from domain.common import Model

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["jobs"])

_BATCH_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": {"type": "array", "maxItems": 10_000, "items": {
        "type": "object", "required": ["type", "data"],
        "properties": {"type": {"type": "string"}, "profile": {"type": "string"},
                       "data": {"type": "object"}, "supersedes": {"type": "string"}}}}},
    "application/x-ndjson": {"schema": {"type": "string",
                                        "description": "one document object per line"}}}}}


@router.get("/jobs/{job_id}", summary="异步任务状态 / job status (and its record once done)")
def get_job(job_id: str, caller: CurrentCaller, ctx: Ctx) -> dict[str, Any]:
    return ctx.jobs.get_job(caller, job_id)


@router.post("/batches", status_code=202, openapi_extra=_BATCH_BODY,
             summary="批量归档（≤10000 份，JSON 数组或 NDJSON）/ submit a batch")
async def submit_batch(request: Request, caller: CurrentCaller, ctx: Ctx,
                       idempotency_key: ClientKey) -> JSONResponse:
    raw = await read_limited(request, ctx.settings.batch_max_bytes)
    batch = await run_in_threadpool(ctx.jobs.submit_batch, caller, raw,
                                    request.headers.get("content-type", ""),
                                    idempotency_key=idempotency_key)
    return JSONResponse(batch, status_code=202, headers={"Location": batch["links"]["self"]})


@router.get("/batches/{batch_id}", summary="批次进度 / batch progress")
def get_batch(batch_id: str, caller: CurrentCaller, ctx: Ctx) -> dict[str, Any]:
    return ctx.jobs.get_batch(caller, batch_id)


@router.get("/batches/{batch_id}/results.csv", summary="逐项结果 / per-item results (CSV)",
            response_class=Response)
def batch_results(batch_id: str, caller: CurrentCaller, ctx: Ctx) -> Response:
    content = ctx.jobs.batch_results_csv(caller, batch_id)
    return Response(content, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{batch_id}-results.csv"'})


def _chunks(spool: IO[bytes]) -> Iterator[bytes]:
    try:
        while chunk := spool.read(256 * 1024):
            yield chunk
    finally:
        spool.close()


@router.get("/batches/{batch_id}/documents.zip", response_class=StreamingResponse,
            summary="批次全部 PDF / the batch's PDFs (ZIP, once finished)")
def batch_documents(batch_id: str, caller: CurrentCaller, ctx: Ctx) -> StreamingResponse:
    spool = ctx.jobs.batch_documents_zip(caller, batch_id)
    return StreamingResponse(_chunks(spool), media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{batch_id}-documents.zip"'})


class WebhookRequest(Model):
    url: str = Field(min_length=1, max_length=2000, title="接收事件的 http(s) 地址")


@router.post("/webhooks", status_code=201, openapi_extra=body_schema(WebhookRequest),
             summary="登记 webhook（密钥只显示这一次）/ register a webhook (secret shown once)")
def register_webhook(caller: CurrentCaller, ctx: Ctx,
                     body: Annotated[WebhookRequest, Depends(json_body(WebhookRequest))],
                     ) -> dict[str, Any]:
    return ctx.jobs.webhooks.register_webhook(caller, body.url)


@router.get("/webhooks", summary="本租户的 webhook / this tenant's webhooks")
def list_webhooks(caller: CurrentCaller, ctx: Ctx) -> dict[str, Any]:
    return ctx.jobs.webhooks.list_webhooks(caller)


@router.get("/webhooks/deliveries", summary="投递记录 / delivery log (newest first)")
def webhook_deliveries(
    caller: CurrentCaller, ctx: Ctx,
    status: Literal["pending", "delivered", "failed"] | None = None,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=10_000_000),
) -> dict[str, Any]:
    return ctx.jobs.webhooks.deliveries(caller, status=status, limit=limit, offset=offset)


@router.delete("/webhooks/{webhook_id}", status_code=204, response_class=Response,
               summary="停用 webhook / disable a webhook")
def disable_webhook(webhook_id: str, caller: CurrentCaller, ctx: Ctx) -> Response:
    ctx.jobs.webhooks.disable_webhook(caller, webhook_id)
    return Response(status_code=204)
