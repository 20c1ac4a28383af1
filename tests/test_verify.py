"""Every record carries a QR-traceable ID and a signature an auditor can check, online or offline.

Runs against the session app (``app_client``) and its embedded SeaweedFS archive. The QR codes
are read the way a phone would: page 1 rasterised at 150 dpi (poppler ``pdftoppm``) and decoded
with zxing-cpp; signatures are cross-checked with poppler ``pdfsig`` and pyHanko's validator.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import zxingcpp
from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509
from PIL import Image
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from sqlalchemy import select, update

from cli.main import main as azx
from core.settings import Settings, get_settings
from domain.catalog import get_kind, parse_data
from services.render import build, render_document
from services.verify import verify_pdf_offline
from signing.pdf_meta import embed_record_id
from signing.pdf_signer import ServiceSigner
from signing.qr import qr_png
from signing.qr_token import make_verify_url, parse_verify_url, verify_claim
from storage.tables import records
from tests.conftest import TestClient, bearer
from tests.signing._pdfsig import pdfsig, signature_blocks

pytestmark = pytest.mark.s3


@dataclass(frozen=True)
class Archived:
    id: str
    record: dict[str, Any]
    pdf: bytes
    url: str  # decoded from the QR code on page 1

    @property
    def path(self) -> str:
        """Path and query of the verify URL, as the phone would request it."""
        parts = urlsplit(self.url)
        return f"{parts.path}?{parts.query}"

    @property
    def query(self) -> dict[str, str]:
        return dict(p.split("=", 1) for p in urlsplit(self.url).query.split("&"))


def decode_qr(pdf: bytes, tmp_path: Path) -> list[str]:
    """Texts of every QR code on page 1, rasterised at 150 dpi like a phone photo."""
    exe = shutil.which("pdftoppm")
    if exe is None:
        pytest.fail("pdftoppm not found: install poppler-utils")
    src = tmp_path / "page.pdf"
    src.write_bytes(pdf)
    subprocess.run([exe, "-r", "150", "-f", "1", "-l", "1", "-png", str(src),
                    str(tmp_path / "page")], check=True, timeout=60)
    (png,) = tmp_path.glob("page*.png")
    with Image.open(png) as image:
        return [b.text for b in zxingcpp.read_barcodes(
            image, formats=zxingcpp.BarcodeFormat.QRCode)]


@pytest.fixture(scope="module")
def headers(api_key: Callable[..., str]) -> dict[str, str]:
    return bearer(api_key("验证测试", "insurer"))


@pytest.fixture(scope="module")
def archive(app_client: TestClient, headers: dict[str, str],
            tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Archived]:
    def make(body: dict[str, Any]) -> Archived:
        r = app_client.post("/v1/documents", json=body, headers=headers)
        assert r.status_code == 201, r.text
        rec = r.json()
        pdf = app_client.get(f"/v1/documents/{rec['id']}.pdf", headers=headers)
        assert pdf.status_code == 200
        # one URL (a one-page form shows the same QR twice: page 1 and the signature block)
        (url,) = set(decode_qr(pdf.content, tmp_path_factory.mktemp("qr")))
        return Archived(rec["id"], rec, pdf.content, url)

    return make


@pytest.fixture(scope="module")
def report(archive: Callable[..., Archived], examples: dict[str, Any]) -> Archived:
    return archive(examples["report-shandong"])


@pytest.fixture(scope="module")
def other(archive: Callable[..., Archived], examples: dict[str, Any]) -> Archived:
    return archive(examples["report-shandong"])


@pytest.fixture(scope="module")
def public_files(app_client: TestClient,
                 tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The JWKS and the signing certificate as an auditor downloads them."""
    out = tmp_path_factory.mktemp("public")
    jwks = app_client.get("/.well-known/jwks.json")
    cert = app_client.get("/.well-known/azx-signing-cert.pem")
    assert jwks.status_code == cert.status_code == 200
    (out / "jwks.json").write_bytes(jwks.content)
    (out / "cert.pem").write_bytes(cert.content)
    return out / "jwks.json", out / "cert.pem"


@pytest.fixture
def local_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point the CLI's settings at the session app's data dir."""
    monkeypatch.setenv("AZX_DATA_DIR", str(settings.data_dir))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def codes(result: dict[str, Any]) -> set[str]:
    return {r["code"] for r in result["reasons"]}


def flip_byte_in_signed_content(pdf: bytes) -> bytes:
    """Change one byte inside the first content stream (covered by the signature)."""
    start = pdf.index(b"stream", pdf.index(b"/Length")) + len(b"stream\n") + 10
    data = bytearray(pdf)
    data[start] ^= 0x01
    return bytes(data)


def append_info_update(pdf: bytes) -> bytes:
    """A later incremental update changing /Info: validators call that 'allowed'."""
    w = IncrementalPdfFileWriter(io.BytesIO(pdf))
    info_ref = w.trailer.raw_get("/Info")
    info = info_ref.get_object()
    info[generic.NameObject("/Title")] = generic.TextStringObject("已篡改 / tampered")
    w.mark_update(info_ref)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def append_annotation(pdf: bytes) -> bytes:
    """A later incremental update adding a text annotation to page 1."""
    w = IncrementalPdfFileWriter(io.BytesIO(pdf))
    page_ref = w.root["/Pages"]["/Kids"].raw_get(0)
    page = page_ref.get_object()
    annot = w.add_object(generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/Annot"),
        generic.NameObject("/Subtype"): generic.NameObject("/Text"),
        generic.NameObject("/Rect"): generic.ArrayObject(
            [generic.NumberObject(n) for n in (50, 50, 80, 80)]),
        generic.NameObject("/Contents"): generic.TextStringObject("合格"),
    }))
    annots = generic.ArrayObject(page.get("/Annots") or [])
    annots.append(annot)
    page[generic.NameObject("/Annots")] = annots
    w.mark_update(page_ref)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def signed_with_qr(settings: Settings, examples: dict[str, Any], record_id: str,
                   url: str) -> bytes:
    """A document rendered and signed with the SERVICE's certificate but carrying the QR
    ``url`` (what an insider or a bug could produce): only the QR check can catch it."""
    kind = get_kind("report", "shandong")
    model = parse_data(kind, examples["report-shandong"]["data"])
    pdf = render_document(build(kind, model, record_id=record_id), "pdf", qr_png=qr_png(url, box_size=4))
    signer = ServiceSigner.from_settings(settings)
    return signer.sign_pdf(embed_record_id(pdf, record_id), field_name="AZX-Service",
                           reason="test", signer_name="AZX archive service")


def forged_urls(report: Archived, other: Archived) -> dict[str, str]:
    """QR URLs forged by changing the ID, the hash or the signature of a genuine one."""
    q = report.query
    base = report.url.split("/verify/")[0]
    s = q["s"]
    return {
        "other_id": f"{base}/verify/{other.id}?h={q['h']}&k={q['k']}&s={s}",
        "other_h": f"{base}/verify/{report.id}?h={other.query['h']}&k={q['k']}&s={s}",
        "other_s": f"{base}/verify/{report.id}?h={q['h']}&k={q['k']}"
                   f"&s={'B' if s[0] != 'B' else 'C'}{s[1:]}",
    }


# -- the QR code and the page it opens ------------------------------------------------------


def test_qr_on_page_one_is_the_signed_verify_url(
    report: Archived, settings: Settings, app_client: TestClient
) -> None:
    assert report.url.startswith(f"{settings.public_base_url}/verify/{report.id}?")
    claim = parse_verify_url(report.url)
    assert claim.record_id == report.id
    assert claim.content_sha256.hex() == report.record["content_sha256"]
    assert verify_claim(claim, app_client.get("/.well-known/jwks.json").json())


EXAMPLE_NAMES = sorted(p.stem for p in (Path(__file__).resolve().parent.parent / "examples").glob("*.json"))


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_every_document_type_carries_a_qr_that_opens_an_authentic_page(
    app_client: TestClient, archive: Callable[..., Archived], examples: dict[str, Any], name: str
) -> None:
    """Page 1 of every type, rasterised at 150 dpi and decoded with zxing-cpp, gives the verify
    URL (``archive`` decodes it), and the page it opens says 真实有效."""
    doc = archive(examples[name])
    assert doc.url.split("?")[0].endswith(f"/verify/{doc.id}")
    page = app_client.get(doc.path).text
    assert "真实有效" in page and "无法验证" not in page


def test_the_page_the_qr_opens_says_authentic(app_client: TestClient, report: Archived) -> None:
    r = app_client.get(report.path)  # no API key: the page is public
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    page = r.text
    assert "真实有效" in page and "无法验证" not in page
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert 'class="banner ok"' in page
    for label in ("文书类型", "被保险人", "保单号", "日期", "签署方", "SHA-256", "保存期限至",
                  "法律保全"):
        assert label in page
    assert report.record["insured"] in page and report.record["policy_no"] in page
    assert hashlib.sha256(report.pdf).hexdigest() in page
    china = timezone(timedelta(hours=8))
    for field in ("created_at", "retain_until"):  # dates as printed in China
        day = datetime.fromisoformat(report.record[field]).astimezone(china)
        assert day.strftime("%Y-%m-%d") in page
    assert "二维码" in page and "签名有效" in page


def test_without_its_token_a_record_id_shows_only_id_type_and_authenticity(
    app_client: TestClient, report: Archived
) -> None:
    r = app_client.get(f"/v1/verify/{report.id}")
    assert r.status_code == 200
    body = r.json()
    assert body["authentic"] is True and body["reasons"] == [] and body["disclosure"] == "public"
    assert body["id"] == report.id and body["type"] == "report"
    assert body["title"] == report.record["title"]
    for held in ("insured", "policy_no", "created_at", "retain_until", "legal_hold",
                 "superseded_by", "supersedes", "sha256", "current"):
        assert body[held] is None, held
    assert body["signers"] == []
    assert report.record["insured"] not in r.text and report.record["policy_no"] not in r.text


def test_with_the_qr_token_verify_shows_the_printed_facts_and_the_status(
    app_client: TestClient, report: Archived
) -> None:
    r = app_client.get(f"/v1{report.path}")
    assert r.status_code == 200
    body = r.json()
    assert body["authentic"] is True and body["reasons"] == [] and body["current"] is True
    assert body["disclosure"] == "holder"
    assert body["id"] == report.id
    assert body["type"] == "report"
    assert body["title"] == report.record["title"]
    assert body["insured"] == report.record["insured"]
    assert body["policy_no"] == report.record["policy_no"]
    china = timezone(timedelta(hours=8))
    for day in ("created_at", "retain_until"):  # the day, as printed; not the exact moment
        assert body[day] == datetime.fromisoformat(report.record[day]).astimezone(
            china).date().isoformat()
    assert body["sha256"] == hashlib.sha256(report.pdf).hexdigest()
    assert body["content_sha256"] == report.record["content_sha256"]
    assert body["legal_hold"] is False and body["superseded_by"] is None
    (signer,) = body["signers"]
    assert signer["trusted"] and signer["intact"] and signer["covers_whole_file"]
    assert "AZX" in signer["subject"]
    text = r.text
    for secret in ("tenant", "验证测试", "created_by", "idempotency", "version_id", "source",
                   "azx_", "\"data\"", "manifest", "records/"):
        assert secret not in text, secret


def test_v1_verify_json_checks_the_qr_claim(app_client: TestClient, report: Archived) -> None:
    body = app_client.get(f"/v1{report.path}").json()
    assert body["authentic"] is True
    assert body["qr"] == {"present": True, "id": report.id, "kid": report.query["k"],
                          "content_sha256": report.record["content_sha256"],
                          "signature_valid": True, "id_matches": True, "hash_matches": True}


def test_record_id_typed_by_hand_is_normalised(app_client: TestClient, report: Archived) -> None:
    typed = report.id.replace("-", " ").lower()
    body = app_client.get(f"/v1/verify/{typed}").json()
    assert body["id"] == report.id and body["authentic"] is True


def test_unknown_id_is_not_authentic_not_an_error(app_client: TestClient) -> None:
    from domain.ids import new_record_id

    rid = new_record_id("report", 2026)
    r = app_client.get(f"/v1/verify/{rid}")
    assert r.status_code == 200
    assert r.json()["authentic"] is False and codes(r.json()) == {"not_found"}
    page = app_client.get(f"/verify/{rid}")
    assert page.status_code == 200
    assert "无法验证" in page.text and "真实有效" not in page.text
    assert "未找到该编号的存档记录" in page.text


def _wrong_check_character() -> str:
    from domain.ids import new_record_id

    rid = new_record_id("report", 2026)
    return rid[:-1] + ("A" if rid[-1] != "A" else "B")


@pytest.mark.parametrize("bad", ["garbage", "wrong-check", "x" * 150])
def test_garbage_id_is_422_bilingual(app_client: TestClient, bad: str) -> None:
    bad = _wrong_check_character() if bad == "wrong-check" else bad
    r = app_client.get(f"/v1/verify/{bad}")
    assert r.status_code == 422
    body = r.json()
    assert body["error"] == "invalid"
    (problem,) = body["problems"]
    assert problem["path"] == "id" and problem["message_zh"].startswith("记录编号无效")
    assert problem["message_en"].startswith("invalid record ID")
    page = app_client.get(f"/verify/{bad}")
    assert page.status_code == 422
    assert "无法验证" in page.text and "记录编号无效" in page.text


# -- forged QR codes, online ----------------------------------------------------------------


@pytest.mark.parametrize("forgery", ["other_id", "other_h", "other_s"])
def test_forged_qr_is_not_authentic_online(
    app_client: TestClient, report: Archived, other: Archived, forgery: str
) -> None:
    url = forged_urls(report, other)[forgery]
    path = url[url.index("/verify/"):]
    body = app_client.get(f"/v1{path}").json()
    assert body["authentic"] is False
    assert "qr_signature_invalid" in codes(body)
    assert body["qr"]["signature_valid"] is False
    if forgery == "other_h":
        assert "qr_hash_mismatch" in codes(body)
    page = app_client.get(path).text
    assert "无法验证" in page and "真实有效" not in page
    assert "二维码签名无效" in page


def test_qr_signed_over_a_wrong_hash_is_not_authentic(
    app_client: TestClient, report: Archived, settings: Settings
) -> None:
    from signing.keys import QrKeyRing

    wrong = hashlib.sha256(b"another content").digest()
    url = make_verify_url(report.id, wrong, key_ring=QrKeyRing.from_settings(settings),
                          public_base_url="https://elsewhere.example")
    path = url[url.index("/verify/"):]
    body = app_client.get(f"/v1{path}").json()
    assert body["qr"]["signature_valid"] is True  # a genuine key signed it ...
    assert body["authentic"] is False and codes(body) == {"qr_hash_mismatch"}  # ... wrongly


@pytest.mark.parametrize("query", ["h=abc&k=xxxxxxxx&s=abc", "h=&k=&s=", "k=abcdefgh"])
def test_malformed_qr_query_is_not_authentic(
    app_client: TestClient, report: Archived, query: str
) -> None:
    body = app_client.get(f"/v1/verify/{report.id}?{query}").json()
    assert body["authentic"] is False and codes(body) == {"qr_malformed"}
    page = app_client.get(f"/verify/{report.id}?{query}")
    assert page.status_code == 200 and "二维码链接格式无效" in page.text


# -- uploaded PDFs ---------------------------------------------------------------------------


def test_posted_pdf_is_authentic(app_client: TestClient, report: Archived) -> None:
    raw = app_client.post("/v1/verify", content=report.pdf,
                          headers={"Content-Type": "application/pdf"})
    assert raw.status_code == 200
    body = raw.json()
    assert body["authentic"] is True and body["matches_archive"] is True
    assert body["id"] == report.id and body["insured"] == report.record["insured"]
    assert body["file_sha256"] == body["sha256"] == hashlib.sha256(report.pdf).hexdigest()
    multipart = app_client.post("/v1/verify",
                                files={"file": ("doc.pdf", report.pdf, "application/pdf")})
    assert multipart.status_code == 200 and multipart.json()["authentic"] is True


def test_one_changed_byte_is_modified(
    app_client: TestClient, report: Archived, public_files: tuple[Path, Path]
) -> None:
    changed = flip_byte_in_signed_content(report.pdf)
    body = app_client.post("/v1/verify", content=changed,
                           headers={"Content-Type": "application/pdf"}).json()
    assert body["authentic"] is False and body["matches_archive"] is False
    assert {"modified", "signature_invalid"} <= codes(body)
    assert body["id"] == report.id  # it still says which record it pretends to be
    jwks = json.loads(public_files[0].read_bytes())
    offline = verify_pdf_offline(changed, jwks, [public_files[1].read_bytes()])
    assert offline["authentic"] is False and "modified" in codes(offline)


@pytest.mark.parametrize("tamper", [append_info_update, append_annotation])
def test_appended_incremental_update_is_modified(
    app_client: TestClient, report: Archived, public_files: tuple[Path, Path],
    tamper: Callable[[bytes], bytes],
) -> None:
    changed = tamper(report.pdf)
    assert changed.startswith(report.pdf)  # the signed bytes are all still there
    body = app_client.post("/v1/verify", content=changed,
                           headers={"Content-Type": "application/pdf"}).json()
    assert body["authentic"] is False and "modified" in codes(body)
    assert body["id"] == report.id
    jwks = json.loads(public_files[0].read_bytes())
    offline = verify_pdf_offline(changed, jwks, [public_files[1].read_bytes()])
    assert offline["authentic"] is False and "modified" in codes(offline)
    assert offline["signers"][0]["covers_whole_file"] is False


def test_a_validly_signed_copy_that_is_not_the_archived_file_is_not_authentic(
    app_client: TestClient, report: Archived, settings: Settings, examples: dict[str, Any]
) -> None:
    resigned = signed_with_qr(settings, examples, report.id, report.url)  # same key, same QR
    body = app_client.post("/v1/verify", content=resigned,
                           headers={"Content-Type": "application/pdf"}).json()
    assert body["signers"][0]["trusted"] and body["signers"][0]["covers_whole_file"]
    assert body["id"] == report.id
    assert body["authentic"] is False and body["matches_archive"] is False
    assert codes(body) == {"modified"}


def test_changed_record_id_in_a_later_update_is_caught(
    app_client: TestClient, report: Archived, other: Archived
) -> None:
    relabelled = embed_record_id_after_signing(report.pdf, other.id)
    body = app_client.post("/v1/verify", content=relabelled,
                           headers={"Content-Type": "application/pdf"}).json()
    assert body["id"] == report.id  # the signed ID wins over the relabelled /Info
    assert body["authentic"] is False
    assert {"modified", "record_id_mismatch"} <= codes(body)


def embed_record_id_after_signing(pdf: bytes, record_id: str) -> bytes:
    w = IncrementalPdfFileWriter(io.BytesIO(pdf))
    info_ref = w.trailer.raw_get("/Info")
    info_ref.get_object()[generic.NameObject("/AZXRecordId")] = generic.TextStringObject(
        record_id)
    w.mark_update(info_ref)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


@pytest.mark.parametrize(("content", "ctype"), [
    (b"hello, not a pdf", "application/pdf"),
    (b"", "application/pdf"),
    (b"%PDF-1.7\n garbage with no structure", "application/pdf"),
])
def test_not_a_pdf_is_422(app_client: TestClient, content: bytes, ctype: str) -> None:
    r = app_client.post("/v1/verify", content=content, headers={"Content-Type": ctype})
    assert r.status_code == 422
    body = r.json()
    assert body["error"] == "invalid" and body["problems"][0]["message_zh"]
    assert body["problems"][0]["message_en"]


def test_multipart_without_file_is_422(app_client: TestClient) -> None:
    r = app_client.post("/v1/verify", data={"other": "x"},
                        files={"other_file": ("a.pdf", b"%PDF-", "application/pdf")})
    assert r.status_code == 422
    assert r.json()["problems"][0]["path"] == "file"


# -- archive integrity, supersession, escaping ---------------------------------------------


def test_registry_hash_disagreeing_with_the_store_is_not_authentic(
    app_client: TestClient, archive: Callable[..., Archived], examples: dict[str, Any]
) -> None:
    rec = archive(examples["report-shandong"])
    engine = app_client.app.state.ctx.engine  # type: ignore[attr-defined]
    with engine.begin() as conn:
        parts = conn.execute(select(records.c.parts).where(records.c.id == rec.id)).scalar_one()
        parts = copy.deepcopy(parts)
        parts["pdf"]["sha256"] = "0" * 64
        conn.execute(update(records).where(records.c.id == rec.id).values(parts=parts))
    body = app_client.get(f"/v1/verify/{rec.id}").json()
    assert body["authentic"] is False and "archive_corrupt" in codes(body)
    with engine.begin() as conn:
        conn.execute(update(records).where(records.c.id == rec.id)
                     .values(content_sha256="1" * 64))
    body = app_client.get(f"/v1{rec.path}").json()
    assert {"archive_corrupt", "content_mismatch", "qr_hash_mismatch"} <= codes(body)
    posted = app_client.post("/v1/verify", content=rec.pdf,
                             headers={"Content-Type": "application/pdf"}).json()
    assert posted["authentic"] is False


def test_superseded_record_links_to_its_correction(
    app_client: TestClient, archive: Callable[..., Archived], examples: dict[str, Any],
    headers: dict[str, str],
) -> None:
    old = archive(examples["report-shandong"])
    r = app_client.post("/v1/documents", headers=headers,
                        json={**examples["report-shandong"], "supersedes": old.id})
    assert r.status_code == 201, r.text
    new_id = r.json()["id"]
    assert app_client.get(f"/v1/verify/{old.id}").json()["superseded_by"] is None  # no token
    body = app_client.get(f"/v1{old.path}").json()
    assert body["superseded_by"] == new_id
    assert body["authentic"] is True and body["current"] is False
    assert [n["code"] for n in body["notices"]] == ["superseded"]
    page = app_client.get(old.path).text
    assert "已被更正" in page and f'href="/verify/{new_id}"' in page
    assert "真实有效" not in page and 'class="banner warn"' in page


def test_page_escapes_everything(
    app_client: TestClient, archive: Callable[..., Archived], examples: dict[str, Any]
) -> None:
    body = copy.deepcopy(examples["report-shandong"])
    body["data"]["insured"]["name"] = '<script>alert("x")</script>&化工'
    body["data"]["policy"]["insured_name"] = body["data"]["insured"]["name"]  # must agree
    rec = archive(body)
    page = app_client.get(rec.path).text
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;化工" in page


# -- public keys, independent validators ---------------------------------------------------


def test_jwks_and_certificate_are_public(app_client: TestClient, report: Archived) -> None:
    jwks = app_client.get("/.well-known/jwks.json")
    assert jwks.status_code == 200
    keys = jwks.json()["keys"]
    assert report.query["k"] in {k["kid"] for k in keys}
    assert all(set(k) == {"kty", "crv", "x", "kid", "use", "alg"} for k in keys)  # no "d"
    cert = app_client.get("/.well-known/azx-signing-cert.pem")
    assert cert.status_code == 200 and cert.text.startswith("-----BEGIN CERTIFICATE-----")
    assert "PRIVATE" not in cert.text


def test_pdfsig_and_pyhanko_say_the_archived_signature_is_intact(
    report: Archived, public_files: tuple[Path, Path], tmp_path: Path
) -> None:
    (block,) = signature_blocks(pdfsig(report.pdf, tmp_path))
    assert "Signature Validation: Signature is Valid." in block
    assert "Total document signed" in block and "Not total" not in block
    _, _, der = asn1_pem.unarmor(public_files[1].read_bytes())
    vc = ValidationContext(trust_roots=[asn1_x509.Certificate.load(der)], allow_fetching=False)
    (emb,) = PdfFileReader(io.BytesIO(report.pdf)).embedded_signatures
    status = validate_pdf_signature(emb, vc)
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE


# -- offline: the function and the CLI -----------------------------------------------------


def test_offline_verification_of_the_genuine_pdf(
    report: Archived, public_files: tuple[Path, Path]
) -> None:
    jwks = json.loads(public_files[0].read_bytes())
    result = verify_pdf_offline(report.pdf, jwks, [public_files[1].read_bytes()])
    assert result["authentic"] is True and result["reasons"] == []
    assert result["id"] == report.id
    assert result["qr"]["signature_valid"] is True and result["qr"]["id_matches"] is True
    assert result["qr"]["url"] == report.url
    assert result["content_sha256"] == report.record["content_sha256"]
    # an empty JWKS cannot vouch for the QR; another certificate cannot vouch for the PDF
    assert "qr_signature_invalid" in codes(
        verify_pdf_offline(report.pdf, {"keys": []}, [public_files[1].read_bytes()]))
    other_cert = ServiceSigner.self_signed_in(public_files[0].parent / "other").certificate
    assert "signature_untrusted" in codes(verify_pdf_offline(report.pdf, jwks, [other_cert]))


@pytest.mark.parametrize("forgery", ["other_id", "other_h", "other_s"])
def test_forged_qr_is_not_authentic_offline(
    report: Archived, other: Archived, settings: Settings, examples: dict[str, Any],
    public_files: tuple[Path, Path], forgery: str, capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    url = forged_urls(report, other)[forgery]
    pdf = signed_with_qr(settings, examples, report.id, url)
    jwks = json.loads(public_files[0].read_bytes())
    result = verify_pdf_offline(pdf, jwks, [public_files[1].read_bytes()])
    assert result["signers"][0]["trusted"] is True  # the PDF signature itself is fine
    assert result["qr"]["url"] == url
    assert result["authentic"] is False and "qr_signature_invalid" in codes(result)
    if forgery == "other_id":
        assert "qr_id_mismatch" in codes(result)
    path = tmp_path / "forged.pdf"
    path.write_bytes(pdf)
    jwks_file, cert_file = public_files
    assert azx(["verify", str(path), "--jwks", str(jwks_file), "--cert", str(cert_file)]) == 1
    out = capsys.readouterr().out
    assert "无法验证 / NOT VERIFIED" in out and "二维码签名无效" in out


def test_genuine_qr_of_another_record_is_caught_offline(
    report: Archived, other: Archived, settings: Settings, examples: dict[str, Any],
    public_files: tuple[Path, Path],
) -> None:
    pdf = signed_with_qr(settings, examples, report.id, other.url)
    jwks = json.loads(public_files[0].read_bytes())
    result = verify_pdf_offline(pdf, jwks, [public_files[1].read_bytes()])
    assert result["qr"]["signature_valid"] is True
    assert result["authentic"] is False and codes(result) == {"qr_id_mismatch"}


def test_cli_verify_offline_with_downloaded_keys(
    report: Archived, public_files: tuple[Path, Path], tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "doc.pdf"
    path.write_bytes(report.pdf)
    jwks_file, cert_file = public_files
    assert azx(["verify", str(path), "--jwks", str(jwks_file), "--cert", str(cert_file)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("真实有效 / AUTHENTIC") and report.id in out
    assert azx(["verify", str(path), "--jwks", str(jwks_file), "--cert", str(cert_file),
                "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["authentic"] is True and result["id"] == report.id
    path.write_bytes(append_info_update(report.pdf))
    assert azx(["verify", str(path), "--jwks", str(jwks_file), "--cert", str(cert_file)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("无法验证 / NOT VERIFIED")
    assert "文件已被修改" in out


def test_cli_verify_rejects_a_non_pdf(
    tmp_path: Path, public_files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "x.pdf"
    path.write_bytes(b"not a pdf")
    jwks_file, cert_file = public_files
    assert azx(["verify", str(path), "--jwks", str(jwks_file), "--cert", str(cert_file)]) == 1
    assert "不是 PDF" in capsys.readouterr().err


def test_cli_verify_with_local_keys_and_qr_key_rotation(
    local_env: None, report: Archived, app_client: TestClient, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "doc.pdf"
    path.write_bytes(report.pdf)
    assert azx(["verify", str(path)]) == 0  # the data dir's own JWKS and certificate
    capsys.readouterr()
    old_kid = report.query["k"]
    assert azx(["keys", "rotate-qr"]) == 0
    new_kid = capsys.readouterr().out.split()[4]
    assert new_kid != old_kid
    kids = [k["kid"] for k in app_client.get("/.well-known/jwks.json").json()["keys"]]
    assert kids[0] == new_kid and old_kid in kids  # new one active, old one still verifies
    assert app_client.get(f"/v1{report.path}").json()["authentic"] is True
    assert azx(["verify", str(path)]) == 0  # offline too, with the rotated local key ring


def test_cli_verify_without_any_keys_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, report: Archived,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("AZX_DATA_DIR", str(tmp_path / "empty"))
    get_settings.cache_clear()
    try:
        path = tmp_path / "doc.pdf"
        path.write_bytes(report.pdf)
        assert azx(["verify", str(path)]) == 2
        assert "no --jwks" in capsys.readouterr().err
        assert not (tmp_path / "empty" / "keys").exists()  # verifying creates no keys
    finally:
        get_settings.cache_clear()

