"""Inspect the signatures of a PDF: integrity, cryptographic validity, trust and coverage.

Built on pyHanko's validator (``async_validate_pdf_signature``): the byte-range digest
(``intact``), the CMS signature (``valid``), the certificate path to ``trust_roots``
(``trusted``), and — when later revisions exist — pyHanko's difference analysis, which
classifies what the later incremental updates changed (new signatures / form filling /
metadata are allowed; changed page content, annotations etc. are not).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeAlias

from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import EmbeddedPdfSignature
from pyhanko.sign.validation.pdf_embedded import (
    async_validate_pdf_signature,
    async_validate_pdf_timestamp,
)
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from signing.errors import UnreadablePdf
from signing.pdf_meta import record_id_in

__all__ = [
    "SignatureReport",
    "TrustRoot",
    "async_inspect_pdf_signatures",
    "inspect_pdf_signatures",
]

log = logging.getLogger(__name__)

TrustRoot: TypeAlias = x509.Certificate | asn1_x509.Certificate | bytes  # bytes: DER or PEM

# Either key usage is enough for a document signature (pyHanko's default demands
# non-repudiation only, which many CA-issued signing certificates lack).
_KEY_USAGE = KeyUsageConstraints(
    key_usage={"digital_signature", "non_repudiation"}, match_all_key_usages=False
)
_PARSE_ERRORS = (PdfError, ValueError, KeyError, IndexError, TypeError)


@dataclass(frozen=True)
class SignatureReport:
    """What one signature in a PDF proves."""

    field_name: str
    signer_subject: str | None  # RFC 4514, e.g. "CN=AZX 安责险档案服务 (self-signed),O=AZX"
    signing_time: dt.datetime | None  # claimed by the signer (CMS signingTime or /M)
    timestamp_time: dt.datetime | None  # from a valid RFC 3161 token (PAdES B-T), if any
    intact: bool  # the signed byte ranges hash to the signed digest
    valid: bool  # the CMS signature over that digest verifies
    trusted: bool  # the signer certificate chains to one of the trust roots
    coverage: str  # "entire_file" | "entire_revision" | "contiguous_block_from_start" | "unclear"
    modification_level: str | None  # later updates: "none" | "lta_updates" | "form_filling"
    # | "annotations" | "other"; None = could not be determined
    docmdp_ok: bool | None  # later updates respect the certification (DocMDP) permissions
    certification: bool  # this is a certification (DocMDP) signature
    revision: int  # 0-based revision this signature signs
    record_id: str | None  # /AZXRecordId as of the signed revision
    reason: str | None
    location: str | None
    signer_name: str | None  # /Name of the signature dictionary
    problem: str | None = None  # why a check failed, when known
    # the unsigned gap of the byte range holds exactly the signature: its DER in hex and zero
    # padding — nothing else can change there unnoticed
    contents_clean: bool = True
    #: PAdES B-LTA: only validation data (DSS) and document time stamps were appended after
    #: this signature, and the last document time stamp is intact and covers the whole file
    archive_timestamped: bool = False
    #: the file carries a document security store (certificate chains, OCSP responses, CRLs)
    dss: bool = False
    #: until when the last document time stamp's certificate is valid (renew before then)
    evidence_until: dt.datetime | None = None

    @property
    def level(self) -> str:
        """The PAdES baseline level this signature reaches in this file."""
        if self.archive_timestamped:
            return "B-LTA"
        if self.timestamp_time is not None:
            return "B-LT" if self.dss else "B-T"
        return "B-B"

    @property
    def sealed(self) -> bool:
        """Nothing but this signature's bytes or B-LTA archival data follows it."""
        return self.covers_whole_file or self.archive_timestamped

    @property
    def covers_whole_file(self) -> bool:
        return self.coverage == "entire_file"

    @property
    def modified(self) -> bool:
        """True unless everything after this signature is an allowed kind of change."""
        if self.covers_whole_file:
            return False
        if self.coverage != "entire_revision" or self.modification_level is None:
            return True
        allowed = ModificationLevel[self.modification_level.upper()] <= (
            ModificationLevel.FORM_FILLING
        )
        return not (allowed and self.docmdp_ok is not False)

    @property
    def ok(self) -> bool:
        """Intact, valid, trusted, not modified afterwards, its /Contents as written."""
        return (self.intact and self.valid and self.trusted and not self.modified
                and self.contents_clean)


def _asn1_cert(cert: TrustRoot) -> asn1_x509.Certificate:
    if isinstance(cert, asn1_x509.Certificate):
        return cert
    if isinstance(cert, x509.Certificate):
        return asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER))
    if asn1_pem.detect(cert):
        _, _, cert = asn1_pem.unarmor(cert)
    return asn1_x509.Certificate.load(cert)


def _text(sig_object: generic.DictionaryObject, key: str) -> str | None:
    value = sig_object.get(key)
    return str(value) if value is not None else None


def _subject(emb: EmbeddedPdfSignature) -> str | None:
    try:
        return x509.load_der_x509_certificate(emb.signer_cert.dump()).subject.rfc4514_string()
    except _PARSE_ERRORS:
        return None


def _signed_record_id(emb: EmbeddedPdfSignature) -> str | None:
    try:
        return record_id_in(emb.reader.get_historical_resolver(emb.signed_revision))
    except _PARSE_ERRORS:
        return None


def _problem(status: PdfSignatureStatus) -> str | None:
    if not status.intact:
        return "digest mismatch: the signed bytes were changed"
    if not status.valid:
        return "the signature value does not verify"
    if status.coverage not in (
        SignatureCoverageLevel.ENTIRE_FILE,
        SignatureCoverageLevel.ENTIRE_REVISION,
    ):
        return "the signature does not cover its whole revision"
    if status.diff_result is not None and status.modification_level == ModificationLevel.OTHER:
        return f"modified after signing: {status.diff_result}"
    if status.docmdp_ok is False:
        return "later changes exceed the certification (DocMDP) permissions"
    if not status.trusted:
        return f"signer not trusted: {status.trust_problem_indic}"
    return None


def _der_length(blob: bytes) -> int | None:
    """Length of the DER element at the start of ``blob`` (tag, length octets, content)."""
    if len(blob) < 2:
        return None
    first = blob[1]
    if first < 0x80:
        return 2 + first
    n = first & 0x7F
    if n == 0 or n > 4 or len(blob) < 2 + n:
        return None
    return 2 + n + int.from_bytes(blob[2:2 + n], "big")


def _contents_clean(pdf: bytes, sig: generic.DictionaryObject) -> bool:
    """The byte-range gap is ``<`` + the signature's DER in hex (one case throughout) + ``0``
    padding + ``>``: the gap is not covered by the digest, so any other byte there (a changed
    padding digit, one hex digit in another case) would go unnoticed by the cryptography alone."""
    try:
        a, b, c, _ = (int(x) for x in sig["/ByteRange"])
        contents = bytes(sig["/Contents"])
    except _PARSE_ERRORS:
        return False
    gap = pdf[a + b:c]
    der = _der_length(contents)
    if der is None or der > len(contents) or len(gap) < 2 + 2 * der:
        return False
    digits = contents[:der].hex().encode("ascii")
    padding = b"0" * (len(gap) - 2 - len(digits))
    return gap in (b"<" + digits.upper() + padding + b">", b"<" + digits + padding + b">")


async def _report(emb: EmbeddedPdfSignature, vc: ValidationContext, pdf: bytes) -> SignatureReport:
    sig = emb.sig_object
    common = {
        "field_name": str(emb.field_name),
        "signer_subject": _subject(emb),
        "certification": emb.docmdp_level is not None,
        "revision": emb.signed_revision,
        "record_id": _signed_record_id(emb),
        "reason": _text(sig, "/Reason"),
        "location": _text(sig, "/Location"),
        "signer_name": _text(sig, "/Name"),
        "contents_clean": _contents_clean(pdf, sig),
    }
    try:
        status = await async_validate_pdf_signature(
            emb, signer_validation_context=vc, key_usage_settings=_KEY_USAGE
        )
    except Exception as exc:  # a broken signature is a finding, not a crash
        log.info("signature %s could not be validated: %s", emb.field_name, exc)
        return SignatureReport(
            **common,
            signing_time=None,
            timestamp_time=None,
            intact=False,
            valid=False,
            trusted=False,
            coverage="unclear",
            modification_level=None,
            docmdp_ok=None,
            problem=f"{type(exc).__name__}: {exc}",
        )
    ts = status.timestamp_validity
    level = status.modification_level
    coverage = status.coverage or SignatureCoverageLevel.UNCLEAR
    return SignatureReport(
        **common,
        signing_time=status.signer_reported_dt,
        timestamp_time=ts.timestamp if ts is not None and ts.intact and ts.valid else None,
        intact=status.intact,
        valid=status.valid,
        trusted=status.trusted,
        coverage=coverage.name.lower(),
        modification_level=level.name.lower() if level is not None else None,
        docmdp_ok=status.docmdp_ok,
        problem=_problem(status),
    )


async def async_inspect_pdf_signatures(
    pdf: bytes, trust_roots: Sequence[TrustRoot]
) -> list[SignatureReport]:
    """Async form of :func:`inspect_pdf_signatures`."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        embedded = list(reader.embedded_regular_signatures)
    except _PARSE_ERRORS as exc:
        raise UnreadablePdf(f"cannot parse the PDF: {exc}") from exc
    vc = ValidationContext(
        trust_roots=[_asn1_cert(c) for c in trust_roots],
        allow_fetching=False,
        revocation_mode="soft-fail",
    )
    reports = [await _report(emb, vc, pdf) for emb in embedded]
    archive = await _last_archive_timestamp(reader, pdf)
    dss = "/DSS" in reader.root
    out = []
    for emb, report in zip(embedded, reports, strict=True):
        sealed = (archive is not None and archive[0] > emb.signed_revision
                  and report.coverage == "entire_revision"
                  and report.modification_level == "lta_updates")
        out.append(dataclasses.replace(report, dss=dss, archive_timestamped=sealed,
                                       evidence_until=archive[1] if sealed and archive else None))
    return out


async def _last_archive_timestamp(reader: PdfFileReader,
                                  pdf: bytes) -> tuple[int, dt.datetime] | None:
    """(revision, certificate end) of the last document time stamp, if it is intact, its CMS
    signature valid and nothing but validation data (its own DSS update) follows it; else None. Its TSA need not be trusted here:
    it only proves that nothing but validation data was added after the signatures."""
    try:
        stamps = list(reader.embedded_timestamp_signatures)
    except _PARSE_ERRORS:
        return None
    if not stamps:
        return None
    last = stamps[-1]
    try:
        status = await async_validate_pdf_timestamp(
            last, validation_context=ValidationContext(allow_fetching=False,
                                                       revocation_mode="soft-fail"))
    except Exception as exc:  # a broken time stamp is no seal
        log.info("document time stamp %s could not be validated: %s", last.field_name, exc)
        return None
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE or (
        status.coverage == SignatureCoverageLevel.ENTIRE_REVISION  # its own DSS after it,
        and status.modification_level == ModificationLevel.LTA_UPDATES
        and pdf.rstrip(b"\r\n").endswith(b"%%EOF"))  # and not a byte after that revision
    if not (status.intact and status.valid and whole):
        return None
    return last.signed_revision, last.signer_cert.not_valid_after


def inspect_pdf_signatures(pdf: bytes, trust_roots: Sequence[TrustRoot]) -> list[SignatureReport]:
    """One report per signature, in signing order; ``[]`` for an unsigned PDF.

    Offline: no certificates or revocation data are fetched. Raises :class:`UnreadablePdf`
    if the file cannot be parsed at all. Do not call from a running event loop.
    """
    return asyncio.run(async_inspect_pdf_signatures(pdf, trust_roots))
