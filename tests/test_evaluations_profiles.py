"""POST /v1/evaluations for 成都 附录E and 温州 第二十三–二十五条 (issue 15 point 4), on SQLite and
PostgreSQL with the embedded SeaweedFS: what the archive proves is computed (each figure recomputed
here from the insurer's own obligations view and the records), the rest is left to a person and
said so; the record names every record it used with its hash."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from domain.scoring import APPENDIX_E
from tests.service_app import archive_on, example, key_headers

pytestmark = pytest.mark.s3

CHENGDU_CLAUSES = {"成都 5.3.3": "records_7d", "成都 5.3.4.1": "callback",
                   "成都 5.3.4.2": "archive", "成都 5.4.2.1": "complaint_handling"}


def auth(ctx: Any, tenant: str) -> dict[str, str]:
    return key_headers(ctx, tenant)


def obligations(client: TestClient, h: dict[str, str], no: str,
                as_of: str | None = None) -> list[dict[str, Any]]:
    r = client.get(f"/v1/policies/{no}/obligations", headers=h,
                   params={"as_of": as_of} if as_of else {})
    assert r.status_code == 200, r.text
    return r.json()["obligations"]  # type: ignore[no-any-return]


def check_sources(client: TestClient, h: dict[str, str], sources: list[dict[str, Any]],
                  expected: set[str]) -> None:
    assert {s["id"] for s in sources} == expected
    for s in sources:
        assert client.get(f"/v1/documents/{s['id']}", headers=h).json()[
            "content_sha256"] == s["sha256"]


def test_chengdu_appendix_e_is_prescored_from_the_archive(
        service: tuple[TestClient, Any]) -> None:
    client, ctx = service
    h = auth(ctx, "平安成都评估")
    no = "PZAS202651010000007788"
    r = client.post("/v1/policies", headers=h, json={
        "policy_no": no, "profile": "chengdu", "insured": "成都蜀川精密机械有限公司",
        "premium": "30000", "period_start": "2026-01-01", "period_end": "2026-12-31"})
    assert r.status_code == 201, r.text
    t10 = example("chengdu_table_10-chengdu")
    archive_on(client, ctx, h, t10, "2026-04-30")  # 成都 5.3.3: 7 working days → late
    cb = example("callback-chengdu")
    cb["data"]["policy"]["policy_no"] = no
    archive_on(client, ctx, h, cb, "2026-05-08")
    person = {"mgmt_staff": {"failed": True}, "team": {"deduction": "1.0", "note": "人员不足"}}
    r = client.post("/v1/evaluations", headers=h, json={
        "profile": "chengdu", "year": 2026, "insurer": "平安财险成都分公司",
        "date": "2026-12-20", "findings": person})
    assert r.status_code == 201, r.text
    out = r.json()
    ev = out["evaluation"]
    # recompute each archive-decided indicator from the insurer's own obligations view
    items = [o for o in obligations(client, h, no)
             if o["clause"] in CHENGDU_CLAUSES and o["state"] != "not_applicable"
             and "2026-01-01" <= (o["due"] or "") <= "2026-12-31"]
    for clause, key in CHENGDU_CLAUSES.items():
        late = [o for o in items if o["clause"] == clause and o["state"] in ("done_late", "overdue")]
        assert ev["findings"][key]["cases"] == len(late), (clause, ev["findings"][key])
    assert sum(ev["findings"][k]["cases"] for k in CHENGDU_CLAUSES.values()) >= 1
    assert sorted(out["computed"]) == sorted(CHENGDU_CLAUSES.values())
    assert out["scored_by_person"] == ["mgmt_staff", "team"]
    others = {r.key for r in APPENDIX_E} - set(CHENGDU_CLAUSES.values()) - set(person)
    assert set(out["to_score"]) == others
    assert all("待人工评分" in ev["findings"][k]["note"] for k in others)
    assert "暂计" in ev["summary"]
    # the total follows the Appendix E rules: − 0.5 a case, a failed item 0, a deduction
    rules = {r.key: r for r in APPENDIX_E}
    cases = sum(ev["findings"][k]["cases"] for k in CHENGDU_CLAUSES.values())
    expected = Decimal(100) - Decimal("0.5") * cases - rules["mgmt_staff"].max - Decimal(1)
    assert Decimal(out["totals"]["base"]) == expected and out["totals"]["bonus"] == "0"
    assert out["totals"]["provisional"]
    check_sources(client, h, ev["sources"], {rid for o in items for rid in o["records"]})
    rec = out["record"]
    assert rec["type"] == "annual_evaluation" and rec["profile"] == "chengdu"
    archived = client.get(f"/v1/documents/{rec['id']}.json", headers=h).json()["data"]
    assert archived["sources"] == ev["sources"] and archived["findings"] == ev["findings"]
    pdf = client.get(f"/v1/documents/{rec['id']}.pdf", headers=h)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")


def test_wenzhou_half_year_report_writes_what_the_archive_proves(
        service: tuple[TestClient, Any]) -> None:
    client, ctx = service
    h = auth(ctx, "太保温州评估")
    no = "PZWZ202633030000001234"
    r = client.post("/v1/policies", headers=h, json={
        "policy_no": no, "profile": "wenzhou", "insured": "温州瓯江化工有限公司",
        "premium": "85000.00", "period_start": "2026-01-01", "period_end": "2026-12-31"})
    assert r.status_code == 201, r.text
    report = example("report-shandong")
    report["data"]["policy"]["policy_no"] = no
    report["data"]["visit"] = {"date": "2026-03-10"}
    report_id = archive_on(client, ctx, h, report, "2026-03-12")["id"]
    fee = client.post("/v1/fees", headers=h, json={
        "profile": "wenzhou", "kind": "accrual", "year": 2026, "insurer": "太保温州",
        "date": "2026-02-01", "premium": "85000.00", "policy_no": no})
    assert fee.status_code == 201, fee.text
    scores = {"service": {"score": "20.5", "evidence": "现场服务记录"}, "innovation": {"score": "4"}}
    r = client.post("/v1/evaluations", headers=h, json={
        "profile": "wenzhou", "year": 2026, "half": "上半年", "insurer": "太保温州",
        "provider": "温州安信安全技术服务有限公司", "date": "2026-07-10",
        "capability": "注册安全工程师 3 名。", "problems": "回访不够及时。", "scores": scores})
    assert r.status_code == 201, r.text
    out = r.json()
    ev = out["evaluation"]
    text = ev["implementation"]
    assert text.startswith("【系统补充】以下由档案记录计算：在保保单 1 份。")
    items = [o for o in obligations(client, h, no, "2026-06-30")
             if o["state"] != "not_applicable" and (o.get("window") or o["due"] is None or "2026-01-01" <= o["due"] <= "2026-06-30")]
    visits = [o for o in items if o["kind"] == "visits"]
    assert visits, [(o["kind"], o["clause"], o["due"], o["state"]) for o in items]
    for clause in {o["clause"] for o in visits}:
        mine = [o for o in visits if o["clause"] == clause]
        req = sum(o["count_required"] or 0 for o in mine)
        done = sum(o["count_done"] or 0 for o in mine)
        assert f"现场服务：应开展 {req} 次，已开展 {done} 次（{clause}）。" in text
    # 温州 第六条: 85,000 × 35 % = 29,750.00 accrued, floor met
    assert "计提 29750.00 元" in text and "即 29750.00 元，已达到（温州 第六条）" in text
    assert set(out["to_score"]) == {"fees", "promotion", "effect", "information_system",
                                    "reporting", "satisfaction", "other"}
    used = {rid for o in items for rid in o["records"]} | {fee.json()["record"]["id"]}
    assert report_id in used
    check_sources(client, h, ev["sources"], used)
    archived = client.get(f"/v1/documents/{out['record']['id']}.json", headers=h).json()["data"]
    assert archived["implementation"] == text and archived["scores"]["service"]["score"] == "20.5"
    assert client.get(f"/v1/documents/{out['record']['id']}.pdf", headers=h).status_code == 200
    over = client.post("/v1/evaluations", headers=h, json={
        "profile": "wenzhou", "year": 2026, "half": "下半年", "insurer": "太保温州",
        "provider": "x", "capability": "x", "problems": "x",
        "scores": {"service": {"score": "60"}, "fees": {"score": "50"},
                   "innovation": {"score": "11"}}})
    assert over.status_code == 422  # 第二十五条: 100 + at most 10
    rules = {p["rule"] for p in over.json()["problems"]}
    assert {"score_over_100", "bonus_over_10"} <= rules
