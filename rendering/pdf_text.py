"""The text a reader can see on each page of a PDF: every character that stands inside the page's
visible box (its CropBox within its MediaBox), in the order the page draws it. A character stands
inside when its baseline does (as poppler's ``pdftotext`` decides: a line cut by the foot of the
page is out) and the middle of its width does.

Text drawn outside that box is in the file but not on the paper: a viewer, a printer and poppler's
``pdftotext`` never show it. Two readers give the same answer:

- :func:`general_page_texts` — PDFium (pypdfium2), for any PDF;
- :func:`fast_page_texts` — a reader for the shape the Typst engine writes (a classic
  cross-reference table, CID fonts with ToUnicode maps, each text run its own ``q … cm BT … Tm
  [...] TJ ET Q`` at the top level of the page), four to five times faster than PDFium on a
  long report, which matters because every archived document is read back before it is stored.
  It is *sound*, not complete: it returns None for a file it does not fully understand, and
  leaves out what it cannot place (text inside form XObjects, runs of another shape). So text it
  reports is really on the page; a value it does not find is looked for again with the general
  reader (rendering/completeness.py).
"""

from __future__ import annotations

import binascii
import operator
import re
import sys
import zlib
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise, repeat
from typing import Any

__all__ = ["fast_page_texts", "general_page_texts", "page_texts"]


def page_texts(pdf: bytes) -> list[str]:
    """The visible text of each page: by the fast reader when it can, else by PDFium."""
    texts = fast_page_texts(pdf)
    return texts if texts is not None else general_page_texts(pdf)


# -- the general reader ----------------------------------------------------------------------


def general_page_texts(pdf: bytes) -> list[str]:
    """Every page's characters that stand inside the page's visible box (PDFium)."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    doc = pdfium.PdfDocument(pdf)
    try:
        out = []
        for index in range(len(doc)):
            page = doc[index]
            try:
                text = page.get_textpage()
                try:
                    out.append(_visible_chars(raw, text, _box(page.get_bbox())))
                finally:
                    text.close()
            finally:
                page.close()
        return out
    finally:
        doc.close()


def _visible_chars(raw: Any, text: Any, box: _Box) -> str:
    import ctypes

    left, right, bottom, top, x, y = (ctypes.c_double() for _ in range(6))
    chars = []
    for i in range(raw.FPDFText_CountChars(text)):
        code = raw.FPDFText_GetUnicode(text, i)
        if (not code or not raw.FPDFText_GetCharBox(text, i, left, right, bottom, top)
                or not raw.FPDFText_GetCharOrigin(text, i, x, y)):
            continue
        if box.holds((left.value + right.value) / 2, y.value):
            chars.append(chr(code) if code < 0x110000 else "\ufffd")
    # a character beyond the BMP comes as its two UTF-16 surrogates: join them
    return "".join(chars).encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


@dataclass(frozen=True)
class _Box:
    left: float
    bottom: float
    right: float
    top: float

    def holds(self, x: float, y: float) -> bool:
        return self.left <= x <= self.right and self.bottom <= y <= self.top


def _box(rect: Any) -> _Box:
    x0, y0, x1, y1 = (float(v) for v in rect)
    return _Box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


# -- the fast reader ---------------------------------------------------------------------------


class _Unreadable(Exception):
    """Something the fast reader does not read (the general reader does)."""


def fast_page_texts(pdf: bytes) -> list[str] | None:
    """The visible text of each page of a PDF shaped as the Typst engine writes it, or None."""
    try:
        reader = _Reader(pdf)
        return [_page_text(reader, page) for page in reader.pages()]
    except (_Unreadable, ValueError, IndexError, KeyError, TypeError, AttributeError, zlib.error):
        return None


# PDF objects: names are kept as ``_Name``, references as ``_Ref``; everything else is a Python
# int, float, bytes (strings), list or dict.
class _Name(str):
    pass


@dataclass(frozen=True)
class _Ref:
    num: int


_TOKEN = re.compile(
    rb"\s*(?:%[^\r\n]*\s*)*"
    rb"(<<|>>|\[|\]|/[^\s/\[\]()<>{}%]*|[-+]?(?:\d+\.?\d*|\.\d+)|<[0-9A-Fa-f\s]*>|\(|[A-Za-z]+)")


_OBJ = re.compile(rb"\s*(\d+)\s+\d+\s+obj")
_NUMBER_ARRAY = re.compile(rb"((?:\s*[-+]?(?:\d+\.?\d*|\.\d+))*)\s*\]")
_STREAM = re.compile(rb"\s*stream\r?\n")
_REF_TAIL = re.compile(rb"\s+(\d+)\s+R(?![A-Za-z])")


def _literal_end(buf: bytes, pos: int) -> int:
    """The index after the literal string opened at ``pos`` (balanced parentheses, escapes)."""
    depth, i = 0, pos
    while True:
        j = min((k for k in (buf.find(b"(", i), buf.find(b")", i), buf.find(b"\\", i)) if k >= 0),
                default=-1)
        if j < 0:
            raise _Unreadable("unterminated string")
        ch = buf[j]
        if ch == 0x5C:  # backslash: skip the escaped byte
            i = j + 2
            continue
        depth += 1 if ch == 0x28 else -1
        i = j + 1
        if depth == 0:
            return i


def _parse(buf: bytes, pos: int) -> tuple[Any, int]:
    """The object at ``pos`` and the index after it."""
    m = _TOKEN.match(buf, pos)
    if m is None:
        raise _Unreadable(f"no object at {pos}")
    tok, end = m.group(1), m.end()
    if tok == b"<<":
        out: dict[str, Any] = {}
        while True:
            m = _TOKEN.match(buf, end)
            if m is None:
                raise _Unreadable("unterminated dictionary")
            if m.group(1) == b">>":
                return out, m.end()
            key, end = _parse(buf, end)
            out[key], end = _parse(buf, end)
    if tok == b"[":
        numbers = _NUMBER_ARRAY.match(buf, end)  # quick for long ones (a font's widths)
        if numbers is not None:
            return [float(v) if b"." in v else int(v) for v in numbers.group(1).split()], numbers.end()
        items: list[Any] = []
        while True:
            m = _TOKEN.match(buf, end)
            if m is None:
                raise _Unreadable("unterminated array")
            if m.group(1) == b"]":
                return items, m.end()
            item, end = _parse(buf, end)
            if item == "R" and len(items) >= 2:  # "12 0 R" inside an array
                items[-2:] = [_Ref(int(items[-2]))]
                continue
            items.append(item)
    if tok[:1] == b"/":
        return _Name(tok[1:].decode("latin-1")), end
    if tok == b"(":
        close = _literal_end(buf, m.start(1))
        return buf[m.start(1) + 1:close - 1], close
    if tok[:1] == b"<":
        return bytes.fromhex(tok[1:-1].decode("ascii")), end
    if tok[:1].isalpha():
        return {b"true": True, b"false": False, b"null": None}.get(tok, tok.decode()), end
    number = float(tok) if b"." in tok else int(tok)
    ref = _REF_TAIL.match(buf, end)  # "12 0 R"
    if ref is not None and isinstance(number, int):
        return _Ref(number), ref.end()
    return number, end


class _Reader:
    """Objects by number through classic cross-reference tables (and their incremental
    updates); a file with cross-reference streams or object streams is not read."""

    def __init__(self, pdf: bytes) -> None:
        self.pdf = pdf
        self.sections: list[tuple[int, list[bytes]]] = []  # (first number, 3 tokens an entry)
        self.cache: dict[int, Any] = {}
        self.fonts: dict[int, _Font] = {}
        start = pdf.rfind(b"startxref")
        if start < 0:
            raise _Unreadable("no startxref")
        offset: Any = int(pdf[start + 9:start + 40].split()[0])
        self.trailer: dict[str, Any] = {}
        seen = set()
        while isinstance(offset, int) and offset not in seen:
            seen.add(offset)
            trailer = self._read_table(offset)
            if "XRefStm" in trailer:
                raise _Unreadable("hybrid cross-reference")
            self.trailer = {**trailer, **self.trailer}
            offset = trailer.get("Prev")

    def _read_table(self, offset: int) -> dict[str, Any]:
        if not self.pdf.startswith(b"xref", offset):
            raise _Unreadable("not a classic cross-reference table")
        end = self.pdf.find(b"trailer", offset)
        tokens = self.pdf[offset + 4:end].split()
        i = 0
        while i < len(tokens):
            first, count = int(tokens[i]), int(tokens[i + 1])
            self.sections.append((first, tokens[i + 2:i + 2 + 3 * count]))
            i += 2 + 3 * count
        trailer, _ = _parse(self.pdf, end + 7)
        if not isinstance(trailer, dict):
            raise _Unreadable("bad trailer")
        return trailer

    def offset(self, num: int) -> int:
        for first, entries in self.sections:  # newest update first
            k = 3 * (num - first)
            if 0 <= k < len(entries):
                if entries[k + 2] != b"n":
                    raise _Unreadable(f"object {num} is free")
                return int(entries[k])
        raise _Unreadable(f"object {num} not in the cross-reference table")

    def get(self, value: Any) -> Any:
        """``value``, or the object it refers to."""
        if not isinstance(value, _Ref):
            return value
        if value.num not in self.cache:
            self.cache[value.num] = self._object(value.num)
        return self.cache[value.num]

    def _object(self, num: int) -> Any:
        m = _OBJ.match(self.pdf, self.offset(num))
        if m is None or int(m.group(1)) != num:
            raise _Unreadable(f"object {num} is not where the table says")
        value, end = _parse(self.pdf, m.end())
        stream = _STREAM.match(self.pdf, end)
        if stream is None:
            return value
        if value.get("Type") == "ObjStm":
            raise _Unreadable("object streams")
        length = self.get(value["Length"])
        return _Stream(value, self.pdf[stream.end():stream.end() + length])

    def font(self, resources: dict[str, Any], name: str) -> _Font:
        """The font ``name`` of a page's resources (read once per file)."""
        ref = self.get(resources["Font"])[name]
        key = ref.num if isinstance(ref, _Ref) else id(ref)
        if key not in self.fonts:
            self.fonts[key] = _Font(self, self.get(ref))
        return self.fonts[key]

    def data(self, value: Any) -> bytes:
        """The decoded bytes of a stream (Flate only)."""
        stream = self.get(value)
        if not isinstance(stream, _Stream):
            raise _Unreadable("not a stream")
        filters = stream.dict.get("Filter")
        if filters is None:
            return stream.raw
        if filters not in ("FlateDecode", ["FlateDecode"]) or stream.dict.get("DecodeParms"):
            raise _Unreadable(f"filter {filters}")
        return zlib.decompress(stream.raw)

    def pages(self) -> Iterator[_Page]:
        root = self.get(self.trailer["Root"])
        yield from self._kids(self.get(root["Pages"]), {})

    def _kids(self, node: dict[str, Any], inherited: dict[str, Any]) -> Iterator[_Page]:
        own: dict[str, Any] = {k: node[k] for k in ("Resources", "MediaBox", "CropBox") if k in node}
        attrs = {**inherited, **own}
        if node.get("Type") == "Page" or "Kids" not in node:
            yield _Page(self, node, attrs)
            return
        for kid in node["Kids"]:
            yield from self._kids(self.get(kid), attrs)


@dataclass(frozen=True)
class _Stream:
    dict: dict[str, Any]
    raw: bytes


class _Page:
    def __init__(self, reader: _Reader, node: dict[str, Any], attrs: dict[str, Any]) -> None:
        self.reader = reader
        self.node = node
        self.resources = reader.get(attrs.get("Resources")) or {}
        media = _box([reader.get(v) for v in reader.get(attrs["MediaBox"])])
        crop = attrs.get("CropBox")
        self.box = media if crop is None else _intersect(
            media, _box([reader.get(v) for v in reader.get(crop)]))

    def content(self) -> bytes:
        contents = self.reader.get(self.node.get("Contents"))
        if contents is None:
            return b""
        parts = contents if isinstance(contents, list) else [self.node["Contents"]]
        return b"\n".join(self.reader.data(p) for p in parts)


def _intersect(a: _Box, b: _Box) -> _Box:
    return _Box(max(a.left, b.left), max(a.bottom, b.bottom), min(a.right, b.right),
                min(a.top, b.top))


class _Font:
    """A Type0 font with 2-byte codes: each code's text (ToUnicode) and advance (W, DW)."""

    def __init__(self, reader: _Reader, font: dict[str, Any]) -> None:
        if font.get("Subtype") != "Type0" or font.get("Encoding") != "Identity-H":
            raise _Unreadable("not a Type0 Identity-H font")
        self.text = _to_unicode(reader.data(font["ToUnicode"]))
        cid = reader.get(reader.get(font["DescendantFonts"])[0])
        self.widths = _widths(reader.get(cid.get("W", [])), float(reader.get(cid.get("DW", 1000))),
                              reader)
        self.widest = max([self.widths.default, *self.widths.values()])
        # str.translate over the codes read as UTF-16 (quick): right while no code is a surrogate
        self.simple = self.text.keys().isdisjoint(_SURROGATES)
        #: Read in bulk (:func:`_usual_page_text`): codes as UTF-16, and no glyph moves the
        #: next one back (the bounds there add advances up).
        self.quick = self.simple and min([self.widths.default, *self.widths.values()]) >= 0


_SURROGATES = frozenset(range(0xD800, 0xE000))


class _Unmapped(dict[int, str]):
    """A code with no ToUnicode entry reads as nothing (not as a stray character)."""

    def __missing__(self, key: int) -> str:
        return ""


class _Widths(dict[int, float]):
    """Advances by code (W), the default (DW) for the others."""

    def __init__(self, default: float) -> None:
        super().__init__()
        self.default = default

    def __missing__(self, key: int) -> float:
        return self.default


def _to_unicode(cmap: bytes) -> _Unmapped:
    """The ``bfchar`` and ``bfrange`` entries of a ToUnicode CMap, by code."""
    out = _Unmapped()
    for block in _BFCHAR_BLOCK.findall(cmap):
        pairs = _BFCHAR.findall(block)
        if not pairs:
            continue
        sources, targets = zip(*pairs, strict=True)
        if set(map(len, targets)) == {4}:
            # the usual entry maps a code to one UTF-16 unit: all of them decoded at once
            text = bytes.fromhex(b"".join(targets).decode("ascii")).decode(
                "utf-16-be", "surrogatepass")
            if not _SURROGATE.search(text):
                out.update(zip(map(int, sources, repeat(16)), text, strict=True))
                continue
        for src, dst in pairs:
            out[int(src, 16)] = _utf16(dst)
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        for lo, hi, dst, dsts in re.findall(
                rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(?:<([0-9A-Fa-f]*)>|\[([^\]]*)\])", block):
            first, last = int(lo, 16), int(hi, 16)
            if dsts:
                for code, d in zip(range(first, last + 1), re.findall(rb"<([0-9A-Fa-f]*)>", dsts),
                                   strict=False):
                    out[code] = _utf16(d)
                continue
            base = _utf16(dst)
            for k, code in enumerate(range(first, last + 1)):  # the last character counts up
                out[code] = base[:-1] + chr(ord(base[-1]) + k) if base else ""
    return out


_BFCHAR_BLOCK = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)
_BFCHAR = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _utf16(hex_: bytes) -> str:
    return bytes.fromhex(hex_.decode("ascii")).decode("utf-16-be", "replace")


def _widths(w: list[Any], dw: float, reader: _Reader) -> _Widths:
    out = _Widths(dw)
    i = 0
    while i < len(w):
        first = int(reader.get(w[i]))
        nxt = reader.get(w[i + 1])
        if isinstance(nxt, list):
            for k, v in enumerate(nxt):
                out[first + k] = float(reader.get(v))
            i += 2
        else:
            for code in range(first, int(nxt) + 1):
                out[code] = float(reader.get(w[i + 2]))
            i += 3
    return out


#: A text run as the Typst engine writes it takes three lines: ``q <a b c d e f> cm <colour>``,
#: ``BT [Tr] /font size Tf <a b c d e f> Tm <TJ and Tj operators>``, ``ET`` and then ``Q``.
_NUM = rb"[-+]?(?:\d+\.?\d*|\.\d+)"
#: Such a run in its usual shape, matched whole: a ``cm`` that only scales (by a > 0) and moves
#: (to x, y), the flip of y back in ``Tm``, filled text (groups: a, d, x, y, the colour, the
#: font, its size, what the run shows). Its glyphs then advance along +x on the baseline y.
_USUAL_RUN = re.compile(
    rb"\nq (" + _NUM + rb") 0 0 (" + _NUM + rb") (" + _NUM + rb") (" + _NUM + rb") cm([^\n]*)"
    rb"\nBT (?:0 Tr ?)?/([^\s/\[\]()<>{}%]+) (" + _NUM + rb") Tf 1 0 0 -1 0 0 Tm([^\n]*)\nET\nQ")
_USUAL_FIELDS = 9  # what re.split gives for each run: the content before it, and its 8 groups
#: Strings of usual runs: hex with whole 2-byte codes, or literal (with balanced parentheses
#: inside, one deep), written as "unrolled loops" (runs of plain bytes matched at once: quick).
_PLAIN = rb"[^()\\]*(?:\\[\s\S][^()\\]*)*"
_USUAL_STRING = re.compile(rb"<((?:[0-9A-Fa-f]{4})*)>|\((" + _PLAIN + rb"(?:\(" + _PLAIN + rb"\)"
                           + _PLAIN + rb")*)\)")
#: What usual runs show once each string is replaced by ``s``: TJ arrays (strings and
#: adjustments) and Tj strings, nothing else (no operator that would move or change the glyphs).
#: Possessive: a string that is not of this shape fails in linear time.
_USUAL_SHOWN = re.compile(rb"(?:\s*+(?:\[(?:\s*+(?:s|(?>" + _NUM + rb")))*+\s*+\]\s*+TJ|s\s*+Tj))*+"
                          rb"\s*+")
_ADJUSTMENT = re.compile(_NUM)
#: The body of a literal string that ``unicode_escape`` reads as PDF does: octal escapes from
#: \0 to \377, \n \r \t \b \f, \( \) \\ and a backslash ending a line (\( and \) are done first);
#: no bare CR (which PDF reads as LF).
_QUICK_BODY = re.compile(rb"[^\\\r]*+(?:\\[0-3nrtbf()\\\n][^\\\r]*+)*+")
_PAREN_ESCAPE = re.compile(rb"\\([()])|(\\\\)")
#: Joins the bodies of literal strings read at once: ``unicode_escape`` reads it as U+0100,
#: which no byte of a string reads as (bytes are read as U+0000–U+00FF).
_BODY_SEPARATOR = b"\\u0100"

#: The runs of any other shape (read one by one): the page is split at its BT lines (a quick
#: search), then the lines around each are read.
_BT_LINE = re.compile(rb"\nBT ([^\n]*)\nET\n")
_CM_LINES = re.compile(rb"\nq (?:1 0 0 -1 (\S+) (\S+)|([^\n]*?)) cm([^\n]*)")
_BT_LINES = re.compile(rb"\nBT (?:(\d) Tr ?)?/(\S+) (\S+) Tf (\S+ \S+ \S+ \S+ \S+ \S+) Tm([^\n]*)")
#: A literal string: escapes, and balanced parentheses two deep (writers leave those unescaped).
_LIT = rb"\((?:[^()\\]|\\.|\((?:[^()\\]|\\.|\((?:[^()\\]|\\.)*\))*\))*\)"
#: The shown text of every run of a page, one a line: TJ arrays and Tj strings only.
_SHOWN_LINES = re.compile(
    rb"(?:(?:\s*(?:\[(?:\s*(?:<[0-9A-Fa-f]*>|" + _LIT + rb"|" + _NUM + rb"))*\s*\]\s*TJ|(?:<[0-9A-"
    rb"Fa-f]*>|" + _LIT + rb")\s*Tj))+\s*\n)*", re.S)
_SHOWN = re.compile(rb"<([0-9A-Fa-f]*)>|(" + _LIT + rb")|(" + _NUM + rb")", re.S)
_HEX = re.compile(rb"<([0-9A-Fa-f]*)>")
_RUN_MARK = b"\x01"
_TRANSFORMS = re.compile(rb"cm|[qQ]")
_CM = b"\x02"
#: Every byte but q, Q, a run and a ``cm``: deleted to see how groups nest.
_NOT_GROUPING = bytes(b for b in range(256) if b not in b"qQ\x01\x02")
_LEAF_GROUP = re.compile(rb"q\x02*Q")  # a path or an image in its own transformation
_PLAIN_GROUP = re.compile(rb"q(\x01*)Q")  # runs in a group that moves nothing (a clip)
#: Text-state operators outside a run would change how runs are placed.
_LOOSE_TEXT_STATE = re.compile(rb"T[cwzLsrfdDjJm*]")
_FLIP = b"1 0 0 -1 0 0"  # the Typst engine's text matrix: y down, as its ``cm``
#: A TJ adjustment: a number after ``[``, a string or a space. (A byte pair in a string may
#: look like one too: that only costs time.)
_ADJUSTS = re.compile(rb"[\[>)\s][-+.\d]")


def _page_text(reader: _Reader, page: _Page) -> str:
    content = b"\n" + page.content()
    text = _usual_page_text(reader, page, content)
    return text if text is not None else _runs_text(reader, page, content)


def _usual_page_text(reader: _Reader, page: _Page, content: bytes) -> str | None:
    """The text of a page whose runs all have the usual shape and lie inside the box, read in
    bulk: a few passes over the page, each in C (re, bytes, map), rather than steps a run or a
    glyph; None for any other page (:func:`_runs_text` reads it run by run)."""
    pieces = _USUAL_RUN.split(content)
    marked = _RUN_MARK.join(pieces[0::_USUAL_FIELDS])  # the content less its usual runs
    if (b"BT" in marked or b"/ActualText" in marked or _LOOSE_TEXT_STATE.search(marked)
            or not _runs_untransformed(marked)):
        return None
    scales, heights, xs, ys, colours, names, sizes, shown = (
        pieces[k::_USUAL_FIELDS] for k in range(1, _USUAL_FIELDS))
    if not names:
        return ""
    colour = b"".join(colours)
    if _TRANSFORMS.search(colour) or _LOOSE_TEXT_STATE.search(colour):
        return None
    fonts = {name: reader.font(page.resources, name.decode("latin-1")) for name in set(names)}
    if not all(font.quick for font in fonts.values()):
        return None
    # The strings, font by font (each font has its own ToUnicode map); what is left of the
    # runs once their strings are taken out is checked after.
    texts, operators = [], []
    for start, end in _same_font(names):
        parts = _USUAL_STRING.split(b"\n".join(shown[start:end]))
        operators.append(b"s".join(parts[0::3]))
        codes = _string_bytes(parts[1::3], parts[2::3])
        if codes is None:
            return None
        texts.append(codes.decode("utf-16-be").translate(fonts[names[start]].text))
    shape = b"\n".join(operators)
    if not _USUAL_SHOWN.fullmatch(shape):
        return None
    if _inside(page.box, scales, heights, xs, ys, names, sizes, shown, fonts, shape):
        return "".join(texts)
    return None


def _same_font(names: list[bytes]) -> list[tuple[int, int]]:
    """(start, end) of each stretch of consecutive runs in the same font."""
    if names.count(names[0]) == len(names):
        return [(0, len(names))]
    cuts = [0, *[i for i in range(1, len(names)) if names[i] != names[i - 1]], len(names)]
    return list(pairwise(cuts))


def _string_bytes(hexes: list[bytes | None], bodies: list[bytes | None]) -> bytes | None:
    """The bytes of a sequence of strings, hex (``hexes``) or literal (``bodies``; at each
    place one of the two is None), each of whole 2-byte codes; None when a literal string
    needs more than ``unicode_escape`` reads, or a string is not of 2-byte codes."""
    if bodies.count(None) == len(bodies):  # hex only: whole codes (see _USUAL_STRING)
        return binascii.unhexlify(b"".join(hexes))  # type: ignore[arg-type]
    if not _QUICK_BODY.fullmatch(b"".join(filter(None, bodies))):
        return None
    if hexes.count(None) != len(hexes):  # hex strings as literal bodies: \ doubled
        bodies = [body if h is None else binascii.unhexlify(h).replace(b"\\", b"\\\\")
                  for h, body in zip(hexes, bodies, strict=True)]
    joined = _BODY_SEPARATOR.join(bodies)  # type: ignore[arg-type]
    if b"\\(" in joined or b"\\)" in joined:  # \( → (, \\ kept; left to right: \\( is \\ then (
        joined = _PAREN_ESCAPE.sub(rb"\1\2", joined)
    strings = joined.decode("unicode_escape").split("\u0100")
    if any(n % 2 for n in set(map(len, strings))):
        return None
    return "".join(strings).encode("latin-1")


def _inside(box: _Box, scales: list[bytes], heights: list[bytes], xs: list[bytes],
            ys: list[bytes], names: list[bytes], sizes: list[bytes], shown: list[bytes],
            fonts: dict[bytes, _Font], shape: bytes) -> bool:
    """Whether every glyph of a page's usual runs stands inside the box. A run is straight: its
    glyphs are inside when its baseline is, its origin is (less what TJ adjustments can move
    a glyph back) and so is its end: n glyphs reach at most n × the font's widest advance (n is
    at most a quarter of a hex run's length, half of any other's), plus what adjustments can
    move them on. Runs that seem to reach past the box are added up exactly."""
    number = {v: float(v) for v in {*scales, *sizes}}  # few distinct values
    if min(number.values()) <= 0 or 0.0 in map(float, set(heights)):
        return False  # mirrored or flat: read run by run
    baselines = list(map(float, set(ys)))
    if not box.bottom <= min(baselines) <= max(baselines) <= box.top:
        return False
    adjustments = list(map(float, _ADJUSTMENT.findall(shape)))
    back = sum(a for a in adjustments if a > 0) / 1000  # in ems: glyphs moved left …
    on = -sum(a for a in adjustments if a < 0) / 1000  # … and right, on the whole page
    keys = list(zip(names, scales, sizes, strict=True))
    em = {k: number[k[1]] * number[k[2]] for k in set(keys)}  # an em along the baseline, in pt
    largest = max(em.values())
    x = list(map(float, xs))
    if min(x) - back * largest < box.left:
        return False
    widest = {k: fonts[k[0]].widest / 1000 * e for k, e in em.items()}
    most = map(operator.rshift, map(len, shown),  # >> 1 for a run with a literal string, else 2
               map(operator.sub, repeat(2), map(operator.contains, shown, repeat(b"("))))
    ends = list(map(operator.add, x, map(operator.mul, most, map(widest.__getitem__, keys))))
    right = box.right - on * largest
    if max(ends) <= right:
        return True
    return all(x[i] + _reach(shown[i], fonts[names[i]]) / 1000 * em[keys[i]] <= box.right
               for i, end in enumerate(ends) if end > right)


def _reach(shown: bytes, font: _Font) -> float:
    """At most how far past its origin a run's glyphs reach, in thousandths of an em: all their
    advances, and every TJ adjustment that moves the next glyph on (a negative one)."""
    codes, kern = _shown(shown)
    return sum(map(font.widths.__getitem__, codes)) - sum(k for _, k in kern if k < 0)


def _runs_text(reader: _Reader, page: _Page, content: bytes) -> str:
    """The text of a page read run by run (runs of any shape the Typst engine writes)."""
    runs, marked = _split(content)
    if b"BT" in marked or b"/ActualText" in marked or _LOOSE_TEXT_STATE.search(marked):
        raise _Unreadable("a text object of another shape")
    colour = b"".join(runs.colour)
    if (not _runs_untransformed(marked) or _TRANSFORMS.search(colour)
            or _LOOSE_TEXT_STATE.search(colour)):
        raise _Unreadable("a run inside a transformation")
    if _SHOWN_LINES.fullmatch(b"\n".join(runs.shown) + b"\n") is None:
        raise _Unreadable("a run of another shape")  # an operator besides TJ and Tj
    fonts = {name: reader.font(page.resources, name.decode("latin-1")) for name in set(runs.font)}
    out = []
    for x, y, cm, mode, name, size, tm, one in zip(
            runs.x, runs.y, runs.cm, runs.mode, runs.font, runs.size, runs.tm, runs.shown,
            strict=True):
        if mode not in (b"", b"0", b"1", b"2"):  # 3: invisible, 4–7: clipping
            continue
        matrix = cm or b"1 0 0 -1 %s %s" % (x, y)
        out.append(_run_text(page.box, fonts[name], float(size), matrix, tm, one))
    return "".join(out)


def _split(content: bytes) -> tuple[_Runs, bytes]:
    """The runs of a page's content, and the content with each run replaced by \\x01."""
    pieces = _BT_LINE.split(content)
    gaps, bodies = pieces[0::2], pieces[1::2]
    if not all(g.startswith(b"Q") for g in gaps[1:]):
        raise _Unreadable("a text object not closed by Q")
    # gaps[i] (after its Q) ends with run i's cm line; the last gap ends the page
    split = [g.rpartition(b"\n") for g in [gaps[0], *(g[1:] for g in gaps[1:])]]
    cm_lines = b"\n" + b"\n".join(part[2] for part in split[:-1])
    marked = _RUN_MARK.join([*(part[0] for part in split[:-1]), b"".join(split[-1])])
    cms = _CM_LINES.findall(cm_lines)
    texts = _BT_LINES.findall(b"\nBT " + b"\nBT ".join(bodies))
    if not len(cms) == len(texts) == len(bodies):
        raise _Unreadable("a run of another shape")
    if not bodies:
        return _Runs((), (), (), (), (), (), (), (), ()), marked
    return _Runs(*zip(*cms, strict=True), *zip(*texts, strict=True)), marked


@dataclass(frozen=True)
class _Runs:
    """A page's runs, field by field (as ``re.split`` gives them)."""

    x: tuple[bytes, ...]  # b"" when the cm is not the Typst engine's flip: then in ``cm``
    y: tuple[bytes, ...]
    cm: tuple[bytes, ...]
    colour: tuple[bytes, ...]
    mode: tuple[bytes, ...]  # b"" when not set
    font: tuple[bytes, ...]
    size: tuple[bytes, ...]
    tm: tuple[bytes, ...]
    shown: tuple[bytes, ...]


def _runs_untransformed(marked: bytes) -> bool:
    """Whether no ``cm`` outside a run applies to a run, in a page's content with its runs
    marked. Groups of paths or images (whatever their ``cm``) are dropped, then groups holding
    only runs and no ``cm`` are opened, until only runs are left. (A q or Q in a name would only
    make this fail: the general reader then reads the page.)"""
    if marked.count(b"cm") != marked.count(b" cm"):  # a cm not after an operand
        return False
    groups = marked.replace(b" cm", _CM).translate(None, _NOT_GROUPING)
    while True:
        shorter = _PLAIN_GROUP.sub(rb"\1", _LEAF_GROUP.sub(b"", groups))
        if shorter == groups:
            return not shorter.strip(_RUN_MARK)
        groups = shorter


def _run_text(box: _Box, font: _Font, size: float, cm: bytes, tm: bytes, shown: bytes) -> str:
    """The visible text of one run: all of it when both its ends are inside the box (a run is
    straight, so every glyph between is too), else glyph by glyph (the middle of its advance, on
    the baseline)."""
    if (tm == _FLIP and cm.startswith(b"1 0 0 -1 ") and font.quick
            and not _ADJUSTS.search(shown)):
        # the usual case, made quick: no TJ adjustment moves a glyph, so n glyphs reach at
        # most n × the widest advance
        x, y = (float(v) for v in cm[9:].split())
        raw = _bytes(shown)
        if box.holds(x, y) and box.holds(x + len(raw) // 2 * font.widest * size / 1000, y):
            return raw.decode("utf-16-be").translate(font.text)
    codes, kern = _shown(shown)
    m = _multiply(_numbers(tm), _numbers(cm))
    out = []
    pos = 0.0  # in thousandths of an em
    adjust = dict(kern)
    v = 0.0  # on the baseline
    for i, code in enumerate(codes):
        pos -= adjust.get(i, 0.0)
        u = (pos + font.widths[code] / 2) / 1000 * size
        if box.holds(m[0] * u + m[2] * v + m[4], m[1] * u + m[3] * v + m[5]):
            out.append(font.text[code])
        pos += font.widths[code]
    return "".join(out)


def _numbers(text: bytes) -> list[float]:
    nums = [float(v) for v in text.split()]
    if len(nums) != 6:
        raise _Unreadable("not a matrix")
    return nums


def _bytes(shown: bytes) -> bytes:
    """The string bytes a run shows (its codes, two bytes each)."""
    if b"(" not in shown:
        return binascii.unhexlify(b"".join(_HEX.findall(shown)))
    return b"".join([_unescape(lit[1:-1]) if lit else binascii.unhexlify(hex_)
                     for hex_, lit, num in _SHOWN.findall(shown) if not num])


def _shown(shown: bytes) -> tuple[array[int], list[tuple[int, float]]]:
    """The 2-byte codes of a run and its TJ adjustments (before which code, how much)."""
    raw = bytearray()
    kern: list[tuple[int, float]] = []
    for hex_, lit, num in _SHOWN.findall(shown):
        if num:
            kern.append((len(raw) // 2, float(num)))
        elif lit:
            raw += _unescape(lit[1:-1])
        else:
            raw += binascii.unhexlify(hex_)
    if len(raw) % 2:
        raise _Unreadable("odd number of bytes for 2-byte codes")
    codes = array("H", bytes(raw))
    if sys.byteorder == "little":  # the codes are big-endian
        codes.byteswap()
    return codes, kern


#: Escapes Python's ``unicode_escape`` does not read as PDF does (it reads octal up to \377,
#: \n \t \b \f, \\ and a backslash ending a line alike).
_OTHER_ESCAPE = re.compile(rb"\\(?:[^0-7nrtbf\\\n]|[4-7][0-7][0-7])")
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _unescape(lit: bytes) -> bytes:
    if b"\\" not in lit and b"\r" not in lit:
        return lit
    if not _OTHER_ESCAPE.search(lit) and b"\r" not in lit:
        return lit.decode("unicode_escape").encode("latin-1")  # in C: every code of a run

    def one(m: re.Match[bytes]) -> bytes:
        s = m.group(1)
        if s is None:  # a bare end of line: PDF reads it as LF
            return b"\n"
        if s[:1].isdigit():
            return bytes([int(s, 8) & 0xFF])
        if s in (b"\n", b"\r", b"\r\n"):
            return b""
        return _ESCAPES.get(s, s)

    return re.sub(rb"\\([0-7]{1,3}|\r\n|.)|\r\n?", one, lit, flags=re.S)


def _multiply(a: list[float], b: list[float]) -> list[float]:
    """The matrix ``a`` × ``b`` (PDF order: ``a`` applies first)."""
    return [a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3],
            a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3],
            a[4] * b[0] + a[5] * b[2] + b[4], a[4] * b[1] + a[5] * b[3] + b[5]]
