"""Every request body, multipart included, stops at AZX_MAX_BODY_BYTES — and is not read further.

A body that declares a Content-Length over the limit is refused before one byte of it is read; a
chunked body (no Content-Length) as soon as it passes the limit, so an upload can fill neither
memory nor the temp folder. The answer is the usual bilingual 422 naming ``body`` and the rule
``payload_too_large``, and nothing is archived.

The app is driven through its ASGI interface so that a chunked body really arrives chunk by chunk
(Starlette's TestClient hands the app the whole body at once) and the test can count how much of
it the service pulled.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlalchemy import func, select

from storage.tables import records
from tests.conftest import TestClient, load_examples

pytestmark = pytest.mark.s3

LIMIT = 64 * 1024
CHUNK = 4 * 1024
OVERSIZE = 4 * LIMIT


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]
    pulled: int  # body bytes the service asked for
    raw: bytes


def _call(app: Any, path: str, headers: dict[str, str], body: bytes, *, declare: bool) -> Answer:
    """POST ``body`` to ``app`` in ``CHUNK``-sized messages, counting what the app pulls."""
    pulled = 0
    status = 0
    out = bytearray()

    async def run() -> None:
        nonlocal pulled, status
        chunks = iter([body[i:i + CHUNK] for i in range(0, len(body), CHUNK)])

        async def receive() -> dict[str, Any]:
            nonlocal pulled
            chunk = next(chunks, None)
            if chunk is None:
                return {"type": "http.disconnect"}
            pulled += len(chunk)
            return {"type": "http.request", "body": chunk, "more_body": pulled < len(body)}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                out.extend(message.get("body", b""))

        all_headers = {"host": "testserver", **{k.lower(): v for k, v in headers.items()}}
        if declare:
            all_headers["content-length"] = str(len(body))
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                 "method": "POST", "scheme": "http", "path": path, "raw_path": path.encode(),
                 "query_string": b"", "root_path": "", "client": ("127.0.0.1", 50000),
                 "server": ("testserver", 80),
                 "headers": [(k.encode(), v.encode()) for k, v in all_headers.items()]}
        await app(scope, receive, send)

    asyncio.run(run())
    try:
        parsed = json.loads(out)
    except ValueError:  # a PDF
        parsed = {}
    return Answer(status, parsed, pulled, bytes(out))


def _multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes, str]]
               ) -> tuple[bytes, str]:
    request = httpx.Request("POST", "http://testserver/", data=fields, files=files)
    return request.read(), request.headers["content-type"]


def _report_with_upload() -> str:
    data = load_examples()["report-shandong"]["data"]
    data["training"]["photos"] = [{"caption": "现场", "data": "upload:p1"}]
    return json.dumps(data, ensure_ascii=False)


_BIG = os.urandom(OVERSIZE)


def _small_jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buf, "JPEG")
    return buf.getvalue()

#: (what, path, needs a key, body, content type)
CASES: list[tuple[str, str, bool, Callable[[], tuple[bytes, str]]]] = [
    ("pre-filled form, multipart photo", "/v1/forms/report.pdf", True,
     lambda: _multipart({"data": _report_with_upload()}, {"p1": ("p1.jpg", _BIG, "image/jpeg")})),
    ("archived record, multipart photo", "/v1/documents", True,
     lambda: _multipart({"data": json.dumps({"type": "report", "profile": "shandong",
                                             "data": json.loads(_report_with_upload())})},
                        {"p1": ("p1.jpg", _BIG, "image/jpeg")})),
    ("paper scan", "/v1/scans", True,
     lambda: _multipart({"note": "盖章页"}, {"file": ("scan.jpg", _BIG, "image/jpeg")})),
    ("PDF to verify, multipart", "/v1/verify", False,
     lambda: _multipart({}, {"file": ("doc.pdf", b"%PDF-1.7\n" + _BIG, "application/pdf")})),
    ("PDF to verify, raw", "/v1/verify", False,
     lambda: (b"%PDF-1.7\n" + _BIG, "application/pdf")),
    ("JSON form", "/v1/forms/report.pdf", True,
     lambda: (json.dumps({"pad": _BIG.hex()}).encode(), "application/json")),
]


@pytest.fixture
def small_limit(app_client: TestClient, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(app_client.app.state.ctx.settings, "max_body_bytes", LIMIT)  # type: ignore[attr-defined]
    return LIMIT


def _record_count(app_client: TestClient) -> int:
    engine = app_client.app.state.ctx.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(records)).scalar_one())


def _assert_too_large(answer: Answer) -> None:
    assert answer.status == 422, answer
    assert answer.body["error"] == "invalid"
    (problem,) = answer.body["problems"]
    assert (problem["path"], problem["rule"]) == ("body", "payload_too_large")
    assert str(LIMIT) in problem["message_zh"] and "请求体" in problem["message_zh"]
    assert str(LIMIT) in problem["message_en"] and "body" in problem["message_en"]


@pytest.mark.parametrize("declare", [True, False], ids=["content-length", "chunked"])
@pytest.mark.parametrize(("what", "path", "keyed", "make"), CASES, ids=[c[0] for c in CASES])
def test_a_body_past_the_limit_is_refused_without_reading_the_rest(
        app_client: TestClient, insurer_headers: dict[str, str], small_limit: int,
        what: str, path: str, keyed: bool, make: Callable[[], tuple[bytes, str]],
        declare: bool) -> None:
    body, ctype = make()
    assert len(body) > 3 * small_limit
    before = _record_count(app_client)
    headers = {"content-type": ctype, **(insurer_headers if keyed else {})}
    answer = _call(app_client.app, path, headers, body, declare=declare)
    _assert_too_large(answer)
    if declare:
        assert answer.pulled == 0  # refused on the declared length alone
    else:
        assert answer.pulled <= small_limit + CHUNK  # stopped at the limit, not at the end
    assert _record_count(app_client) == before


def test_a_multipart_body_under_the_limit_still_goes_through(
        app_client: TestClient, insurer_headers: dict[str, str], small_limit: int) -> None:
    """The counting does not get in the way of a body that fits, chunked or not."""
    body, ctype = _multipart({"data": _report_with_upload()},
                             {"p1": ("p1.jpg", _small_jpeg(), "image/jpeg")})
    assert len(body) < small_limit
    for declare in (True, False):
        answer = _call(app_client.app, "/v1/forms/report.pdf",
                       {"content-type": ctype, **insurer_headers}, body, declare=declare)
        assert answer.status == 200, answer.body
        assert answer.pulled == len(body)
        assert bytes(answer.raw[:5]) == b"%PDF-"


def test_a_multipart_data_field_over_one_mebibyte_is_read_like_a_json_body(
        app_client: TestClient, insurer_headers: dict[str, str]) -> None:
    """The ``data`` part may be as large as a JSON body (AZX_MAX_BODY_BYTES), not Starlette's
    1 MiB default for a form field: a 1.2 MB ``data`` part is parsed and checked like JSON."""
    data = json.loads(_report_with_upload())
    data["policy"]["policy_no"] = "P" * (1200 * 1024)
    r = app_client.post("/v1/forms/report.pdf", headers=insurer_headers,
                        data={"data": json.dumps(data)},
                        files={"p1": ("p1.jpg", _small_jpeg(), "image/jpeg")})
    assert r.status_code == 422, r.text
    (problem,) = r.json()["problems"]
    assert (problem["path"], problem["rule"]) == ("data.policy.policy_no", "string_too_long")
