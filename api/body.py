"""Reading request bodies: JSON or multipart (``data`` JSON + photo files), within size limits.

Every body, multipart included, is counted while it arrives: a declared Content-Length over the
limit is refused before a byte is read, a chunked body as soon as it passes the limit, so no
upload can fill memory or the temp folder.
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel
from starlette.types import Message

from domain.errors import DomainValidationError
from domain.jsonvalue import parse_json
from domain.validation import parse_model

__all__ = ["body_schema", "json_body", "limited", "read_limited", "read_payload", "too_large"]


def too_large(limit: int) -> DomainValidationError:
    return DomainValidationError.single(("body",), "payload_too_large",
                                        f"请求体超过 {limit} 字节", f"the body exceeds {limit} bytes")


def limited(request: Request, limit: int) -> Request:
    """The same request, whose body raises ``payload_too_large`` once past ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    receive, seen = request.receive, 0

    async def counted() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise too_large(limit)
        return message

    return Request(request.scope, counted)


async def read_limited(request: Request, limit: int) -> bytes:
    """The raw body, at most ``limit`` bytes."""
    return await limited(request, limit).body()


async def read_payload(request: Request, limit: int) -> Any:
    """The posted JSON value; multipart photos are inlined where ``upload:<name>`` refers to them."""
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("multipart/form-data"):
        form = await limited(request, limit).form(max_files=200, max_fields=50, max_part_size=limit)
        raw = form.get("data")
        if not isinstance(raw, str):
            raise DomainValidationError.single(
                ("data",), "missing", "multipart 请求须包含 data 字段（JSON）",
                "a multipart request needs a 'data' field holding JSON")
        value = parse_json(raw.encode(), ("data",))
        files: dict[str, str] = {}
        for name, item in form.multi_items():
            if name != "data" and not isinstance(item, str):
                blob = await item.read()
                files[name] = base64.b64encode(blob).decode()
        return _inline_uploads(value, files, ("data",))  # paths as in every other problem
    body = await read_limited(request, limit)
    if not body:
        raise DomainValidationError.single(("body",), "missing", "请求体为空", "the body is empty")
    return parse_json(body)


def _inline_uploads(value: Any, files: dict[str, str], path: tuple[str | int, ...]) -> Any:
    if isinstance(value, dict):
        return {k: _inline_uploads(v, files, (*path, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_inline_uploads(v, files, (*path, i)) for i, v in enumerate(value)]
    if isinstance(value, str) and value.startswith("upload:"):
        name = value[len("upload:"):]
        if name not in files:
            raise DomainValidationError.single(
                path, "upload_missing", f"未找到上传文件「{name}」", f"no uploaded file named {name!r}")
        return files[name]
    return value


M = TypeVar("M", bound=BaseModel)


def json_body(model: type[M]) -> Callable[[Request], Awaitable[M]]:
    """A dependency reading the body as ``model`` through the one JSON parser (so depth, NaN and
    control characters are refused as everywhere else, with bilingual problems)."""

    async def read(request: Request) -> M:
        limit = request.app.state.ctx.settings.max_body_bytes
        return parse_model(model, parse_json(await read_limited(request, limit)), ())

    return read


def body_schema(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` documenting a :func:`json_body` request body."""
    return {"requestBody": {"required": True, "content": {
        "application/json": {"schema": model.model_json_schema()}}}}
