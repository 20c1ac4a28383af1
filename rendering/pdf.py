"""Document tree → PDF, with one of two typesetters drawing the same tree.

``typst`` (the default, ``AZX_PDF_ENGINE``): the Typst typesetter, ~20× faster than WeasyPrint
on a long report. ``weasyprint``: HTML + CSS through WeasyPrint. Both use the reduced AZX fonts
with the same fall-back stack (rendering/fonts.py) and carry the same labels and values.
"""

from __future__ import annotations

from typing import Literal

from rendering.blocks import Document

__all__ = ["ENGINES", "Engine", "document_pdf"]

Engine = Literal["typst", "weasyprint"]
ENGINES: tuple[Engine, ...] = ("typst", "weasyprint")


def document_pdf(doc: Document, *, qr_png: bytes | None = None, engine: Engine = "typst") -> bytes:
    if engine == "weasyprint":
        from rendering.pdf_weasyprint import document_pdf_weasyprint

        return document_pdf_weasyprint(doc, qr_png=qr_png)
    from rendering.pdf_typst import document_pdf_typst

    return document_pdf_typst(doc, qr_png=qr_png)
