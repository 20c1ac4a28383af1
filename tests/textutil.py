"""Text as a reader of the rendered files sees it: PDF through poppler, DOCX through python-docx;
and which posted values an annex spec has a place for (``spec_bindings``, ``posted_leaves``).

``squash`` removes every whitespace character, so a value that a table cell wrapped over several
lines (or that pdftotext split into runs) still compares equal to the posted string.
"""

from __future__ import annotations

import io
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from docx import Document as open_docx
from docx.text.paragraph import Paragraph

__all__ = [
    "PAGE_FOOTER",
    "Leaf",
    "docx_text",
    "is_bound",
    "pdf_text",
    "posted_leaves",
    "spec_bindings",
    "squash",
]

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


# -- which posted values an annex shows ------------------------------------------------------
#
# An annex spec (templates/annex/<profile>/<type>.yaml) names every place a value goes by a bind
# path; rendering.bindings.printed_patterns follows them through the data model and the values
# the view computes (rendering/kinds.py) to the posted fields they print, as patterns with ``*``
# for list indices and dict keys. A posted value "has a place" when its pattern or a prefix of it
# is one of those (a list bound as a whole shows each element; a bound photo its caption).

Pattern = tuple[str, ...]


def spec_bindings(spec: Any) -> set[Pattern]:
    """Every posted-data pattern the annex spec ``spec`` (rendering.spec.AnnexSpec) prints."""
    from rendering.bindings import printed_patterns
    from rendering.spec import spec_root

    profile, doc_type = spec.key.split("/")
    return printed_patterns(spec.blocks, spec_root(profile, doc_type))


def is_bound(pattern: Pattern, bindings: set[Pattern]) -> bool:
    return any(pattern[:n] in bindings for n in range(1, len(pattern) + 1))


@dataclass(frozen=True)
class Leaf:
    """One scalar of the posted JSON, with the validated value at the same place."""

    path: tuple[str | int, ...]  # e.g. ("risks", 0, "name")
    pattern: Pattern  # e.g. ("risks", "*", "name")
    raw: Any  # as posted
    typed: Any  # as validated: a date stays a date, a Decimal a Decimal


def posted_leaves(raw: Any, typed: Any, path: tuple[str | int, ...] = (),
                  pattern: Pattern = ()) -> Iterator[Leaf]:
    """Every scalar of ``raw``, walking the validated model ``typed`` in parallel.

    List indices and the keys of dict-valued fields (``findings``, ``costs``) become ``*`` in the
    pattern: those keys are data, not names of places on the form.
    """
    from pydantic import BaseModel

    if isinstance(raw, dict):
        for key, value in raw.items():
            if isinstance(typed, BaseModel):
                yield from posted_leaves(value, getattr(typed, key, None), (*path, key),
                                         (*pattern, key))
            else:
                sub = typed.get(key) if isinstance(typed, dict) else None
                yield from posted_leaves(value, sub, (*path, key), (*pattern, "*"))
    elif isinstance(raw, list):
        for i, value in enumerate(raw):
            sub = typed[i] if isinstance(typed, list | tuple) and i < len(typed) else None
            yield from posted_leaves(value, sub, (*path, i), (*pattern, "*"))
    else:
        yield Leaf(path, pattern, raw, typed)


def agree_names(data: Any) -> Any:
    """``data`` with every pair of fields that name the same party
    (domain.documents.consistency.SAME_NAMES) set equal — the second's value copied to the
    first — so that a test that varies every string still posts a consistent document."""
    from domain.documents.consistency import SAME_NAMES

    def targets(obj: Any, parts: list[str]) -> list[tuple[Any, str]]:
        if len(parts) == 1:
            return [(obj, parts[0])] if isinstance(obj, dict) and parts[0] in obj else []
        head, rest = parts[0], parts[1:]
        if head == "*":
            return [t for item in (obj if isinstance(obj, list) else []) for t in
                    targets(item, rest)]
        return targets(obj.get(head), rest) if isinstance(obj, dict) else []

    for a, b in SAME_NAMES:
        src = targets(data, b.split("."))
        if not src or not isinstance(src[0][0].get(src[0][1]), str):
            continue
        value = src[0][0][src[0][1]]
        for obj, key in targets(data, a.split(".")):
            obj[key] = value
    return data
