"""Generation at scale, embedded mode (no Redis, no worker): async documents, batches with
per-item results, signed webhooks and their retries — all inside the API process."""

from __future__ import annotations

import copy
import csv
import io
import json
import time
import zipfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.main import create_app
from core.settings import Settings
from domain.access import Caller, Role
from services.jobs import JobService, verify_signature
from services.keys import create_key
from services.records import RecordPending
from storage.errors import StorageUnavailable
from storage.tables import jobs, records
from tests.webhook_receiver import Receiver

pytestmark = [pytest.mark.s3, pytest.mark.slow]

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
TIMEOUT = 90.0


def callback(policy_no: str) -> dict[str, Any]:
    body = json.loads((EXAMPLES / "callback-shandong.json").read_text(encoding="utf-8"))
    body["data"]["policy"]["policy_no"] = policy_no
    return body


def wait_for(probe: Callable[[], Any], what: str, timeout: float = TIMEOUT) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Any]]:
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("AZX_BROKER_URL", raising=False)
        mp.setenv("AZX_WEBHOOK_RETRY_BASE", "0.3")  # retries in tenths of seconds, not minutes
        mp.setenv("AZX_LOCAL_POLL_INTERVAL", "0.1")
        mp.setenv("AZX_WEBHOOK_ALLOW_HOSTS", '["127.0.0.1"]')  # the receiver is on loopback
        settings = Settings(data_dir=tmp_path_factory.mktemp("jobs"), broker_url=None)
        app = create_app(settings)
        with TestClient(app) as client:
            yield client, app.state.ctx


def headers_for(ctx: Any, tenant: str, role: str = "insurer") -> dict[str, str]:
    return {"Authorization": f"Bearer {create_key(ctx.engine, tenant, role)}"}


def poll_job(client: TestClient, auth: dict[str, str], job_id: str) -> dict[str, Any]:
    def finished() -> dict[str, Any] | None:
        job = client.get(f"/v1/jobs/{job_id}", headers=auth).json()
        return job if job["status"] in ("done", "failed") else None

    return wait_for(finished, f"job {job_id}")


def poll_batch(client: TestClient, auth: dict[str, str], batch_id: str) -> dict[str, Any]:
    def finished() -> dict[str, Any] | None:
        batch = client.get(f"/v1/batches/{batch_id}", headers=auth).json()
        return batch if batch["status"] == "done" else None

    return wait_for(finished, f"batch {batch_id}", timeout=240)


def test_an_async_document_is_accepted_at_once_then_archived(service):
    client, ctx = service
    auth = headers_for(ctx, "人保济南")
    started = time.monotonic()
    r = client.post("/v1/documents?mode=async", json=callback("PASYNC-1"), headers=auth)
    accepted_in = time.monotonic() - started
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["status"] in ("queued", "running") and job["record_id"] is None
    assert r.headers["Location"] == f"/v1/jobs/{job['id']}"
    assert accepted_in < 5, "202 must not wait for the rendering"

    done = poll_job(client, auth, job["id"])
    assert done["status"] == "done", done
    assert done["record"]["status"] == "archived"
    assert done["record"]["policy_no"] == "PASYNC-1"
    pdf = client.get(done["links"]["pdf"], headers=auth)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # another tenant sees neither the job nor its record
    other = headers_for(ctx, "平安成都")
    assert client.get(f"/v1/jobs/{job['id']}", headers=other).status_code == 404
    assert client.get(done["links"]["record"], headers=other).status_code == 404


def test_an_async_document_with_invalid_data_is_refused_at_once(service):
    client, ctx = service
    auth = headers_for(ctx, "人保济南")
    body = callback("PASYNC-BAD")
    body["data"]["overall"] = "还行"
    r = client.post("/v1/documents?mode=async", json=body, headers=auth)
    assert r.status_code == 422
    assert r.json()["problems"][0]["path"] == "data.overall"
    auditor = headers_for(ctx, "人保济南", "auditor")
    assert client.post("/v1/documents?mode=async", json=callback("X"),
                       headers=auditor).status_code == 403


def test_async_idempotency_key_gives_back_the_same_job(service):
    client, ctx = service
    auth = headers_for(ctx, "人保济南") | {"Idempotency-Key": "async-once"}
    first = client.post("/v1/documents?mode=async", json=callback("PIDEM-1"), headers=auth)
    again = client.post("/v1/documents?mode=async", json=callback("PIDEM-1"), headers=auth)
    assert first.status_code == again.status_code == 202
    assert first.json()["id"] == again.json()["id"]
    other = client.post("/v1/documents?mode=async", json=callback("PIDEM-2"), headers=auth)
    assert other.status_code == 409
    poll_job(client, auth, first.json()["id"])


def test_a_batch_with_two_bad_items_archives_the_rest_and_reports_each(service):
    client, ctx = service
    auth = headers_for(ctx, "太保青岛")
    items: list[Any] = [callback(f"PBATCH-{n:02d}") for n in range(1, 11)]
    items[3]["data"]["overall"] = "还行"  # invalid data: found by the worker
    items[7] = {"type": "no-such-type", "data": {}}  # invalid structure: found at submission
    items[0] = callback('=HYPERLINK("http://x")')  # a value a spreadsheet would run
    ndjson = "\n".join(json.dumps(i, ensure_ascii=False) for i in items) + "\n"
    r = client.post("/v1/batches", content=ndjson.encode(), headers=auth | {
        "Content-Type": "application/x-ndjson", "Idempotency-Key": "batch-1"})
    assert r.status_code == 202, r.text
    batch = r.json()
    assert batch["total"] == 10 and r.headers["Location"] == f"/v1/batches/{batch['id']}"
    # the same submission again (a client retry) is the same batch, not a second one
    again = client.post("/v1/batches", content=ndjson.encode(), headers=auth | {
        "Content-Type": "application/x-ndjson", "Idempotency-Key": "batch-1"})
    assert again.json()["id"] == batch["id"]

    done = poll_batch(client, auth, batch["id"])
    assert done["counts"] == {"queued": 0, "running": 0, "done": 8, "failed": 2}

    text = client.get(done["links"]["results"], headers=auth).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [int(r["item"]) for r in rows] == list(range(1, 11))
    failed = {int(r["item"]): r for r in rows if r["status"] == "failed"}
    assert set(failed) == {4, 8}
    assert failed[4]["path"] == "data.overall" and "非常满意" in failed[4]["message_zh"]
    assert "must be one of" in failed[4]["message_en"]
    assert "未知的文书类型" in failed[8]["message_zh"]
    assert "unknown document type" in failed[8]["message_en"]
    ok = [r for r in rows if r["status"] == "done"]
    assert all(r["record_id"] and r["pdf"].endswith(".pdf") for r in ok)
    assert {r["policy_no"] for r in ok} == {f"PBATCH-{n:02d}" for n in (2, 3, 5, 6, 7, 9, 10)} | {
        "'=HYPERLINK(\"http://x\")"}  # kept as text (CSV injection)

    z = client.get(done["links"]["documents"], headers=auth)
    assert z.status_code == 200 and z.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(z.content)) as zf:
        names = zf.namelist()
        pdfs = [n for n in names if n.endswith(".pdf")]
        assert "results.csv" in names and len(pdfs) == 8
        assert {int(n.split("_", 1)[0]) for n in pdfs} == {1, 2, 3, 5, 6, 7, 9, 10}
        assert all(zf.read(n).startswith(b"%PDF") for n in pdfs)
    # every record exactly once per job
    with ctx.engine.connect() as conn:
        keys = conn.execute(select(records.c.idempotency_key, func.count()).where(
            records.c.tenant == "太保青岛").group_by(records.c.idempotency_key)).all()
    assert len(keys) == 8 and all(n == 1 for _, n in keys)
    other = headers_for(ctx, "平安成都")
    assert client.get(f"/v1/batches/{batch['id']}", headers=other).status_code == 404
    assert client.get(done["links"]["documents"], headers=other).status_code == 404


def test_a_json_array_batch_whose_items_are_all_malformed_completes_at_once(service):
    client, ctx = service
    auth = headers_for(ctx, "太保青岛")
    signed = callback("PSIGNED") | {"signatures": [
        {"role": "insured", "name": "赵立新", "method": "certificate", "p12": "MIIK…"}]}
    r = client.post("/v1/batches", json=[42, {"type": "callback"}, signed], headers=auth)
    assert r.status_code == 202
    batch = r.json()
    assert batch["status"] == "done" and batch["counts"]["failed"] == 3
    rows = list(csv.DictReader(io.StringIO(
        client.get(batch["links"]["results"], headers=auth).content.decode("utf-8-sig"))))
    assert [r["error"] for r in rows] == ["invalid", "invalid", "invalid"]
    assert rows[1]["path"] == "data" and rows[1]["message_en"] == "field 'data' is required"
    # the service keeps no party's certificate or password for later
    assert rows[2]["path"] == "signatures[0].method" and "证书签署" in rows[2]["message_zh"]
    with ctx.engine.connect() as conn:
        stored = conn.execute(select(jobs.c.request).where(
            jobs.c.batch_id == batch["id"], jobs.c.item_index == 3)).scalar_one()
    assert stored is None or "p12" not in json.dumps(stored)
    assert client.post("/v1/batches", json=[], headers=auth).status_code == 422
    assert client.post("/v1/batches", json={"type": "callback"}, headers=auth).status_code == 422
    assert client.post("/v1/batches", content=b"{not json", headers=auth | {
        "Content-Type": "application/json"}).status_code == 422


def _register(client: TestClient, auth: dict[str, str], url: str) -> dict[str, Any]:
    r = client.post("/v1/webhooks", json={"url": url}, headers=auth)
    assert r.status_code == 201, r.text
    hook = r.json()
    assert hook["secret"].startswith("whsec_")
    listed = client.get("/v1/webhooks", headers=auth).json()["items"]
    assert [h["id"] for h in listed] == [hook["id"]] and "secret" not in listed[0]
    return hook


def test_job_completion_is_posted_with_a_valid_signature(service, receiver):
    client, ctx = service
    auth = headers_for(ctx, "国寿烟台")
    hook = _register(client, auth, receiver.url("/hook-signed"))
    job = client.post("/v1/documents?mode=async", json=callback("PHOOK-1"), headers=auth).json()
    got = wait_for(lambda: receiver.at("/hook-signed"), "the webhook")
    headers, body = got[0]
    assert verify_signature(hook["secret"], headers["AZX-Signature"], body)
    assert not verify_signature("whsec_wrong", headers["AZX-Signature"], body)
    assert not verify_signature(hook["secret"], headers["AZX-Signature"], body + b" ")
    t = int(headers["AZX-Signature"].split(",")[0].removeprefix("t="))
    assert abs(time.time() - t) < 60
    event = json.loads(body)
    assert event["type"] == "job.completed" == headers["AZX-Event"]
    assert event["data"]["id"] == job["id"] and event["data"]["status"] == "done"
    assert event["data"]["record_id"]
    log = wait_for(lambda: [d for d in client.get("/v1/webhooks/deliveries", headers=auth)
                            .json()["items"] if d["status"] == "delivered"], "the delivery log")
    assert log[0]["attempts"] == 1 and log[0]["last_status_code"] == 200
    assert log[0]["event_id"] == event["id"]


def test_a_failed_delivery_is_retried_with_backoff_until_accepted(service, receiver):
    client, ctx = service
    auth = headers_for(ctx, "国寿威海")
    receiver.script["/hook-flaky"] = [500, 200]
    hook = _register(client, auth, receiver.url("/hook-flaky"))
    # a batch whose items are all malformed completes at once: a cheap event
    batch = client.post("/v1/batches", json=[1, 2, 3], headers=auth).json()
    got = wait_for(lambda: len(receiver.at("/hook-flaky")) >= 2 and receiver.at("/hook-flaky"),
                   "the retried webhook", timeout=30)
    (_, b1), (_, b2) = got[:2]
    assert b1 == b2  # the same event, signed afresh
    assert all(verify_signature(hook["secret"], h["AZX-Signature"], b) for h, b in got)
    event = json.loads(b2)
    assert event["type"] == "batch.completed" and event["data"]["id"] == batch["id"]
    assert event["data"]["counts"]["failed"] == 3

    def delivered() -> dict[str, Any] | None:
        items = client.get("/v1/webhooks/deliveries", headers=auth).json()["items"]
        return items[0] if items and items[0]["status"] == "delivered" else None

    entry = wait_for(delivered, "the delivery log")
    assert entry["attempts"] == 2 and entry["last_status_code"] == 200
    assert entry["event"] == "batch.completed" and entry["url"] == hook["url"]


def test_only_http_urls_are_registered(service):
    client, ctx = service
    auth = headers_for(ctx, "国寿威海")
    for url in ("ftp://example.cn/x", "file:///etc/passwd", "javascript:alert(1)",
                "http://user:pw@example.cn/", "http://"):
        r = client.post("/v1/webhooks", json={"url": url}, headers=auth)
        assert r.status_code == 422, url
        assert r.json()["problems"][0]["rule"] == "url_invalid"


class _Manual:
    """A dispatcher that runs nothing: the test calls the task bodies itself."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def start(self, service: Any) -> None:
        pass

    def send(self, task: str, ident: str, *, queue: str = "interactive",
             countdown: float = 0.0) -> None:
        self.sent.append((task, ident))

    def send_many(self, task: str, idents: Any, *, queue: str) -> None:
        self.sent += [(task, i) for i in idents]

    def close(self) -> None:
        pass


def test_a_job_killed_mid_write_is_finished_by_its_rerun_exactly_once(service, monkeypatch):
    """A store that fails after the PDF and DOCX were written leaves a pending record with its
    parts staged; the job's rerun completes that same record."""
    _, ctx = service
    svc = JobService(engine=ctx.engine, settings=ctx.settings, audit=ctx.audit,
                     archive=ctx.archive, dispatcher=_Manual())
    caller = Caller("test", "人保日照", Role.INSURER)
    job = svc.submit_document(caller, callback("PKILL-1"))
    archive = ctx.archive
    real_put = archive._put

    def dies_before_the_source(record: Any, part: Any) -> Any:
        if part.name == "json":
            raise StorageUnavailable("simulated outage after the PDF and DOCX")
        return real_put(record, part)

    monkeypatch.setattr(archive, "_put", dies_before_the_source)
    with pytest.raises(RecordPending):  # accepted, staged: retried like a transient fault
        svc.run_job(job["id"])
    monkeypatch.setattr(archive, "_put", real_put)
    assert svc.get_job(caller, job["id"])["status"] == "running"

    assert svc.run_job(job["id"]) == "done"
    assert svc.run_job(job["id"]) == "skipped"  # a late duplicate message changes nothing
    with ctx.engine.connect() as conn:
        recs = conn.execute(select(records.c.id, records.c.status).where(
            records.c.idempotency_key == job["id"])).all()
        row = conn.execute(select(jobs).where(jobs.c.id == job["id"])).mappings().one()
    assert len(recs) == 1 and recs[0].status == "archived"
    assert row["record_id"] == recs[0].id and row["attempts"] == 2
    stored = ctx.store.get(f"records/{recs[0].id}/source.json")
    assert json.loads(stored)["data"]["policy"]["policy_no"] == "PKILL-1"


def test_a_job_whose_worker_vanished_is_sent_again_by_the_sweep(service):
    _, ctx = service
    manual = _Manual()
    later = datetime.now(UTC) + timedelta(hours=1)  # this service lives an hour ahead
    svc = JobService(engine=ctx.engine, settings=ctx.settings, audit=ctx.audit,
                     archive=ctx.archive, dispatcher=manual, clock=lambda: later)
    caller = Caller("test", "人保日照", Role.INSURER)
    job = svc.submit_document(caller, copy.deepcopy(callback("PLOST-1")))
    assert manual.sent == [("azx.run_job", job["id"])]
    assert svc.run_job(job["id"]) == "done"
    with ctx.engine.begin() as conn:  # claimed by a worker that then vanished
        conn.execute(jobs.update().where(jobs.c.id == job["id"]).values(
            status="running", record_id=None,
            # still valid for the app's own (real-clock) sweeper, expired for this service
            lease_until=datetime.now(UTC) + timedelta(minutes=10)))
    manual.sent.clear()
    assert svc.sweep()["expired"] == 1  # an hour later its lease has run out
    assert manual.sent.count(("azx.run_job", job["id"])) == 1
    assert svc.sweep()["expired"] == 0  # picked once
    assert svc.run_job(job["id"]) == "done"
    with ctx.engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(records).where(
            records.c.idempotency_key == job["id"])).scalar_one()
    assert n == 1


def test_tasks_whose_rows_vanished_exit_cleanly(service):
    _, ctx = service
    svc = JobService(engine=ctx.engine, settings=ctx.settings, audit=ctx.audit,
                     archive=ctx.archive, dispatcher=_Manual())
    assert svc.run_job("job_gone") == "skipped"
    assert svc.fanout_batch("bat_gone") == "skipped"
    assert svc.deliver("dlv_gone") == "skipped"


def test_cli_batch_submit_draws_progress_and_writes_the_report(service, tmp_path, capsys,
                                                               monkeypatch):
    import cli.main as cli

    client, ctx = service
    key = create_key(ctx.engine, "人保潍坊", "insurer")

    def via_test_client(method: str, url: str, key_: str, body: bytes | None = None,
                        headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        assert url.startswith("http://azx.test/") and key_ == key
        r = client.request(method, url.removeprefix("http://azx.test"), content=body,
                           headers={"Authorization": f"Bearer {key_}", **(headers or {})})
        return r.status_code, r.content

    monkeypatch.setattr(cli, "_http", via_test_client)
    src = tmp_path / "june.ndjson"
    bad = callback("PCLI-2")
    bad["data"]["overall"] = "还行"
    src.write_text("\n".join(json.dumps(d, ensure_ascii=False)
                             for d in (callback("PCLI-1"), bad)) + "\n", encoding="utf-8")
    rc = cli.main(["batch", "submit", str(src), "--url", "http://azx.test/", "--key", key,
                   "--zip", "--timeout", "120"])
    out, err = capsys.readouterr()
    assert rc == 1  # one item failed
    assert "2/2 done 1 failed 1" in err
    report = tmp_path / "june.results.csv"
    assert out.split() == [str(report), str(tmp_path / "june.documents.zip")]
    rows = list(csv.DictReader(io.StringIO(report.read_text(encoding="utf-8-sig"))))
    assert [r["status"] for r in rows] == ["done", "failed"]
    assert "must be one of" in rows[1]["message_en"]
    # the same file again resumes the same batch (Idempotency-Key from its content)
    assert cli.main(["batch", "submit", str(src), "--url", "http://azx.test", "--key", key]) == 1
    assert "batch " in capsys.readouterr().err
    with ctx.engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(jobs).where(
            jobs.c.tenant == "人保潍坊")).scalar_one()
    assert n == 2
