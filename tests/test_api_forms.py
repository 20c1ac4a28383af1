"""The forms API as an insurer's system meets it: keys, the catalogue, blank and pre-filled forms,
schemas with Chinese titles, and 422 answers that list every problem with its JSON path and rule
in Chinese and English (DEVELOPERS.md, Standards)."""

from __future__ import annotations

import base64
import copy
import io
import json
import re
import subprocess
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from PIL import Image

from domain.catalog import CATALOG
from domain.common import MAX_PHOTO_BYTES
from domain.documents.report import MAX_ROWS
from services.keys import revoke_key
from services.render import MEDIA_TYPES
from tests.conftest import TestClient, load_examples

EXAMPLES = load_examples()
CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]{3,}")


def _bilingual(body: dict[str, Any]) -> None:
    assert CJK.search(body["message_zh"]), body
    assert LATIN.search(body["message_en"]), body


def problems_of(r: Any) -> set[tuple[str, str]]:
    """``{(path, rule)}`` of a 422 answer, after checking each problem reads in both languages."""
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["error"] == "invalid"
    _bilingual(body)
    for p in body["problems"]:
        _bilingual(p)
        assert p["message_zh"] != p["message_en"]
    return {(p["path"], p["rule"]) for p in body["problems"]}


def data_of(name: str) -> dict[str, Any]:
    return copy.deepcopy(EXAMPLES[name]["data"])


# -- keys -----------------------------------------------------------------------------------

def _assert_401(r: Any) -> dict[str, Any]:
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"
    body: dict[str, Any] = r.json()
    assert body["error"] == "unauthorized"
    _bilingual(body)
    return body


def test_no_key_is_401_in_both_languages(app_client: TestClient) -> None:
    body = _assert_401(app_client.get("/v1/forms"))
    assert "API" in body["message_zh"] and "missing" in body["message_en"]


@pytest.mark.parametrize("header", [
    "Bearer not-a-key", "Bearer azx_only-two", "Bearer azx_000000000000_wrong-secret", "Basic Zm9v",
    "Bearer ",
])
def test_malformed_or_unknown_keys_are_401(app_client: TestClient, header: str) -> None:
    _assert_401(app_client.get("/v1/forms", headers={"Authorization": header}))


def test_a_key_with_the_wrong_secret_is_401(
        app_client: TestClient, api_key: Callable[..., str], auth: Callable[[str], dict[str, str]],
) -> None:
    key = api_key()
    assert app_client.get("/v1/forms", headers=auth(key)).status_code == 200
    forged = key[:-1] + ("A" if key[-1] != "A" else "B")
    _assert_401(app_client.get("/v1/forms", headers=auth(forged)))


def test_a_revoked_key_is_401(
        app_client: TestClient, api_key: Callable[..., str], auth: Callable[[str], dict[str, str]],
) -> None:
    key = api_key("撤销测试", "technician")
    assert app_client.get("/v1/forms", headers=auth(key)).status_code == 200
    assert revoke_key(app_client.app.state.ctx.engine, key.split("_", 2)[1])  # type: ignore[attr-defined]
    body = _assert_401(app_client.get("/v1/forms", headers=auth(key)))
    assert "revoked" in body["message_en"]


@pytest.mark.parametrize("role", ["insurer", "technician", "auditor", "admin"])
def test_every_role_may_fetch_forms(
        app_client: TestClient, api_key: Callable[..., str], auth: Callable[[str], dict[str, str]],
        role: str,
) -> None:
    assert app_client.get("/v1/forms", headers=auth(api_key("t1", role))).status_code == 200


def test_a_regulator_may_not_fetch_forms(
        app_client: TestClient, auth: Callable[[str], dict[str, str]]) -> None:
    """Issue 15: the regulator reads its regions' summary only (tests/security for every route)."""
    from services.keys import create_key

    key = create_key(app_client.app.state.ctx.engine, "监管", "regulator",  # type: ignore[attr-defined]
                     regions=["济南市"])
    assert app_client.get("/v1/forms", headers=auth(key)).status_code == 403


# -- the catalogue, blank forms, schemas ----------------------------------------------------

def test_the_catalogue_lists_every_form(
        app_client: TestClient, insurer_headers: dict[str, str]) -> None:
    r = app_client.get("/v1/forms", headers=insurer_headers)
    assert r.status_code == 200
    forms = r.json()["forms"]
    assert {(f["type"], f["profile"]) for f in forms} == set(CATALOG)
    for f in forms:
        kind = CATALOG[(f["type"], f["profile"])]
        assert f["title"] == kind.title and f["source"] == kind.source
        assert f["blank"]["pdf"] == f"/v1/forms/{kind.type}.pdf?profile={kind.profile}"
        assert f["schema"] == f"/v1/schemas/{kind.type}?profile={kind.profile}"
    assert set(r.json()["profiles"]) == {p for _, p in CATALOG}


@pytest.mark.parametrize(("doc_type", "profile"), sorted(CATALOG))
@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_every_blank_form_downloads(
        app_client: TestClient, insurer_headers: dict[str, str],
        doc_type: str, profile: str, fmt: str,
) -> None:
    r = app_client.get(f"/v1/forms/{doc_type}.{fmt}", params={"profile": profile},
                       headers=insurer_headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == MEDIA_TYPES[fmt]
    assert f'filename="{doc_type}-{profile}-blank.{fmt}"' in r.headers["content-disposition"]
    if fmt == "pdf":
        assert r.content.startswith(b"%PDF-")
    else:
        with zipfile.ZipFile(io.BytesIO(r.content)) as z:
            assert "word/document.xml" in z.namelist()
            assert CATALOG[(doc_type, profile)].title.encode() in z.read("word/document.xml")


def test_the_profile_defaults_to_the_only_one(
        app_client: TestClient, insurer_headers: dict[str, str]) -> None:
    r = app_client.get("/v1/forms/report.pdf", headers=insurer_headers)
    assert r.status_code == 200
    assert "report-shandong-blank.pdf" in r.headers["content-disposition"]


@pytest.mark.parametrize(("url", "path", "rule"), [
    ("/v1/forms/lease.pdf", "type", "unknown_type"),
    ("/v1/forms/report.pdf?profile=beijing", "profile", "unknown_profile"),
    ("/v1/forms/plan.pdf?profile=hangzhou", "profile", "unknown_profile"),
    ("/v1/forms/report.txt", "path", "format"),
    ("/v1/forms/report", "path", "format"),
    ("/v1/forms/.pdf", "path", "format"),
    ("/v1/schemas/lease", "type", "unknown_type"),
    ("/v1/schemas/callback?profile=national", "profile", "unknown_profile"),
])
def test_unknown_type_profile_or_format_is_422_naming_it(
        app_client: TestClient, insurer_headers: dict[str, str], url: str, path: str, rule: str,
) -> None:
    assert problems_of(app_client.get(url, headers=insurer_headers)) == {(path, rule)}


def test_posting_to_an_unknown_type_is_422_naming_the_type(
        app_client: TestClient, insurer_headers: dict[str, str]) -> None:
    r = app_client.post("/v1/forms/lease.pdf", json={}, headers=insurer_headers)
    assert problems_of(r) == {("type", "unknown_type")}


def test_the_report_schema_speaks_chinese(
        app_client: TestClient, insurer_headers: dict[str, str]) -> None:
    r = app_client.get("/v1/schemas/report", headers=insurer_headers)
    assert r.status_code == 200
    schema = r.json()
    assert schema["title"] == "安全生产责任保险事故预防技术服务报告"
    insured = schema["properties"]["insured"]
    assert insured["$ref"] == "#/$defs/Insured"
    assert schema["$defs"]["Insured"]["properties"]["name"]["title"] == "被保险人名称"
    assert schema["$defs"]["RiskRow"]["properties"]["level"]["anyOf"][0]["enum"] == [
        "重大风险", "较大风险", "一般风险", "低风险"]


@pytest.mark.parametrize(("doc_type", "profile"), sorted(CATALOG))
def test_every_field_of_every_schema_has_a_chinese_title(
        app_client: TestClient, insurer_headers: dict[str, str], doc_type: str, profile: str,
) -> None:
    r = app_client.get(f"/v1/schemas/{doc_type}", params={"profile": profile},
                       headers=insurer_headers)
    assert r.status_code == 200
    schema = r.json()
    assert CJK.search(schema["title"])
    untitled = [f"{name}.{prop}"
                for name, d in [("$", schema), *schema.get("$defs", {}).items()]
                for prop, p in d.get("properties", {}).items()
                if not CJK.search(p.get("title", ""))]
    assert untitled == []


# -- invalid payloads: every problem, with its path and rule ---------------------------------

def test_an_agreement_with_a_reversed_period_and_an_unknown_item(
        app_client: TestClient, insurer_headers: dict[str, str]) -> None:
    data = data_of("agreement-shandong")
    data["services"]["training"]["offline"]["period"] = {"start": "2026-03-31", "end": "2026-03-01"}
    data["services"]["massage"] = {"frequency": "每周"}
    r = app_client.post("/v1/forms/agreement.pdf", json=data, headers=insurer_headers)
    assert problems_of(r) == {
        ("data.services.training.offline.period", "end_before_start"),
        ("data.services.massage", "extra_forbidden"),
    }


def test_a_report_lists_every_problem_at_once(
        app_client: TestClient, insurer_headers: dict[str, str]) -> None:
    data = data_of("report-shandong")
    data["policy"]["premium"] = "-1.00"
    row = {k: v for k, v in data["risks"][2].items()}
    data["risks"] = [row] * (MAX_ROWS + 1)
    oversized = b"\xff\xd8\xff\xe0" + bytes(MAX_PHOTO_BYTES)  # a JPEG header, 5 MB + 4 bytes
    data["training"]["photos"][0]["data"] = base64.b64encode(oversized).decode()
    data["visit"]["end_date"] = "2026-03-01"  # before visit.date 2026-03-12
    data["photo_count"] = 3
    r = app_client.post("/v1/forms/report.pdf", json=data, headers=insurer_headers)
    assert problems_of(r) == {
        ("data.policy.premium", "greater_than_equal"),
        ("data.risks", "too_long"),
        ("data.training.photos[0].data", "photo_too_large"),
        ("data.visit", "end_before_start"),
        ("data.photo_count", "extra_forbidden"),
    }


def test_a_callback_with_an_unknown_rating_and_a_missing_one(
        app_client: TestClient, insurer_headers: dict[str, str]) -> None:
    data = data_of("callback-shandong")
    data["attitude"] = "优"
    del data["closure"]
    r = app_client.post("/v1/forms/callback.pdf", json=data, headers=insurer_headers)
    assert problems_of(r) == {("data.attitude", "literal_error"), ("data.closure", "missing")}
    (rating,) = [p for p in r.json()["problems"] if p["rule"] == "literal_error"]
    assert rating["message_zh"] == "取值必须是以下之一：'好'、'中'、'差'"
    assert rating["message_en"] == "must be one of: '好', '中' or '差'"


def test_the_chengdu_callback_requires_its_findings(
        app_client: TestClient, insurer_headers: dict[str, str]) -> None:
    data = data_of("callback-chengdu")
    del data["findings"]
    r = app_client.post("/v1/forms/callback.pdf?profile=chengdu", json=data,
                        headers=insurer_headers)
    assert problems_of(r) == {("data.findings", "missing")}
    # The Shandong 回访表 has no findings: the same field is unknown there.
    shandong = data_of("callback-shandong") | {"findings": {}}
    r = app_client.post("/v1/forms/callback.pdf?profile=shandong", json=shandong,
                        headers=insurer_headers)
    assert problems_of(r) == {("data.findings", "extra_forbidden")}


def test_the_chengdu_callback_requires_every_indicator(
        app_client: TestClient, insurer_headers: dict[str, str]) -> None:
    data = data_of("callback-chengdu")
    del data["findings"]["attitude"], data["findings"]["feedback"]
    data["findings"]["punctuality"] = {}
    r = app_client.post("/v1/forms/callback.pdf?profile=chengdu", json=data,
                        headers=insurer_headers)
    assert problems_of(r) == {
        ("data.findings.attitude", "indicator_required"),
        ("data.findings.feedback", "indicator_required"),
        ("data.findings.punctuality", "unknown_indicator"),
    }


@pytest.mark.parametrize("body", [b"{not json", b"\xff\xfe{}", b"", b"[1, 2"])
def test_a_body_that_is_not_json_is_422(
        app_client: TestClient, insurer_headers: dict[str, str], body: bytes) -> None:
    r = app_client.post("/v1/forms/report.pdf", content=body,
                        headers=insurer_headers | {"Content-Type": "application/json"})
    assert problems_of(r) <= {("body", "json_invalid"), ("body", "missing")}
    assert len(problems_of(r)) == 1


def test_a_json_value_that_is_not_an_object_is_422(
        app_client: TestClient, insurer_headers: dict[str, str]) -> None:
    r = app_client.post("/v1/forms/report.pdf", json=["report"], headers=insurer_headers)
    assert problems_of(r) == {("data", "model_type")}


def test_a_body_over_the_limit_is_refused(
        app_client: TestClient, insurer_headers: dict[str, str]) -> None:
    limit = app_client.app.state.ctx.settings.max_body_bytes  # type: ignore[attr-defined]
    body = b'{"pad": "' + b"x" * limit + b'"}'
    r = app_client.post("/v1/forms/report.pdf", content=body,
                        headers=insurer_headers | {"Content-Type": "application/json"})
    assert r.status_code in (413, 422), r.text
    if r.status_code == 422:
        assert problems_of(r) == {("body", "payload_too_large")}


# -- multipart: photos as file parts -----------------------------------------------------------

def _jpeg(w: int, h: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (w, h), (200, 40, 40)).save(buf, "JPEG")
    return buf.getvalue()


def _without_photos(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_photos(v) for k, v in value.items() if k not in ("photos", "scans")}
    if isinstance(value, list):
        return [_without_photos(v) for v in value]
    return value


def test_a_multipart_upload_puts_the_photo_in_the_pdf(
        app_client: TestClient, insurer_headers: dict[str, str], tmp_path: Any) -> None:
    data = _without_photos(data_of("report-shandong"))
    data["training"]["photos"] = [{"caption": "现场上传照片", "data": "upload:p1"}]
    for risk in data["risks"]:  # no areas: no 四色图 picture (tests/test_riskmap_api.py)
        risk.pop("area", None)
    r = app_client.post("/v1/forms/report.pdf", headers=insurer_headers,
                        data={"data": json.dumps(data, ensure_ascii=False)},
                        files={"p1": ("现场.jpg", _jpeg(37, 23), "image/jpeg")})
    assert r.status_code == 200, r.text
    assert r.content.startswith(b"%PDF-")
    pdf = tmp_path / "upload.pdf"
    pdf.write_bytes(r.content)
    listing = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True,
                             check=True).stdout.splitlines()[2:]
    sizes = [tuple(int(x) for x in line.split()[3:5]) for line in listing]
    assert sizes == [(37, 23)]  # the one uploaded photo, and nothing else


def test_a_multipart_upload_naming_a_missing_file_is_422(
        app_client: TestClient, insurer_headers: dict[str, str]) -> None:
    data = _without_photos(data_of("report-shandong"))
    data["training"]["photos"] = [{"data": "upload:p2"}]
    r = app_client.post("/v1/forms/report.pdf", headers=insurer_headers,
                        data={"data": json.dumps(data)},
                        files={"p1": ("p1.jpg", _jpeg(8, 8), "image/jpeg")})
    assert problems_of(r) == {("data.training.photos[0].data", "upload_missing")}


def test_a_multipart_upload_that_is_not_an_image_is_422(
        app_client: TestClient, insurer_headers: dict[str, str]) -> None:
    data = _without_photos(data_of("report-shandong"))
    data["training"]["photos"] = [{"data": "upload:p1"}]
    r = app_client.post("/v1/forms/report.pdf", headers=insurer_headers,
                        data={"data": json.dumps(data)},
                        files={"p1": ("p1.gif", b"GIF89a....", "image/gif")})
    assert problems_of(r) == {("data.training.photos[0].data", "photo_format")}


@pytest.mark.parametrize(("label", "make", "rule"), [
    ("truncated JPEG", lambda: _jpeg(64, 48)[:300], "photo_corrupt"),
    ("garbage after a PNG signature", lambda: b"\x89PNG\r\n\x1a\n" + b"x" * 64, "photo_corrupt"),
    ("9000 x 6000 PNG (54 MP)", lambda: _png_of_size(9000, 6000), "photo_pixels"),
])
def test_a_photo_that_cannot_be_printed_is_422_naming_it(
        app_client: TestClient, insurer_headers: dict[str, str], label: str,
        make: Any, rule: str) -> None:
    data = _without_photos(data_of("report-shandong"))
    data["training"]["photos"] = [{"data": base64.b64encode(make()).decode()}]
    r = app_client.post("/v1/forms/report.pdf", json=data, headers=insurer_headers)
    assert problems_of(r) == {("data.training.photos[0].data", rule)}, label
    problem = r.json()["problems"][0]
    assert "照片" in problem["message_zh"] and "photo" in problem["message_en"]


def _png_of_size(width: int, height: int) -> bytes:
    buf = io.BytesIO()
    Image.new("1", (width, height)).save(buf, "PNG")
    return buf.getvalue()
