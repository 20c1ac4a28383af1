"""The hazard ledger as a living record (Chengdu 表 9; AQ 9010.1-2025 9.2 a; Chengdu 6.3.2.3).

create → plan → rectify → accept over HTTP; refused transitions are 422 naming the domain rule;
a 重大 hazard past its deadline is listed as overdue with must_report; every change archives a
new version of the 表 9 ledger (runs against the embedded S3 server)."""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from api.main import create_app
from core.settings import Settings
from services.hazards import ledger_key
from services.keys import create_key
from storage.tables import records

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

pytestmark = pytest.mark.s3

INSURED = "成都蜀川精密机械有限公司"


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Any, dict, dict]]:
    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("hazards")))
    with TestClient(app) as client:
        ctx = app.state.ctx
        key = create_key(ctx.engine, "t1", "insurer")
        other = create_key(ctx.engine, "t2", "insurer")
        yield client, ctx, {"Authorization": f"Bearer {key}"}, {"Authorization": f"Bearer {other}"}


def _row(**over: Any) -> dict[str, Any]:
    row = {"found_on": "2026-03-19", "inspectors": "周文斌、黄小军", "category": "作业环境",
           "subcategory": "粉尘防爆", "description": "抛丸除尘系统未设置泄爆装置", "grade": "一般"}
    return row | over


def _create(client: TestClient, auth: dict, policy: str, **over: Any) -> dict[str, Any]:
    r = client.post("/v1/hazards", headers=auth,
                    json={"policy_no": policy, "insured_name": INSURED, "hazard": _row(**over)})
    assert r.status_code == 201, r.text
    return r.json()


def _ledger_records(ctx: Any, tenant: str, policy: str) -> list[dict[str, Any]]:
    """The archived 表 9 ledger versions of ``policy`` (found by their Idempotency-Keys)."""
    prefix = ledger_key(tenant, policy, 0)[:-1]
    with ctx.engine.connect() as conn:
        rows = conn.execute(select(records).where(
            records.c.tenant == tenant, records.c.doc_type == "chengdu_table_9",
            records.c.idempotency_key.startswith(prefix))).mappings().all()
    return [dict(r) for r in rows]


def test_create_plan_rectify_accept_archives_each_version(api):
    client, ctx, auth, _ = api
    policy = "PDAA2026510100000001"
    h = _create(client, auth, policy)
    assert h["status"] == "open" and h["version"] == 1 and h["ledger_version"] == 1
    assert h["hazard"]["inspectors"] == ["周文斌", "黄小军"]
    assert len(_ledger_records(ctx, "t1", policy)) == 1
    hid = h["id"]

    r = client.post(f"/v1/hazards/{hid}/plan", headers=auth, json={
        "measures": "增设泄爆片并停用抛丸工序", "deadline": "2026-05-31", "responsible": "张建华",
        "funds": "85000.00"})
    assert r.status_code == 200, r.text
    assert r.json()["hazard"]["deadline"] == "2026-05-31"
    assert len(_ledger_records(ctx, "t1", policy)) == 2

    r = client.post(f"/v1/hazards/{hid}/rectify", headers=auth,
                    json={"note": "已安装泄爆片 4 处", "on": "2026-05-20"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "rectified" and r.json()["state_zh"] == "已治理待验收"
    assert len(_ledger_records(ctx, "t1", policy)) == 3

    r = client.post(f"/v1/hazards/{hid}/accept", headers=auth,
                    json={"on": "2026-05-25", "acceptors": ["刘海涛"], "remarks": "已闭环"})
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["status"] == "accepted" and done["version"] == 4 and done["ledger_version"] == 4
    recs = _ledger_records(ctx, "t1", policy)
    assert len(recs) == 4
    assert {r["idempotency_key"] for r in recs} == {ledger_key("t1", policy, v) for v in (1, 2, 3, 4)}
    assert all(r["status"] == "archived" and r["insured_name"] == INSURED for r in recs)
    assert done["last_record_id"] == done["ledger_record"]["id"]

    # the last archived version is the 表 9 ledger with the accepted row
    src = client.get(f"/v1/documents/{done['last_record_id']}.json", headers=auth)
    assert src.status_code == 200
    row = src.json()["data"]["rows"][0]
    assert row["accepted_on"] == "2026-05-25" and row["acceptors"] == "刘海涛"
    assert row["remark"].startswith("已验收")
    assert client.get(f"/v1/documents/{done['last_record_id']}.pdf",
                      headers=auth).content.startswith(b"%PDF")

    got = client.get(f"/v1/hazards/{hid}", headers=auth).json()
    assert got["status"] == "accepted" and got["must_report"] is False
    r = client.get("/v1/hazards", headers=auth, params={"state": "accepted", "policy_no": policy})
    assert [i["id"] for i in r.json()["items"]] == [hid]


def test_invalid_transitions_are_422_naming_the_rule(api):
    client, ctx, auth, _ = api
    policy = "PDAA2026510100000002"
    h = _create(client, auth, policy)
    before = len(_ledger_records(ctx, "t1", policy))

    r = client.post(f"/v1/hazards/{h['id']}/accept", headers=auth,
                    json={"on": "2026-04-01", "acceptors": ["刘海涛"]})
    assert r.status_code == 422, r.text
    rules = {p["rule"] for p in r.json()["problems"]}
    assert "hazard.transition.accept_before_rectify" in rules
    assert all(p["message_zh"] and p["message_en"] for p in r.json()["problems"])

    r = client.post(f"/v1/hazards/{h['id']}/rectify", headers=auth, json={"note": " "})
    assert r.status_code == 422
    assert "hazard.rectify.note_required" in {p["rule"] for p in r.json()["problems"]}

    ok = client.post(f"/v1/hazards/{h['id']}/rectify", headers=auth, json={"note": "已整改"})
    assert ok.status_code == 200
    r = client.post(f"/v1/hazards/{h['id']}/plan", headers=auth, json={
        "measures": "x", "deadline": "2026-05-01", "responsible": "张建华"})
    assert r.status_code == 422
    assert "hazard.transition.plan_after_rectify" in {p["rule"] for p in r.json()["problems"]}
    # refused changes archive nothing and leave the version alone
    assert len(_ledger_records(ctx, "t1", policy)) == before + 1
    assert client.get(f"/v1/hazards/{h['id']}", headers=auth).json()["version"] == 2


def test_create_refuses_rectified_columns_and_bad_rows(api):
    client, _, auth, _ = api
    r = client.post("/v1/hazards", headers=auth, json={
        "policy_no": "P3", "insured_name": INSURED, "hazard": _row(rectification="已整改")})
    assert r.status_code == 422
    assert r.json()["problems"][0]["rule"] == "hazard.create.not_open"
    r = client.post("/v1/hazards", headers=auth, json={
        "policy_no": "P3", "insured_name": INSURED, "hazard": _row(found_on=None)})
    assert r.status_code == 422
    assert r.json()["problems"][0]["path"].startswith("hazard.found_on")


def test_major_hazard_past_its_deadline_is_overdue_and_must_be_reported(api):
    client, _, auth, _ = api
    policy = "PDAA2026510100000004"
    past = (dt.date.today() - dt.timedelta(days=10)).isoformat()
    found = (dt.date.today() - dt.timedelta(days=40)).isoformat()
    major = _create(client, auth, policy, grade="重大", found_on=found, deadline=past,
                    measures="停用抛丸工序", responsible="张建华")
    minor = _create(client, auth, policy, grade="一般", found_on=found, deadline=past)
    future = _create(client, auth, policy, grade="重大", found_on=found,
                     deadline=(dt.date.today() + dt.timedelta(days=30)).isoformat())

    r = client.get("/v1/hazards", headers=auth, params={"state": "overdue", "policy_no": policy})
    assert r.status_code == 200, r.text
    items = {i["id"]: i for i in r.json()["items"]}
    assert set(items) == {major["id"], minor["id"]}
    assert items[major["id"]]["must_report"] is True and items[major["id"]]["state"] == "overdue"
    assert items[minor["id"]]["must_report"] is False
    opened = client.get("/v1/hazards", headers=auth, params={"state": "open", "policy_no": policy})
    assert [i["id"] for i in opened.json()["items"]] == [future["id"]]
    # as of a day before the deadline nothing is overdue
    early = client.get("/v1/hazards", headers=auth, params={
        "state": "overdue", "policy_no": policy, "as_of": found})
    assert early.json()["total"] == 0
    # rectified late: no longer overdue, no longer to be reported
    client.post(f"/v1/hazards/{major['id']}/rectify", headers=auth, json={"note": "已整改"})
    r = client.get(f"/v1/hazards/{major['id']}", headers=auth).json()
    assert r["overdue"] is False and r["must_report"] is False


def test_hazards_are_tenant_scoped(api):
    client, _, auth, other = api
    h = _create(client, auth, "PDAA2026510100000005")
    assert client.get(f"/v1/hazards/{h['id']}", headers=other).status_code == 404
    r = client.post(f"/v1/hazards/{h['id']}/rectify", headers=other, json={"note": "x"})
    assert r.status_code == 404
    assert client.get("/v1/hazards", headers=other).json()["total"] == 0
    assert client.get("/v1/hazards").status_code == 401
