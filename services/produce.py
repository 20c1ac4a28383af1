"""Make a record's parts in memory: source JSON, rendered PDF (proven complete, QR-stamped,
signed by the parties then sealed by the service) and DOCX. Nothing here writes anywhere.

The completeness proof runs on the rendered PDF before it is signed: every value the form
prints must lie inside a page's box. A PDF that fails is a defect of ours (logged as such) and a
422 naming the field for the client; it is never stored.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from core.settings import Settings
from domain.catalog import FormKind
from domain.errors import DomainValidationError, Problem
from domain.signatures import SIGNATURE_LINES, PartySignature
from rendering.blocks import Attachment, Document
from services.prepare import PreparedDocument
from services.records import SignerEntry, canonical_json, sha256_hex
from services.render import build, render_document
from signing.pdf_signer import ClickConfirmation, PartySigner, ServiceSigner

__all__ = ["Artefacts", "DocumentSigner", "Stamper", "archived_pdf", "produce", "source_json"]

log = logging.getLogger("azx.produce")


class Stamper(Protocol):
    """Makes the QR verify URL and its PNG for a record ID and content hash."""

    def __call__(self, record_id: str, content_sha256: bytes) -> tuple[str, bytes]: ...


@dataclass(frozen=True)
class Artefacts:
    """Everything a record's locked objects will hold."""

    source: bytes
    pdf: bytes
    docx: bytes
    signers: list[SignerEntry]

    @property
    def content_sha256(self) -> str:
        return sha256_hex(self.source)


def source_json(record_id: str, kind: FormKind, template_version: str,
                prepared: PreparedDocument) -> bytes:
    """The stored source JSON: what was posted, never the parties' certificates or passwords."""
    stored = prepared.checked.request.stored()
    return canonical_json({
        "id": record_id, "type": kind.type, "profile": kind.profile,
        "template_version": template_version, "data": stored["data"],
        "signatures": stored.get("signatures") or [],
    })


class DocumentSigner:
    """The parties sign in the annex's order, then the service seals; the record ID goes into
    the revision the first signature signs, so that every signature covers it."""

    def __init__(self, service: ServiceSigner) -> None:
        self.service = service

    def sign(self, pdf: bytes, record_id: str, kind: FormKind, parties: list[PartySignature],
             certificates: tuple[PartySigner | None, ...]) -> tuple[bytes, list[SignerEntry]]:
        labels = dict(SIGNATURE_LINES.get(kind.type, ()))
        rid: str | None = record_id  # embedded by the first signature only
        signed: list[SignerEntry] = []
        for party, certificate in zip(parties, certificates, strict=True):
            field = f"AZX-{party.role}"
            label = labels.get(party.role)
            if party.method == "certificate":
                assert certificate is not None, "prepare() opens every party's certificate"
                pdf = certificate.sign_pdf(
                    pdf, field_name=field, signer_name=party.name, record_id=rid,
                    reason=f"{label or party.role}签署 / signed as {party.role}")
                signed.append(SignerEntry(role=party.role, label=label, name=party.name,
                                          method="certificate", certificate=certificate.subject))
            else:
                assert party.confirmed_at is not None and party.channel is not None
                confirmation = ClickConfirmation(party.name, party.confirmed_at, party.channel,
                                                 party.reference)
                pdf = self.service.sign_on_behalf(pdf, field_name=field,
                                                  confirmation=confirmation, record_id=rid)
                signed.append(SignerEntry(
                    role=party.role, label=label, name=party.name, method="click",
                    confirmed_at=party.confirmed_at.isoformat(), channel=party.channel,
                    reference=party.reference))
            rid = None
        pdf = self.service.sign_pdf(pdf, field_name="AZX-Service", record_id=rid,
                                    reason=f"安责险事故预防服务档案 {kind.title} / archived record",
                                    signer_name="AZX archive service")
        signed.append(SignerEntry(role="service", name="AZX archive service",
                                  method="certificate", certificate=self.service.subject))
        return pdf, signed


def produce(prepared: PreparedDocument, *, record_id: str, template_version: str,
            settings: Settings, stamper: Stamper | None, signer: DocumentSigner | None,
            ) -> Artefacts:
    """Render, prove complete, stamp and sign: the parts of record ``record_id``."""
    kind, model = prepared.checked.kind, prepared.checked.model
    source = source_json(record_id, kind, template_version, prepared)
    doc = build(kind, model, record_id=record_id)
    archived_pdf(doc, source, record_id=record_id, kind=kind,
                 template_version=template_version)
    qr = None
    if stamper is not None:
        doc.verify_url, qr = stamper(record_id, bytes.fromhex(sha256_hex(source)))
    pdf = render_document(doc, "pdf", qr_png=qr, engine=settings.pdf_engine)
    _prove_complete(doc, pdf, kind, record_id)
    signers: list[SignerEntry] = []
    if signer is not None:
        pdf, signers = signer.sign(pdf, record_id, kind, prepared.checked.parties,
                                   prepared.party_signers)
    docx = render_document(doc, "docx")
    return Artefacts(source, pdf, docx, signers)


def archived_pdf(doc: Document, source: bytes, *, record_id: str, kind: FormKind,
                 template_version: str) -> None:
    """Make ``doc`` render as an archived record: PDF/A-3b carrying, as associated files,
    the source JSON it was made from (``source.json``, relationship Source, the very bytes
    archived beside it) and the record's metadata (``record.json``, Data). The sealed
    manifest cannot be inside: it names the PDF's own hash and storage version."""
    meta = canonical_json({
        "id": record_id, "type": kind.type, "profile": kind.profile, "title": kind.title,
        "template_version": template_version, "source": "source.json",
        "content_sha256": sha256_hex(source),
    })
    doc.pdf_a = True
    doc.attachments = [
        Attachment("source.json", source, "source", description="源数据（归档时提交的 JSON）"),
        Attachment("record.json", meta, "data", description="档案记录元数据"),
    ]


def _prove_complete(doc: Document, pdf: bytes, kind: FormKind, record_id: str) -> None:
    from rendering.completeness import unprinted_values

    missing = unprinted_values(doc, pdf)
    if not missing:
        return
    log.error("DEFECT: %s/%s record %s: %d printed values lie outside every page: %s",
              kind.profile, kind.type, record_id, len(missing),
              "; ".join(f"{m.path}: {m.text!r}" for m in missing[:10]))
    raise DomainValidationError([
        Problem(m.path or ("data",), "not_printed",
                f"此内容在版面上无法完整显示（「{m.text}」），未归档；请缩短该项或分成多项，"
                "此问题已作为缺陷记录",
                f"this value would not be fully visible on the pages ({m.text!r}); nothing was "
                "archived. Shorten or split it; the defect has been logged")
        for m in missing])

