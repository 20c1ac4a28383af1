"""Every error the service raises on purpose, mapped to HTTP in this one place.

Bodies: ``{"error": code, "message_zh", "message_en", "problems": [{path, rule, message_zh,
message_en}]}``.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.ratelimit import RateLimited
from domain.errors import (
    Conflict,
    DomainError,
    DomainValidationError,
    ErrorBody,
    Forbidden,
    NotFound,
    Problem,
    error_body,
)
from services.keys import AuthError
from services.records import RecordPending

__all__ = ["install_error_handlers"]

log = logging.getLogger("azx.api")

#: HTTP status of each domain error (their bodies come from ``domain.errors.error_body``).
_STATUS: tuple[tuple[type[DomainError], int], ...] = (
    (DomainValidationError, 422), (NotFound, 404), (Conflict, 409), (Forbidden, 403))


def _json(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(status_code=status, content=body, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    from storage.errors import StorageUnavailable

    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        status = next((code for cls, code in _STATUS if isinstance(exc, cls)), 400)
        return _json(status, error_body(exc).as_dict())

    @app.exception_handler(RequestValidationError)
    async def _request_invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for err in exc.errors():
            loc = tuple(p for p in err.get("loc", ()) if isinstance(p, str | int))
            kind = str(err.get("type", "invalid"))
            msg = str(err.get("msg", "invalid"))
            zh = "请求体不是有效的 JSON" if kind == "json_invalid" else f"请求参数无效：{msg}"
            problems.append(Problem(loc, kind, zh, msg))
        return _json(422, ErrorBody("invalid", "请求有误", "the request is invalid",
                                    tuple(problems)).as_dict())

    @app.exception_handler(AuthError)
    async def _unauthorized(_: Request, exc: AuthError) -> JSONResponse:
        return _json(401, ErrorBody("unauthorized", "缺少或无效的 API 密钥（Authorization: Bearer …）",
                                    f"{exc}; send Authorization: Bearer <key>").as_dict(),
                     {"WWW-Authenticate": "Bearer"})

    @app.exception_handler(RateLimited)
    async def _rate_limited(_: Request, exc: RateLimited) -> JSONResponse:
        what = {"address": "来自同一地址", "verify": "来自同一地址的文件核验", "key": "使用同一 API 密钥"}
        return _json(429, ErrorBody(
            "rate_limited", f"{what.get(exc.limit, '')}的请求过于频繁，请在 {exc.retry_after} 秒后重试",
            f"too many requests per {exc.limit}; retry after {exc.retry_after} s").as_dict(),
            {"Retry-After": str(exc.retry_after)})

    @app.exception_handler(StorageUnavailable)
    async def _unavailable(_: Request, exc: StorageUnavailable) -> JSONResponse:
        log.warning("object store unavailable: %s", exc)
        return _json(503, ErrorBody("unavailable", "归档存储暂不可用，请稍后重试",
                                    "the archive store is unavailable; retry later").as_dict(),
                     {"Retry-After": "5"})

    @app.exception_handler(OperationalError)
    async def _registry_down(_: Request, exc: OperationalError) -> JSONResponse:
        log.warning("registry unavailable: %s", exc.orig)
        return _json(503, ErrorBody("unavailable", "登记数据库暂不可用，请稍后重试",
                                    "the registry database is unavailable; retry later").as_dict(),
                     {"Retry-After": "5"})

    @app.exception_handler(RecordPending)
    async def _pending(_: Request, exc: RecordPending) -> JSONResponse:
        return _json(503, ErrorBody(
            "pending", f"记录「{exc.record_id}」已受理，正在归档；请稍后用同一 Idempotency-Key 重试",
            f"record {exc.record_id} is accepted and being archived; retry with the same "
            "Idempotency-Key shortly").as_dict(), {"Retry-After": "2"})

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        zh = {404: "未找到", 405: "不支持该请求方法", 413: "请求体过大", 415: "不支持的内容类型"}.get(
            exc.status_code, "请求错误")
        return _json(exc.status_code, ErrorBody(f"http_{exc.status_code}", zh,
                                                str(exc.detail)).as_dict(),
                     dict(exc.headers or {}))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _json(500, ErrorBody("internal", "服务内部错误，已记录",
                                    "internal error; logged").as_dict())

