"""The completeness proof: every value a form prints is on a page, inside the page's box.

A record is locked for years once archived; a value that was laid out off the page (a cell pushed
whole onto the next page and run off its foot) would stay missing from the signed, "authentic"
PDF for all that time. :func:`unprinted_values` reads the rendered PDF back as a reader sees it —
the text inside each page's visible box (rendering/pdf_text.py, clipped like poppler's
``pdftotext``) — and looks for every text of the document tree in it.

What is looked for: every text the tree prints — the title, headings, labels, posted values,
computed values (levels, scores, totals), check-box labels, photo captions, signature labels and
names. Only images are not looked for (a photo or the risk map is not text; its caption is). A
value's data path comes from the tree (``Text.source``, set by rendering/spec.py from the bind
path and the views' ``Overlay`` paths): posted values name their field, e.g. ``("data",
"suggestions")``; labels, ／ and computed values have none (``source`` None, the mark of a value
that was not posted as such), so a missing one is a defect of the product rather than of the
request.

Texts are compared normalised: NFKC, without whitespace, control or format characters (a value
wrapped over lines, broken across a page or set with full-width forms still compares equal). A
value broken across pages is found when its parts lie on consecutive pages, in order.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import NamedTuple

from rendering.blocks import (
    Check,
    Document,
    Heading,
    Image,
    Inline,
    Paragraph,
    Signatures,
    Table,
    Text,
)
from rendering.pdf_text import fast_page_texts, general_page_texts

__all__ = ["EXCERPT_CHARS", "Unprinted", "normalise", "printed_texts", "squeeze",
           "unprinted_values"]

EXCERPT_CHARS = 40


@dataclass(frozen=True)
class Unprinted:
    """A value of the form that is on no page (or only partly)."""

    path: tuple[str | int, ...] | None
    """The JSON path of the posted field, e.g. ``("data", "suggestions")``; None for a label or
    a computed value."""
    text: str
    """The first characters (at most :data:`EXCERPT_CHARS`, normalised: no whitespace) of the
    part that is not on any page."""


def unprinted_values(doc: Document, pdf: bytes) -> list[Unprinted]:
    """Every value of ``doc`` that the rendered ``pdf`` does not show inside its pages' boxes,
    one per data path (a field printed over several lines is reported once); [] when all are
    there. Pure: reads ``pdf`` only."""
    expected = _expected(doc)
    pages = fast_page_texts(pdf)
    missing = _missing(expected, pages) if pages is not None else None
    if missing is None or missing:
        # the fast reader leaves out what it cannot place: look again with the general one
        missing = _missing(expected if missing is None else missing, general_page_texts(pdf))
    return _reports(missing)


_Source = tuple[str | int, ...] | None
#: A value looked for: as compared, its data path, as printed, the part not found ("": none).
#: Plain tuples (a report prints thousands, made quickly); those not found become _Value.
_Looked = tuple[str, _Source, str, str]


class _Value(NamedTuple):
    norm: str  # as compared
    source: _Source
    original: str  # as printed
    missing: str = ""  # the part not found (as compared)


def printed_texts(doc: Document) -> Iterator[tuple[str, tuple[str | int, ...] | None]]:
    """Every text ``doc`` prints, with its data path (None: not a posted value), in order."""
    return iter(_printed(doc))


def _printed(doc: Document) -> list[tuple[str, _Source]]:
    # a list filled in loops, not nested generators: a report prints thousands of texts
    out: list[tuple[str, _Source]] = [(doc.title, None)]
    if doc.subtitle:
        out.append((doc.subtitle, None))
    for block in doc.blocks:
        if isinstance(block, Heading):
            out.append((block.text, None))
        elif isinstance(block, Paragraph):
            _inline_texts([block.inlines], out)
        elif isinstance(block, Table):
            if block.caption:
                out.append((block.caption, None))
            _inline_texts([cell.inlines for row in block.rows for cell in row.cells], out)
        elif isinstance(block, Signatures):
            for s in block.items:
                out.append((s.label, None))
                if s.name:
                    out.append((s.name, s.source))
                if s.date:
                    out.append((s.date, None))
    return out


def _inline_texts(inlines: list[Sequence[Inline]], out: list[tuple[str, _Source]]) -> None:
    add = out.append
    for i in chain.from_iterable(inlines):
        if isinstance(i, Text):
            add((i.text, i.source))
        elif isinstance(i, Check):
            add((i.label, None))
        elif isinstance(i, Image) and i.caption:
            add((i.caption, i.source))


#: Characters that print nothing: whitespace, controls, format characters (zero-width, bidi).
_INVISIBLE = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e"
                        r"\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]+")


def squeeze(text: str) -> str:
    """``text`` without whitespace or characters that print nothing."""
    text = "".join(text.split())
    # what is left that prints nothing is not printable (Cc, Cf, Z*), and rare: checked in C
    return text if text.isprintable() else _INVISIBLE.sub("", text)


def normalise(text: str) -> str:
    """``text`` as compared: NFKC, without whitespace or characters that print nothing."""
    return squeeze(unicodedata.normalize("NFKC", text))


def _expected(doc: Document) -> list[_Looked]:
    printed = _printed(doc)
    distinct = list({text: None for text, _ in printed})
    norm = dict(zip(distinct, _squeeze_all(distinct), strict=True))
    return [(norm[text], source, text, "") for text, source in printed if norm[text]]


def _squeeze_all(texts: list[str]) -> list[str]:
    """:func:`squeeze` of each of ``texts``, at once: joined by U+FFFF (a noncharacter, which
    squeeze keeps), unless one holds it."""
    joined = "\uffff".join(texts)
    if joined.count("\uffff") != len(texts) - 1:
        return [squeeze(text) for text in texts]
    squeezed = "".join(joined.split())
    if not squeezed.replace("\uffff", "").isprintable():  # rare (see squeeze)
        squeezed = _INVISIBLE.sub("", squeezed)
    return squeezed.split("\uffff")


def _missing(values: Sequence[_Looked], pages: list[str]) -> list[_Value]:
    """The values not found in ``pages``, each with the part that is not. Looked for as they
    are (whitespace aside) first: the text on the page is nearly always the very same
    characters; those not found are looked for again NFKC-normalised, on both sides, and
    reported (if still missing) in their own characters."""
    missing = _search(values, _squeeze_all(pages))
    if not missing:
        return []
    found = [_Value(*v) for v, _ in missing]
    again = [_Value(normalise(v.original), v.source, v.original) for v in found]
    pages_nfkc = [normalise(p) for p in pages]
    still = {id(v) for v, _ in _search([v for v in again if v.norm], pages_nfkc)}
    whole = "\x00".join(pages_nfkc)
    return [_Value(v.norm, v.source, v.original, rest)
            for v, (_, rest), w in zip(found, missing, again, strict=True)
            if id(w) in still and not _right_to_left_found(v.original, whole)]


def _right_to_left_found(text: str, whole: str) -> bool:
    """Whether a value with right-to-left words (Arabic, Uyghur, Hebrew) is there: a PDF holds
    such words in the order they are seen, which the readers give back in their own ways
    (PDFium: each word in order, the words of a right-to-left run from right to left). So each
    word and each stretch of other script must be there, in whatever order."""
    if not any(unicodedata.bidirectional(c) in ("R", "AL") for c in text):
        return False
    parts = [normalise(p) for p in _DIRECTION_RUNS.findall(unicodedata.normalize("NFKC", text))]
    return all(p in whole for p in parts if p)


#: Words of right-to-left letters (with their combining marks), and stretches of anything else.
_DIRECTION_RUNS = re.compile(
    r"[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]+|[^\s\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]+")


def _search(values: Sequence[_Looked], texts: list[str]) -> list[tuple[_Looked, str]]:
    """The values not in ``texts`` (one a page), with the part of each that is not."""
    whole = "\x00".join(texts)  # \x00 never is in a normalised value: no match across pages
    find = whole.find
    out = []
    cursor = 0  # values come in page order: look after the last one found first
    for v in values:
        norm = v[0]
        at = find(norm, cursor)
        if at < 0:
            at = find(norm)
        if at >= 0:
            cursor = at + len(norm)
            continue
        rest = _across_pages(norm, texts)
        if rest:
            out.append((v, rest))
    return out


_STARTS = 5  # pages tried as the first of a broken value (its first characters are there)


def _across_pages(value: str, pages: list[str]) -> str:
    """The part of ``value`` not found when it is read as consecutive parts on consecutive pages
    (a value broken by page breaks); "" when all of it is there."""
    head = value[:8]
    best = value
    for start in [i for i, page in enumerate(pages) if head in page][:_STARTS]:
        rest = value
        for page in pages[start:]:
            n = _longest_prefix(rest, page)
            if n == 0:
                break
            rest = rest[n:]
            if not rest:
                return ""
        if len(rest) < len(best):
            best = rest
    return best


def _longest_prefix(value: str, page: str) -> int:
    """How many leading characters of ``value`` appear together on ``page`` (binary search:
    if a prefix is there, so is every shorter one)."""
    if value in page:
        return len(value)
    lo, hi = 0, len(value)  # value[:lo] is on the page, value[:hi] is not
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if value[:mid] in page:
            lo = mid
        else:
            hi = mid
    return lo


def _reports(missing: list[_Value]) -> list[Unprinted]:
    out: list[Unprinted] = []
    reported: set[object] = set()
    for v in missing:
        key = v.source if v.source is not None else v.norm
        if key in reported:
            continue
        reported.add(key)
        out.append(Unprinted(v.source, v.missing[:EXCERPT_CHARS]))
    return out
