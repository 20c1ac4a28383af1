"""Archived PDFs are PDF/A-3b carrying the data they were made from (issue 16, DA/T 47 practice):
XMP ``pdfaid`` 3/B, an output intent, every font embedded, the source JSON (relationship Source)
and the record's metadata (Data) as associated files (``/AF``), and the signatures added as
incremental updates that keep the file at PDF 1.7 — on both engines.

Against the real embedded SeaweedFS, as tests/test_archive.py."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from api.main import create_app
from core.settings import Settings
from services.four_properties import pdf_usability
from services.keys import create_key
from services.records import sha256_hex
from signing.pdf_verify import inspect_pdf_signatures

pytestmark = pytest.mark.s3

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture(scope="module", params=["typst", "weasyprint"])
def service(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    app = create_app(Settings(data_dir=tmp_path_factory.mktemp(f"pdfa-{request.param}"),
                              pdf_engine=request.param))
    with TestClient(app) as client:
        ctx = app.state.ctx
        yield client, ctx, {"Authorization": "Bearer " + create_key(ctx.engine, "t", "insurer")}


def _body(name: str) -> dict:
    return json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))


def _archived(client, auth, name: str) -> tuple[dict, bytes, bytes]:
    body = _body(name)
    r = client.post("/v1/documents", json=body, headers=auth)
    assert r.status_code == 201, r.text
    rec = r.json()
    pdf = client.get(f"/v1/documents/{rec['id']}.pdf", headers=auth).content
    source = client.get(f"/v1/documents/{rec['id']}.json", headers=auth).content
    return rec | {"posted": body}, pdf, source


@pytest.mark.parametrize("name", ["callback-shandong", "report-shandong"])
def test_an_archived_pdf_is_pdfa_3b_with_its_source_embedded(service, name):
    client, ctx, auth = service
    rec, pdf, source = _archived(client, auth, name)
    reader = PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data()
    part = re.search(rb'pdfaid:part(?:="|>)(\d)', xmp)
    conformance = re.search(rb'pdfaid:conformance(?:="|>)([A-Za-z])', xmp)
    assert part and part.group(1) == b"3" and conformance and conformance.group(1) == b"B"
    intents = [i.get_object() for i in root["/OutputIntents"]]
    assert any(i["/S"] == "/GTS_PDFA1" and "/DestOutputProfile" in i for i in intents)
    # the associated files: the source JSON (Source) and the record metadata (Data)
    relationships = {f.get_object()["/F"]: f.get_object()["/AFRelationship"] for f in root["/AF"]}
    assert relationships == {"source.json": "/Source", "record.json": "/Data"}
    embedded = {k: v[0] for k, v in reader.attachments.items()}
    assert embedded["source.json"] == source  # the very bytes archived beside the PDF
    assert json.loads(embedded["source.json"])["data"] == rec["posted"]["data"]
    meta = json.loads(embedded["record.json"])
    assert meta["id"] == rec["id"] and meta["content_sha256"] == sha256_hex(source)
    # fonts embedded, text readable
    usability = pdf_usability(pdf, rec["id"])
    assert usability["fonts_embedded"][0] == "passed", usability
    assert usability["long_term_format"][0] == "passed", usability
    # the signatures: incremental updates, whole file covered, no switch to PDF 2.0
    assert pdf.startswith(b"%PDF-1.7") and root.get("/Version") in (None, "/1.7")
    assert "/ISO_" not in (root.get("/Extensions") or {})
    reports = inspect_pdf_signatures(pdf, [ctx.signing_certificate])
    assert reports and reports[-1].coverage == "entire_file"
    assert all(r.intact and r.valid for r in reports)
    first = reports[0].revision
    assert first >= 1  # the rendered PDF/A is revision 0; signing only appended
    assert client.post("/v1/verify", content=pdf,
                       headers={"Content-Type": "application/pdf"}).json()["authentic"]


def test_forms_that_are_not_archived_stay_plain_pdf(service):
    client, _, auth = service
    blank = client.get("/v1/forms/callback.pdf", params={"profile": "shandong"}, headers=auth)
    assert blank.status_code == 200
    assert b"pdfaid" not in blank.content
    assert not PdfReader(io.BytesIO(blank.content)).attachments
