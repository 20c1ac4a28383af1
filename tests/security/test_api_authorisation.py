"""OWASP API Security Top 10 items that apply here: object-level authorisation on every route
that takes an ID (API1), no mass assignment (API3/API6), no excessive data exposure (API3).

A record, job, batch, webhook and hazard of tenant A are asked for by tenant B on every route
that names them: always 404, never the object (and never 403, which would confirm it exists).
The list of routes is read from the OpenAPI document, so a new route with an ID cannot be added
without being covered here.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from api.main import create_app
from core.settings import Settings
from services.keys import create_key
from tests.conftest import TestClient

pytestmark = pytest.mark.s3

EXAMPLES = Path(__file__).resolve().parent.parent.parent / "examples"

#: Routes whose ID names something public or a form, not a tenant's object.
NOT_TENANT_OBJECTS = {"/v1/forms/{name}", "/v1/schemas/{doc_type}", "/v1/verify/{record_id}"}


@dataclass
class Objects:
    client: TestClient
    a: dict[str, str]  # tenant A's admin headers (the owner)
    b: dict[str, str]  # tenant B's admin headers (the stranger with every role's rights)
    ids: dict[str, str]


def example(name: str) -> dict[str, Any]:
    return dict(json.loads((EXAMPLES / f"{name}.json").read_text("utf-8")))


@pytest.fixture(scope="module")
def objects(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Objects]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("authz"),
                        webhook_allow_hosts=["127.0.0.1"])
    app = create_app(settings)
    with TestClient(app) as client:
        engine = app.state.ctx.engine
        a = {"Authorization": "Bearer " + create_key(engine, "tenant-a", "admin")}
        b = {"Authorization": "Bearer " + create_key(engine, "tenant-b", "admin")}
        rec = client.post("/v1/documents", json=example("callback-shandong"), headers=a).json()
        job = client.post("/v1/documents?mode=async", json=example("plan-shandong"),
                          headers=a).json()
        batch = client.post("/v1/batches", json=[example("callback-chengdu")], headers=a).json()
        hook = client.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/azx"},
                           headers=a)
        assert hook.status_code == 201, hook.text
        hazard = client.post("/v1/hazards", headers=a, json={
            "policy_no": "P-AUTHZ", "insured_name": "成都蜀川精密机械有限公司", "hazard": {
                "found_on": "2026-03-19", "inspectors": "周文斌", "category": "作业环境",
                "subcategory": "粉尘防爆", "description": "除尘系统未设置泄爆装置",
                "grade": "一般"}}).json()
        policy = client.post("/v1/policies", headers=a, json={
            "policy_no": "P-AUTHZ", "profile": "chengdu", "insured": "成都蜀川精密机械有限公司",
            "premium": "30000", "period_start": "2026-01-01", "period_end": "2026-12-31"})
        assert policy.status_code == 201, policy.text
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # the batch finishes: documents.zip is ready
            if client.get(f"/v1/batches/{batch['id']}", headers=a).json()["status"] == "done":
                break
            time.sleep(0.3)
        yield Objects(client, a, b, {"rid": rec["id"], "name": rec["id"], "job_id": job["id"],
                                     "batch_id": batch["id"], "webhook_id": hook.json()["id"],
                                     "hid": hazard["id"], "policy_no": "P-AUTHZ",
                                     "fmt": "pdf"})


#: method, path template, body — one call per route that names a tenant's object.
CALLS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("get", "/v1/documents/{name}", None),
    ("get", "/v1/documents/{name}.pdf", None),
    ("get", "/v1/documents/{name}.docx", None),
    ("get", "/v1/documents/{name}.json", None),
    ("post", "/v1/documents/{rid}/retention", {"retain_until": "2040-01-01T00:00:00+00:00",
                                               "reason": "理赔"}),
    ("post", "/v1/documents/{rid}/legal-hold", {"on": True, "reason": "理赔争议"}),
    ("get", "/v1/jobs/{job_id}", None),
    ("get", "/v1/batches/{batch_id}", None),
    ("get", "/v1/batches/{batch_id}/results.csv", None),
    ("get", "/v1/batches/{batch_id}/documents.zip", None),
    ("delete", "/v1/webhooks/{webhook_id}", None),
    ("post", "/v1/hazards/{hid}/plan", {"measures": "加装泄爆片", "deadline": "2026-04-30",
                                        "responsible": "王强"}),
    ("post", "/v1/hazards/{hid}/rectify", {"note": "已加装", "on": "2026-04-20"}),
    ("post", "/v1/hazards/{hid}/accept", {"on": "2026-04-25", "acceptors": "周文斌"}),
    ("get", "/v1/hazards/{hid}", None),
    ("get", "/v1/documents/{rid}/archive-contents.{fmt}", None),
    ("get", "/v1/policies/{policy_no}", None),
    ("get", "/v1/policies/{policy_no}/obligations", None),
    ("get", "/v1/documents/{rid}/checks", None),
]


def test_every_route_with_an_id_is_in_the_authorisation_table() -> None:
    paths = create_app(Settings()).openapi()["paths"]
    with_ids = {(method, path) for path, ops in paths.items() if "{" in path
                and path not in NOT_TENANT_OBJECTS for method in ops}
    tested = {(method, path) for method, path, _ in CALLS}
    assert with_ids <= tested, with_ids - tested


@pytest.mark.parametrize(("method", "template", "body"), CALLS,
                         ids=[f"{m} {p}" for m, p, _ in CALLS])
def test_another_tenant_gets_404_on_every_route_naming_an_object(
        objects: Objects, method: str, template: str, body: dict[str, Any] | None) -> None:
    path = template.format(**objects.ids)
    stranger = objects.client.request(method, path, headers=objects.b, json=body)
    assert stranger.status_code == 404, (path, stranger.status_code, stranger.text)
    assert objects.ids["name"] not in stranger.text or "not_found" in stranger.text
    for secret in ("成都蜀川", "济南鲁通", "PZAS", "tenant-a"):
        assert secret not in stranger.text


def test_the_owner_reaches_the_same_objects(objects: Objects) -> None:
    """The 404s above are about the tenant, not broken routes."""
    for method, template, body in CALLS:
        if method == "delete":
            continue
        path = template.format(**objects.ids)
        owner = objects.client.request(method, path, headers=objects.a, json=body)
        assert owner.status_code in (200, 201), (path, owner.status_code, owner.text)


@pytest.mark.parametrize("field", ["tenant", "status", "id", "created_by", "legal_hold",
                                   "retain_until", "key_scope", "archived_at"])
def test_no_mass_assignment_of_what_the_service_decides(objects: Objects, field: str) -> None:
    body = example("callback-shandong") | {field: "forced"}
    r = objects.client.post("/v1/documents", json=body, headers=objects.a)
    assert r.status_code == 422
    assert {p["path"]: p["rule"] for p in r.json()["problems"]} == {field: "extra_forbidden"}
    terms = {"policy_no": "P-MASS", "profile": "shandong", "insured": "某公司", "premium": "1",
             "period_start": "2026-01-01", "period_end": "2026-12-31"}
    for path, payload in (("/v1/webhooks", {"url": "http://127.0.0.1:9/x", field: 1}),
                          ("/v1/policies", terms | {field: 1}),
                          (f"/v1/documents/{objects.ids['rid']}/legal-hold",
                           {"on": False, "reason": "x", field: 1}),
                          ("/v1/fees", {"profile": "shandong", "kind": "pooling", "year": 2026,
                                        "insurer": "某公司", "date": "2026-01-05",
                                        "amount": "1.00", field: 1}),
                          ("/v1/samplings", {"kind": "post_policy", "period": "2026-06",
                                             field: 1})):
        r = objects.client.post(path, json=payload, headers=objects.a)
        assert r.status_code == 422, (path, r.text)
    for forced in ("seed", "insurer", "population"):  # the service derives the draw
        r = objects.client.post("/v1/samplings", headers=objects.a, json={
            "kind": "post_policy", "period": "2026-06", forced: "x"})
        assert r.status_code == 422 and "extra_forbidden" in r.text, r.text


def test_a_record_shows_its_owner_nothing_the_service_keeps_for_itself(objects: Objects) -> None:
    r = objects.client.get(f"/v1/documents/{objects.ids['rid']}", headers=objects.a)
    body = r.json()
    for internal in ("created_by", "idempotency_key", "request_sha256", "key_scope",
                     "lease_until", "manifest_key", "manifest_version_id", "staged", "failure"):
        assert internal not in body, internal
    for part in body["parts"].values():
        assert set(part) == {"sha256", "size"}  # no object keys, no version IDs
    listed = objects.client.get("/v1/webhooks", headers=objects.a).json()["items"]
    assert listed and all("secret" not in h for h in listed)
    job = objects.client.get(f"/v1/jobs/{objects.ids['job_id']}", headers=objects.a).json()
    assert "request" not in job and "data" not in json.dumps(job.get("error") or {})


def _api_routes(routes: Any) -> Iterator[Any]:
    """Every APIRoute, also inside included routers (FastAPI ≥ 0.165 keeps them apart)."""
    from fastapi.routing import APIRoute

    for r in routes:
        if isinstance(r, APIRoute):
            yield r
        elif hasattr(r, "original_router"):
            yield from _api_routes(r.original_router.routes)


def _depends_on(dependant: Any, call: Any) -> bool:
    return any(d.call is call or _depends_on(d, call) for d in dependant.dependencies)


def test_a_regulator_key_is_refused_on_every_route_but_its_summary(objects: Objects) -> None:
    """The regulator (issue 15) reads its regions' summary only: every route that takes a
    tenant's caller answers 403 before looking at anything (so it confirms nothing), whatever the
    ID or body; and no authenticated route is left to neither kind of caller."""
    from api import deps

    app = objects.client.app
    engine = app.state.ctx.engine  # type: ignore[attr-defined]
    reg = {"Authorization": "Bearer " + create_key(engine, "济南市应急管理局", "regulator",
                                                   regions=["济南市"])}
    ids = objects.ids | {"record_id": objects.ids["rid"], "doc_type": "report",
                         "name": objects.ids["rid"]}
    tried = 0
    for route in _api_routes(app.routes):  # type: ignore[attr-defined]
        tenant = _depends_on(route.dependant, deps._caller)
        regulator = _depends_on(route.dependant, deps._regulator)
        if _depends_on(route.dependant, deps._any_caller):
            assert tenant or regulator, route.path
        if not tenant:
            continue
        path = route.path_format.format_map(_Missing(ids))
        for method in route.methods:
            r = objects.client.request(method, path, headers=reg, json={})
            assert r.status_code == 403, (method, path, r.status_code, r.text)
            assert "tenant-a" not in r.text
            tried += 1
    assert tried > 40
    r = objects.client.get("/v1/regulator/summary", headers=reg)
    assert r.status_code == 200 and "tenant-a" not in r.text  # its policies name no region
    assert objects.client.get("/v1/regulator/summary", headers=objects.a).status_code == 403


class _Missing(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "x"


# -- the web pages (/app, issue 17): not in the OpenAPI document, so listed from the app ------

#: /app routes whose path parameter names a form, not a tenant's object.
WEB_NOT_TENANT_OBJECTS = {"/app/forms/{doc_type}/blank.{fmt}", "/app/forms/{doc_type}/fill"}
#: /app routes naming a tenant's object, asked for with the stranger's session.
WEB_CALLS = ["/app/records/{rid}", "/app/records/{rid}/file.pdf", "/app/records/{rid}/file.json",
             "/app/records/{rid}/archive-contents.pdf", "/app/records/{rid}/checks.pdf",
             "/app/records/{rid}/package.zip"]


def test_every_web_route_with_an_id_is_in_the_authorisation_table() -> None:
    from fastapi.routing import APIRoute

    paths = {r.path for r in create_app(Settings()).routes
             if isinstance(r, APIRoute) and r.path.startswith("/app/") and "{" in r.path}
    tested = {p.replace(".pdf", ".{part}").replace(".json", ".{part}") for p in WEB_CALLS}
    tested |= set(WEB_CALLS)
    assert paths - WEB_NOT_TENANT_OBJECTS <= tested, paths - WEB_NOT_TENANT_OBJECTS - tested


def _web_session(client: TestClient, headers: dict[str, str]) -> None:
    import re

    client.cookies.clear()
    page = client.get("/app/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf is not None
    r = client.post("/app/login", follow_redirects=False, data={
        "key": headers["Authorization"].removeprefix("Bearer "), "csrf": csrf.group(1)})
    assert r.status_code == 303, r.text


@pytest.mark.parametrize("template", WEB_CALLS)
def test_another_tenants_web_session_gets_404_on_every_page_naming_an_object(
        objects: Objects, template: str) -> None:
    path = template.format(**objects.ids)
    try:
        _web_session(objects.client, objects.a)
        assert objects.client.get(path).status_code == 200, path  # the owner sees it
        _web_session(objects.client, objects.b)
        stranger = objects.client.get(path)
        assert stranger.status_code == 404, (path, stranger.status_code)
        for secret in ("成都蜀川", "济南鲁通", "PZAS", "tenant-a"):
            assert secret not in stranger.text
    finally:
        objects.client.cookies.clear()
