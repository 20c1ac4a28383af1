"""Nothing lost, nothing half-written (AQ 9010-2019 7.4: the archive is kept whole and unaltered).

A record goes under a COMPLIANCE lock for five years, so a client's mistake must be a 4xx that
leaves nothing behind — no registry row, no staged part, no locked object — and the same
Idempotency-Key must succeed once the request is corrected. Every case runs on SQLite and on
PostgreSQL (the machine's server), each with its own embedded SeaweedFS.
"""

from __future__ import annotations

import base64
import copy
import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from api.main import create_app
from core.settings import Settings
from services.context import AppContext
from services.keys import create_key
from storage.tables import records, staged_parts
from tests.conftest import TestClient
from tests.test_party_signatures import party_p12

pytestmark = pytest.mark.s3

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def example(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))


@dataclass
class Service:
    client: TestClient
    ctx: AppContext
    auth: dict[str, str]
    tenant: str

    def post(self, body: Any, key: str | None = None, **kw: Any) -> Any:
        headers = self.auth | ({"Idempotency-Key": key} if key is not None else {})
        return self.client.post("/v1/documents", json=body, headers=headers, **kw)

    def footprint(self) -> tuple[int, int, frozenset[str]]:
        """(registry rows, staged parts, object keys under records/) of the whole archive."""
        with self.ctx.engine.connect() as conn:
            rows = conn.execute(select(func.count()).select_from(records)).scalar_one()
            staged = conn.execute(select(func.count()).select_from(staged_parts)).scalar_one()
        return rows, staged, frozenset(self.ctx.store.list("records/"))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def service(request: pytest.FixtureRequest,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    app = create_app(Settings(data_dir=tmp_path_factory.mktemp(request.param), database_url=url))
    with TestClient(app) as client:
        ctx: AppContext = app.state.ctx
        key = create_key(ctx.engine, "人保济南", "insurer")
        yield Service(client, ctx, {"Authorization": f"Bearer {key}"}, "人保济南")


def problems(r: Any) -> dict[str, str]:
    """path → rule of a 422's problems."""
    assert r.status_code == 422, r.text
    return {p["path"]: p["rule"] for p in r.json()["problems"]}


def signed_report(p12: bytes, password: str) -> dict[str, Any]:
    body = example("report-shandong")
    body["signatures"] = [{"role": "insured", "name": "赵立新", "method": "certificate",
                           "p12": base64.b64encode(p12).decode(), "p12_password": password}]
    return body


# -- a client's mistake is a 4xx that leaves nothing behind ----------------------------------

def test_a_wrong_pkcs12_password_is_a_422_and_the_corrected_retry_succeeds(service):
    p12 = party_p12("赵立新", b"right-password")
    before = service.footprint()
    r = service.post(signed_report(p12, "wrong-password"), key="signed-report-1")
    assert problems(r) == {"signatures[0].p12_password": "p12_unreadable"}
    assert service.footprint() == before
    again = service.post(signed_report(p12, "right-password"), key="signed-report-1")
    assert again.status_code == 201, again.text
    assert again.json()["status"] == "archived"


def test_a_pkcs12_that_is_not_base64_is_a_422_naming_it(service):
    body = signed_report(b"", "x")
    body["signatures"][0]["p12"] = "not base64 at all!"
    before = service.footprint()
    assert problems(service.post(body)) == {"signatures[0].p12": "p12_base64"}
    assert service.footprint() == before


def test_an_upload_reference_in_a_plain_json_body_is_a_422(service):
    body = example("report-shandong")
    body["data"]["training"]["photos"] = [{"caption": "现场", "data": "upload:x"}]
    before = service.footprint()
    found = problems(service.post(body))
    assert found == {"data.training.photos[0].data": "upload_missing"}
    assert service.footprint() == before


def test_every_problem_of_a_request_is_reported_at_once(service):
    p12 = party_p12("赵立新", b"pw")
    body = signed_report(p12, "not-pw")
    body["data"]["policy"]["policy_no"] = ""
    body["supersedes"] = "AZX-26RPT-00000-00000-0"
    body["colour"] = "blue"
    found = problems(service.post(body))
    assert found == {"data.policy.policy_no": "string_too_short",
                     "signatures[0].p12_password": "p12_unreadable",
                     "supersedes": "unknown_record", "colour": "extra_forbidden"}


@pytest.mark.parametrize("key", ["", " ", "\t", "x" * 201, "ключ".encode()])
def test_an_empty_blank_or_malformed_idempotency_key_is_a_422_on_every_create_route(service, key):
    before = service.footprint()
    body = example("callback-shandong")
    for r in (service.post(body, key=key),
              service.client.post("/v1/documents?mode=async", json=body,
                                  headers=service.auth | {"Idempotency-Key": key}),
              service.client.post("/v1/batches", json=[body],
                                  headers=service.auth | {"Idempotency-Key": key}),
              service.client.post("/v1/scans", files={"file": ("a.pdf", b"%PDF-1.7\n")},
                                  data={"policy_no": "P1"},
                                  headers=service.auth | {"Idempotency-Key": key})):
        assert r.status_code == 422, (key, r.text)
        assert list(problems(r)) == ["Idempotency-Key"]
    assert service.footprint() == before


JSON_ROUTES = [("POST", "/v1/documents"), ("POST", "/v1/documents?mode=async"),
               ("POST", "/v1/batches"), ("POST", "/v1/forms/report.pdf"),
               ("POST", "/v1/hazards"), ("POST", "/v1/risk/map.svg"), ("POST", "/v1/webhooks"),
               ("POST", "/v1/documents/AZX-26RPT-00000-00000-0/retention"),
               ("POST", "/v1/documents/AZX-26RPT-00000-00000-0/legal-hold")]


@pytest.mark.parametrize(("method", "path"), JSON_ROUTES)
def test_json_nested_a_thousand_deep_is_a_422_on_every_json_route(service, method, path):
    admin = {"Authorization": "Bearer " + create_key(service.ctx.engine, service.tenant, "admin")}
    deep = b"[" * 1000 + b"]" * 1000
    r = service.client.request(method, path, content=deep,
                               headers=admin | {"Content-Type": "application/json"})
    assert problems(r) == {"body": "too_deep"}


def test_nul_and_control_characters_are_a_422_wherever_they_are_sent(service):
    before = service.footprint()
    body = example("report-shandong")
    body["data"]["insured"]["name"] = "济南\x00物流"
    assert problems(service.post(body)) == {"data.insured.name": "control_character"}
    body["data"]["insured"]["name"] = "济南\x1b[31m物流"
    assert problems(service.post(body)) == {"data.insured.name": "control_character"}
    c, auth = service.client, service.auth
    assert problems(c.get("/v1/documents", params={"insured": "a\x00b"}, headers=auth)) == {
        "query.insured": "control_character"}
    assert problems(c.get("/v1/documents", params={"policy_no": "\x00"}, headers=auth)) == {
        "query.policy_no": "control_character"}
    assert problems(c.get("/v1/documents/AZX%00", headers=auth)) == {"path": "control_character"}
    assert problems(c.post("/v1/webhooks", json={"url": "http://hooks.example.cn/\x00"},
                           headers=auth)) == {"url": "control_character"}
    assert problems(c.post("/v1/webhooks", json={"url": "http://hooks.example.cn/a b"},
                           headers=auth)) == {"url": "url_invalid"}
    assert problems(c.get("/v1/hazards", params={"policy_no": "P\x00"}, headers=auth)) == {
        "query.policy_no": "control_character"}
    assert service.footprint() == before


def test_nan_and_infinity_are_a_422_naming_where_they_are(service):
    before = service.footprint()
    raw = json.dumps(example("annual_evaluation-shandong"), ensure_ascii=False)
    raw = raw.replace('"year": 2026', '"year": NaN', 1)
    assert '"year": NaN' in raw
    r = service.client.post("/v1/documents", content=raw.encode(),
                            headers=service.auth | {"Content-Type": "application/json"})
    assert problems(r) == {"data.year": "finite_number"}
    assert service.footprint() == before
    # a batch: the items holding NaN, Infinity or an overflowing 1e999 fail on their own
    good = json.dumps(example("callback-shandong"), ensure_ascii=False)
    huge = good.replace('"data": {', '"data": {"x": 1e999, ', 1)
    batch = "[" + ", ".join([good, raw.replace("NaN", "Infinity"), huge]) + "]"
    r = service.client.post("/v1/batches", content=batch.encode(),
                            headers=service.auth | {"Content-Type": "application/json"})
    assert r.status_code == 202, r.text
    csv_text = service.client.get(r.json()["links"]["results"], headers=service.auth).content
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(csv_text.decode("utf-8-sig"))))
    assert [(row["error"], row["path"]) for row in rows[1:]] == [
        ("invalid", "data.year"), ("invalid", "data.x")]


@pytest.mark.parametrize("disguise", ["\u202e", "\u2066", "\u200b", "\u200d", "\ufeff", "\u200f"])
def test_bidi_overrides_and_zero_width_characters_in_names_are_refused(service, disguise):
    body = example("report-shandong")
    body["data"]["insured"]["name"] = f"济南鲁通{disguise}物流集团有限公司"
    found = problems(service.post(body))
    assert found["data.insured.name"] in ("bidi_control", "invisible_character")


# -- one owner, one successor, namespaces ---------------------------------------------------

def test_concurrent_corrections_of_one_record_give_exactly_one_successor(service):
    old = service.post(example("plan-national")).json()
    body = example("plan-national") | {"supersedes": old["id"]}
    barrier = threading.Barrier(4)

    def correct(_: int) -> Any:
        barrier.wait()
        return service.post(body)

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(correct, range(4)))
    codes = sorted(r.status_code for r in answers)
    assert codes == [201, 409, 409, 409], [r.text for r in answers]
    winner = next(r.json() for r in answers if r.status_code == 201)
    shown = service.client.get(f"/v1/documents/{old['id']}", headers=service.auth).json()
    assert shown["superseded_by"] == winner["id"]
    with service.ctx.engine.connect() as conn:
        successors = conn.execute(select(func.count()).select_from(records).where(
            records.c.supersedes == old["id"])).scalar_one()
    assert successors == 1


def test_a_client_cannot_take_a_key_the_service_makes_for_itself(service):
    tenant, policy = "renbao-jinan", "PZAS-NS-0001"
    auth = {"Authorization": "Bearer " + create_key(service.ctx.engine, tenant, "insurer")}
    taken = f"hazard-ledger:{tenant}:{policy}:1"  # the key the ledger's first version gets
    squat = service.client.post("/v1/documents", json=example("callback-shandong"),
                                headers=auth | {"Idempotency-Key": taken})
    assert squat.status_code == 201
    hazard = {"policy_no": policy, "insured_name": "济南鲁通物流集团有限公司", "hazard": {
        "found_on": "2026-03-19", "inspectors": "周文斌、黄小军", "category": "作业环境",
        "subcategory": "粉尘防爆", "description": "抛丸除尘系统未设置泄爆装置", "grade": "一般"}}
    r = service.client.post("/v1/hazards", json=hazard, headers=auth)
    assert r.status_code == 201, r.text
    ledger = r.json()["ledger_record"]
    assert ledger["status"] == "archived" and ledger["id"] != squat.json()["id"]
    record = service.client.get(f"/v1/documents/{ledger['id']}", headers=auth).json()
    assert record["type"] == "chengdu_table_9" and record["policy_no"] == policy


def test_every_record_naming_a_policy_is_found_by_it(service):
    for name in ("chengdu_table_9-chengdu", "chengdu_table_11-chengdu", "annual_evaluation-chengdu",
                 "annual_evaluation-shandong"):
        body = copy.deepcopy(example(name))
        body["data"]["policy_no"] = f"PZAS-FIND-{name}"
        created = service.post(body)
        assert created.status_code == 201, created.text
        found = service.client.get("/v1/documents", params={"policy_no": f"PZAS-FIND-{name}"},
                                   headers=service.auth).json()
        assert [i["id"] for i in found["items"]] == [created.json()["id"]]


def test_a_pdf_that_would_hide_a_value_is_never_stored(service, monkeypatch, caplog):
    """The completeness proof runs before the first locked write: a rendering defect that puts a
    value outside every page is a 422 naming the field, logged as a defect, nothing stored."""
    import services.produce as produce
    from rendering.completeness import unprinted_values

    real_render = produce.render_document

    def crops_the_pages(doc: Any, fmt: str, **kw: Any) -> bytes:
        out = real_render(doc, fmt, **kw)
        return _cropped(out) if fmt == "pdf" else out

    monkeypatch.setattr(produce, "render_document", crops_the_pages)
    before = service.footprint()
    r = service.post(example("callback-shandong"), key="cropped-1")
    assert r.status_code == 422, r.text
    assert {p["rule"] for p in r.json()["problems"]} == {"not_printed"}
    assert any(p["path"].startswith("data.") for p in r.json()["problems"])
    assert "DEFECT" in caplog.text
    assert service.footprint() == before
    monkeypatch.undo()
    assert unprinted_values  # the proof is the product's own
    assert service.post(example("callback-shandong"), key="cropped-1").status_code == 201


def _cropped(pdf: bytes) -> bytes:
    """The PDF with every page's box cut to its top third (what falls below is off the page)."""
    import io

    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(io.BytesIO(pdf))
    writer = PdfWriter()
    for page in reader.pages:
        box = page.mediabox
        top = float(box.top)
        page.mediabox.lower_left = (float(box.left), top - (top - float(box.bottom)) / 3)
        page.cropbox.lower_left = page.mediabox.lower_left
        writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
