"""Policies, their obligations and the working-day calendar through the API, on SQLite and on
PostgreSQL, with records archived through the embedded SeaweedFS: services, callbacks and a
complaint matched by policy and date; due-soon / overdue webhooks sent once; ``azx obligations``.

The archive's clock is set per document, so that a record is filed on the day the scenario says.
"""

from __future__ import annotations

import copy
import datetime as dt
import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from storage.tables import obligation_events, webhook_deliveries
from tests.service_app import archive_on, example, key_headers
from tests.webhook_receiver import Receiver

pytestmark = pytest.mark.s3

POLICY = "PZAS202637010000099001"
TENANT = "人保济南"
SERVICE_ENV = {"AZX_WEBHOOK_ALLOW_HOSTS": '["127.0.0.1"]'}


def auth(ctx: Any, tenant: str = TENANT, role: str = "insurer") -> dict[str, str]:
    return key_headers(ctx, tenant, role)


def report(visit: str) -> dict[str, Any]:
    body = example("report-shandong")
    body["data"]["policy"]["policy_no"] = POLICY
    body["data"]["visit"] = {"date": visit}
    return body


def callback(at: str, served: str) -> dict[str, Any]:
    body = example("callback-shandong")
    body["data"]["policy"]["policy_no"] = POLICY
    body["data"]["callback_time"] = at
    body["data"]["service_time"] = served
    return body


TERMS = {"policy_no": POLICY, "profile": "shandong", "insured": "济南鲁通物流集团有限公司",
         "premium": "128000.00", "period_start": "2026-01-01", "period_end": "2026-12-31",
         "industry": "道路运输", "high_risk_industry": "交通运输"}


@pytest.fixture(scope="module")
def scenario(service: tuple[TestClient, Any]) -> dict[str, Any]:
    """A Shandong policy of 128,000 with two visits, one callback and an answered complaint."""
    client, ctx = service
    h = auth(ctx)
    assert client.post("/v1/policies", json=TERMS, headers=h).status_code == 201
    ids: dict[str, Any] = {}
    # Thu Feb 12 visit; report due Thu Feb 26 (Sat Feb 14 works, 春节 Feb 15–23)
    ids["report_a"] = archive_on(client, ctx, h, report("2026-02-12"), "2026-02-26")["id"]
    ids["callback_a"] = archive_on(client, ctx, h, callback("2026-03-02", "2026-02-12"),
                                   "2026-03-02")["id"]
    # Fri Sep 18 visit; report due Thu Sep 24, filed Mon Oct 12: 7 working days late
    ids["report_b"] = archive_on(client, ctx, h, report("2026-09-18"), "2026-10-12")["id"]
    # a complaint received Thu Sep 24 needing verification, answered later as a new version
    complaint = example("complaint-shandong")
    complaint["data"]["policy_no"] = POLICY
    first = copy.deepcopy(complaint)
    for k in ("answer", "answered_at", "extension"):
        first["data"].pop(k)
    ids["complaint_1"] = archive_on(client, ctx, h, first, "2026-09-24")["id"]
    complaint["supersedes"] = ids["complaint_1"]
    ids["complaint_2"] = archive_on(client, ctx, h, complaint, "2026-11-10")["id"]
    return ids


def by_key(answer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {o["key"]: o for o in answer["obligations"]}


# -- the calendar ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("params", "answer"), [
    ({"date": "2026-02-13", "days": 1}, {"date": "2026-02-14", "estimated": False}),
    ({"date": "2026-09-30", "days": 7}, {"date": "2026-10-15", "estimated": False}),
    ({"date": "2026-12-24", "days": 10}, {"date": "2027-01-07", "estimated": True}),
])
def test_add_working_days(service: tuple[TestClient, Any], params: dict[str, Any],
                          answer: dict[str, Any]) -> None:
    client, ctx = service
    r = client.get("/v1/calendar/add-working-days", params=params, headers=auth(ctx))
    assert (r.status_code, r.json()) == (200, answer)


def test_count_working_days(service: tuple[TestClient, Any]) -> None:
    client, ctx = service
    r = client.get("/v1/calendar/working-days", params={"from": "2026-02-13", "to": "2026-02-28"},
                   headers=auth(ctx))
    assert (r.status_code, r.json()) == (200, {"days": 6, "estimated": False})


@pytest.mark.parametrize(("path", "params"), [
    ("add-working-days", {"date": "2026-02-13", "days": -1}),
    ("add-working-days", {"date": "2026-02-30", "days": 1}),
    ("add-working-days", {"date": "9999-12-30", "days": 5}),
    ("add-working-days", {"date": "2026-02-13"}),
    ("working-days", {"from": "0001-01-01", "to": "9999-12-31"}),
    ("working-days", {"from": "2026-01-01", "to": "x"}),
])
def test_bad_calendar_questions_are_422_never_5xx(service: tuple[TestClient, Any], path: str,
                                                  params: dict[str, Any]) -> None:
    client, ctx = service
    r = client.get(f"/v1/calendar/{path}", params=params, headers=auth(ctx))
    assert r.status_code == 422, r.text
    assert all(p["message_zh"] and p["message_en"] for p in r.json()["problems"])


def test_the_calendar_needs_a_key(service: tuple[TestClient, Any]) -> None:
    client, _ = service
    r = client.get("/v1/calendar/working-days", params={"from": "2026-01-01", "to": "2026-01-09"})
    assert r.status_code == 401


# -- policies -------------------------------------------------------------------------------------


def test_a_policy_is_registered_once_per_tenant(service: tuple[TestClient, Any]) -> None:
    client, ctx = service
    h = auth(ctx, "平安温州")
    terms = TERMS | {"policy_no": "WZ-1", "profile": "wenzhou", "premium": "65000"}
    r = client.post("/v1/policies", json=terms, headers=h)
    assert r.status_code == 201 and r.headers["location"] == "/v1/policies/WZ-1"
    assert client.post("/v1/policies", json=terms, headers=h).status_code == 200  # the same
    r = client.post("/v1/policies", json=terms | {"premium": "70000"}, headers=h)
    assert r.status_code == 409 and r.json()["message_zh"]
    # another tenant may use the same number
    assert client.post("/v1/policies", json=terms, headers=auth(ctx, "人保温州")).status_code == 201


def test_a_policy_number_in_any_script_has_a_working_link(service: tuple[TestClient, Any]) -> None:
    """The Location header is ASCII: the number is percent-encoded, and the link finds it."""
    client, ctx = service
    h = auth(ctx, "编号测试")
    later = {"period_start": "2031-01-01", "period_end": "2031-12-31"}  # nothing due in the scans
    for no in ("温保Ā 1号", "P?1#2%3"):
        r = client.post("/v1/policies", json=TERMS | later | {"policy_no": no}, headers=h)
        assert r.status_code == 201, r.text
        location = r.headers["location"]
        assert location.isascii() and location == r.json()["links"]["self"]
        got = client.get(location, headers=h)
        assert got.status_code == 200 and got.json()["policy_no"] == no
        assert client.get(r.json()["links"]["obligations"], headers=h).status_code == 200
    r = client.post("/v1/policies", json=TERMS | {"policy_no": "A/1"}, headers=h)
    assert r.status_code == 422
    assert [(p["path"], p["rule"]) for p in r.json()["problems"]] == [("policy_no",
                                                                       "identifier_slash")]


def test_a_bad_policy_is_422_with_every_problem_in_both_languages(
        service: tuple[TestClient, Any]) -> None:
    client, ctx = service
    bad = TERMS | {"policy_no": "", "profile": "beijing", "premium": "-1", "standard": "GB 1"}
    r = client.post("/v1/policies", json=bad, headers=auth(ctx))
    assert r.status_code == 422
    paths = {p["path"] for p in r.json()["problems"]}
    assert {"policy_no", "profile", "premium", "standard"} <= paths
    assert all(p["message_zh"] and p["message_en"] for p in r.json()["problems"])
    r = client.post("/v1/policies", json=TERMS | {"policy_no": "X", "standard": "AQ 9010-2019"},
                    headers=auth(ctx))
    assert [p["rule"] for p in r.json()["problems"]] == ["standard_not_national"]
    for body in ([], "x", {"policy_no": {"a": 1}}, None):
        assert client.post("/v1/policies", json=body, headers=auth(ctx)).status_code == 422


def test_roles_and_tenants(service: tuple[TestClient, Any], scenario: dict[str, Any]) -> None:
    client, ctx = service
    auditor = auth(ctx, TENANT, "auditor")
    assert client.post("/v1/policies", json=TERMS | {"policy_no": "A-1"},
                       headers=auditor).status_code == 403
    assert client.get(f"/v1/policies/{POLICY}", headers=auditor).status_code == 200
    other = auth(ctx, "平安成都")
    for path in (f"/v1/policies/{POLICY}", f"/v1/policies/{POLICY}/obligations"):
        assert client.get(path, headers=other).status_code == 404
    assert client.get("/v1/obligations", headers=other).json()["total"] == 0


def test_the_documents_that_name_a_policy_link_to_it(service: tuple[TestClient, Any],
                                                     scenario: dict[str, Any]) -> None:
    client, ctx = service
    p = client.get(f"/v1/policies/{POLICY}", headers=auth(ctx)).json()
    assert p["documents"]["total"] == 5
    assert {d["id"] for d in p["documents"]["recent"]} == set(scenario.values())
    assert p["links"]["obligations"] == f"/v1/policies/{POLICY}/obligations"


# -- obligations ----------------------------------------------------------------------------------


def test_the_policy_obligations_as_the_standards_give_them(
        service: tuple[TestClient, Any], scenario: dict[str, Any]) -> None:
    client, ctx = service
    r = client.get(f"/v1/policies/{POLICY}/obligations", params={"as_of": "2026-10-12"},
                   headers=auth(ctx))
    assert r.status_code == 200, r.text
    answer = r.json()
    got = by_key(answer)
    a, b = scenario["report_a"], scenario["report_b"]
    assert got["visits:period"] | {} == got["visits:period"]
    assert (got["visits:period"]["state"], got["visits:period"]["count_done"]) == ("done", 2)
    assert (got["first_visit"]["state"], got["first_visit"]["due"]) == ("done", "2026-03-31")
    assert (got[f"report:{a}"]["state"], got[f"report:{a}"]["due"]) == ("done", "2026-02-26")
    assert got[f"callback:{a}"]["state"] == "done"
    assert got[f"callback:{a}"]["records"] == [scenario["callback_a"]]
    assert got[f"archive:{a}"]["records"] == [a, scenario["callback_a"]]
    late = got[f"report:{b}"]
    assert (late["state"], late["due"], late["working_days_over"]) == ("done_late", "2026-09-24", 7)
    missing = got[f"callback:{b}"]
    assert (missing["clause"], missing["state"], missing["due"], missing["working_days_over"]) == (
        "山东 6.3", "overdue", "2026-10-09", 2)  # Sat Oct 10 (调休) and Mon Oct 12
    complaint = got[f"complaint:{scenario['complaint_1']}"]
    assert (complaint["clause"], complaint["state"], complaint["due"]) == (
        "山东 6.4", "done", "2026-11-22")  # 30 working days + 10 days' extension
    assert complaint["records"] == [scenario["complaint_1"], scenario["complaint_2"]]
    assert answer["summary"]["overdue"] == 1 and not answer["estimated"]
    assert all(o["id"].startswith("obl_") for o in answer["obligations"])


def test_the_tenant_list_filters_by_state_and_profile(service: tuple[TestClient, Any],
                                                      scenario: dict[str, Any]) -> None:
    client, ctx = service
    h = auth(ctx)
    overdue = client.get("/v1/obligations", params={"state": "overdue", "as_of": "2026-10-12"},
                         headers=h).json()
    assert [o["kind"] for o in overdue["items"]] == ["callback"]
    soon = client.get("/v1/obligations", params={"state": "due_soon", "as_of": "2026-10-20"},
                      headers=h).json()
    assert [(o["kind"], o["due"]) for o in soon["items"]] == [("archive", "2026-10-22")]
    page = client.get("/v1/obligations", params={"limit": 2, "offset": 1, "as_of": "2026-10-12"},
                      headers=h).json()
    assert page["total"] >= 8 and len(page["items"]) == 2
    assert client.get("/v1/obligations", params={"profile": "chengdu"},
                      headers=h).json()["total"] == 0
    assert client.get("/v1/obligations", params={"state": "late"}, headers=h).status_code == 422


def test_due_soon_and_overdue_webhooks_are_sent_once_per_obligation_and_state(
        service: tuple[TestClient, Any], scenario: dict[str, Any]) -> None:
    client, ctx = service
    h = auth(ctx)
    receiver = Receiver()
    try:
        assert client.post("/v1/webhooks", json={"url": receiver.url()}, headers=h).status_code == 201
        jobs = ctx.jobs
        scan = jobs.obligations.scan
        assert scan(jobs.webhooks.emit, jobs.webhooks.send, as_of=dt.date(2026, 10, 20)) == 2
        assert scan(jobs.webhooks.emit, jobs.webhooks.send, as_of=dt.date(2026, 10, 20)) == 0
        # two days later the due-soon archive deadline has passed: overdue, sent once more
        assert scan(jobs.webhooks.emit, jobs.webhooks.send, as_of=dt.date(2026, 10, 23)) == 1
        assert scan(jobs.webhooks.emit, jobs.webhooks.send, as_of=dt.date(2026, 10, 26)) == 0
        with ctx.engine.connect() as conn:
            sent = sorted((r.state, r.kind) for r in conn.execute(
                select(obligation_events).where(obligation_events.c.tenant == TENANT)))
            events = sorted(r.event for r in conn.execute(
                select(webhook_deliveries.c.event).where(webhook_deliveries.c.tenant == TENANT)))
        assert sent == [("due_soon", "archive"), ("overdue", "archive"), ("overdue", "callback")]
        assert events == ["obligation.due_soon", "obligation.overdue", "obligation.overdue"]
        deadline = dt.datetime.now() + dt.timedelta(seconds=30)
        while len(receiver.bodies) < 3 and dt.datetime.now() < deadline:
            threading.Event().wait(0.1)
        types = sorted(b["type"] for b in receiver.bodies)
        assert types == ["obligation.due_soon", "obligation.overdue", "obligation.overdue"]
        body = next(b for b in receiver.bodies if b["data"]["kind"] == "callback")
        assert (body["data"]["policy_no"], body["data"]["clause"]) == (POLICY, "山东 6.3")
    finally:
        receiver.close()


def test_a_complaint_extension_the_profile_does_not_allow_is_refused(
        service: tuple[TestClient, Any]) -> None:
    client, ctx = service
    body = example("complaint-chengdu")
    body["data"]["extension"] = {"days": 10, "reason": "情况复杂"}
    r = client.post("/v1/documents", json=body, headers=auth(ctx))
    assert r.status_code == 422
    assert [(p["path"], p["rule"]) for p in r.json()["problems"]] == [
        ("data.extension", "extra_forbidden")]  # 成都 5.4.2.1 knows no extension


def test_azx_obligations_prints_the_table(service: tuple[TestClient, Any],
                                          scenario: dict[str, Any],
                                          monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    import cli.obligations as cli

    client, ctx = service
    h = auth(ctx)

    def get(base: str, path: str, key: str) -> tuple[int, Any]:
        r = client.get(path, headers=h)
        return r.status_code, r.json()

    monkeypatch.setattr(cli, "_get", get)
    from cli.main import main

    assert main(["obligations", POLICY, "--as-of", "2026-10-12", "--key", "k"]) == 1  # overdue
    out = capsys.readouterr().out
    assert f"保单 {POLICY}" in out and "山东 6.3" in out and "已逾期（已逾 2 个工作日）" in out
    assert main(["obligations", "--state", "due_soon", "--as-of", "2026-10-20", "--key", "k",
                 "--markdown"]) == 0
    out = capsys.readouterr().out
    assert "| 保单号 | 义务 |" in out and "即将到期" in out
    assert main(["obligations", "NO-SUCH", "--key", "k"]) == 2
