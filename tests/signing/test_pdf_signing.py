"""PDF signatures: PAdES via pyHanko, checked by our inspector AND independently by pdfsig."""

from __future__ import annotations

import datetime as dt
import io
import stat
from pathlib import Path

import pytest
from cryptography import x509
from pydantic import SecretStr
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

from core.settings import Settings
from domain.ids import new_record_id
from signing.errors import PdfSigningError, UnreadablePdf
from signing.pdf_meta import RECORD_ID_KEY, embed_record_id, read_record_id
from signing.pdf_signer import ClickConfirmation, PartySigner, ServiceSigner
from signing.pdf_verify import SignatureReport, inspect_pdf_signatures
from signing.self_signed import SELF_SIGNED_CN, SELF_SIGNED_FILE
from tests.signing._pdfsig import pdfsig, signature_blocks


def _only(reports: list[SignatureReport]) -> SignatureReport:
    assert len(reports) == 1
    return reports[0]


@pytest.fixture(scope="module")
def record_id() -> str:
    return new_record_id("report", 2026)


@pytest.fixture(scope="module")
def signed_once(service: ServiceSigner, plain_pdf: bytes, record_id: str) -> bytes:
    return service.sign_pdf(
        embed_record_id(plain_pdf, record_id),
        field_name="service",
        reason="出具技术服务报告 / report issued",
        location="成都",
        signer_name="AZX",
        certify=True,
    )


@pytest.fixture(scope="module")
def party(party_p12: tuple[bytes, str, x509.Certificate]) -> PartySigner:
    data, password, _ = party_p12
    return PartySigner.from_pkcs12(data, password)


@pytest.fixture(scope="module")
def signed_twice(signed_once: bytes, party: PartySigner) -> bytes:
    return party.sign_pdf(signed_once, field_name="enterprise", reason="企业确认 / confirmed")


# -- identities ---------------------------------------------------------------------------


def test_self_signed_identity_is_created_once_and_reused(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    first = ServiceSigner.from_settings(settings)
    p12 = tmp_path / "keys" / SELF_SIGNED_FILE
    assert p12.is_file()
    assert stat.S_IMODE(p12.stat().st_mode) == 0o600
    assert first.self_signed
    (cn,) = first.certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    assert cn.value == SELF_SIGNED_CN
    assert first.certificate.issuer == first.certificate.subject
    before = p12.read_bytes()
    again = ServiceSigner.from_settings(settings)
    assert again.certificate == first.certificate
    assert p12.read_bytes() == before


def test_configured_pkcs12_is_used(
    tmp_path: Path, party_p12: tuple[bytes, str, x509.Certificate]
) -> None:
    data, password, cert = party_p12
    path = tmp_path / "service.p12"
    path.write_bytes(data)
    settings = Settings(
        data_dir=tmp_path, signing_p12=path, signing_p12_password=SecretStr(password)
    )
    signer = ServiceSigner.from_settings(settings)
    assert signer.certificate == cert
    assert not signer.self_signed
    assert not (tmp_path / "keys" / SELF_SIGNED_FILE).exists()
    bad = Settings(data_dir=tmp_path, signing_p12=path, signing_p12_password=SecretStr("wrong"))
    with pytest.raises(PdfSigningError):
        ServiceSigner.from_settings(bad)


# -- one signature ------------------------------------------------------------------------


def test_signed_pdf_is_valid_for_pdfsig_and_pyhanko(
    signed_once: bytes, plain_pdf: bytes, service: ServiceSigner, record_id: str, tmp_path: Path
) -> None:
    assert signed_once.startswith(plain_pdf)  # incremental: original bytes untouched
    out = pdfsig(signed_once, tmp_path)
    (block,) = signature_blocks(out)
    assert "Signature Field Name: service" in block
    assert "Signature Validation: Signature is Valid." in block
    assert "Total document signed" in block and "Not total" not in block
    assert "ETSI.CAdES.detached" in block  # PAdES subfilter

    report = _only(inspect_pdf_signatures(signed_once, [service.certificate]))
    assert (report.intact, report.valid, report.trusted) == (True, True, True)
    assert report.covers_whole_file and report.coverage == "entire_file"
    assert not report.modified and report.ok
    assert report.certification
    assert report.field_name == "service"
    assert report.signer_subject is not None and SELF_SIGNED_CN in report.signer_subject
    assert report.record_id == record_id == read_record_id(signed_once)
    assert report.reason == "出具技术服务报告 / report issued"
    assert report.location == "成都" and report.signer_name == "AZX"
    assert report.signing_time is not None
    assert abs(report.signing_time - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)
    assert report.timestamp_time is None  # B-B: no TSA configured
    assert report.problem is None


def test_not_trusted_without_our_certificate(
    signed_once: bytes, party_p12: tuple[bytes, str, x509.Certificate]
) -> None:
    for roots in ([], [party_p12[2]]):
        report = _only(inspect_pdf_signatures(signed_once, roots))
        assert report.intact and report.valid
        assert not report.trusted and not report.ok


def test_trust_roots_accept_pem_and_der(signed_once: bytes, service: ServiceSigner) -> None:
    from cryptography.hazmat.primitives.serialization import Encoding

    for encoding in (Encoding.PEM, Encoding.DER):
        root = service.certificate.public_bytes(encoding)
        assert _only(inspect_pdf_signatures(signed_once, [root])).trusted


def test_unsigned_pdf_has_no_reports_and_garbage_is_unreadable(plain_pdf: bytes) -> None:
    assert inspect_pdf_signatures(plain_pdf, []) == []
    with pytest.raises(UnreadablePdf):
        inspect_pdf_signatures(b"not a pdf at all", [])


# -- several parties ----------------------------------------------------------------------


def test_second_party_signature_keeps_the_first_valid(
    signed_twice: bytes,
    signed_once: bytes,
    service: ServiceSigner,
    party_p12: tuple[bytes, str, x509.Certificate],
    tmp_path: Path,
) -> None:
    assert signed_twice.startswith(signed_once)  # appended revision
    first_block, second_block = signature_blocks(pdfsig(signed_twice, tmp_path))
    assert "Signature Field Name: service" in first_block
    assert "Signature Validation: Signature is Valid." in first_block
    assert "Not total document signed" in first_block
    assert "Signature Field Name: enterprise" in second_block
    assert "Signature Validation: Signature is Valid." in second_block
    assert "Total document signed" in second_block and "Not total" not in second_block

    first, second = inspect_pdf_signatures(signed_twice, [service.certificate, party_p12[2]])
    assert first.intact and first.valid and first.trusted
    assert first.coverage == "entire_revision" and not first.covers_whole_file
    assert first.modification_level == "form_filling"  # only a new signature was added
    assert first.docmdp_ok is True
    assert not first.modified and first.ok
    assert second.ok and second.covers_whole_file and not second.certification
    assert second.signer_subject == "CN=成都示例化工有限公司"
    assert second.revision == first.revision + 1


def test_click_to_sign_records_the_confirmation(
    signed_twice: bytes, service: ServiceSigner
) -> None:
    confirmation = ClickConfirmation(
        party_name="张三",
        confirmed_at=dt.datetime(2026, 3, 5, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8))),
        channel="web",
        reference="AZX-26AUD-00000-00000-X",
    )
    third = service.sign_on_behalf(signed_twice, field_name="zhangsan", confirmation=confirmation)
    reports = inspect_pdf_signatures(third, [service.certificate])
    assert [r.field_name for r in reports] == ["service", "enterprise", "zhangsan"]
    assert all(r.intact and r.valid and not r.modified for r in reports)
    last = reports[-1]
    assert last.reason is not None
    for needle in ("张三", "2026-03-05T09:30:00+08:00", "web", "AZX-26AUD-00000-00000-X"):
        assert needle in last.reason
    assert "代为签署" in last.reason and "on their behalf" in last.reason
    assert last.signer_name is not None and "张三" in last.signer_name
    with pytest.raises(ValueError):
        ClickConfirmation("张三", dt.datetime(2026, 3, 5, 9, 30), "web")  # naive time


def test_signing_refusals(signed_once: bytes, service: ServiceSigner, plain_pdf: bytes) -> None:
    with pytest.raises(PdfSigningError, match="already signed"):
        service.sign_pdf(signed_once, field_name="service", reason="again")
    with pytest.raises(PdfSigningError, match="first signature"):
        service.sign_pdf(signed_once, field_name="other", reason="x", certify=True)
    with pytest.raises(PdfSigningError):
        service.sign_pdf(b"%PDF-1.7\ngarbage", field_name="s", reason="x")
    with pytest.raises(PdfSigningError):
        service.sign_pdf(plain_pdf, field_name="a.b", reason="x")
    with pytest.raises(PdfSigningError):
        PartySigner.from_pkcs12(b"not a p12", "pw")


# -- tampering ----------------------------------------------------------------------------


def _flip_byte_in_signed_stream(pdf: bytes) -> bytes:
    """Flip one byte inside a content stream of the signed revision (structure stays valid)."""
    at = pdf.index(b"stream\n", 200) + len(b"stream\n") + 5
    tampered = bytearray(pdf)
    tampered[at] ^= 0xFF
    return bytes(tampered)


def test_flipped_byte_is_not_intact(
    signed_once: bytes, service: ServiceSigner, tmp_path: Path
) -> None:
    tampered = _flip_byte_in_signed_stream(signed_once)
    report = _only(inspect_pdf_signatures(tampered, [service.certificate]))
    assert not report.intact and not report.ok
    assert report.problem is not None and "digest" in report.problem
    (block,) = signature_blocks(pdfsig(tampered, tmp_path))
    assert "Signature is Valid" not in block
    assert "Digest Mismatch" in block


def _replace_page_content(pdf: bytes) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    page = writer.root["/Pages"]["/Kids"][0]
    forged = generic.StreamObject(stream_data=b"BT /F1 24 Tf 72 720 Td (forged) Tj ET")
    page["/Contents"] = writer.add_object(forged)
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)  # type: ignore[no-untyped-call]
    return out.getvalue()


def test_changed_page_content_after_signing_is_reported_as_modified(
    signed_twice: bytes, service: ServiceSigner, party: PartySigner, tmp_path: Path
) -> None:
    tampered = _replace_page_content(signed_twice)
    assert tampered.startswith(signed_twice)
    reports = inspect_pdf_signatures(tampered, [service.certificate, party.certificate])
    assert len(reports) == 2
    for report in reports:
        assert report.intact and report.valid  # the signed bytes themselves are untouched …
        assert report.coverage == "entire_revision"
        assert report.modification_level == "other"  # … but the page was changed later
        assert report.modified and not report.ok
        assert report.problem is not None and "modified after signing" in report.problem
    # pdfsig alone cannot tell this from a legitimate second signature:
    for block in signature_blocks(pdfsig(tampered, tmp_path)):
        assert "Signature is Valid" in block and "Not total document signed" in block


def test_record_id_cannot_be_swapped_after_signing_unnoticed(
    signed_once: bytes, service: ServiceSigner, record_id: str
) -> None:
    with pytest.raises(PdfSigningError, match="already signed"):
        embed_record_id(signed_once, new_record_id("report", 2026))
    # an attacker rewrites /Info in a later update: metadata edits count as allowed changes,
    # so the report shows the ID the signature actually covers
    writer = IncrementalPdfFileWriter(io.BytesIO(signed_once))
    other = new_record_id("report", 2026)
    info_ref = writer.trailer.raw_get("/Info")
    info_ref.get_object()[generic.NameObject(RECORD_ID_KEY)] = generic.TextStringObject(other)
    writer.mark_update(info_ref)
    out = io.BytesIO()
    writer.write(out)  # type: ignore[no-untyped-call]
    swapped = out.getvalue()
    assert read_record_id(swapped) == other
    report = _only(inspect_pdf_signatures(swapped, [service.certificate]))
    assert report.record_id == record_id != other


def test_embed_record_id_round_trip_and_validation(plain_pdf: bytes) -> None:
    assert read_record_id(plain_pdf) is None
    rid = new_record_id("agreement", 2026)
    tagged = embed_record_id(plain_pdf, rid.lower())
    assert tagged.startswith(plain_pdf)
    assert read_record_id(tagged) == rid  # stored in canonical form
    with pytest.raises(ValueError):
        embed_record_id(plain_pdf, "AZX-26RPT-NOT-AN-ID")


# -- the record ID with the first signature; the reserved size --------------------------


def test_record_id_goes_into_the_revision_the_first_signature_signs(
    plain_pdf: bytes, party: PartySigner, service: ServiceSigner, tmp_path: Path
) -> None:
    rid = new_record_id("report", 2026)
    first = party.sign_pdf(
        plain_pdf, field_name="enterprise", reason="企业签署", record_id=rid.lower()
    )
    assert first.startswith(plain_pdf)
    assert PdfFileReader(io.BytesIO(first)).xrefs.total_revisions == 2  # no extra update
    assert read_record_id(first) == rid  # canonical form
    with pytest.raises(PdfSigningError, match="already signed"):
        service.sign_pdf(first, field_name="service", reason="x", record_id=rid)
    sealed = service.sign_pdf(first, field_name="service", reason="存档 / archived")
    reports = inspect_pdf_signatures(sealed, [service.certificate, party.certificate])
    assert [r.field_name for r in reports] == ["enterprise", "service"]
    assert all(r.ok and r.record_id == rid for r in reports)
    assert reports[0].revision == 1 and reports[1].revision == 2
    first_block, second_block = signature_blocks(pdfsig(sealed, tmp_path))
    assert "Signature is Valid" in first_block and "Not total document signed" in first_block
    assert "Signature is Valid" in second_block and "Total document signed" in second_block

    clicked = service.sign_on_behalf(
        plain_pdf,
        field_name="zhangsan",
        confirmation=ClickConfirmation("张三", dt.datetime.now(dt.UTC), "web"),
        record_id=rid,
    )
    assert _only(inspect_pdf_signatures(clicked, [service.certificate])).record_id == rid
    with pytest.raises(ValueError):
        service.sign_pdf(plain_pdf, field_name="s", reason="x", record_id="AZX-26RPT-NOT-AN-ID")


def test_reserved_size_is_computed_once_and_a_too_small_one_falls_back(
    plain_pdf: bytes, tmp_path: Path
) -> None:
    signer = ServiceSigner.self_signed_in(tmp_path / "keys")
    first = signer.sign_pdf(plain_pdf, field_name="service", reason="x")
    reserved = signer._bytes_reserved
    assert reserved is not None and reserved > 1000
    again = signer.sign_pdf(plain_pdf, field_name="service", reason="x")
    assert signer._bytes_reserved == reserved and len(again) == len(first)
    signer._bytes_reserved = 64  # far too small: pyHanko refuses, we sign again estimating
    fallback = signer.sign_pdf(plain_pdf, field_name="service", reason="x")
    report = _only(inspect_pdf_signatures(fallback, [signer.certificate]))
    assert report.ok and report.covers_whole_file
    (block,) = signature_blocks(pdfsig(fallback, tmp_path))
    assert "Signature is Valid" in block and "Total document signed" in block


# -- PAdES B-T ----------------------------------------------------------------------------


def test_tsa_url_gives_a_timestamped_signature(
    tmp_path: Path, plain_pdf: bytes, tsa: tuple[str, x509.Certificate]
) -> None:
    url, tsa_cert = tsa
    signer = ServiceSigner.from_settings(Settings(data_dir=tmp_path, tsa_url=url))
    assert signer.timestamps
    signed = signer.sign_pdf(plain_pdf, field_name="service", reason="B-T")
    report = _only(inspect_pdf_signatures(signed, [signer.certificate, tsa_cert]))
    assert report.ok
    assert report.timestamp_time is not None
    again = signer.sign_pdf(plain_pdf, field_name="service", reason="B-T")  # reserved size reused
    assert _only(inspect_pdf_signatures(again, [signer.certificate, tsa_cert])).ok
    assert abs(report.timestamp_time - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)
    (block,) = signature_blocks(pdfsig(signed, tmp_path))
    assert "Signature is Valid" in block and "Total document signed" in block


def test_unreachable_tsa_is_a_signing_error(tmp_path: Path, plain_pdf: bytes) -> None:
    signer = ServiceSigner.self_signed_in(tmp_path / "keys", tsa_url="http://127.0.0.1:9/tsa")
    with pytest.raises(PdfSigningError, match="time stamp"):
        signer.sign_pdf(plain_pdf, field_name="service", reason="B-T")
