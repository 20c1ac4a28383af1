"""Nothing altered unseen (DA/T 70 真实性/完整性): an attacker holding the store's credentials
writes over a record; verify, fixity and rebuild each notice, and none believes the forgery.

The manifest is sealed by the service (Ed25519, the QR key family, ``signing.manifest_seal``)
and names the version and SHA-256 of every part; the registry names the manifest's version.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import delete, select

from api.main import create_app
from core.settings import Settings
from services.context import AppContext
from services.fixity import run_fixity
from services.keys import create_key
from services.registry import compare_registry, rebuild_registry
from services.verify import find_verify_urls
from storage.tables import records
from tests.conftest import TestClient

pytestmark = pytest.mark.s3

EXAMPLES = Path(__file__).resolve().parent.parent.parent / "examples"


@dataclass
class Svc:
    client: TestClient
    ctx: AppContext
    auth: dict[str, str]

    def archive(self, name: str) -> dict[str, Any]:
        body = json.loads((EXAMPLES / f"{name}.json").read_text("utf-8"))
        r = self.client.post("/v1/documents", json=body, headers=self.auth)
        assert r.status_code == 201, r.text
        return dict(r.json())

    def verify_as_holder(self, rid: str) -> dict[str, Any]:
        """/v1/verify with the QR token of the record's own PDF."""
        pdf = self.client.get(f"/v1/documents/{rid}.pdf", headers=self.auth).content
        (url,) = set(find_verify_urls(pdf) or [])
        parts = urlsplit(url)
        return dict(self.client.get(f"/v1{parts.path}?{parts.query}").json())

    def raw_put(self, key: str, data: bytes) -> None:
        """A new version over ``key`` with the service's own S3 identity (what a leaked
        credential allows), bypassing the service's never-overwrite check."""
        store = self.ctx.store
        store.client.put_object(store.bucket, key, io.BytesIO(data), len(data),  # type: ignore[attr-defined]
                                content_type="application/json")

    def fixity(self) -> dict[str, list[str]]:
        report = run_fixity(self.ctx.engine, self.ctx.store, self.ctx.settings)
        out: dict[str, list[str]] = {}
        for f in report.findings:
            out.setdefault(f.record_id, []).append(f"{f.severity}: {f.what}")
        return out


@pytest.fixture(scope="module")
def svc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Svc]:
    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("tamper")))
    with TestClient(app) as client:
        ctx: AppContext = app.state.ctx
        key = create_key(ctx.engine, "人保济南", "insurer")
        yield Svc(client, ctx, {"Authorization": f"Bearer {key}"})


def admin_client(svc: Svc) -> Any:
    """A client with the embedded store's admin identity (kept in the data dir)."""
    from minio import Minio

    from storage.embedded_s3 import EmbeddedS3

    admin = EmbeddedS3.from_settings(svc.ctx.settings).admin_credentials
    return Minio(svc.ctx.store.endpoint, access_key=admin.access_key,  # type: ignore[attr-defined]
                 secret_key=admin.secret_key, secure=False)


def codes(body: dict[str, Any]) -> set[str]:
    return {r["code"] for r in body["reasons"]}


def test_a_manifest_rewritten_for_another_tenant_is_caught_everywhere(svc: Svc) -> None:
    rec = svc.archive("report-shandong")
    key = f"records/{rec['id']}/manifest.json"
    original = json.loads(svc.ctx.store.get(key))
    assert original["signature"]["alg"] == "EdDSA"
    forged = original | {"tenant": "平安成都", "insured": "冒名公司", "policy_no": "PFORGED"}
    svc.raw_put(key, json.dumps(forged, ensure_ascii=False).encode())

    body = svc.verify_as_holder(rec["id"])
    assert body["authentic"] is False and "archive_versions" in codes(body)
    assert body["insured"] == rec["insured"]  # the registry's, never the forgery's
    assert any("manifest.json" in w and w.startswith("critical")
               for w in svc.fixity()[rec["id"]])
    # a registry rebuilt from the store alone keeps the sealed original
    with svc.ctx.engine.begin() as conn:
        conn.execute(delete(records).where(records.c.id == rec["id"]))
    report = rebuild_registry(svc.ctx.engine, svc.ctx.store, svc.ctx.key_ring.public_keys())
    assert rec["id"] not in report["refused"]
    with svc.ctx.engine.connect() as conn:
        row = conn.execute(select(records.c.tenant, records.c.policy_no).where(
            records.c.id == rec["id"])).one()
    assert tuple(row) == ("人保济南", rec["policy_no"])
    other = create_key(svc.ctx.engine, "平安成都", "insurer")
    assert svc.client.get(f"/v1/documents/{rec['id']}.pdf",
                          headers={"Authorization": f"Bearer {other}"}).status_code == 404


def test_a_manifest_without_the_services_seal_is_never_taken_by_rebuild(svc: Svc) -> None:
    """A record directory made by someone else (locked, well-formed, unsealed)."""
    rid = "AZX-26RPT-FAKE0-00000-0"
    store = svc.ctx.store
    until = datetime.now(UTC) + timedelta(days=1)
    pdf = store.put_locked(f"records/{rid}/document.pdf", b"%PDF-1.7 fake", "application/pdf",
                           until)
    now = datetime.now(UTC).isoformat()
    manifest = {"id": rid, "type": "report", "profile": "shandong", "title": "t",
                "tenant": "人保济南", "template_version": "1", "content_sha256": "0" * 64,
                "created_at": now, "retain_until": until.isoformat(),
                "parts": {"pdf": {"key": pdf.key, "sha256": pdf.sha256, "size": 13,
                                  "version_id": pdf.version_id, "media_type": "application/pdf"}}}
    store.put_locked(f"records/{rid}/manifest.json", json.dumps(manifest).encode(),
                     "application/json", until)
    keys = svc.ctx.key_ring.public_keys()
    diff = compare_registry(svc.ctx.engine, store, keys)
    assert "no manifest sealed by the service" in diff.refused[rid]
    report = rebuild_registry(svc.ctx.engine, store, keys)
    assert rid in report["refused"]
    with svc.ctx.engine.connect() as conn:
        assert conn.execute(select(records.c.id).where(records.c.id == rid)).first() is None


def test_a_delete_marker_over_a_manifest_does_not_drop_the_record(svc: Svc) -> None:
    rec = svc.archive("callback-shandong")
    store = svc.ctx.store
    # the service's identity may not place delete markers; the store's admin (or root) can
    admin_client(svc).remove_object(store.bucket, f"records/{rec['id']}/manifest.json")
    assert any("delete markers" in w for w in svc.fixity()[rec["id"]])
    assert "archive_versions" in codes(svc.verify_as_holder(rec["id"]))
    with svc.ctx.engine.begin() as conn:
        conn.execute(delete(records).where(records.c.id == rec["id"]))
    rebuild_registry(svc.ctx.engine, store, svc.ctx.key_ring.public_keys())
    with svc.ctx.engine.connect() as conn:
        assert conn.execute(select(records.c.id).where(records.c.id == rec["id"])).first()


def test_a_new_latest_version_over_a_pdf_is_never_served_and_is_reported(svc: Svc) -> None:
    rec = svc.archive("plan-shandong")
    original = svc.client.get(f"/v1/documents/{rec['id']}.pdf", headers=svc.auth).content
    svc.raw_put(f"records/{rec['id']}/document.pdf", b"%PDF-1.7 a forgery")
    served = svc.client.get(f"/v1/documents/{rec['id']}.pdf", headers=svc.auth).content
    assert served == original  # read by the locked version the registry names
    assert "archive_versions" in codes(svc.verify_as_holder(rec["id"]))
    assert any("document.pdf" in w and "critical" in w for w in svc.fixity()[rec["id"]])


def test_a_legal_hold_removed_behind_the_services_back_is_reported(svc: Svc) -> None:
    rec = svc.archive("agreement-shandong")
    admin = {"Authorization": "Bearer " + create_key(svc.ctx.engine, "人保济南", "admin")}
    r = svc.client.post(f"/v1/documents/{rec['id']}/legal-hold", headers=admin,
                        json={"on": True, "reason": "理赔争议"})
    assert r.status_code == 200 and r.json()["legal_hold"] is True
    assert rec["id"] not in svc.fixity()
    store = svc.ctx.store
    pdf = svc.ctx.archive.find(rec["id"]).parts["pdf"]
    store.client.disable_object_legal_hold(store.bucket, pdf.key, pdf.version_id)  # type: ignore[attr-defined]
    found = svc.fixity()[rec["id"]]
    assert any("legal hold is off in the store, on in the registry" in w for w in found)
    body = svc.verify_as_holder(rec["id"])
    assert body["authentic"] is False and "legal_hold_changed" in codes(body)


def test_an_intact_archive_has_no_findings(svc: Svc) -> None:
    rec = svc.archive("annual_evaluation-shandong")
    assert rec["id"] not in svc.fixity()
    body = svc.verify_as_holder(rec["id"])
    assert body["authentic"] is True, body["reasons"]
