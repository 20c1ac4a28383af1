"""The report names three signers (Shandong 附件4): 被保险人授权代表, 第三方服务机构授权代表 and
承保公司风险管理人员审批. They sign in that order as incremental signatures — each with its own
certificate or by a recorded click-to-sign confirmation — and the service seals last, before the
record is locked."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import subprocess
import tempfile
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from fastapi.testclient import TestClient
from pyhanko.pdf_utils.reader import PdfFileReader

from api.main import create_app
from core.settings import Settings
from services.keys import create_key
from signing.pdf_verify import inspect_pdf_signatures

pytestmark = pytest.mark.s3

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "report-shandong.json"


def party_p12(common_name: str, password: bytes) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=365))
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False),
                           critical=True)
            .sign(key, hashes.SHA256()))
    return pkcs12.serialize_key_and_certificates(
        b"party", key, cert, None, serialization.BestAvailableEncryption(password))


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("parties")))
    with TestClient(app) as c:
        key = create_key(app.state.ctx.engine, "人保济南", "insurer")
        c.headers["Authorization"] = f"Bearer {key}"
        yield c


def _signatures() -> list[dict]:
    confirmed = "2026-03-12T16:05:00+08:00"
    return [
        {"role": "insured", "name": "赵立新", "method": "click", "confirmed_at": confirmed,
         "channel": "微信小程序", "reference": "WX-20260312-0001"},
        {"role": "provider", "name": "孙浩", "method": "certificate",
         "p12": base64.b64encode(party_p12("山东安泰安全技术咨询有限公司 孙浩", b"s3cret")).decode(),
         "p12_password": "s3cret"},
        {"role": "insurer", "name": "王晓明", "method": "click", "confirmed_at": confirmed,
         "channel": "web"},
    ]


def test_parties_sign_in_order_then_the_service_seals(client):
    body = json.loads(EXAMPLE.read_text(encoding="utf-8")) | {"signatures": _signatures()}
    r = client.post("/v1/documents", json=body)
    assert r.status_code == 201, r.text
    pdf = client.get(f"/v1/documents/{r.json()['id']}.pdf").content
    reader = PdfFileReader(io.BytesIO(pdf))
    fields = [s.field_name for s in reader.embedded_signatures]
    assert fields == ["AZX-insured", "AZX-provider", "AZX-insurer", "AZX-Service"]
    # four incremental revisions, each signature intact (poppler's pdfsig, an independent tool)
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf)
        f.flush()
        out = subprocess.run(["pdfsig", f.name], capture_output=True, text=True).stdout
    assert out.count("Signature is Valid.") == 4, out
    assert "山东安泰安全技术咨询有限公司 孙浩" in out
    # the click confirmation is recorded in the signature's reason
    insured = reader.embedded_signatures[0].sig_object
    assert "微信小程序" in str(insured.get("/Reason")) and "WX-20260312-0001" in str(insured.get("/Reason"))
    verified = client.get(f"/v1/verify/{r.json()['id']}").json()
    assert verified["authentic"] is True, verified
    # the record ID came with the first signature, so every signature covers it
    assert [rep.record_id for rep in inspect_pdf_signatures(pdf, [])] == [r.json()["id"]] * 4


def test_out_of_order_or_unknown_signers_are_refused_before_anything_is_written(client):
    body = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    sigs = _signatures()
    body["signatures"] = [sigs[2], sigs[0]]
    r = client.post("/v1/documents", json=body)
    assert r.status_code == 422
    assert r.json()["problems"][0]["rule"] == "signature_order"
    body["signatures"] = [{"role": "insured", "name": "赵立新", "method": "click"}]
    r = client.post("/v1/documents", json=body)
    assert r.status_code == 422
    assert r.json()["problems"][0]["path"] == "signatures[0]"
    callback = json.loads((EXAMPLE.parent / "callback-shandong.json").read_text(encoding="utf-8"))
    callback["signatures"] = [sigs[0]]
    r = client.post("/v1/documents", json=callback)
    assert r.status_code == 422 and r.json()["problems"][0]["rule"] == "no_signature_line"
