"""The regulator's charts (issue 15 point 5): ``GET /v1/regulator/summary?format=svg|png&chart=``
on SQLite and PostgreSQL with the embedded SeaweedFS — each figure drawn from the summary of the
key's regions only, its values equal to the summary's (recomputed here from what was posted), its
caption citing the clause; PNG decodes; bad values are 422 with messages in Chinese and English
naming the parameter; only a regulator reads them, and every read is audited."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from rendering.regulator_charts import CHART_NAMES
from storage.tables import audit_events
from tests.regulator_archive import regulator_archive
from tests.service_app import key_headers

pytestmark = pytest.mark.s3

SVG = "{http://www.w3.org/2000/svg}"
JINAN, CHENGDU = "人保济南图", "平安成都图"
AS_OF = "2026-10-20"
#: policy number → (tenant, profile, region, industry)
POLICIES = {
    "PZAS202637010000077701": (JINAN, "shandong", "济南市", "道路运输"),
    "PZAS202637010000077702": (JINAN, "shandong", "济南市历城区", "道路运输"),
    "PZAS202637020000077703": (JINAN, "shandong", "青岛市", "道路运输"),
    "CDAZ2026510100077704": (CHENGDU, "chengdu", "成都市", "道路运输"),
}
SERVED = "PZAS202637010000077701"


@pytest.fixture(scope="module")
def scenario(service: tuple[TestClient, Any]) -> dict[str, Any]:
    client, ctx = service
    return regulator_archive(client, ctx, policies=POLICIES, served=SERVED, hazards=[
        (grade, "粉尘防爆", f"隐患（{grade}）") for grade in ("重大", "重大", "一般")],
        fee_policies=[SERVED, "PZAS202637020000077703"], as_of=AS_OF)


def get(client: TestClient, h: dict[str, str], **params: Any) -> Any:
    return client.get("/v1/regulator/summary", params={"as_of": AS_OF, **params}, headers=h)


def bars(svg: bytes) -> dict[tuple[str, str], Decimal]:
    root = ET.fromstring(svg)
    return {(r.get("data-label", ""), r.get("data-series", "")): Decimal(r.get("data-value", ""))
            for r in root.iter(f"{SVG}rect") if r.get("data-value") is not None}


def texts(svg: bytes) -> list[str]:
    return [t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}text")]


def test_each_chart_draws_the_summarys_figures_of_the_keys_regions(
        service: tuple[TestClient, Any], scenario: dict[str, Any]) -> None:
    client, ctx = service
    reg = key_headers(ctx, "应急管理局图", "regulator", ["济南市", "成都市"])
    s = get(client, reg).json()
    drawn = {}
    for name in CHART_NAMES:
        r = get(client, reg, format="svg", chart=name)
        assert r.status_code == 200, (name, r.text)
        assert r.headers["content-type"].startswith("image/svg+xml")
        assert "青岛" not in r.text  # another region's figures are never drawn
        drawn[name] = r.content
        assert any(t.startswith("依据：") for t in texts(r.content)), name
    # coverage (山东 8.1 a): 济南市 has one policy in force, served (the report above)
    cov = bars(drawn["coverage_by_region"])
    for row in s["by_region"]:
        assert cov[(row["region"], "实时覆盖率")] == Decimal(row["realtime_percent"])
    assert cov[("济南市", "实时覆盖率")] == 100 and cov[("济南市历城区", "实时覆盖率")] == 0
    assert "100.00%（1/1）" in texts(drawn["coverage_by_region"])
    assert any("山东 8.1 a)" in t for t in texts(drawn["coverage_by_region"]))
    by_ins = bars(drawn["coverage_by_insurer"])
    assert by_ins[(JINAN, "实时覆盖率")] == 50  # 1 of its 2 policies in the regions
    # overdue obligations: what each insurer itself sees as overdue on that day
    overdue = {no: len(obs) for no, obs in scenario["overdue"].items()}
    want = {"济南市": overdue[SERVED],
            "济南市历城区": overdue["PZAS202637010000077702"],
            "成都市": overdue["CDAZ2026510100077704"]}
    assert {k[0]: v for k, v in bars(drawn["overdue_by_region"]).items()} == want
    assert {k[0]: v for k, v in bars(drawn["overdue_by_insurer"]).items()} == {
        JINAN: want["济南市"] + want["济南市历城区"], CHENGDU: want["成都市"]}
    # major hazards not accepted: the two 重大 posted for 成都
    assert {k[0]: v for k, v in bars(drawn["major_hazards_by_region"]).items()} == {
        "成都市": 2, "济南市": 0, "济南市历城区": 0}
    assert bars(drawn["major_hazards_by_insurer"])[(CHENGDU, "数量")] == 2
    # 山东 7.2: nothing pooled of 4,000 accrued (20 % of 20,000) — the floor is 1,200
    fee = bars(drawn["fee_floors"])
    [(label, _)] = [k for k in fee if k[1] == "实际"]
    assert label.startswith(JINAN) and "未达到" in label
    assert fee[(label, "实际")] == 0 and fee[(label, "下限")] == Decimal("1200.00")
    assert s["fees"][0]["floors"][0]["required"] == "1200.00"


def test_png_charts_decode_and_every_read_is_audited(
        service: tuple[TestClient, Any], scenario: dict[str, Any]) -> None:
    client, ctx = service
    reg = key_headers(ctx, "成都应急局图", "regulator", ["成都市"])
    r = get(client, reg, format="png", chart="major_hazards_by_region")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    with Image.open(io.BytesIO(r.content)) as im:
        im.load()
        assert im.format == "PNG" and 1000 <= im.size[0] <= 2000 and 200 <= im.size[1] <= 2000
    with ctx.engine.connect() as conn:
        last = conn.execute(select(audit_events.c.action, audit_events.c.detail)
                            .order_by(audit_events.c.seq.desc()).limit(1)).one()
    assert last.action == "regulator.summary"
    assert last.detail["chart"] == "major_hazards_by_region" and last.detail["format"] == "png"
    assert last.detail["regions"] == ["成都市"]


def test_bad_chart_queries_are_422_in_both_languages_and_only_a_regulator_reads(
        service: tuple[TestClient, Any], scenario: dict[str, Any]) -> None:
    client, ctx = service
    reg = key_headers(ctx, "应急管理局图二", "regulator", ["济南市"])
    for params in ({"format": "svg"}, {"format": "png"}, {"chart": "overdue_by_region"},
                   {"format": "csv", "chart": "overdue_by_region"},
                   {"format": "svg", "chart": "pie"}, {"format": "gif", "chart": "fee_floors"},
                   {"format": "svg", "chart": "<script>"}):
        r = get(client, reg, **params)
        assert r.status_code == 422, (params, r.text)
        body = r.json()
        problems = body["problems"]
        assert any("chart" in p["path"] or "format" in p["path"] for p in problems), body
        for p in problems:
            assert any("\u4e00" <= c <= "\u9fff" for c in p["message_zh"]), p
            assert p["message_en"] and p["message_en"].isascii(), p
    r = get(client, reg, format="svg")
    [p] = r.json()["problems"]
    assert p["rule"] == "chart_required" and "chart" in p["message_zh"] and "chart" in p[
        "message_en"]
    assert get(client, reg, format="svg", chart="coverage_by_region", region="成都市"
               ).status_code == 403  # not one of the key's regions
    for role in ("insurer", "auditor", "admin"):
        r = get(client, key_headers(ctx, JINAN, role), format="svg", chart="fee_floors")
        assert r.status_code == 403, role
    assert client.get("/v1/regulator/summary",
                      params={"format": "png", "chart": "fee_floors"}).status_code == 401
