"""Issue 15 through the API, on SQLite and PostgreSQL with the embedded SeaweedFS: the fee ledger
(山东 7.2, 温州 第六条), sampling draws (山东 8.1 b, c) and coverage (山东 8.1 a). Every figure is
recomputed here from what was posted, independently of the service's code."""

from __future__ import annotations

import hashlib
import math
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.keys import create_key
from tests.service_app import archive_on, example, key_headers

pytestmark = pytest.mark.s3

TENANT = "人保济南"


def auth(ctx: Any, tenant: str = TENANT, role: str = "insurer") -> dict[str, str]:
    return key_headers(ctx, tenant, role)


def policy(no: str, premium: str, start: str, end: str, **more: Any) -> dict[str, Any]:
    return {"policy_no": no, "profile": "shandong", "insured": f"投保单位{no[-3:]}",
            "premium": premium, "period_start": start, "period_end": end, **more}


# Shandong policies that ended in June 2026 (post-policy population), across the bands.
JUNE = [(f"PZAS2026370100000201{i:02d}", p) for i, p in enumerate(
    ["3200.00", "4800.00", "9600.00", "27500.00", "21000.00", "12000.00", "128000.00",
     "320000.00", "62000.00", "7500.00", "14999.99", "15000.00"], start=1)]


@pytest.fixture(scope="module")
def scenario(service: tuple[TestClient, Any]) -> dict[str, Any]:
    client, ctx = service
    h = auth(ctx)
    for no, premium in JUNE:
        r = client.post("/v1/policies", json=policy(
            no, premium, "2025-07-01", "2026-06-30", branch="济南市分公司",
            region="济南市", industry="道路运输"), headers=h)
        assert r.status_code == 201, r.text
    # in force in 2026-Q3: one served, one not; another branch, another region
    for no, branch, region in (("PZAS202637010000030001", "济南市分公司", "济南市"),
                               ("PZAS202637010000030002", "青岛市分公司", "青岛市")):
        assert client.post("/v1/policies", json=policy(
            no, "20000.00", "2026-01-01", "2026-12-31", branch=branch, region=region,
            industry="道路运输"), headers=h).status_code == 201
    report = example("report-shandong")
    report["data"]["policy"]["policy_no"] = "PZAS202637010000030001"
    report["data"]["visit"] = {"date": "2026-03-10"}
    ids = {"report": archive_on(client, ctx, h, report, "2026-03-12")["id"]}
    # a June policy served within its period (its one required visit done)
    report2 = example("report-shandong")
    report2["data"]["policy"]["policy_no"] = JUNE[0][0]
    report2["data"]["visit"] = {"date": "2025-09-10"}
    ids["report_june"] = archive_on(client, ctx, h, report2, "2025-09-12")["id"]
    return ids


# -- the fee ledger -----------------------------------------------------------------------------

BASE = {"year": 2026, "insurer": "中国人民财产保险股份有限公司济南市分公司", "branch": "济南市分公司",
        "date": "2026-03-20"}


def test_an_accrual_is_premium_times_share_and_is_an_archived_record(
        service: tuple[TestClient, Any]) -> None:
    client, ctx = service
    h = auth(ctx, "温州太保")
    body = {"profile": "wenzhou", "kind": "accrual", "year": 2026, "insurer": "太保温州",
            "date": "2026-05-08", "premium": "85000.00", "policy_no": "WZ1"}
    r = client.post("/v1/fees", json=body, headers=h)
    assert r.status_code == 201, r.text
    out = r.json()
    # 温州 第六条: 35 % by default; 85,000 × 35 % = 29,750.00
    assert out["entry"]["amount"] == "29750.00" and out["entry"]["share_percent"] == "35"
    rec = out["record"]
    assert rec["id"].startswith("AZX-26FEE-") and rec["status"] == "archived"
    assert rec["type"] == "fee_entry" and rec["profile"] == "wenzhou"
    src = client.get(f"/v1/documents/{rec['id']}.json", headers=h).json()
    assert src["data"]["amount"] == "29750.00"
    pdf = client.get(f"/v1/documents/{rec['id']}.pdf", headers=h)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    s = client.get("/v1/fees/summary", params={"year": 2026}, headers=h).json()
    (ins,) = s["insurers"]
    assert (ins["premium"], ins["accrued"], ins["balance"]) == ("85000.00", "29750.00",
                                                               "29750.00")
    (floor,) = ins["floors"]
    assert floor["clause"] == "温州 第六条" and floor["required"] == "29750.00" and floor["met"]


def test_shandong_ledger_balance_pooling_floor_and_corrections(
        service: tuple[TestClient, Any], scenario: dict[str, Any]) -> None:
    client, ctx = service
    h = auth(ctx)
    posted = []

    def post(**entry: Any) -> dict[str, Any]:
        r = client.post("/v1/fees", json={"profile": "shandong", **BASE, **entry}, headers=h)
        assert r.status_code == 201, r.text
        posted.append(r.json()["record"]["id"])
        return r.json()  # type: ignore[no-any-return]

    post(kind="accrual", premium="500000.00", share_percent="20")  # 100,000.00
    post(kind="expenditure", amount="18600.00", records=[scenario["report"]],
         invoices=["37012600000001234567"], purpose="现场服务费")
    pooled = post(kind="pooling", amount="25000.00", purpose="划转省级统筹")
    # a correction: the pooled amount was 35,000, a new entry carries the difference
    post(kind="pooling", amount="10000.00", corrects=pooled["record"]["id"], note="更正")
    post(kind="expenditure", amount="-600.00", corrects=posted[1], note="退回多付")
    other_branch = client.post("/v1/fees", json={
        "profile": "shandong", **BASE, "branch": "青岛市分公司", "kind": "accrual",
        "premium": "100000.00", "share_percent": "20"}, headers=h)
    assert other_branch.status_code == 201
    s = client.get("/v1/fees/summary", params={"year": 2026, "branch": "济南市分公司"},
                   headers=h).json()
    (g,) = s["branches"]
    assert sorted(g["records"]) == sorted(posted)
    accrued, spent, pooled_sum = Decimal("100000.00"), Decimal("18000.00"), Decimal("35000.00")
    assert (g["accrued"], g["spent"], g["pooled"], g["balance"]) == (
        f"{accrued:f}", f"{spent:f}", f"{pooled_sum:f}", f"{accrued - spent:f}")
    (floor,) = g["floors"]  # 山东 7.2: pooled ≥ 30 % of the fee
    assert floor["clause"] == "山东 7.2" and floor["required"] == "30000.00" and floor["met"]
    whole = client.get("/v1/fees/summary", params={"year": 2026, "profile": "shandong"},
                       headers=h).json()
    (ins,) = whole["insurers"]
    assert ins["accrued"] == "120000.00" and ins["floors"][0]["required"] == "36000.00"
    assert not ins["floors"][0]["met"]  # 35,000 pooled of 120,000
    assert len(whole["branches"]) == 2
    assert client.get("/v1/fees/summary", params={"year": 2025}, headers=h).json()[
        "branches"] == []


def test_bad_fee_entries_get_every_problem_at_once(service: tuple[TestClient, Any]) -> None:
    client, ctx = service
    h = auth(ctx)
    r = client.post("/v1/fees", json={"profile": "shandong", **BASE, "kind": "expenditure",
                                      "amount": "-5.00", "records": ["AZX-26RPT-00000-00000-0"]},
                    headers=h)
    assert r.status_code == 422
    rules = {(p["path"], p["rule"]) for p in r.json()["problems"]}
    assert ("amount", "negative_without_correction") in rules
    assert ("records[0]", "unknown_record") in rules
    assert all(p["message_zh"] and p["message_en"] for p in r.json()["problems"])
    r = client.post("/v1/fees", json={"profile": "shandong", **BASE, "kind": "accrual",
                                      "premium": "1000.00", "share_percent": "20",
                                      "amount": "201.00"}, headers=h)
    assert r.status_code == 422 and "accrual_amount" in r.text
    r = client.post("/v1/fees", json={"profile": "shandong", **BASE, "kind": "accrual",
                                      "premium": "1000.00"}, headers=h)  # no share in Shandong
    assert r.status_code == 422 and "accrual_share" in r.text
    r = client.post("/v1/fees", json={"profile": "shandong", **BASE, "kind": "expenditure",
                                      "amount": "10.00"}, headers=h)
    assert r.status_code == 422 and "expenditure_unlinked" in r.text
    r = client.post("/v1/fees", json={"profile": "chengdu", **BASE, "kind": "pooling",
                                      "amount": "10.00", "surprise": 1}, headers=h)
    assert r.status_code == 422
    assert {p["path"] for p in r.json()["problems"]} >= {"profile", "surprise"}
    for bad in ([], "x", {"profile": "shandong"}, {"profile": "wenzhou", **BASE,
                                                    "kind": "accrual", "premium": "1e400"}):
        assert client.post("/v1/fees", json=bad, headers=h).status_code == 422


def test_fee_ledger_roles_and_tenants(service: tuple[TestClient, Any]) -> None:
    client, ctx = service
    body = {"profile": "shandong", **BASE, "kind": "pooling", "amount": "10.00"}
    assert client.post("/v1/fees", json=body).status_code == 401
    for role in ("technician", "auditor"):
        assert client.post("/v1/fees", json=body, headers=auth(ctx, role=role)).status_code == 403
    regulator = {"Authorization": "Bearer " + create_key(ctx.engine, "监管", "regulator",
                                                         regions=["济南市"])}
    assert client.post("/v1/fees", json=body, headers=regulator).status_code == 403
    assert client.get("/v1/fees/summary", params={"year": 2026},
                      headers=regulator).status_code == 403
    assert client.get("/v1/fees/summary", params={"year": 2026},
                      headers=auth(ctx, role="auditor")).status_code == 200
    s = client.get("/v1/fees/summary", params={"year": 2026},
                   headers=auth(ctx, "别的公司")).json()
    assert s["branches"] == [] and s["insurers"] == []


def test_the_same_fee_entry_with_the_same_key_is_archived_once(
        service: tuple[TestClient, Any]) -> None:
    client, ctx = service
    h = {**auth(ctx, "幂等测试"), "Idempotency-Key": "fee-0001"}
    body = {"profile": "shandong", **BASE, "kind": "pooling", "amount": "12.00"}
    a = client.post("/v1/fees", json=body, headers=h)
    b = client.post("/v1/fees", json=body, headers=h)
    assert a.status_code == b.status_code == 201
    assert a.json()["record"]["id"] == b.json()["record"]["id"]
    s = client.get("/v1/fees/summary", params={"year": 2026}, headers=h).json()
    assert s["insurers"][0]["pooled"] == "12.00"
    c = client.post("/v1/fees", json={**body, "amount": "13.00"}, headers=h)
    assert c.status_code == 409


def test_a_fee_entry_archived_as_a_document_counts_too(service: tuple[TestClient, Any]) -> None:
    client, ctx = service
    h = auth(ctx, "文书记账")
    archive_on(client, ctx, h, example("fee_entry-wenzhou"), "2026-05-08")
    s = client.get("/v1/fees/summary", params={"year": 2026}, headers=h).json()
    assert s["insurers"][0]["accrued"] == "29750.00" and not s["incomplete"]


# -- sampling -----------------------------------------------------------------------------------

POLICY_RATES = [(Decimal(0), 10), (Decimal(5000), 10), (Decimal(15000), 20),
                (Decimal(30000), 20), (Decimal(100000), 40), (Decimal(300000), 40)]


def expected_draw(seed: str, units: list[tuple[str, Decimal]],
                  bands: list[tuple[Decimal, int]]) -> set[str]:
    """山东 8.1 b/c redone from the rule printed on the form, without the service's code."""
    out: set[str] = set()
    for i, (low, rate) in enumerate(bands):
        high = bands[i + 1][0] if i + 1 < len(bands) else None
        members = [u for u, a in units if a >= low and (high is None or a < high)]
        members.sort(key=lambda u: hashlib.sha256(f"{seed}|{u}".encode()).hexdigest())
        out |= set(members[:math.ceil(len(members) * rate / 100)])
    return out


def test_post_policy_sampling_is_reproducible_and_archived(
        service: tuple[TestClient, Any], scenario: dict[str, Any]) -> None:
    client, ctx = service
    h = auth(ctx)
    r = client.post("/v1/samplings", json={"kind": "post_policy", "period": "2026-06"},
                    headers=h)
    assert r.status_code == 201, r.text
    out = r.json()
    seed = hashlib.sha256(f"azx-sampling/1|{TENANT}||post_policy|2026-06".encode()).hexdigest()
    assert out["seed"] == seed and out["population"] == len(JUNE)
    want = expected_draw(seed, [(n, Decimal(p)) for n, p in JUNE], POLICY_RATES)
    assert set(out["drawn"]) == want
    by_band = {b["band"]: b for b in out["bands"]}
    # 3200, 4800 → band 1 (2, draw 1); 9600, 12000, 7500, 14999.99 → band 2 (4, ⌈0.4⌉ = 1)
    assert (by_band[1]["population"], by_band[1]["required"]) == (2, 1)
    assert (by_band[2]["population"], by_band[2]["required"]) == (4, 1)
    assert (by_band[3]["population"], by_band[3]["required"]) == (3, 1)  # 15000 included
    assert all(len(b["drawn"]) == b["required"] for b in out["bands"])
    rec = out["record"]
    assert rec["id"].startswith("AZX-26SMP-") and rec["status"] == "archived"
    src = client.get(f"/v1/documents/{rec['id']}.json", headers=h).json()["data"]
    assert {u["id"] for u in src["population"]} == {n for n, _ in JUNE}
    assert {u["id"] for u in src["population"] if u["drawn"]} == want
    again = client.post("/v1/samplings", json={"kind": "post_policy", "period": "2026-06"},
                        headers=h).json()
    assert again["record"]["id"] == rec["id"] and again["drawn"] == out["drawn"]
    # a branch is its own population and seed
    other = client.post("/v1/samplings", json={"kind": "post_policy", "period": "2026-06",
                                               "branch": "青岛市分公司"}, headers=h).json()
    assert other["population"] == 0 and other["drawn"] == []


def test_post_claim_sampling_by_total_paid(service: tuple[TestClient, Any]) -> None:
    client, ctx = service
    h = auth(ctx)
    claims = [{"claim_no": f"CLM{i:03d}", "policy_no": f"P{i}", "total_paid": paid}
              for i, paid in enumerate(["9999.99", "10000.00", "20000.00", "35000.00",
                                        "120000.00", "480000.00", "600000.00", "1500000.00"])]
    r = client.post("/v1/samplings", json={"kind": "post_claim", "period": "2026Q2",
                                           "claims": claims}, headers=h)
    assert r.status_code == 201, r.text
    out = r.json()
    seed = hashlib.sha256(f"azx-sampling/1|{TENANT}||post_claim|2026Q2".encode()).hexdigest()
    units = [(c["claim_no"], Decimal(c["total_paid"])) for c in claims]
    want = expected_draw(seed, [u for u in units if u[1] >= 10000],
                         [(Decimal(10000), 10), (Decimal(100000), 30), (Decimal(500000), 100),
                          (Decimal(1000000), 100)])
    assert set(out["drawn"]) == want
    assert {"CLM006", "CLM007"} <= want and "CLM000" not in want  # ≥ 50万 all; < 1万 none
    assert out["record"]["id"].startswith("AZX-26SMP-")


@pytest.mark.parametrize("body", [
    {"kind": "post_policy", "period": "2026Q2"},
    {"kind": "post_claim", "period": "2026-06"},
    {"kind": "post_policy", "period": "2026-13"},
    {"kind": "post_policy", "period": "1900-01"},
    {"kind": "post_policy", "period": "2026-06", "claims": [{"claim_no": "C",
                                                             "total_paid": "1.00"}]},
    {"kind": "post_claim", "period": "2026Q1", "claims": [{"claim_no": "C",
                                                           "total_paid": "-1"}]},
    {"kind": "post_claim", "period": "2026Q1", "claims": [
        {"claim_no": "C", "total_paid": "20000"}, {"claim_no": "C", "total_paid": "20000"}]},
    {"kind": "x"}, [], {},
])
def test_bad_sampling_questions_are_422(service: tuple[TestClient, Any], body: Any) -> None:
    client, ctx = service
    r = client.post("/v1/samplings", json=body, headers=auth(ctx))
    assert r.status_code == 422, r.text
    assert all(p["message_zh"] and p["message_en"] for p in r.json()["problems"])


def test_a_forged_draw_cannot_be_archived(service: tuple[TestClient, Any]) -> None:
    client, ctx = service
    body = example("sampling-shandong")
    body["data"]["population"][0]["drawn"] = not body["data"]["population"][0]["drawn"]
    r = client.post("/v1/documents", json=body, headers=auth(ctx))
    assert r.status_code == 422 and "sampling_draw" in r.text
    body = example("sampling-shandong")
    body["data"]["seed"] = "0" * 64
    r = client.post("/v1/documents", json=body, headers=auth(ctx))
    assert r.status_code == 422 and "sampling_seed" in r.text


# -- coverage -----------------------------------------------------------------------------------


def test_coverage_figures_name_their_policies(service: tuple[TestClient, Any],
                                              scenario: dict[str, Any]) -> None:
    client, ctx = service
    h = auth(ctx)
    r = client.get("/v1/metrics/coverage", params={"as_of": "2026-07-15", "quarter": "2026Q2"},
                   headers=h)
    assert r.status_code == 200, r.text
    out = r.json()
    rt = out["realtime"]
    # in force on 15 July: the two 2026 policies; only 030001 has a service
    assert (rt["covered"], rt["not_covered"]) == (["PZAS202637010000030001"],
                                                  ["PZAS202637010000030002"])
    assert (rt["numerator"], rt["denominator"], rt["rate_percent"]) == (1, 2, "50.00")
    q = out["quarterly"]
    # ended in Q2: the twelve June policies; the required visits are done for the first only
    # (premium 3,200 < 1.5万: one service a year, 山东 第5章)
    assert q["covered"] == [JUNE[0][0]]
    assert sorted(q["covered"] + q["not_covered"]) == sorted(n for n, _ in JUNE)
    assert q["rate_percent"] == f"{Decimal(100) / 12:.2f}"
    groups = {g["branch"]: g for g in out["groups"]}
    assert groups["青岛市分公司"]["realtime"]["not_covered"] == ["PZAS202637010000030002"]
    assert groups["济南市分公司"]["realtime"]["covered"] == ["PZAS202637010000030001"]
    by_region = client.get("/v1/metrics/coverage", params={
        "as_of": "2026-07-15", "group_by": "region", "region": "青岛市"}, headers=h).json()
    assert [g["region"] for g in by_region["groups"]] == ["青岛市"]
    assert client.get("/v1/metrics/coverage", params={"quarter": "2026-06"},
                      headers=h).status_code == 422
    assert client.get("/v1/metrics/coverage").status_code == 401
    empty = client.get("/v1/metrics/coverage", params={"as_of": "2026-07-15"},
                       headers=auth(ctx, "别的公司")).json()
    assert empty["realtime"]["denominator"] == 0 and empty["realtime"]["rate_percent"] is None


# -- the annual evaluation (山东 附件6) computed from the archive --------------------------------


def test_the_shandong_evaluation_is_computed_from_the_archive_and_names_its_records(
        service: tuple[TestClient, Any], scenario: dict[str, Any]) -> None:
    client, ctx = service
    h = auth(ctx)
    served = "PZAS202637010000030001"
    cb = example("callback-shandong")
    cb["data"]["policy"]["policy_no"] = served
    cb["data"]["service_time"] = "2026-03-10"
    callback_id = archive_on(client, ctx, h, cb, "2026-03-20")["id"]
    cm = example("complaint-shandong")
    cm["data"]["policy_no"] = served
    complaint_id = archive_on(client, ctx, h, cm, "2026-11-10")["id"]
    body = {"profile": "shandong", "year": 2026, "insurer": "中国人民财产保险股份有限公司济南市分公司",
            "date": "2027-01-15", "experience": "培训与排查结合。",
            "next_plan": [{"target": "全部在保企业", "content": "隐患排查", "budget": "300000.00"}],
            "responsible": "王晓明"}
    r = client.post("/v1/evaluations", json=body, headers=h)
    assert r.status_code == 201, r.text
    out = r.json()
    ev = out["evaluation"]
    assert not out["incomplete"]
    # every figure recomputed from what this module archived
    report = example("report-shandong")["data"]
    rows = {row["insured"]: row for row in ev["work_list"]}
    assert len(ev["work_list"]) == len(JUNE) + 2  # every Shandong policy in force in 2026
    row = rows["投保单位001"]
    assert row["services"].startswith("现场服务 1 次") and row["services"].endswith("回访 1 次")
    assert row["hazard_count"] == len(report["hazards"])
    assert row["major_hazard"] == ("是" if any(x["grade"] == "重大事故隐患"
                                               for x in report["hazards"]) else "否")
    assert row["staff"] == "、".join(t["name"] for t in report["technicians"])
    assert "已完成 1 次" in row["handling"]
    june = rows[f"投保单位{JUNE[0][0][-3:]}"]
    assert june["hazard_count"] == 0  # its report was in 2025
    assert "回访 1 次" in ev["analysis"]["satisfaction"] and "非常满意 1 次" in \
        ev["analysis"]["satisfaction"]
    assert ev["analysis"]["complaints"].startswith("受理投诉 1 件，已答复 1 件")
    assert ev["analysis"]["experience"] == "培训与排查结合。"
    fees = client.get("/v1/fees/summary", params={"year": 2026, "profile": "shandong"},
                      headers=h).json()
    assert ev["funds"] == {"accrued": sum_of(fees, "accrued"), "spent": sum_of(fees, "spent")}
    fee_ids = {rid for b in fees["branches"] for rid in b["records"]}
    assert {s["id"] for s in ev["sources"]} == {scenario["report"], callback_id, complaint_id,
                                                *fee_ids}
    for s in ev["sources"]:
        assert client.get(f"/v1/documents/{s['id']}", headers=h).json()[
            "content_sha256"] == s["sha256"]
    rec = out["record"]
    assert rec["id"].startswith("AZX-26EVA-") and rec["type"] == "annual_evaluation"
    archived = client.get(f"/v1/documents/{rec['id']}.json", headers=h).json()["data"]
    assert archived["sources"] == ev["sources"] and archived["work_list"] == ev["work_list"]
    assert client.get(f"/v1/documents/{rec['id']}.pdf", headers=h).status_code == 200
    again = client.post("/v1/evaluations", json=body, headers=h)
    assert again.json()["record"]["id"] == rec["id"]


def sum_of(summary: dict[str, Any], key: str) -> str:
    return f"{sum(Decimal(i[key]) for i in summary['insurers']):.2f}"


@pytest.mark.parametrize("body", [
    {"profile": "national", "year": 2026, "insurer": "x"},
    {"profile": "chengdu", "year": 2026, "insurer": "x", "findings": {"records_7d": {}}},
    {"profile": "chengdu", "year": 2026, "insurer": "x", "findings": {"nope": {}}},
    {"profile": "wenzhou", "year": 2026, "insurer": "x", "provider": "y", "half": "上半年"},
    {"profile": "shandong", "year": 2026, "insurer": "x", "date": "2025-12-31"},
    {"profile": "shandong", "year": 1999, "insurer": "x"},
    {"profile": "shandong", "year": 2026, "insurer": "x", "sources": []},
    {"profile": "shandong", "year": 2026, "insurer": "x", "pooled_by_broker": True},
    [], {},
])
def test_bad_evaluation_requests_are_422(service: tuple[TestClient, Any], body: Any) -> None:
    client, ctx = service
    r = client.post("/v1/evaluations", json=body, headers=auth(ctx, "评估422"))
    assert r.status_code == 422, r.text


def test_evaluations_are_for_the_insurer(service: tuple[TestClient, Any]) -> None:
    client, ctx = service
    body = {"profile": "shandong", "year": 2026, "insurer": "x", "date": "2027-01-05"}
    assert client.post("/v1/evaluations", json=body).status_code == 401
    r = client.post("/v1/evaluations", json=body, headers=auth(ctx, role="technician"))
    assert r.status_code == 403
    empty = client.post("/v1/evaluations", json=body, headers=auth(ctx, "空的公司"))
    assert empty.status_code == 201, empty.text
    ev = empty.json()["evaluation"]
    assert ev["work_list"] == [] and ev["sources"] == []
    assert ev["funds"] == {"accrued": "0.00", "spent": "0.00"}
