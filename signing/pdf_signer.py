"""PAdES signatures on PDFs, always as incremental updates, so parties can sign in turn.

* :class:`PdfSignerIdentity` — a private key + certificate (chain) that signs PDFs:
  PAdES B-B, or B-T when it has a time stamper (``AZX_TSA_URL`` → RFC 3161 over HTTP).
* :class:`ServiceSigner` — the service's own identity: the configured PKCS#12, or else a
  self-signed certificate created once under ``<data_dir>/keys/``. It can also sign
  *on behalf of* a party who confirmed by clicking (:meth:`ServiceSigner.sign_on_behalf`);
  the reason text records who confirmed, when, how and the audit reference.
* :class:`PartySigner` — a party with its own certificate (PKCS#12 bytes + password).

Each call appends one revision: earlier signatures stay intact, and validators see the later
revision as an allowed change (a new signature), not as tampering.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Self

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError as HankoSigningError
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper, TimestampRequestError

from signing.errors import PdfSigningError
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


class PdfSignerIdentity:
    """A key and certificate able to sign PDFs (PAdES B-B; B-T with a time stamper)."""

    def __init__(
        self, signer: signers.SimpleSigner, *, timestamper: TimeStamper | None = None
    ) -> None:
        if signer.signing_cert is None:
            raise PdfSigningError("the signer has no certificate")
        self._signer = signer
        self._timestamper = timestamper
        self._cert_asn1: asn1_x509.Certificate = signer.signing_cert

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
    ) -> bytes:
        """Sign ``pdf`` in a new incremental revision; return the whole signed file.

        ``certify=True`` makes a certification (DocMDP) signature allowing later form filling
        and signatures; it must be the document's first signature. Do not call from a running
        event loop: use :meth:`async_sign_pdf` there.
        """
        return asyncio.run(
            self.async_sign_pdf(
                pdf,
                field_name=field_name,
                reason=reason,
                location=location,
                signer_name=signer_name,
                certify=certify,
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
    ) -> bytes:
        """Async form of :meth:`sign_pdf`."""
        if not field_name or "." in field_name:
            raise PdfSigningError("field_name must be non-empty and contain no '.'")
        try:
            writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        except (PdfError, ValueError, KeyError, IndexError) as exc:
            raise PdfSigningError(f"not a readable PDF: {exc}") from exc
        if writer.prev.encrypted:
            raise PdfSigningError("encrypted PDFs are not signed")
        filled = [name for name, _, _ in fields.enumerate_sig_fields(writer, filled_status=True)]
        if field_name in filled:
            raise PdfSigningError(f"signature field {field_name!r} is already signed")
        if certify and filled:
            raise PdfSigningError("a certification signature must be the first signature")
        meta = signers.PdfSignatureMetadata(
            field_name=field_name,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            reason=reason,
            location=location,
            name=signer_name,
            certify=certify,
            docmdp_permissions=fields.MDPPerm.FILL_FORMS,
        )
        pdf_signer = signers.PdfSigner(
            meta,
            self._signer,
            timestamper=self._timestamper,
            new_field_spec=fields.SigFieldSpec(sig_field_name=field_name),
        )
        output = io.BytesIO()
        try:
            await pdf_signer.async_sign_pdf(writer, output=output)
        except TimestampRequestError as exc:
            raise PdfSigningError(f"time stamp authority failed: {exc}") from exc
        except (HankoSigningError, PdfError) as exc:
            raise PdfSigningError(str(exc)) from exc
        return output.getvalue()


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
            )
        return cls.self_signed_in(settings.data_dir / "keys", tsa_url=tsa_url)

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
    ) -> bytes:
        """Click-to-sign: the service signs for a party that confirmed; see
        :class:`ClickConfirmation` for what is recorded in the signature."""
        return self.sign_pdf(
            pdf,
            field_name=field_name,
            reason=confirmation.reason(),
            location=location,
            signer_name=confirmation.signer_name(),
        )
