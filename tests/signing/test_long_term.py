"""PAdES B-LTA (issue 16): with a time stamp authority and ``AZX_SIGNING_LONG_TERM``, the
service's signature carries its chain and revocation data in the DSS and a document time stamp
over them, so that it still validates years after the signing certificate expired.

The PKI (root, OCSP responder, CRL, TSA, a signer whose certificate lasts one year) runs on
loopback (tests/signing/pki.py, certomancer)."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from fastapi.testclient import TestClient
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESPassed
from pyhanko.sign.validation import DocumentSecurityStore, ades
from pyhanko.sign.validation.policy_decl import (
    PdfSignatureValidationSpec,
    SignatureValidationSpec,
)
from pyhanko_certvalidator import policy_decl
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.registry import SimpleTrustManager

from core.settings import Settings
from services.verify import verify_pdf_offline
from signing.errors import PdfSigningError
from signing.pdf_signer import ServiceSigner
from signing.pdf_verify import inspect_pdf_signatures
from tests.signing.pki import TestPki, running_pki

EXAMPLES = Path(__file__).resolve().parent.parent.parent / "examples"
SIX_YEARS = dt.timedelta(days=6 * 366)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestPki]:
    with running_pki(tmp_path_factory.mktemp("pki")) as running:
        yield running


@pytest.fixture(scope="module")
def lta_pdf(pki: TestPki) -> bytes:
    """An archived-style PDF/A document sealed at B-LTA by a certificate of one year."""
    from domain.catalog import get_kind, parse_data
    from services.render import build, render_document

    body = json.loads((EXAMPLES / "callback-shandong.json").read_text("utf-8"))
    kind = get_kind(body["type"], body["profile"])
    doc = build(kind, parse_data(kind, body["data"]), record_id="AZX-26CBK-YTFWA-8D9WR-2")
    doc.pdf_a = True
    signer = ServiceSigner.from_pkcs12(pki.signer_p12(), "azx-test", tsa_url=pki.tsa_url)
    signer.with_long_term_validation()
    assert signer.level == "B-LTA"
    return signer.sign_pdf(render_document(doc, "pdf"), field_name="AZX-Service",
                           reason="archived record", record_id="AZX-26CBK-YTFWA-8D9WR-2")


def _spec(pki: TestPki) -> PdfSignatureValidationSpec:
    return PdfSignatureValidationSpec(SignatureValidationSpec(
        cert_validation_policy=CertValidationPolicySpec(
            trust_manager=SimpleTrustManager.build([pki.cert("root")]),
            revinfo_policy=policy_decl.CertRevTrustPolicy(
                revocation_checking_policy=policy_decl.REQUIRE_REVINFO,
                freshness_req_type=policy_decl.FreshnessReqType.MAX_DIFF_REVOCATION_VALIDATION))))


def test_a_b_lta_signature_validates_six_years_on_after_its_certificate_expired(
        pki: TestPki, lta_pdf: bytes) -> None:
    reader = PdfFileReader(io.BytesIO(lta_pdf))
    (signature,) = reader.embedded_regular_signatures
    assert reader.embedded_timestamp_signatures  # the document time stamp (B-LTA)
    dss = DocumentSecurityStore.read_dss(reader)
    assert dss.ocsps and dss.certs  # the chains and the OCSP responses, in the file
    future = dt.datetime.now(dt.UTC) + SIX_YEARS
    assert pki.cert("signer").not_valid_after < future  # expired by then
    result = asyncio.run(ades.simulate_future_ades_lta_validation(
        signature, _spec(pki), future_validation_time=future))  # no fetching: the file alone
    assert result.ades_subindic == AdESPassed.OK, result.failure_msg
    assert result.best_signature_time is not None
    assert abs(result.best_signature_time - pki.started) < dt.timedelta(minutes=1)


def test_the_long_term_data_keep_pdfa_and_pdf_17(lta_pdf: bytes) -> None:
    reader = PdfFileReader(io.BytesIO(lta_pdf))
    assert lta_pdf.startswith(b"%PDF-1.7") and "/Version" not in reader.root
    xmp = reader.root["/Metadata"].get_object().data
    assert re.search(rb'pdfaid:part(?:="|>)3', xmp)


def test_verify_reports_b_lta_and_refuses_a_byte_after_it(pki: TestPki, lta_pdf: bytes) -> None:
    cert = x509.load_der_x509_certificate(pki.cert("signer").dump())
    (report,) = inspect_pdf_signatures(lta_pdf, [cert])
    assert report.level == "B-LTA" and report.sealed and not report.covers_whole_file
    assert report.evidence_until == pki.cert("tsa").not_valid_after
    answer = verify_pdf_offline(lta_pdf, {"keys": []}, [cert])
    assert answer["authentic"] is True, answer["reasons"]
    assert answer["signers"][0]["level"] == "B-LTA"
    assert verify_pdf_offline(lta_pdf + b"\n% appended\n", {"keys": []},
                              [cert])["authentic"] is False


def test_long_term_signatures_need_a_time_stamp_authority(tmp_path: Path) -> None:
    signer = ServiceSigner.self_signed_in(tmp_path / "keys")
    with pytest.raises(PdfSigningError, match="time stamp"):
        signer.with_long_term_validation()
    settings = Settings(data_dir=tmp_path, signing_long_term=True)  # no AZX_TSA_URL
    assert ServiceSigner.from_settings(settings).level == "B-B"


@pytest.mark.s3
def test_an_archived_record_is_sealed_at_b_lta_and_verifies(pki: TestPki, tmp_path: Path) -> None:
    from api.main import create_app
    from services.keys import create_key

    p12 = tmp_path / "service.p12"
    p12.write_bytes(pki.signer_p12())
    settings = Settings(data_dir=tmp_path / "data", signing_p12=p12,
                        signing_p12_password="azx-test", tsa_url=pki.tsa_url,
                        signing_long_term=True)
    app = create_app(settings)
    with TestClient(app) as client:
        ctx = app.state.ctx
        auth = {"Authorization": "Bearer " + create_key(ctx.engine, "t", "insurer")}
        body = json.loads((EXAMPLES / "callback-shandong.json").read_text("utf-8"))
        rec = client.post("/v1/documents", json=body, headers=auth)
        assert rec.status_code == 201, rec.text
        rid = rec.json()["id"]
        pdf = client.get(f"/v1/documents/{rid}.pdf", headers=auth).content
        answer = client.post("/v1/verify", content=pdf,
                             headers={"Content-Type": "application/pdf"}).json()
        assert answer["authentic"] is True, answer["reasons"]
        assert answer["signers"][-1]["level"] == "B-LTA"
        assert answer["signers"][-1]["evidence_until"].startswith(
            str(pki.cert("tsa").not_valid_after.year))
        url = answer["qr"]["url"]  # the verify page the QR code opens shows the level
        page = client.get(url[url.index("/verify/"):]).text
        assert "PAdES B-LTA" in page and "证据有效至" in page
        checks = client.get(f"/v1/documents/{rid}/checks", headers=auth).json()
        assert checks["passed"] is True, [i for i in checks["items"] if i["outcome"] == "failed"]
