"""Text as a reader of the rendered files sees it: PDF through poppler, DOCX through python-docx.

``squash`` removes every whitespace character, so a value that a table cell wrapped over several
lines (or that pdftotext split into runs) still compares equal to the posted string.
"""

from __future__ import annotations

import io
import re
import subprocess
from typing import Any, Literal

from docx import Document as open_docx
from docx.text.paragraph import Paragraph

__all__ = ["PAGE_FOOTER", "docx_text", "pdf_text", "squash"]

#: The running footer WeasyPrint draws on every page ("第 1 页 共 3 页").
PAGE_FOOTER = re.compile(r"第\s*\d+\s*页\s*共\s*\d+\s*页")
_WS = re.compile(r"\s+")


def squash(text: str) -> str:
    """``text`` without any whitespace (spaces, tabs, line breaks, full-width spaces)."""
    return _WS.sub("", text)


def pdf_text(pdf: bytes, *, mode: Literal["raw", "layout"] = "raw",
             drop_footers: bool = True) -> str:
    """The text of ``pdf`` by ``pdftotext``.

    ``mode="raw"`` keeps the content-stream order, i.e. every table cell's lines together;
    ``"layout"`` (``pdftotext -layout``) reproduces the page geometry, which interleaves the
    wrapped lines of neighbouring cells — good for looking at a page, bad for ``in`` checks.
    The page footers are removed (a value broken across a page would otherwise be split by one).
    """
    proc = subprocess.run(["pdftotext", "-enc", "UTF-8", f"-{mode}", "-", "-"], input=pdf,
                          capture_output=True, check=True, timeout=60)
    text = proc.stdout.decode("utf-8")
    return PAGE_FOOTER.sub("", text) if drop_footers else text


def _texts(container: Any, out: list[str]) -> None:
    """Paragraphs and tables of a body, cell, header or footer, in document order."""
    for item in container.iter_inner_content():
        if isinstance(item, Paragraph):
            out.append(item.text)
            continue
        seen: set[Any] = set()  # the <w:tc> elements (kept alive, so identity is stable)
        for row in item.rows:
            for cell in row.cells:
                if cell._tc in seen:  # a merged cell is listed once per grid column
                    continue
                seen.add(cell._tc)
                _texts(cell, out)


def docx_text(docx: bytes) -> str:
    """Every paragraph of the body, of tables (nested ones too), headers and footers."""
    doc = open_docx(io.BytesIO(docx))
    out: list[str] = []
    _texts(doc._body, out)
    for section in doc.sections:
        for part in (section.header, section.first_page_header, section.even_page_header,
                     section.footer, section.first_page_footer, section.even_page_footer):
            if part.is_linked_to_previous:
                continue
            _texts(part, out)
    return "\n".join(out)
