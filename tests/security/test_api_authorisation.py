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
                           {"on": False, "reason": "x", field: 1})):
        r = objects.client.post(path, json=payload, headers=objects.a)
        assert r.status_code == 422, (path, r.text)


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
