"""Archive (AQ 9010-2019 7.4; AQ 9010.1-2025 7.4; Shandong 7.3): every record is kept at least
five years under a lock the storage itself enforces, nothing lost or altered.

These tests run against the real embedded SeaweedFS S3 server the service starts itself."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from minio.commonconfig import COMPLIANCE
from minio.retention import Retention
from sqlalchemy import select

from api.main import create_app
from core.settings import Settings
from services.archive import ArchiveService, IdempotencyKey
from services.fixity import run_fixity
from services.keys import create_key
from services.registry import compare_registry, rebuild_registry
from storage.errors import RetentionViolation, StorageError
from storage.tables import records

pytestmark = pytest.mark.s3

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
COLUMNS = ("id", "tenant", "doc_type", "profile", "policy_no", "insured_name", "template_version",
           "content_sha256", "parts", "status", "supersedes", "superseded_by")


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory):
    data_dir = tmp_path_factory.mktemp("archive")
    app = create_app(Settings(data_dir=data_dir, public_base_url="https://azx.example.cn"))
    with TestClient(app) as client:
        ctx = app.state.ctx
        key = create_key(ctx.engine, "人保济南", "insurer")
        other = create_key(ctx.engine, "平安成都", "insurer")
        yield client, ctx, {"Authorization": f"Bearer {key}"}, {"Authorization": f"Bearer {other}"}


def _body(name: str = "report-shandong") -> dict:
    return json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))


def _archive(client, auth, body, key=None):
    headers = dict(auth) | ({"Idempotency-Key": key} if key else {})
    return client.post("/v1/documents", json=body, headers=headers)


def test_every_part_is_locked_in_compliance_mode_for_at_least_five_years(service):
    client, ctx, auth, _ = service
    r = _archive(client, auth, _body())
    assert r.status_code == 201, r.text
    rec = r.json()
    assert rec["status"] == "archived"
    row = ctx.archive.find(rec["id"])
    five_years = datetime.now(UTC) + timedelta(days=5 * 365)
    for name in ("pdf", "docx", "json"):
        info = ctx.store.stat(row.parts[name].key, row.parts[name].version_id)
        assert info.retention_mode == COMPLIANCE
        assert info.retain_until is not None and info.retain_until >= five_years
    manifest = ctx.store.stat(row.manifest_key)
    assert manifest.retention_mode == COMPLIANCE


def test_the_server_refuses_deleting_overwriting_and_shortening(service):
    client, ctx, auth, _ = service
    rec = _archive(client, auth, _body("callback-shandong")).json()
    part = ctx.archive.find(rec["id"]).parts["pdf"].model_dump()
    with pytest.raises(RetentionViolation):
        ctx.store.delete_version(part["key"], part["version_id"])
    with pytest.raises(StorageError):
        ctx.store.put_locked(part["key"], b"forged", "application/pdf",
                             datetime.now(UTC) + timedelta(days=1))
    # bypass our own checks: the server itself refuses a shorter COMPLIANCE retention
    raw = ctx.store.client
    with pytest.raises(Exception) as refused:
        raw.set_object_retention(ctx.store.bucket, part["key"],
                                 Retention(COMPLIANCE, datetime.now(UTC) + timedelta(days=30)),
                                 version_id=part["version_id"])
    assert "S3Error" in type(refused.value).__name__ or "Access" in str(refused.value)
    with pytest.raises(Exception):  # noqa: B017 - a non-empty, locked bucket cannot be removed
        raw.remove_bucket(ctx.store.bucket)
    # the original bytes are intact
    stored = ctx.store.get(part["key"], part["version_id"])
    assert stored.startswith(b"%PDF")


def test_an_administrator_extends_retention_and_sets_legal_hold_with_a_reason(service):
    client, ctx, auth, _ = service
    admin = {"Authorization": "Bearer " + create_key(ctx.engine, "人保济南", "admin")}
    rec = _archive(client, auth, _body("plan-shandong")).json()
    row = ctx.archive.find(rec["id"]).row()
    part = row["parts"]["pdf"]
    before = ctx.store.stat(part["key"], part["version_id"]).retain_until
    later = (before + timedelta(days=3650)).isoformat()
    # an insurer system may not; an administrator may, with a reason
    refused = client.post(f"/v1/documents/{rec['id']}/retention", headers=auth,
                          json={"retain_until": later, "reason": "事故调查"})
    assert refused.status_code == 403
    ok = client.post(f"/v1/documents/{rec['id']}/retention", headers=admin,
                     json={"retain_until": later, "reason": "事故调查"})
    assert ok.status_code == 200, ok.text
    for p in row["parts"].values():
        assert ctx.store.stat(p["key"], p["version_id"]).retain_until >= before + timedelta(days=3649)
    shorter = client.post(f"/v1/documents/{rec['id']}/retention", headers=admin,
                          json={"retain_until": before.isoformat(), "reason": "误操作"})
    assert shorter.status_code == 422
    assert shorter.json()["problems"][0]["rule"] == "retention_shorter"
    with pytest.raises(RetentionViolation):
        ctx.store.extend_retention(part["key"], part["version_id"], before)
    held = client.post(f"/v1/documents/{rec['id']}/legal-hold", headers=admin,
                       json={"on": True, "reason": "理赔争议"})
    assert held.status_code == 200 and held.json()["legal_hold"] is True
    assert ctx.store.stat(part["key"], part["version_id"]).legal_hold is True
    released = client.post(f"/v1/documents/{rec['id']}/legal-hold", headers=admin,
                           json={"on": False, "reason": "争议已结"})
    assert released.json()["legal_hold"] is False
    assert ctx.store.stat(part["key"], part["version_id"]).legal_hold is False


def test_same_idempotency_key_gives_the_same_record_and_another_body_is_a_409(service):
    client, _, auth, _ = service
    body = _body("agreement-shandong")
    first = _archive(client, auth, body, key="renewal-2026-0001")
    again = _archive(client, auth, body, key="renewal-2026-0001")
    assert first.status_code == 201 and again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    changed = copy.deepcopy(body)
    changed["data"]["party_a_agent"] = "张三"
    conflict = _archive(client, auth, changed, key="renewal-2026-0001")
    assert conflict.status_code == 409
    assert conflict.json()["message_en"]


def test_a_crash_between_the_object_writes_and_the_registry_loses_nothing(service, monkeypatch):
    client, ctx, auth, _ = service
    archive: ArchiveService = ctx.archive
    body = _body("annual_evaluation-shandong")

    def crash(*args, **kwargs):
        raise SystemExit("killed between the object writes and the registry write")

    monkeypatch.setattr(archive, "_mark_archived", crash)
    with pytest.raises(SystemExit):
        archive.create(_caller(ctx, auth), body, key=IdempotencyKey("crash-1"))
    monkeypatch.undo()
    with ctx.engine.connect() as conn:
        pending = conn.execute(select(records).where(records.c.idempotency_key == "crash-1")).first()
    assert pending is not None and pending.status == "pending"
    assert ctx.store.exists(pending.manifest_key)  # the objects were all written
    # at restart the record is found from its manifest and the registry completed
    restarted = datetime.now(UTC) + timedelta(seconds=1)
    assert archive.recover(taken_before=restarted).completed == 1
    done = ctx.archive.find(pending.id)
    assert done.status == "archived" and done.parts["pdf"].sha256
    # the client's retry gets the same record
    retry = _archive(client, auth, body, key="crash-1")
    assert retry.status_code == 201 and retry.json()["id"] == pending.id


def test_the_registry_rebuilt_from_the_object_store_alone_equals_the_original(service):
    client, ctx, auth, _ = service
    old = _archive(client, auth, _body("plan-national")).json()
    body = _body("plan-national")
    body["supersedes"] = old["id"]
    new = _archive(client, auth, body)
    assert new.status_code == 201, new.text
    with ctx.engine.connect() as conn:
        before = {r.id: tuple(getattr(r, c) for c in COLUMNS)
                  for r in conn.execute(select(records).where(records.c.status == "archived"))}
    assert compare_registry(ctx.engine, ctx.store, ctx.key_ring.public_keys()).equal
    with ctx.engine.begin() as conn:  # the database is lost
        conn.execute(records.delete().where(records.c.status == "archived"))
    report = rebuild_registry(ctx.engine, ctx.store, ctx.key_ring.public_keys())
    with ctx.engine.connect() as conn:
        after = {r.id: tuple(getattr(r, c) for c in COLUMNS)
                 for r in conn.execute(select(records).where(records.c.status == "archived"))}
    assert report["manifests"] == len(before)
    assert after == before
    assert compare_registry(ctx.engine, ctx.store, ctx.key_ring.public_keys()).equal
    assert after[old["id"]][COLUMNS.index("superseded_by")] == new.json()["id"]


def test_a_correction_supersedes_and_both_stay_retained(service):
    client, _, auth, _ = service
    old = _archive(client, auth, _body("callback-chengdu")).json()
    body = _body("callback-chengdu")
    body["supersedes"] = old["id"]
    new = _archive(client, auth, body).json()
    assert new["supersedes"] == old["id"]
    shown = client.get(f"/v1/documents/{old['id']}", headers=auth).json()
    assert shown["superseded_by"] == new["id"]
    assert client.get(f"/v1/documents/{old['id']}.pdf", headers=auth).status_code == 200


def test_a_caller_sees_only_its_own_tenants_records(service):
    client, _, auth, other = service
    rec = _archive(client, auth, _body("plan-chengdu")).json()
    assert client.get(f"/v1/documents/{rec['id']}", headers=other).status_code == 404
    assert client.get(f"/v1/documents/{rec['id']}.pdf", headers=other).status_code == 404
    listed = client.get("/v1/documents", headers=other).json()
    assert all(item["tenant"] == "平安成都" for item in listed["items"])
    mine = client.get("/v1/documents", params={"policy_no": rec["policy_no"]}, headers=auth).json()
    assert any(item["id"] == rec["id"] for item in mine["items"])


def test_fixity_finds_nothing_wrong_in_an_intact_archive(service):
    _, ctx, _, _ = service
    report = run_fixity(ctx.engine, ctx.store, ctx.settings)
    assert report.checked_objects >= 3
    assert report.worst not in ("critical", "error"), report.as_dict()


def test_the_audit_trail_is_hash_chained(service):
    _, ctx, _, _ = service
    assert ctx.audit.verify_chain() == []


def _caller(ctx, auth):
    from services.keys import authenticate

    return authenticate(ctx.engine, auth["Authorization"].split(" ", 1)[1])


def test_a_scan_of_a_form_signed_on_paper_is_archived_under_the_same_lock(service):
    """Shandong 6.2 e): on-site records must bear the insured's seal or the manager's signature."""
    import io

    from PIL import Image

    client, ctx, auth, other = service
    report = _archive(client, auth, _body()).json()
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buf, "JPEG")
    r = client.post("/v1/scans", headers=auth, files={"file": ("盖章页.jpg", buf.getvalue(), "image/jpeg")},
                    data={"links_to": report["id"], "note": "现场负责人签字页"})
    assert r.status_code == 201, r.text
    scan = r.json()
    assert scan["type"] == "paper_scan" and scan["links_to"] == report["id"]
    assert scan["policy_no"] == report["policy_no"]
    part = ctx.archive.find(scan["id"]).parts["scan"].model_dump()
    info = ctx.store.stat(part["key"], part["version_id"])
    assert info.retention_mode == COMPLIANCE
    assert info.retain_until >= datetime.now(UTC) + timedelta(days=5 * 365)
    assert client.get(f"/v1/documents/{scan['id']}.scan", headers=auth).content == buf.getvalue()
    bad = client.post("/v1/scans", headers=auth, files={"file": ("x.txt", b"hello", "text/plain")},
                      data={"policy_no": "P1"})
    assert bad.status_code == 422 and bad.json()["problems"][0]["rule"] == "scan_format"
    foreign = client.post("/v1/scans", headers=other, files={"file": ("a.jpg", buf.getvalue(), "image/jpeg")},
                          data={"links_to": report["id"]})
    assert foreign.status_code == 404


def test_an_auditor_exports_a_policys_records_with_hashes_and_lock_status(service):
    import hashlib
    import io
    import zipfile

    client, ctx, auth, _ = service
    rec = _archive(client, auth, _body("callback-shandong")).json()
    auditor = {"Authorization": "Bearer " + create_key(ctx.engine, "人保济南", "auditor")}
    r = client.get("/v1/exports.zip", params={"policy_no": rec["policy_no"]}, headers=auditor)
    assert r.status_code == 200
    z = zipfile.ZipFile(io.BytesIO(r.content))
    index = json.loads(z.read("index.json"))
    mine = [i for i in index if i["record_id"] == rec["id"]]
    assert {i["part"] for i in mine} == {"pdf", "docx", "json"}
    for item in mine:
        assert hashlib.sha256(z.read(item["file"])).hexdigest() == item["sha256"]
        assert item["sha256_matches_registry"] is True and item["lock_mode"] == COMPLIANCE
    assert f"{rec['id']}/manifest.json" in z.namelist() and "index.html" in z.namelist()
    assert client.get("/v1/exports.zip", headers=auditor).status_code == 422


def test_the_audit_trail_is_archived_under_lock(service):
    client, ctx, auth, _ = service
    _archive(client, auth, _body("plan-shandong"))
    key = ctx.seal_audit()
    assert key is not None and key.startswith("audit/")
    info = ctx.store.stat(key)
    assert info.retention_mode == COMPLIANCE
    lines = ctx.store.get(key).decode().splitlines()
    assert lines and all(json.loads(line)["hash"] for line in lines)
    assert ctx.seal_audit() is None or ctx.seal_audit() != key  # nothing sealed twice
    assert ctx.audit.verify_chain() == []


def test_each_archived_record_prints_its_archive_contents_list(service):
    """AQ 9010.1-2025 附录B 表B.1 per record: the items its service types require, present ☑ or
    missing □, as PDF, DOCX and JSON (GET /v1/documents/{id}/archive-contents.{fmt})."""
    import subprocess

    client, _, auth, other = service
    r = _archive(client, auth, _body("report-shandong"))
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    listed = client.get(f"/v1/documents/{rid}/archive-contents.json", headers=auth)
    assert listed.status_code == 200
    items = listed.json()["items"]
    assert {i["service"] for i in items} >= {"安全生产宣传教育培训", "生产安全事故隐患排查"}
    assert listed.json()["missing"] == sum(not i["present"] for i in items) > 0
    pdf = client.get(f"/v1/documents/{rid}/archive-contents.pdf", headers=auth)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf.content, capture_output=True,
                          check=True).stdout.decode()
    flat = "".join(text.split())
    assert "安全生产责任保险事故预防服务档案内容清单" in flat and rid in flat
    assert "☑具备□缺少" in flat and "□具备☑缺少" in flat  # present and missing items
    docx = client.get(f"/v1/documents/{rid}/archive-contents.docx", headers=auth)
    assert docx.status_code == 200 and docx.content.startswith(b"PK")
    assert client.get(f"/v1/documents/{rid}/archive-contents.pdf",
                      headers=other).status_code == 404  # another tenant's record
