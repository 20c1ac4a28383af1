"""The regulator's view (issue 15 point 5) through the API, on SQLite and PostgreSQL with the
embedded SeaweedFS: a region-bound key reads, across tenants, only its regions' policies —
coverage (山东 8.1 a), overdue obligations, open major hazards, fee floors — as JSON, CSV and XLSX;
every figure is recomputed here from what the tenants posted and from their own views."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from services.keys import authenticate, create_key
from tests.regulator_archive import regulator_archive
from tests.service_app import example, key_headers

pytestmark = pytest.mark.s3

JINAN, CHENGDU = "人保济南", "平安成都"
AS_OF = "2026-10-20"


def auth(ctx: Any, tenant: str, role: str = "insurer", regions: list[str] | None = None
         ) -> dict[str, str]:
    return key_headers(ctx, tenant, role, regions)


#: policy number → (tenant, profile, region, industry)
POLICIES = {
    "PZAS202637010000040001": (JINAN, "shandong", "济南市", "危险化学品"),
    "PZAS202637010000040002": (JINAN, "shandong", "济南市历城区", "道路运输"),
    "PZAS202637020000040003": (JINAN, "shandong", "青岛市", "道路运输"),
    "PZAS202637010000040004": (JINAN, "shandong", None, "道路运输"),
    "CDAZ2026510100000005": (CHENGDU, "chengdu", "成都市", "机械制造"),
}
SERVED = "PZAS202637010000040001"


@pytest.fixture(scope="module")
def scenario(service: tuple[TestClient, Any]) -> dict[str, Any]:
    client, ctx = service
    out = regulator_archive(client, ctx, policies=POLICIES, served=SERVED, hazards=[
        ("重大", "粉尘防爆", "除尘系统未设置泄爆装置"), ("一般", "通道", "通道堆放杂物")],
        fee_policies=[SERVED, "PZAS202637020000040003"], as_of=AS_OF)
    return out | {"hazard": out["hazards"][0]}


def summary(client: TestClient, headers: dict[str, str], **params: Any) -> Any:
    r = client.get("/v1/regulator/summary", params={"as_of": AS_OF, **params}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json() if params.get("format", "json") == "json" else r


def test_a_regulator_key_carries_its_regions_and_only_a_regulator_has_them(
        service: tuple[TestClient, Any]) -> None:
    _, ctx = service
    key = create_key(ctx.engine, "济南市应急管理局", "regulator", regions=["济南市", " 成都市 "])
    caller = authenticate(ctx.engine, key)
    assert caller.role == "regulator" and caller.regions == ("成都市", "济南市")
    with pytest.raises(ValueError, match="regions"):
        create_key(ctx.engine, "某局", "regulator")
    with pytest.raises(ValueError, match="regulator"):
        create_key(ctx.engine, JINAN, "insurer", regions=["济南市"])
    assert authenticate(ctx.engine, create_key(ctx.engine, JINAN, "admin")).regions == ()


def test_the_summary_counts_only_the_regions_policies_across_tenants(
        service: tuple[TestClient, Any], scenario: dict[str, Any]) -> None:
    client, ctx = service
    reg = auth(ctx, "山东应急管理厅", "regulator", ["济南市", "成都市"])
    s = summary(client, reg)
    visible = {no for no, (_, _, region, _) in POLICIES.items()
               if region and (region.startswith("济南市") or region == "成都市")}
    groups = {(g["region"], g["industry"], g["insurer"]): g for g in s["groups"]}
    assert set(groups) == {(POLICIES[no][2], POLICIES[no][3], POLICIES[no][0]) for no in visible}
    text = json.dumps(s, ensure_ascii=False)
    assert "青岛" not in text and "PZAS202637020000040003" not in text
    assert "PZAS202637010000040004" not in text
    # coverage (山东 8.1 a): in force on 2026-10-20 with a service done ÷ in force
    total = s["total"]
    assert (total["policies"], total["in_force"], total["served"]) == (3, 3, 1)
    assert total["realtime_percent"] == "33.33"
    assert groups[("济南市", "危险化学品", JINAN)]["served"] == 1
    assert groups[("成都市", "机械制造", CHENGDU)]["lists"]["not_served"] == [
        "CDAZ2026510100000005"]
    # overdue obligations: the same as each tenant's own view of its policies
    expected = sum(len(scenario["overdue"][no]) for no in visible)
    assert total["overdue_obligations"] == expected >= 1
    listed = groups[("济南市", "危险化学品", JINAN)]["lists"]["overdue"]
    assert sorted(o["obligation"] for o in listed) == sorted(
        f"{o['clause']}｜{o['title_zh']}" for o in scenario["overdue"][SERVED])
    # major hazards not accepted (the minor one does not count)
    assert total["major_hazards_open"] == 1
    assert groups[("成都市", "机械制造", CHENGDU)]["lists"]["major_hazards_open"] == [
        {"policy_no": "CDAZ2026510100000005", "hazard": scenario["hazard"]}]
    # the sums by one dimension add up to the total
    for dim in ("by_region", "by_industry", "by_insurer"):
        for k in ("policies", "served", "overdue_obligations", "major_hazards_open"):
            assert sum(r[k] for r in s[dim]) == total[k], (dim, k)
    # fee floors: only the entry naming a policy of the regions (山东 7.2: pooled ≥ 30 %)
    (fee,) = s["fees"]
    assert fee["insurer"] == JINAN and fee["records"] == [scenario["fees"][0]]
    assert fee["accrued"] == "4000.00"
    (floor,) = fee["floors"]
    assert floor["clause"] == "山东 7.2" and floor["required"] == "1200.00" and not floor["met"]
    assert s["clauses"]["realtime"].startswith("山东 8.1 a)")


def test_a_region_sees_nothing_of_another_and_filters_stay_inside_the_regions(
        service: tuple[TestClient, Any], scenario: dict[str, Any]) -> None:
    client, ctx = service
    chengdu = auth(ctx, "成都市应急管理局", "regulator", ["成都市"])
    s = summary(client, chengdu)
    assert [g["insurer"] for g in s["groups"]] == [CHENGDU] and s["fees"] == []
    assert JINAN not in json.dumps(s, ensure_ascii=False)
    r = client.get("/v1/regulator/summary", params={"region": "济南市"}, headers=chengdu)
    assert r.status_code == 403 and r.json()["message_zh"] and r.json()["message_en"]
    both = auth(ctx, "山东应急管理厅", "regulator", ["济南市", "成都市"])
    only = summary(client, both, region="济南市")
    assert {g["region"] for g in only["groups"]} == {"济南市", "济南市历城区"}
    assert [g["insurer"] for g in summary(client, both, insurer=CHENGDU)["groups"]] == [CHENGDU]
    assert [g["industry"] for g in summary(client, both, industry="道路运输")["groups"]] == [
        "道路运输"]
    assert summary(client, both, insurer="无此机构")["total"]["policies"] == 0


def test_csv_and_xlsx_exports_carry_the_same_figures(
        service: tuple[TestClient, Any], scenario: dict[str, Any]) -> None:
    client, ctx = service
    reg = auth(ctx, "山东应急管理厅", "regulator", ["济南市", "成都市"])
    s = summary(client, reg)
    r = summary(client, reg, format="csv")
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["地区", "行业", "承保机构", "保单数"]
    assert len(rows) == 1 + len(s["groups"])
    assert {(row[0], row[2], int(row[3])) for row in rows[1:]} == {
        (g["region"], g["insurer"], g["policies"]) for g in s["groups"]}
    fees = list(csv.reader(io.StringIO(summary(client, reg, format="csv", table="fees")
                                       .content.decode("utf-8-sig"))))
    assert fees[1][0] == JINAN and "未达标" in fees[1]
    x = summary(client, reg, format="xlsx")
    wb = load_workbook(io.BytesIO(x.content))
    assert wb.sheetnames[:4] == ["地区x行业x承保机构", "按地区", "按行业", "按承保机构"]
    sheet = [list(row) for row in wb["按承保机构"].iter_rows(values_only=True)]
    assert {row[0]: row[1] for row in sheet[1:]} == {
        g["insurer"]: g["policies"] for g in s["by_insurer"]}


def test_only_a_regulator_reads_the_summary_and_bad_input_is_a_422(
        service: tuple[TestClient, Any], scenario: dict[str, Any]) -> None:
    client, ctx = service
    for role in ("insurer", "technician", "auditor", "admin"):
        r = client.get("/v1/regulator/summary", headers=auth(ctx, JINAN, role))
        assert r.status_code == 403, (role, r.text)
    assert client.get("/v1/regulator/summary").status_code == 401
    reg = auth(ctx, "山东应急管理厅", "regulator", ["济南市"])
    for params in ({"quarter": "2026Q5"}, {"year": "1"}, {"as_of": "2026-02-30"},
                   {"format": "docx"}, {"region": "济" * 101}, {"table": "x"}):
        r = client.get("/v1/regulator/summary", params=params, headers=reg)
        assert r.status_code == 422, (params, r.text)
    r = client.get("/v1/regulator/summary", params={"region": "济南市'; drop table x"},
                   headers=reg)  # inside 济南市 by its name: nothing there
    assert r.status_code == 200 and r.json()["total"]["policies"] == 0
    assert client.get("/v1/regulator/summary", params={"region": "'; drop table x"},
                      headers=reg).status_code == 403
    # the regulator can neither archive nor read a tenant's documents
    assert client.post("/v1/documents", json=example("callback-shandong"),
                       headers=reg).status_code == 403
    assert client.get(f"/v1/documents/{scenario['report']}", headers=reg).status_code == 403
    assert client.get("/v1/policies", headers=reg).status_code == 403
