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
# path: ``fields`` items, ``bind``/``choice``/``photos`` of cells and text blocks, the ``{holes}``
# of ``para`` templates, ``range`` (start and end), ``signatures`` names and dates; ``each``,
# ``table`` and grid-row ``each`` make their blocks' paths relative to the list's elements. A
# posted value "has a place" when its JSON path — list indices and dict keys as ``*`` — is one
# of those paths, or an element of a list bound as a whole (``certificates``: joined with 、), or
# the caption of a bound photo. Views add bindings computed from the data (VIEW_BINDINGS).

Pattern = tuple[str, ...]
_HOLE = re.compile(r"\{([^{}|]+)(?:\|[^{}]*)?\}")

#: Spec paths bound to view values computed from posted text (rendering/views.py):
#: the score tables' 备注/扣分说明 carry each finding's note.
VIEW_BINDINGS: dict[Pattern, Pattern] = {
    ("score_rows", "*", "remark"): ("findings", "*", "note"),
}


def _join(scope: Pattern, path: str) -> Pattern:
    if path == ".":
        return scope
    if path.startswith("$."):
        scope, path = (), path[2:]
    return (*scope, *path.replace("]", "").replace("[", ".").split("."))


def _cell_bindings(cell: Any, scope: Pattern, out: set[Pattern]) -> None:
    if not isinstance(cell, dict):
        return
    for key in ("bind", "choice"):
        if key in cell:
            out.add(_join(scope, cell[key]))
    if "photos" in cell:
        out.add((*_join(scope, cell["photos"]), "*", "caption"))
    if "para" in cell:
        out.update(_join(scope, h) for h in _HOLE.findall(str(cell["para"])))


def _block_bindings(blocks: Any, scope: Pattern, out: set[Pattern]) -> None:
    for b in blocks:
        if "para" in b:
            out.update(_join(scope, h) for h in _HOLE.findall(str(b["para"])))
        if "fields" in b:
            out.update(_join(scope, item[1]) for item in b["fields"])
        if "range" in b:
            p = _join(scope, b["range"]["bind"])
            out.update({(*p, "start"), (*p, "end")})
        if "text" in b:
            t = b["text"]
            out.add(_join(scope, t["bind"]))
            out.update(_join(scope, h) for h in _HOLE.findall(str(t.get("label", ""))))
            if "photos" in t:
                out.add((*_join(scope, t["photos"]), "*", "caption"))
        if "item" in b:
            _block_bindings(b["item"].get("blocks", []), scope, out)
        if "each" in b:
            inner = (*_join(scope, b["each"]["bind"]), "*")
            _block_bindings(b["each"]["blocks"], inner, out)
            _block_bindings(b["each"].get("after", []), scope, out)
        if "grid" in b:
            for row in b["grid"]["rows"]:
                if isinstance(row, dict) and "each" in row:
                    inner = (*_join(scope, row["each"]["bind"]), "*")
                    for c in row["each"]["cells"]:
                        _cell_bindings(c, inner, out)
                else:
                    for c in row:
                        _cell_bindings(c, scope, out)
        if "table" in b:
            t = b["table"]
            inner = (*_join(scope, t["bind"]), "*") if "bind" in t else scope
            for c in t["columns"]:
                _cell_bindings(c, inner, out)
            for row in [*t.get("header", []), *t.get("footer", [])]:
                for c in row:
                    _cell_bindings(c, scope, out)
        if "photos" in b:
            out.add((*_join(scope, b["photos"]), "*", "caption"))
        if "signatures" in b:
            for it in b["signatures"]["items"]:
                out.update(_join(scope, it[k]) for k in ("name", "date") if k in it)


def spec_bindings(blocks: Any) -> set[Pattern]:
    """Every data path (``*`` for list elements and dict keys) an annex spec shows a value at."""
    out: set[Pattern] = set()
    _block_bindings(blocks, (), out)
    out.update(target for source, target in VIEW_BINDINGS.items() if source in out)
    return out


def is_bound(pattern: Pattern, bindings: set[Pattern]) -> bool:
    if pattern in bindings:
        return True
    return bool(pattern) and pattern[-1] == "*" and pattern[:-1] in bindings


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
