"""PAdES signatures on PDFs, always as incremental updates, so parties can sign in turn.

* :class:`PdfSignerIdentity` — a private key + certificate (chain) that signs PDFs:
  PAdES B-B, or B-T when it has a time stamper (``AZX_TSA_URL`` → RFC 3161 over HTTP).
* :class:`ServiceSigner` — the service's own identity: the configured PKCS#12, or else a
  self-signed certificate created once under ``<data_dir>/keys/``. It can also sign
  *on behalf of* a party who confirmed by clicking (:meth:`ServiceSigner.sign_on_behalf`);
  the reason text records who confirmed, when, how and the audit reference.
* :class:`PartySigner` — a party with its own certificate (PKCS#12 bytes + password).

Each call appends one revision: earlier signatures stay intact, and validators see the later
revision as an allowed change (a new signature), not as tampering. The first signature can also
put the record ID into the revision it signs (``record_id=``), saving a separate update.

Speed: the signatures are what pyHanko's defaults produce, but two costs are paid once per
identity instead of per signature — the DER of the signing-certificate-v2 attribute (asn1crypto
re-encodes freshly built structures over and over), and the size reserved for the signature
container (pyHanko would build a whole dummy signature per call to estimate it).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import io
from collections.abc import Coroutine, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.attributes import CMSAttributeProvider, SignedAttributeProviderSpec
from pyhanko.sign.general import SigningError as HankoSigningError
from pyhanko.sign.general import as_signing_certificate_v2
from pyhanko.sign.signers.constants import ESIC_EXTENSION_1
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.signers.pdf_signer import PdfTimeStamper
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper, TimestampRequestError
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.fetchers.requests_fetchers import RequestsFetcherBackend

from domain.ids import parse_record_id
from signing.errors import PdfSigningError
from signing.pdf_meta import set_record_id
from signing.self_signed import load_or_create_self_signed_p12

if TYPE_CHECKING:
    from core.settings import Settings

__all__ = [
    "ClickConfirmation",
    "PartySigner",
    "PdfSignerIdentity",
    "ServiceSigner",
]

_TSA_TIMEOUT_S = 10
_MD = "sha256"


class _Boxed:
    """A value whose repr() is cheap (see :func:`_run`)."""

    __slots__ = ("value",)

    def __init__(self, value: bytes) -> None:
        self.value = value


def _run(coro: Coroutine[Any, Any, bytes]) -> bytes:
    """``asyncio.run(coro)``, handing the result back in a box: on the main thread, Python
    3.11's asyncio.run formats repr() of the finished task — the whole PDF, reprlib truncates
    only afterwards — while restoring the SIGINT handler (~5 ms for a 700 KB PDF)."""

    async def boxed() -> _Boxed:
        return _Boxed(await coro)

    return asyncio.run(boxed()).value


class _SigningCertificateV2(CMSAttributeProvider):
    """signing-certificate-v2 from DER encoded once (a fresh asn1crypto object per use)."""

    attribute_type = "signing_certificate_v2"

    def __init__(self, der: bytes) -> None:
        self._der = der

    async def build_attr_value(self, dry_run: bool = False) -> tsp.SigningCertificateV2:
        return tsp.SigningCertificateV2.load(self._der)


class _PadesSignedAttributes(SignedAttributeProviderSpec):
    """The signed attributes pyHanko puts in a PAdES signature by default (its CAdES spec with
    ``is_pades=True`` and no extra CAdES attributes: content type and message digest, added by
    pyHanko itself, plus signing-certificate-v2), with signing-certificate-v2 encoded once.

    Built afresh per signature, that attribute costs several milliseconds of asn1crypto
    re-encoding; the bytes are the same. Only for PAdES signatures (which is all we make).
    """

    def __init__(self, cert: asn1_x509.Certificate) -> None:
        self._der = as_signing_certificate_v2(cert, hash_algo=_MD).dump()

    def signed_attr_providers(
        self, data_digest: bytes, digest_algorithm: str
    ) -> Iterator[CMSAttributeProvider]:
        yield _SigningCertificateV2(self._der)


class _Pdf17Signer(signers.PdfSigner):
    """pyHanko's signer, keeping the PDF at version 1.7.

    For an ECDSA key on a curve of ISO/TS 32002 (the service's P-256 key) pyHanko raises the
    document to PDF 2.0 and registers that extension; an archived record is PDF/A-3b, which is
    PDF 1.7, so the signature must not change the version. ECDSA on P-256 is what PAdES on
    ISO 32000-1 (ETSI EN 319 142-1, with the ESIC extension kept here) already allows."""

    def register_extensions(self, pdf_out: Any, *, md_algorithm: str) -> None:
        if self.signature_meta.subfilter == fields.SigSeedSubFilter.PADES:
            pdf_out.ensure_output_version(version=(1, 7))
            if pdf_out.output_version < (2, 0):
                pdf_out.register_extension(ESIC_EXTENSION_1)


class PdfSignerIdentity:
    """A key and certificate able to sign PDFs (PAdES B-B; B-T with a time stamper)."""

    def __init__(
        self, signer: signers.SimpleSigner, *, timestamper: TimeStamper | None = None
    ) -> None:
        if signer.signing_cert is None:
            raise PdfSigningError("the signer has no certificate")
        if signer.signed_attr_prov_spec is None:
            signer.signed_attr_prov_spec = _PadesSignedAttributes(signer.signing_cert)
        self._signer = signer
        self._timestamper = timestamper
        self._cert_asn1: asn1_x509.Certificate = signer.signing_cert
        self._bytes_reserved: int | None = None  # see _reservation()
        #: PAdES B-LTA: the trust anchors revocation data is gathered up to (None: B-B/B-T)
        self._long_term_roots: list[asn1_x509.Certificate] | None = None

    def with_long_term_validation(
        self, trust_roots: Sequence[asn1_x509.Certificate] | None = None
    ) -> Self:
        """Sign at PAdES B-LTA from now on: after the signature, the document security store
        (DSS) receives the certificate chains and the revocation data (OCSP responses, CRLs,
        fetched from the URLs the certificates name) of the signer and of the time stamp, and a
        document time stamp covers them all. The signature can then be validated after the
        signing certificate has expired or been revoked, as of the time the document time stamp
        proves. Needs a time stamper. ``trust_roots``: where the chains end (default: the
        self-signed certificates of the PKCS#12, else its topmost one)."""
        if self._timestamper is None:
            raise PdfSigningError("long-term signatures (B-LTA) need a time stamp authority")
        self._long_term_roots = list(trust_roots) if trust_roots else self._chain_roots()
        return self

    @property
    def level(self) -> str:
        """The PAdES baseline level this identity signs at."""
        if self._long_term_roots is not None:
            return "B-LTA"
        return "B-T" if self._timestamper is not None else "B-B"

    def _chain_roots(self) -> list[asn1_x509.Certificate]:
        chain = [self._cert_asn1, *list(self._signer.cert_registry)]
        roots = [c for c in chain if c.self_signed != "no"]  # asn1crypto: "yes" | "maybe" | "no"
        return roots or [chain[-1]]

    def renew_archive_timestamp(self, pdf: bytes) -> bytes:
        """PAdES B-LTA renewal: append to ``pdf`` the validation data (chain, OCSP/CRL) of its
        last document time stamp and a new document time stamp over everything, in incremental
        updates; the earlier bytes stay as they are. Needs a time stamper and long-term roots
        (:meth:`with_long_term_validation`). Do not call from a running event loop."""
        return _run(self.async_renew_archive_timestamp(pdf))

    async def async_renew_archive_timestamp(self, pdf: bytes) -> bytes:
        """Async form of :meth:`renew_archive_timestamp`."""
        if self._timestamper is None or self._long_term_roots is None:
            raise PdfSigningError("renewing an archive time stamp needs a time stamp authority "
                                  "and long-term validation (AZX_TSA_URL, AZX_SIGNING_LONG_TERM)")
        try:
            reader = PdfFileReader(io.BytesIO(pdf), strict=False)
            if not reader.embedded_timestamp_signatures:
                raise PdfSigningError("the PDF has no document time stamp to renew (not B-LTA)")
            vc = ValidationContext(trust_roots=self._long_term_roots, allow_fetching=True,
                                   fetcher_backend=RequestsFetcherBackend())
            out = await PdfTimeStamper(self._timestamper).async_update_archival_timestamp_chain(
                reader, vc, in_place=False, output=io.BytesIO(), default_md_algorithm=_MD)
        except TimestampRequestError as exc:
            raise PdfSigningError(f"time stamp authority failed: {exc}") from exc
        except (HankoSigningError, PdfError, ValueError, KeyError) as exc:
            raise PdfSigningError(f"cannot renew the archive time stamp: {exc}") from exc
        data: bytes = out.getvalue()
        return data

    @classmethod
    def from_pkcs12(
        cls,
        data: bytes,
        password: str | bytes | None,
        *,
        tsa_url: str | None = None,
        timestamper: TimeStamper | None = None,
    ) -> Self:
        """Load a PKCS#12 (key, certificate, optional chain) from memory."""
        if isinstance(password, str):
            password = password.encode("utf-8")
        try:
            signer = signers.SimpleSigner.load_pkcs12_data(data, [], passphrase=password)
        except (ValueError, TypeError) as exc:
            raise PdfSigningError(
                "cannot load the PKCS#12 (wrong password or not a PKCS#12 with one key)"
            ) from exc
        if timestamper is None and tsa_url:
            timestamper = HTTPTimeStamper(tsa_url, timeout=_TSA_TIMEOUT_S)
        return cls(signer, timestamper=timestamper)

    @property
    def certificate(self) -> x509.Certificate:
        """The signing certificate (pyca/cryptography object)."""
        return x509.load_der_x509_certificate(self._cert_asn1.dump())

    @property
    def subject(self) -> str:
        """The signing certificate's subject, RFC 4514 string."""
        return self.certificate.subject.rfc4514_string()

    @property
    def timestamps(self) -> bool:
        """True if signatures get an RFC 3161 time stamp (PAdES B-T)."""
        return self._timestamper is not None

    def sign_pdf(
        self,
        pdf: bytes,
        *,
        field_name: str,
        reason: str,
        location: str | None = None,
        signer_name: str | None = None,
        certify: bool = False,
        record_id: str | None = None,
    ) -> bytes:
        """Sign ``pdf`` in a new incremental revision; return the whole signed file.

        ``certify=True`` makes a certification (DocMDP) signature allowing later form filling
        and signatures; it must be the document's first signature. ``record_id`` sets
        ``/AZXRecordId`` (see :mod:`signing.pdf_meta`) in the revision this signature signs;
        only for the first signature, so that every signature covers it. Do not call from a
        running event loop: use :meth:`async_sign_pdf` there.
        """
        return _run(
            self.async_sign_pdf(
                pdf,
                field_name=field_name,
                reason=reason,
                location=location,
                signer_name=signer_name,
                certify=certify,
                record_id=record_id,
            )
        )

    async def async_sign_pdf(
        self,
        pdf: bytes,
        *,
        field_name: str,
        reason: str,
        location: str | None = None,
        signer_name: str | None = None,
        certify: bool = False,
        record_id: str | None = None,
    ) -> bytes:
        """Async form of :meth:`sign_pdf`."""
        if not field_name or "." in field_name:
            raise PdfSigningError("field_name must be non-empty and contain no '.'")
        if record_id is not None:
            record_id = parse_record_id(record_id).canonical  # ValueError if malformed
        meta = signers.PdfSignatureMetadata(
            field_name=field_name,
            md_algorithm=_MD,
            subfilter=fields.SigSeedSubFilter.PADES,
            reason=reason,
            location=location,
            name=signer_name,
            certify=certify,
            docmdp_permissions=fields.MDPPerm.FILL_FORMS,
        )
        if self._long_term_roots is not None:
            # a fresh context per signature: it fixes the validation time and caches responses
            meta = dataclasses.replace(
                meta, embed_validation_info=True, use_pades_lta=True,
                validation_context=ValidationContext(
                    trust_roots=self._long_term_roots, allow_fetching=True,
                    fetcher_backend=RequestsFetcherBackend()))
        try:
            return await self._sign(pdf, meta, field_name, record_id, await self._reservation())
        except HankoSigningError:
            # e.g. the container did not fit the reserved space: unlikely with pyHanko's 50 %
            # margin, unless a time stamp token grew a lot. pyHanko refuses to write it (no
            # broken PDF); sign again letting pyHanko estimate afresh, as it does by default.
            self._bytes_reserved = None
        try:
            return await self._sign(pdf, meta, field_name, record_id, None)
        except HankoSigningError as exc:
            raise PdfSigningError(str(exc)) from exc

    async def _sign(
        self,
        pdf: bytes,
        meta: signers.PdfSignatureMetadata,
        field_name: str,
        record_id: str | None,
        bytes_reserved: int | None,
    ) -> bytes:
        """One signing attempt on a fresh writer; pyHanko's SigningError escapes (see caller)."""
        try:
            writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        except (PdfError, ValueError, KeyError, IndexError) as exc:
            raise PdfSigningError(f"not a readable PDF: {exc}") from exc
        if writer.prev.encrypted:
            raise PdfSigningError("encrypted PDFs are not signed")
        filled = [name for name, _, _ in fields.enumerate_sig_fields(writer, filled_status=True)]
        if field_name in filled:
            raise PdfSigningError(f"signature field {field_name!r} is already signed")
        if meta.certify and filled:
            raise PdfSigningError("a certification signature must be the first signature")
        if record_id is not None:
            if filled:
                raise PdfSigningError(
                    "the PDF is already signed; the record ID goes with the first signature"
                )
            set_record_id(writer, record_id)
        pdf_signer = _Pdf17Signer(
            meta,
            self._signer,
            timestamper=self._timestamper,
            new_field_spec=fields.SigFieldSpec(sig_field_name=field_name),
        )
        output = io.BytesIO()
        try:
            await pdf_signer.async_sign_pdf(
                writer, output=output, bytes_reserved=bytes_reserved
            )
        except TimestampRequestError as exc:
            raise PdfSigningError(f"time stamp authority failed: {exc}") from exc
        except HankoSigningError:
            raise
        except PdfError as exc:
            raise PdfSigningError(str(exc)) from exc
        return output.getvalue()

    async def _reservation(self) -> int:
        """Bytes to reserve for the signature container: what pyHanko's own estimate gives
        (a dry-run signature, hex-encoded, plus 50 %), computed once per identity.

        pyHanko runs that dry run on every call; its size depends only on our fixed
        attributes, the certificate (chain), the key type and — for B-T — the time stamper's
        dummy token, which pyHanko caches per time stamper anyway.
        """
        if self._bytes_reserved is None:
            try:
                dummy = await self._signer.async_sign(
                    hashes.Hash(hashes.SHA256()).finalize(),
                    _MD,
                    dry_run=True,
                    use_pades=True,
                    timestamper=self._timestamper,
                    signed_attr_settings=PdfCMSSignedAttributes(
                        signing_time=dt.datetime.now(dt.UTC)
                    ),
                )
            except TimestampRequestError as exc:
                raise PdfSigningError(f"time stamp authority failed: {exc}") from exc
            except HankoSigningError as exc:
                raise PdfSigningError(str(exc)) from exc
            hex_len = len(dummy.dump()) * 2
            self._bytes_reserved = hex_len + 2 * (hex_len // 4)
        return self._bytes_reserved


class PartySigner(PdfSignerIdentity):
    """A signing party with its own certificate, e.g. the insured enterprise's seal."""


@dataclass(frozen=True)
class ClickConfirmation:
    """A party's recorded consent to be signed for by the service ("click-to-sign")."""

    party_name: str  # e.g. "成都某某化工有限公司 张三"
    confirmed_at: dt.datetime  # timezone-aware
    channel: str  # how: e.g. "web", "wechat-mini-program", "sms-otp"
    reference: str | None = None  # e.g. the audit-log record ID of the click

    def __post_init__(self) -> None:
        if self.confirmed_at.tzinfo is None:
            raise ValueError("confirmed_at must be timezone-aware")
        if not self.party_name.strip() or not self.channel.strip():
            raise ValueError("party_name and channel must not be empty")

    def reason(self) -> str:
        """The signature's /Reason: who confirmed, when, how, and by which record (zh / en)."""
        when = self.confirmed_at.isoformat(timespec="seconds")
        ref_zh = f"，确认记录 {self.reference}" if self.reference else ""
        ref_en = f" (confirmation record {self.reference})" if self.reference else ""
        return (
            f"{self.party_name} 于 {when} 通过 {self.channel} 点击确认{ref_zh}，由服务代为签署"
            f" / Confirmed by {self.party_name} at {when} via {self.channel}{ref_en};"
            " signed on their behalf by the service"
        )

    def signer_name(self) -> str:
        return f"{self.party_name}（服务代签 / signed on behalf by the service）"


class ServiceSigner(PdfSignerIdentity):
    """The service's own signing identity (configured PKCS#12 or self-signed fallback)."""

    self_signed: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> ServiceSigner:
        """The configured PKCS#12, else the self-signed identity under ``<data_dir>/keys/``."""
        tsa_url = settings.tsa_url or None
        if settings.signing_p12 is not None:
            return cls.from_p12_file(
                settings.signing_p12,
                settings.signing_p12_password.get_secret_value()
                if settings.signing_p12_password is not None
                else None,
                tsa_url=tsa_url,
            )._long_term(settings)
        return cls.self_signed_in(settings.data_dir / "keys", tsa_url=tsa_url)._long_term(settings)

    def _long_term(self, settings: Settings) -> Self:
        if settings.signing_long_term and self._timestamper is not None:
            return self.with_long_term_validation()
        return self

    @classmethod
    def from_p12_file(
        cls, path: Path, password: str | bytes | None, *, tsa_url: str | None = None
    ) -> ServiceSigner:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise PdfSigningError(f"cannot read the signing PKCS#12 {path}: {exc}") from exc
        return cls.from_pkcs12(data, password, tsa_url=tsa_url)

    @classmethod
    def self_signed_in(
        cls,
        keys_dir: Path,
        *,
        tsa_url: str | None = None,
        timestamper: TimeStamper | None = None,
    ) -> ServiceSigner:
        """The self-signed identity stored in ``keys_dir`` (created on first use)."""
        signer = cls.from_pkcs12(
            load_or_create_self_signed_p12(keys_dir), None, tsa_url=tsa_url, timestamper=timestamper
        )
        signer.self_signed = True
        return signer

    def sign_on_behalf(
        self,
        pdf: bytes,
        *,
        field_name: str,
        confirmation: ClickConfirmation,
        location: str | None = None,
        record_id: str | None = None,
    ) -> bytes:
        """Click-to-sign: the service signs for a party that confirmed; see
        :class:`ClickConfirmation` for what is recorded in the signature. ``record_id`` as
        for :meth:`sign_pdf`."""
        return self.sign_pdf(
            pdf,
            field_name=field_name,
            reason=confirmation.reason(),
            location=location,
            signer_name=confirmation.signer_name(),
            record_id=record_id,
        )
