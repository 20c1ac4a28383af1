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
from starlette.exceptions import HTTPException as StarletteHTTPException

from domain.errors import Conflict, DomainValidationError, Forbidden, NotFound, Problem
from services.keys import AuthError

__all__ = ["error_body", "install_error_handlers"]

log = logging.getLogger("azx.api")


def error_body(code: str, zh: str, en: str, problems: list[Problem] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"error": code, "message_zh": zh, "message_en": en}
    if problems is not None:
        body["problems"] = [p.as_dict() for p in problems]
    return body


def _json(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(status_code=status, content=body, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    from storage.errors import StorageUnavailable

    @app.exception_handler(DomainValidationError)
    async def _invalid(_: Request, exc: DomainValidationError) -> JSONResponse:
        return _json(422, error_body("invalid", "输入有误，请按所列问题修改",
                                     "the input is invalid; see problems", exc.problems))

    @app.exception_handler(RequestValidationError)
    async def _request_invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for err in exc.errors():
            loc = tuple(p for p in err.get("loc", ()) if isinstance(p, str | int))
            kind = str(err.get("type", "invalid"))
            msg = str(err.get("msg", "invalid"))
            zh = "请求体不是有效的 JSON" if kind == "json_invalid" else f"请求参数无效：{msg}"
            problems.append(Problem(loc, kind, zh, msg))
        return _json(422, error_body("invalid", "请求有误", "the request is invalid", problems))

    @app.exception_handler(NotFound)
    async def _not_found(_: Request, exc: NotFound) -> JSONResponse:
        return _json(404, error_body("not_found", f"未找到{exc.what}「{exc.ident}」",
                                     f"{exc.what} {exc.ident!r} not found"))

    @app.exception_handler(Conflict)
    async def _conflict(_: Request, exc: Conflict) -> JSONResponse:
        return _json(409, error_body("conflict", exc.message_zh, exc.message_en))

    @app.exception_handler(Forbidden)
    async def _forbidden(_: Request, exc: Forbidden) -> JSONResponse:
        return _json(403, error_body("forbidden", exc.message_zh, exc.message_en))

    @app.exception_handler(AuthError)
    async def _unauthorized(_: Request, exc: AuthError) -> JSONResponse:
        return _json(401, error_body("unauthorized", "缺少或无效的 API 密钥（Authorization: Bearer …）",
                                     f"{exc}; send Authorization: Bearer <key>"),
                     {"WWW-Authenticate": "Bearer"})

    @app.exception_handler(StorageUnavailable)
    async def _unavailable(_: Request, exc: StorageUnavailable) -> JSONResponse:
        log.warning("object store unavailable: %s", exc)
        return _json(503, error_body("unavailable", "归档存储暂不可用，请稍后重试",
                                     "the archive store is unavailable; retry later"),
                     {"Retry-After": "5"})

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        zh = {404: "未找到", 405: "不支持该请求方法", 413: "请求体过大", 415: "不支持的内容类型"}.get(
            exc.status_code, "请求错误")
        return _json(exc.status_code, error_body(f"http_{exc.status_code}", zh, str(exc.detail)),
                     dict(exc.headers or {}))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _json(500, error_body("internal", "服务内部错误，已记录", "internal error; logged"))

