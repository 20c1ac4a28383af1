"""The record ID a PDF claims to be, as ``/AZXRecordId`` in its document information dict.

Embed it BEFORE the first signature, so the signatures cover it: either as its own revision
(:func:`embed_record_id`) or, cheaper, in the revision the first signature signs
(``sign_pdf(..., record_id=...)`` uses :func:`set_record_id`). The info dictionary may be
changed by later incremental updates without validators objecting (metadata updates count as
allowed changes); :func:`signing.pdf_verify.inspect_pdf_signatures` therefore reports the ID
as of the revision each signature covers.
"""

from __future__ import annotations

import io

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.rw_common import PdfHandler
from pyhanko.sign import fields

from domain.ids import parse_record_id
from signing.errors import PdfSigningError, UnreadablePdf

__all__ = [
    "RECORD_ID_KEY",
    "embed_record_id",
    "read_record_id",
    "record_id_in",
    "set_record_id",
]

RECORD_ID_KEY = "/AZXRecordId"


def embed_record_id(pdf: bytes, record_id: str) -> bytes:
    """Return ``pdf`` with ``/AZXRecordId`` set (one incremental update; bytes kept).

    Refuses signed PDFs: an ID added after signing would not be covered by the signatures.
    To save a revision, pass ``record_id=`` to the first
    :meth:`signing.pdf_signer.PdfSignerIdentity.sign_pdf` instead: the ID then goes into the
    revision that the first signature signs.
    """
    canonical = parse_record_id(record_id).canonical
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    except (PdfError, ValueError, KeyError, IndexError) as exc:
        raise PdfSigningError(f"not a readable PDF: {exc}") from exc
    if any(True for _ in fields.enumerate_sig_fields(writer, filled_status=True)):
        raise PdfSigningError("the PDF is already signed; embed the record ID before signing")
    set_record_id(writer, canonical)
    out = io.BytesIO()
    writer.write(out)  # type: ignore[no-untyped-call]
    return out.getvalue()


def set_record_id(writer: IncrementalPdfFileWriter, record_id: str) -> None:
    """Set ``/AZXRecordId`` (canonical form) in the revision ``writer`` is preparing.

    The caller checks that the PDF is not signed yet (see :func:`embed_record_id`).
    """
    value = generic.TextStringObject(parse_record_id(record_id).canonical)
    key = generic.NameObject(RECORD_ID_KEY)
    info_ref = writer.trailer.raw_get("/Info") if "/Info" in writer.trailer else None
    if isinstance(info_ref, generic.IndirectObject):
        info = info_ref.get_object()  # type: ignore[no-untyped-call]
        if not isinstance(info, generic.DictionaryObject):
            raise PdfSigningError("the PDF's /Info is not a dictionary")
        info[key] = value
        writer.mark_update(info_ref)
    else:  # no /Info, or (rare) a direct dictionary in the trailer: write an indirect one
        info = generic.DictionaryObject()  # type: ignore[no-untyped-call]
        if isinstance(info_ref, generic.DictionaryObject):
            info.update(info_ref)
        info[key] = value
        writer.set_info(writer.add_object(info))


def record_id_in(handler: PdfHandler) -> str | None:
    """``/AZXRecordId`` of a reader or a historical revision view, if any (as stored)."""
    trailer = handler.trailer_view
    if "/Info" not in trailer:
        return None
    raw = trailer.raw_get("/Info")
    # resolve through ``handler`` so a historical view sees the object as of its revision
    info = handler.get_object(raw.reference) if isinstance(raw, generic.IndirectObject) else raw
    if not isinstance(info, generic.DictionaryObject):
        return None
    value = info.get(RECORD_ID_KEY)
    return str(value) if isinstance(value, generic.TextStringObject | str) else None


def read_record_id(pdf: bytes) -> str | None:
    """The record ID the latest revision of ``pdf`` claims, or None."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    except (PdfError, ValueError, KeyError, IndexError) as exc:
        raise UnreadablePdf(f"not a readable PDF: {exc}") from exc
    return record_id_in(reader)
