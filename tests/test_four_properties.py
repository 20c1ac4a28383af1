"""The 四性 check (DA/T 70-2018: 真实性、完整性、可用性、安全性) of archived records and the
auditor package (a BagIt bag that checks out with no access to the service).

Against the real embedded SeaweedFS, as tests/test_archive.py."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import bagit
import pytest
from cryptography import x509
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.main import create_app
from core.settings import Settings
from domain.four_properties import (
    CHECK_ITEMS,
    PROPERTIES,
    evidence_outcome,
    judge,
    missing_metadata,
)
from services.fixity import run_fixity
from services.four_properties import pdf_usability
from services.keys import create_key
from services.records import check_manifest, sha256_hex
from services.verify import verify_pdf_offline
from storage.tables import audit_events

pytestmark = pytest.mark.s3

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory):
    data_dir = tmp_path_factory.mktemp("four-properties")
    app = create_app(Settings(data_dir=data_dir, public_base_url="https://azx.example.cn"))
    with TestClient(app) as client:
        ctx = app.state.ctx
        insurer = {"Authorization": "Bearer " + create_key(ctx.engine, "人保济南", "insurer")}
        other = {"Authorization": "Bearer " + create_key(ctx.engine, "平安成都", "insurer")}
        yield client, ctx, insurer, other


def _archive(client, auth, name: str, **extra) -> dict:
    body = json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8")) | extra
    r = client.post("/v1/documents", json=body, headers=auth)
    assert r.status_code == 201, r.text
    return r.json()


def _role(ctx, role: str, tenant: str = "人保济南") -> dict[str, str]:
    return {"Authorization": "Bearer " + create_key(ctx.engine, tenant, role)}


# -- the rules ----------------------------------------------------------------------------------


def test_every_property_has_items_and_a_failed_item_fails_only_its_property():
    assert {i.property for i in CHECK_ITEMS} == set(PROPERTIES)
    result = judge("AZX-X", "t", "report", __import__("datetime").datetime(2026, 1, 1),
                   {"fonts_embedded": ("failed", "F1"), "archive_contents": ("warning", "缺 1 项")})
    verdicts = {v.property: v for v in result.properties}
    assert not result.passed and not verdicts["usability"].passed
    assert verdicts["integrity"].passed and verdicts["integrity"].warnings == 1
    assert verdicts["authenticity"].passed and verdicts["security"].passed


def test_missing_core_metadata_is_named_by_its_dat46_element():
    assert missing_metadata({"id": "A", "title": "", "type": "report"})[:2] == ["题名", "立档单位名称"]


def test_long_term_evidence_warns_a_year_before_it_ends_and_fails_after():
    from datetime import UTC, datetime, timedelta

    now = datetime(2032, 6, 1, tzinfo=UTC)
    assert evidence_outcome(None, now) is None  # not B-LTA: nothing to renew
    assert evidence_outcome(now + timedelta(days=800), now) is None
    warned = evidence_outcome(now + timedelta(days=200), now)
    assert warned is not None and warned[0] == "warning" and "2032-12-18" in warned[1]
    ended = evidence_outcome(now - timedelta(days=1), now)
    assert ended is not None and ended[0] == "failed"


def test_a_pdf_with_a_font_not_embedded_fails_usability():
    content = b"BT /F1 12 Tf 72 720 Td (AZX-1) Tj ET"
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for n, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1,
                                                                              xref)
    found = pdf_usability(bytes(out), "AZX-1")
    assert found["opens"][0] == "passed"
    assert found["fonts_embedded"][0] == "failed" and "Helvetica" in (found["fonts_embedded"][1]
                                                                      or "")
    assert found["long_term_format"][0] == "warning"  # no pdfaid in the XMP


# -- one record ---------------------------------------------------------------------------------


def test_an_archived_record_passes_all_four_properties_and_is_checked_at_archiving(service):
    client, ctx, auth, other = service
    rec = _archive(client, auth, "report-shandong")
    r = client.get(f"/v1/documents/{rec['id']}/checks", headers=auth)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["passed"] is True, [i for i in body["items"] if i["outcome"] == "failed"]
    assert {v["property"]: v["passed"] for v in body["properties"]} == dict.fromkeys(
        PROPERTIES, True)
    items = {i["code"]: i for i in body["items"]}
    assert set(items) == {i.code for i in CHECK_ITEMS}
    for code in ("signature", "manifest_seal", "fixity", "metadata_matches_content",
                 "parts_present", "metadata_complete", "version_chain", "opens",
                 "fonts_embedded", "text_extractable", "lock", "legal_hold", "versions"):
        assert items[code]["outcome"] == "passed", items[code]
    assert items["archive_contents"]["outcome"] == "warning"  # 表B.1 items this record lacks
    with ctx.engine.connect() as conn:
        events = conn.execute(select(audit_events).where(
            audit_events.c.record_id == rec["id"],
            audit_events.c.action == "four_properties")).mappings().all()
    assert [e["detail"]["when"] for e in events] == ["archiving", "on_demand"]
    assert events[0]["detail"]["passed"] is True
    # another tenant's record: 404, as everywhere
    assert client.get(f"/v1/documents/{rec['id']}/checks", headers=other).status_code == 404
    assert client.get("/v1/documents/AZX-26RPT-3YP1S-QMDVX-4/checks",
                      headers=auth).status_code == 404  # no such record


def test_a_correction_keeps_the_version_chain_consistent(service):
    client, _, auth, _ = service
    first = _archive(client, auth, "callback-shandong")
    second = _archive(client, auth, "callback-shandong", supersedes=first["id"])
    for rid in (first["id"], second["id"]):
        items = {i["code"]: i for i in client.get(f"/v1/documents/{rid}/checks",
                                                 headers=auth).json()["items"]}
        assert items["version_chain"]["outcome"] == "passed", items["version_chain"]


def test_a_version_written_over_a_locked_pdf_fails_security_and_fixity_says_so(service):
    client, ctx, auth, _ = service
    rec = _archive(client, auth, "plan-shandong")
    key = f"records/{rec['id']}/document.pdf"
    forged = b"%PDF-1.7 a forgery"
    ctx.store.client.put_object(ctx.store.bucket, key, io.BytesIO(forged), len(forged),
                                content_type="application/pdf")
    body = client.get(f"/v1/documents/{rec['id']}/checks", headers=auth).json()
    verdicts = {v["property"]: v["passed"] for v in body["properties"]}
    assert body["passed"] is False and verdicts["security"] is False
    assert verdicts["authenticity"] is True  # reads stay pinned to the locked version
    assert {i["code"] for i in body["items"] if i["outcome"] == "failed"} == {"versions"}
    report = run_fixity(ctx.engine, ctx.store, ctx.settings)
    assert report.four_properties[rec["id"]] == ["versions"]
    summary = report.as_dict()["four_properties"]
    assert rec["id"] in summary["failed"] and summary["checked"] >= 2


# -- a set: the 四性检测报告 ----------------------------------------------------------------------


def test_the_four_properties_report_of_a_policys_records(service):
    client, ctx, auth, _ = service
    rec = _archive(client, auth, "agreement-shandong")
    auditor = _role(ctx, "auditor")
    listed = client.get("/v1/checks", params={"policy_no": rec["policy_no"]}, headers=auditor)
    assert listed.status_code == 200, listed.text
    ids = [r["record_id"] for r in listed.json()["records"]]
    assert rec["id"] in ids and listed.json()["total"] == len(ids)
    pdf = client.get("/v1/checks.pdf", params={"id": [rec["id"]]}, headers=auditor)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf.content, capture_output=True,
                          check=True).stdout.decode()
    flat = "".join(text.split())
    assert "电子档案四性检测报告" in flat and "DA/T70—2018" in flat
    assert rec["id"] in flat and "真实性" in flat and "检测结论" in flat
    assert client.get("/v1/checks.pdf", headers=auditor).status_code == 422  # no filter
    assert client.get("/v1/checks", params={"id": rec["id"]},
                      headers=_role(ctx, "auditor", "平安成都")).json()["total"] == 0


# -- the auditor package --------------------------------------------------------------------------


def test_the_auditor_package_is_a_valid_bag_that_verifies_offline_from_itself(service, tmp_path):
    client, ctx, auth, _ = service
    report = _archive(client, auth, "report-shandong")
    callback = _archive(client, auth, "callback-shandong")
    auditor = _role(ctx, "auditor")
    r = client.get("/v1/exports", params={"id": [report["id"], callback["id"]]},
                   headers=auditor)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(r.content)) as z:
        z.extractall(tmp_path)
    (root,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    bag = bagit.Bag(str(root))
    bag.validate()  # every file against manifest-sha256.txt and manifest-sha512.txt
    assert set(bag.algorithms) == {"sha256", "sha512"}
    assert (root / "manifest-sha256.txt").exists() and (root / "manifest-sha512.txt").exists()
    assert bag.info["Source-Organization"] == "人保济南"
    data = root / "data"
    for name in ("README.txt", "index.html", "index.csv", "four-properties-report.pdf",
                 "four-properties.json", "keys/jwks.json", "keys/azx-signing-cert.pem"):
        assert (data / name).is_file(), name
    # everything below comes from the bag alone
    jwks = json.loads((data / "keys/jwks.json").read_text())
    cert = x509.load_pem_x509_certificate((data / "keys/azx-signing-cert.pem").read_bytes())
    for rec in (report, callback):
        folder = data / "records" / rec["id"]
        for name in ("document.pdf", "document.docx", "source.json", "manifest.json",
                     "metadata.json", "verification.json", "four-properties.json"):
            assert (folder / name).is_file(), (rec["id"], name)
        pdf = (folder / "document.pdf").read_bytes()
        answer = verify_pdf_offline(pdf, jwks, [cert])
        assert answer["authentic"] is True and answer["id"] == rec["id"], answer["reasons"]
        sealed = check_manifest((folder / "manifest.json").read_bytes(), jwks)
        assert sealed.state == "valid" and sealed.manifest is not None
        for part in sealed.manifest.parts.values():
            on_disk = (folder / part.key.rsplit("/", 1)[-1]).read_bytes()
            assert sha256_hex(on_disk) == part.sha256
        meta = json.loads((folder / "metadata.json").read_text())
        assert meta["电子文件号"] == rec["id"] and meta["内容描述"]["题名"] == rec["title"]
        assert meta["保存"]["锁定模式"] == "COMPLIANCE" and meta["电子签名"]
        assert meta["电子签名"][-1]["签名结果"] == "有效" and meta["四性检测"]["通过"] is True
        assert json.loads((folder / "source.json").read_text())["id"] == rec["id"]
    # the command an auditor runs, on a file of the bag, with the bag's keys
    cli = subprocess.run(
        [sys.executable, "-m", "cli.main", "verify",
         str(data / "records" / report["id"] / "document.pdf"),
         "--jwks", str(data / "keys/jwks.json"), "--cert",
         str(data / "keys/azx-signing-cert.pem")],
        capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent)
    assert cli.returncode == 0, cli.stdout + cli.stderr


def test_only_roles_that_export_get_a_package_and_only_of_their_tenant(service):
    client, ctx, auth, other = service
    rec = _archive(client, auth, "plan-national")
    technician = _role(ctx, "technician")
    assert client.get("/v1/exports", params={"id": rec["id"]},
                      headers=technician).status_code == 403
    assert client.get("/v1/exports", headers=auth).status_code == 422  # no filter
    foreign = client.get("/v1/exports", params={"id": rec["id"]}, headers=other)
    assert foreign.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(foreign.content)).namelist()
    assert not any(rec["id"] in n for n in names)
