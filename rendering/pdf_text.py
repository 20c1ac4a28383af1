"""The text a reader can see on each page of a PDF: every character that stands inside the page's
visible box (its CropBox within its MediaBox), in the order the page draws it. A character stands
inside when its baseline does (as poppler's ``pdftotext`` decides: a line cut by the foot of the
page is out) and the middle of its width does.

Text drawn outside that box is in the file but not on the paper: a viewer, a printer and poppler's
``pdftotext`` never show it. Two readers give the same answer:

- :func:`general_page_texts` — PDFium (pypdfium2), for any PDF;
- :func:`fast_page_texts` — a reader for the shape the Typst engine writes (a classic
  cross-reference table, CID fonts with ToUnicode maps, each text run its own ``q … cm BT … Tm
  [...] TJ ET Q`` at the top level of the page), more than ten times faster than PDFium on a
  long report, which matters because every archived document is read back before it is stored
  (the proof's time is at most a tenth of the rendering's: benchmarks/run.py). It reads a page
  in bulk, a few passes over it in C (regular expressions, bytes, ``map``) and no Python step a
  glyph: a run's strings are read once for all runs showing the same, its reach is bounded by
  its length and its font's widest glyph, and only runs that may cross an edge are measured
  glyph by glyph. It is *sound*, not complete: it returns None for a file it does not fully
  understand, and leaves out what it cannot place (text inside form XObjects, runs of another
  shape). So text it reports is really on the page; a value it does not find is looked for
  again with the general reader (rendering/completeness.py).
"""

from __future__ import annotations

import binascii
import math
import operator
import re
import sys
import threading
import zlib
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from itertools import groupby, repeat
from typing import Any, NamedTuple

__all__ = ["fast_page_texts", "general_page_texts", "page_texts"]


def page_texts(pdf: bytes) -> list[str]:
    """The visible text of each page: by the fast reader when it can, else by PDFium."""
    texts = fast_page_texts(pdf)
    return texts if texts is not None else general_page_texts(pdf)


# -- the general reader ----------------------------------------------------------------------


# PDFium is not thread-safe (pypdfium2 says so): one document at a time per process. Requests
# and job threads prove PDFs concurrently; the fast reader, which needs no lock, serves most.
_PDFIUM = threading.Lock()


def general_page_texts(pdf: bytes) -> list[str]:
    """Every page's characters that stand inside the page's visible box (PDFium)."""
    with _PDFIUM:
        return _general_page_texts(pdf)


def _general_page_texts(pdf: bytes) -> list[str]:
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


#: One token of an object: a reference, a delimiter, a name, a number, a hex string, the start
#: of a literal string, a keyword (groups in that order), after whitespace and comments.
_TOKEN = re.compile(
    rb"(?:\s|%[^\r\n]*)*+"
    rb"(?:(\d++)\s++\d++\s++R(?![A-Za-z])|(<<|>>|\[|\])|/([^\s/\[\]()<>{}%]*+)"
    rb"|([-+]?(?:\d+\.?\d*|\.\d+))|<([0-9A-Fa-f\s]*+)>|(\()|([A-Za-z]++))")
_KEYWORDS: dict[bytes, Any] = {b"true": True, b"false": False, b"null": None}


_OBJ = re.compile(rb"\s*(\d+)\s+\d+\s+obj")
_NUMBER_ARRAY = re.compile(rb"((?:\s*[-+]?(?:\d+\.?\d*|\.\d+))*)\s*\]")
_STREAM = re.compile(rb"\s*stream\r?\n")


#: A dictionary of simple values (a page, a font, resources, a stream's dictionary: most objects
#: of a file), read with one regular expression rather than token by token: references, names,
#: numbers, true, false, null, literal strings with no escape or parenthesis, arrays of
#: references, names and numbers, and dictionaries of those (one deep).
_NAME_CHARS = rb"[^\s/\[\]()<>{}%]"
_REF_ = rb"\d++\s++\d++\s++R(?![A-Za-z])"
_NUMBER_ = rb"[-+]?(?:\d+\.?\d*|\.\d+)(?![\d.])"
_ARRAY_ = (rb"\[(?:\s*+(?:" + _REF_ + rb"|/" + _NAME_CHARS + rb"*+|" + _NUMBER_ + rb"))*+\s*+\]")
_STRING_ = rb"\([^()\\]*+\)"
_KEYWORD_ = rb"(?:true|false|null)(?![A-Za-z])"
_SIMPLE_ = (rb"\s*+/" + _NAME_CHARS + rb"++\s*+(?:" + _REF_ + rb"|/" + _NAME_CHARS + rb"*+|"
            + _ARRAY_ + rb"|" + _NUMBER_ + rb"|" + _STRING_ + rb"|" + _KEYWORD_ + rb")")
_DICT_ = rb"<<(?:" + _SIMPLE_ + rb")*+\s*+>>"
#: An entry; groups: its key, then its value, one of: a reference's number, a name (with its
#: /), an array, a number, a string, a keyword, a dictionary (each with its delimiters: none is
#: empty, so the one that is there shows).
_FLAT_ENTRIES = re.compile(
    rb"\s*+/(" + _NAME_CHARS + rb"++)\s*+(?:(\d++)\s++\d++\s++R(?![A-Za-z])|(/" + _NAME_CHARS
    + rb"*+)|(" + _ARRAY_ + rb")|(" + _NUMBER_ + rb")|(" + _STRING_ + rb")|(" + _KEYWORD_ + rb")|("
    + _DICT_ + rb"))")
_FLAT_DICT = re.compile(rb"\s*+<<((?:" + _SIMPLE_ + rb"|\s*+/" + _NAME_CHARS + rb"++\s*+" + _DICT_
                        + rb")*+)\s*+>>")
_ITEMS = re.compile(rb"(\d++)\s++\d++\s++R|/(" + _NAME_CHARS + rb"*+)|(" + _NUMBER_ + rb")")


def _flat_dict(entries: bytes) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, ref, name, items, number, string, keyword, inner in _FLAT_ENTRIES.findall(entries):
        value: Any
        if ref:
            value = _Ref(int(ref))
        elif name:
            value = _Name(name[1:].decode("latin-1"))
        elif number:
            value = float(number) if b"." in number else int(number)
        elif items:
            value = _array(items)
        elif string:
            value = string[1:-1]
        elif keyword:
            value = _KEYWORDS[keyword]
        else:
            value = _flat_dict(inner[2:-2])
        out[_Name(key.decode("latin-1"))] = value
    return out


def _array(array: bytes) -> list[Any]:
    """The items of an array of references, names and numbers (with its brackets)."""
    if b"/" not in array and b"R" not in array:  # numbers only: a font's widths, a box
        return [float(v) if b"." in v else int(v) for v in array[1:-1].split()]
    return [_Ref(int(ref)) if ref else _Name(name.decode("latin-1")) if not number
            else float(number) if b"." in number else int(number)
            for ref, name, number in _ITEMS.findall(array)]


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
    """The object at ``pos`` and the index after it: token by token, dictionaries and arrays
    on a stack (no call a level)."""
    stack: list[Any] = []  # open dictionaries and arrays, innermost last
    keys: list[Any] = []  # for each, the key read and waiting for its value (None: none)
    while True:
        m = _TOKEN.match(buf, pos)
        if m is None:
            raise _Unreadable(f"no object at {pos}")
        pos = m.end()
        kind = m.lastindex
        value: Any
        if kind == 1:
            value = _Ref(int(m.group(1)))
        elif kind == 2:
            tok = m.group(2)
            if tok == b"[":
                numbers = _NUMBER_ARRAY.match(buf, pos)  # quick for long ones (a font's widths)
                if numbers is None:
                    stack.append([])
                    keys.append(None)
                    continue
                value = [float(v) if b"." in v else int(v) for v in numbers.group(1).split()]
                pos = numbers.end()
            elif tok == b"<<":
                stack.append({})
                keys.append(None)
                continue
            else:
                if not stack or isinstance(stack[-1], list) != (tok == b"]"):
                    raise _Unreadable(f"unbalanced {tok!r} at {pos}")
                value = stack.pop()
                if keys.pop() is not None:
                    raise _Unreadable("a key with no value")
        elif kind == 3:
            value = _Name(m.group(3).decode("latin-1"))
        elif kind == 4:
            tok = m.group(4)
            value = float(tok) if b"." in tok else int(tok)
        elif kind == 5:
            value = bytes.fromhex(m.group(5).decode("ascii"))
        elif kind == 6:
            close = _literal_end(buf, m.start(6))
            value, pos = buf[m.start(6) + 1:close - 1], close
        else:
            tok = m.group(7)
            value = _KEYWORDS[tok] if tok in _KEYWORDS else tok.decode()
        if not stack:
            return value, pos
        top = stack[-1]
        if isinstance(top, list):
            top.append(value)
        elif keys[-1] is None:
            keys[-1] = value
        else:
            top[keys[-1]] = value
            keys[-1] = None


class _Reader:
    """Objects by number through classic cross-reference tables (and their incremental
    updates); a file with cross-reference streams or object streams is not read."""

    def __init__(self, pdf: bytes) -> None:
        self.pdf = pdf
        self.sections: list[tuple[int, list[bytes]]] = []  # (first number, 3 tokens an entry)
        self.cache: dict[int, Any] = {}
        self.by_text: dict[bytes, Any] = {}  # see shared()
        self.numbers = _Numbers()  # of the pages' runs, as written
        self.passed: set[bytes] = set()  # see _only_runs_place_text
        self.literals: dict[bytes, bytes] = {}  # see _literals_in_hex
        #: By what a run shows: its codes, its length in hex, its adjustments' moves (if any)
        self.run_codes: dict[bytes, str] = {}
        self.run_lengths: dict[bytes, int] = {}
        self.run_moves: dict[bytes, tuple[float, float]] = {}
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

    def shared(self, value: Any) -> Any:
        """As :meth:`get`, and an object written the same way as one read before is not read
        again (the Typst engine writes each page's resources in an object of its own, mostly
        the same). Only a dictionary with no string: "endobj" cannot be inside it but in a
        name, which would leave it cut short of its ">>"."""
        if not isinstance(value, _Ref) or value.num in self.cache:
            return self.get(value)
        start = self.offset(value.num)
        text = self.pdf[start:self.pdf.find(b"endobj", start)]
        text = text[text.find(b"obj"):]  # the same object may have another number
        if b"(" in text or b"stream" in text or not text.rstrip().endswith(b">>"):
            return self.get(value)
        if text not in self.by_text:
            self.by_text[text] = self.get(value)
        self.cache[value.num] = self.by_text[text]
        return self.cache[value.num]

    def _object(self, num: int) -> Any:
        m = _OBJ.match(self.pdf, self.offset(num))
        if m is None or int(m.group(1)) != num:
            raise _Unreadable(f"object {num} is not where the table says")
        flat = _FLAT_DICT.match(self.pdf, m.end())
        if flat is not None:  # most objects: quicker than token by token
            value, end = _flat_dict(flat.group(1)), flat.end()
        else:
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
        self.resources = reader.shared(attrs.get("Resources")) or {}
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
        #: Read in bulk (:func:`_usual_page_text`): codes as UTF-16, no glyph that moves the
        #: next one back (the bounds there add advances up), code FFFF free to mark run ends.
        self.quick = (self.simple and min([self.widths.default, *self.widths.values()]) >= 0
                      and _END_OF_RUN_CODE not in self.text)
        if self.quick:  # nothing, as any code with no entry: set here, not looked up each time
            self.text[_END_OF_RUN_CODE] = ""

    @cached_property
    def table(self) -> list[str | None]:
        """The text of every 2-byte code, for ``str.translate``: a list, quicker than a dict (no
        hashing), None (nothing) for a code with no ToUnicode entry."""
        table: list[str | None] = [None] * 0x10000
        for code, text in self.text.items():
            if code < 0x10000:
                table[code] = text
        return table


_SURROGATES = frozenset(range(0xD800, 0xE000))
_END_OF_RUN_CODE = 0xFFFF


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
    for block in cmap.split(b"beginbfchar")[1:]:
        block = block.partition(b"endbfchar")[0]
        # "<code> <text>" pairs, split at their brackets (quick); entry by entry if one is empty
        tokens = block.replace(b"<", b" ").replace(b">", b" ").split()
        if (b"<>" not in block and len(tokens) % 2 == 0
                and not b"".join(tokens).translate(None, _HEX_DIGITS)):
            sources, targets = tokens[0::2], tokens[1::2]
        else:
            pairs = _BFCHAR.findall(block)
            sources, targets = [s for s, _ in pairs], [t for _, t in pairs]
        if set(map(len, targets)) == set(map(len, sources)) == {4}:
            # the usual entry maps a 2-byte code to one UTF-16 unit: all decoded at once
            text = binascii.unhexlify(b"".join(targets)).decode("utf-16-be", "surrogatepass")
            codes = array("H", binascii.unhexlify(b"".join(sources)))
            if sys.byteorder == "little":  # the codes are big-endian
                codes.byteswap()
            if not _SURROGATE.search(text):
                out.update(zip(codes, text, strict=True))
                continue
        for src, dst in zip(sources, targets, strict=True):
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
            out.update(dict.fromkeys(range(first, int(nxt) + 1), float(reader.get(w[i + 2]))))
            i += 3
    return out


#: A text run as the Typst engine writes it takes three lines: ``q <a b c d e f> cm <colour>``,
#: ``BT [Tr] /font size Tf <a b c d e f> Tm <TJ and Tj operators>``, ``ET`` and then ``Q``.
_NUM = rb"[-+]?(?:\d+\.?\d*|\.\d+)"
#: Such a run in its usual shape, matched whole: a ``cm`` that moves (to x, y) and flips y, a
#: colour (no q, Q, T, m: no group, text state or ``cm``), the flip of y back in ``Tm``, filled
#: text (groups: x, y; the font and its size; what the run shows). Its glyphs then advance along
#: x on the baseline y. (As simple as it can be, and possessive, not to step back: it reads
#: every byte of a page, and its time counts.)
_USUAL_RUN = re.compile(
    rb"\nq 1 0 0 -1 (\S++) (\S++) cm[^\nqQTm]*+\nBT 0 Tr/(\S++ \S++) Tf 1 0 0 -1 0 0 Tm([^\n]*+)"
    rb"\nET\nQ")
#: The same, its ``cm`` scaling too (the labels of the risk map): a group more, first, a 0 0 d.
_SCALED_RUN = re.compile(
    rb"\nq (\S++ 0 0 \S++) (\S++) (\S++) cm[^\nqQTm]*+\nBT 0 Tr/(\S++ \S++) Tf 1 0 0 -1 0 0 Tm"
    rb"([^\n]*+)\nET\nQ")
#: A literal string with balanced parentheses inside, one deep (written as "unrolled loops":
#: runs of plain bytes matched at once, quick); group: its body.
_PLAIN = rb"[^()\\]*+(?:\\[\s\S][^()\\]*+)*+"
_LITERAL_STRING = re.compile(rb"\((" + _PLAIN + rb"(?:\(" + _PLAIN + rb"\)" + _PLAIN + rb")*+)\)")
_HEX_DIGITS = b"0123456789ABCDEFabcdef"
_UNSCALED = b"1 0 0 -1"
_NUMBER_BYTES = b"0123456789.+-"
#: Put after each run when runs are read at once: a string of one code, FFFF, which shows where
#: each run's codes end (the page is read run by run if a run shows that code).
_END_OF_RUN_HEX = b"<FFFF>\n"
_END_OF_RUN = chr(_END_OF_RUN_CODE)
#: Codes from which a stretch is translated through a font's list table (made once, in some
#: 50 µs; quicker to read than its dict, which is the quicker way for fewer codes).
_LONG_STRETCH = 300
#: What a run shows once each string is replaced by ``s``: TJ arrays (strings and adjustments)
#: and Tj strings, nothing else (no operator that would move or change the glyphs), on one line.
#: Possessive: a line not of this shape fails in linear time.
_USUAL_SHOWN = re.compile(rb"(?:[ \t]*+(?:\[(?:[ \t]*+(?:s|(?>" + _NUM + rb")))*+[ \t]*+\][ \t]*+TJ"
                          rb"|s[ \t]*+Tj))*+[ \t]*+s")  # the last s: the run's end (above)
_ADJUSTMENT = re.compile(_NUM)
#: The body of a literal string that ``unicode_escape`` reads as PDF does: octal escapes from
#: \0 to \377, \n \r \t \b \f, \\, \( and \) (these three written in octal first); no bare CR
#: (which PDF reads as LF).
_QUICK_BODY = re.compile(rb"[^\\\r]*+(?:\\[0-3nrtbf()\\][^\\\r]*+)*+")
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
    pieces = _USUAL_RUN.split(content)  # the content before a run, its 4 groups, …
    if _only_runs_place_text(_RUN_MARK.join(pieces[0::5]), reader.passed):
        scales: list[bytes] | None = None
        xs, ys, faces, shown = pieces[1::5], pieces[2::5], pieces[3::5], pieces[4::5]
    else:  # maybe runs that scale too
        pieces = _SCALED_RUN.split(content)
        if not _only_runs_place_text(_RUN_MARK.join(pieces[0::6]), reader.passed):
            return None
        scales, xs, ys, faces, shown = (pieces[k::6] for k in range(1, 6))
    if not shown:
        return ""
    face_font = {face: face.split()[0] for face in set(faces)}  # "f1 10.5" → f1
    fonts = {name: reader.font(page.resources, name.decode("latin-1"))
             for name in set(face_font.values())}
    if not all(font.quick for font in fonts.values()):
        return None
    # What each run shows, read from its bytes (once for all runs showing the same: a
    # document repeats many, labels, heads of columns, lines of text), then translated stretch
    # by stretch of runs in one font (each has its own ToUnicode map).
    read = _read_runs(shown, reader)
    if read is None:
        return None
    codes, lengths, back, on = read
    texts, start = [], 0
    for name, runs in groupby(map(face_font.__getitem__, faces)):
        end = start + len(list(runs))
        font, text = fonts[name], "".join(codes[start:end])
        texts.append(text.translate(font.table if len(text) > _LONG_STRETCH else font.text))
        start = end
    placed = _Placed(scales, xs, ys, faces, lengths, back, on)
    if _inside(page.box, placed, shown, {f: fonts[n] for f, n in face_font.items()},
               reader.numbers):
        return "".join(texts)
    return None


def _read_runs(shown: list[bytes], reader: _Reader) -> tuple[
        list[str], list[int], float, float] | None:
    """For each run, from what it shows: its codes, a character a 2-byte code; its length
    with its strings in hex (4 a glyph, at least); and how far the TJ adjustments of any run
    move a glyph back and on, at most, in ems. None when a run is not of the usual shape (TJ
    arrays and Tj strings only), or its strings are not read in bulk. Each run is read once
    for all showing the same in the document (see :func:`_read_new_runs`)."""
    new = set(shown).difference(reader.run_codes)
    if new and not _read_new_runs(list(new), reader):
        return None
    back = on = 0.0
    if reader.run_moves:  # few runs: their adjustments
        for run in reader.run_moves.keys() & shown:
            back, on = max(back, reader.run_moves[run][0]), max(on, reader.run_moves[run][1])
    return (list(map(reader.run_codes.__getitem__, shown)),
            list(map(reader.run_lengths.__getitem__, shown)), back, on)


def _read_new_runs(runs: list[bytes], reader: _Reader) -> bool:
    """Reads ``runs`` into the reader's ``run_codes``, ``run_lengths`` and ``run_moves``, at
    once: a run a line, each followed by a string of code FFFF, which shows where its codes
    end. What is left of each once its strings are taken out (its shape) is checked. False
    when one is not of the usual shape, or its strings are not read in bulk."""
    read = _strings(_END_OF_RUN_HEX.join(runs) + _END_OF_RUN_HEX[:-1], reader.literals)
    if read is None:
        return False
    codes, hexed, shape = read
    run_codes, shapes, hexed_runs = codes.split(_END_OF_RUN), shape.split(b"\n"), hexed.split(
        b"\n")
    if len(run_codes) != len(runs) + 1 or not len(shapes) == len(hexed_runs) == len(runs):
        return False  # a run shows code FFFF itself, or its strings are not on its line
    del run_codes[-1]  # (empty: after the last run's end)
    moves = {}
    for line in set(shapes):
        if not _USUAL_SHOWN.fullmatch(line):
            return False
        if _ADJUSTMENT.search(line):
            adjustments = list(map(float, _ADJUSTMENT.findall(line)))
            moves[line] = (sum(a for a in adjustments if a > 0) / 1000,
                           -sum(a for a in adjustments if a < 0) / 1000)
    reader.run_codes.update(zip(runs, run_codes, strict=True))
    reader.run_lengths.update(zip(runs, map(operator.sub, map(len, hexed_runs), repeat(
        len(_END_OF_RUN_HEX) - 1)), strict=True))
    if moves:
        reader.run_moves.update((run, moves[line]) for run, line in zip(
            runs, shapes, strict=True) if line in moves)
    return True


def _only_runs_place_text(marked: bytes, passed: set[bytes]) -> bool:
    """Whether, in a page's content with its usual runs marked, nothing else shows text or
    changes how a run is placed: no other text object, no text state set outside one, no
    transformation around a run.

    Checked first on the content less its numbers (digits, points, signs), which is the same
    on many pages of a document (their tables' lines, at other places): each is checked once
    (``passed``). What passes there passes on the content: taking numbers out can only bring
    letters together ("B1T" reads as BT), never part them, and keeps q, Q and the runs in their
    order. Else the content itself is checked, exactly."""
    skeleton = marked.translate(None, _NUMBER_BYTES)
    if skeleton in passed:
        return True
    if _nothing_else(skeleton) and _groups_hold_only_runs(
            _CM.join(skeleton.split(b"cm")).translate(None, _NOT_GROUPING)):
        passed.add(skeleton)
        return True
    return _nothing_else(marked) and _runs_untransformed(marked)


def _nothing_else(marked: bytes) -> bool:
    """No other text object (a BT), no marked text replacing the runs', no text state set
    outside a run."""
    return (b"BT" not in marked and b"/ActualText" not in marked
            and not _LOOSE_TEXT_STATE.search(marked))


def _strings(shown: bytes, known: dict[bytes, bytes]) -> tuple[str, bytes, bytes] | None:
    """The codes of the strings a sequence of runs shows, a character a 2-byte code; the runs
    with every string in hex; what is left of them once each string is replaced by ``s``. All
    strings are read as hex, in a few steps in C: the literal ones are decoded at once
    (``unicode_escape``) and written in hex in their places. None when a literal string needs
    more than ``unicode_escape`` reads, or a string is not of 2-byte codes."""
    if b"(" in shown:
        hexed = _literals_in_hex(shown, known)
        if hexed is None:
            return None
        shown = hexed
    # Now only hex strings hold < and >: split at them, the runs give what is left of them, a
    # string's digits, what is left, … (checked: the digits are digits, the rest is checked by
    # the caller, which finds any < or > out of place)
    parts = shown.replace(b">", b"<").split(b"<")
    hexes = parts[1::2]
    if len(parts) % 2 == 0 or any(n % 4 for n in set(map(len, hexes))):
        return None  # a string not closed, or not of whole 2-byte codes
    digits = b"".join(hexes)
    if digits.translate(None, _HEX_DIGITS):
        return None
    raw = binascii.unhexlify(digits)
    codes = raw.decode("utf-16-be", "surrogatepass")
    if 2 * len(codes) != len(raw):  # two codes read as a surrogate pair: one character
        return None
    return codes, shown, b"s".join(parts[0::2])


def _literals_in_hex(shown: bytes, known: dict[bytes, bytes]) -> bytes | None:
    """``shown`` with each literal string written as a hex string; None when one needs more
    than ``unicode_escape`` reads. Each string new to ``known`` (by its body: a document
    repeats many, its labels, numbers) is decoded, all of them at once."""
    pieces = _LITERAL_STRING.split(shown)  # the rest, a literal string's body, the rest, …
    bodies = pieces[1::2]
    hexes = list(map(known.get, bodies))
    if None in hexes:
        new = list({body: None for body, h in zip(bodies, hexes, strict=True) if h is None})
        if not _QUICK_BODY.fullmatch(b"".join(new)):
            return None
        joined = _BODY_SEPARATOR.join(new)
        if b"\\" in joined:  # \\, \( and \) as octal escapes, which it reads; \\ first, left
            # to right as PDF reads (\\( is \\ then a parenthesis)
            joined = joined.replace(b"\\\\", b"\\134").replace(b"\\(", b"\\050").replace(
                b"\\)", b"\\051")
        read = joined.decode("unicode_escape").split("\u0100")
        # (each string of whole 2-byte codes: checked with the hex ones)
        known.update(zip(new, map(b"<%s>".__mod__, map(binascii.hexlify, map(
            str.encode, read, repeat("latin-1")))), strict=True))
        hexes = list(map(known.__getitem__, bodies))
    pieces[1::2] = hexes
    return b"".join(pieces)


class _Placed(NamedTuple):  # a tuple: quick to make (a frozen dataclass sets field by field)
    """Where a page's usual runs are, run by run, as written."""

    scales: list[bytes] | None  # a 0 0 d, of its cm (None: 1 0 0 -1, for all)
    xs: list[bytes]  # its origin
    ys: list[bytes]  # its baseline
    faces: list[bytes]  # its font and size
    lengths: list[int]  # of what it shows, its strings in hex: 4 a glyph, at least
    back: float  # at most how far the TJ adjustments of a run move a glyph back, in ems
    on: float  # … and on


def _inside(box: _Box, runs: _Placed, shown: list[bytes], fonts: dict[bytes, _Font],
            numbers: _Numbers) -> bool:
    """Whether every glyph of a page's usual runs stands inside the box (poppler's rule: its
    baseline, and the middle of its advance). A run is straight: its glyphs are inside when its
    baseline is, its origin is (less what TJ adjustments move a glyph back) and so is its end:
    n glyphs reach at most n × the font's widest advance, plus what adjustments move them on.
    The few runs that seem to reach past the box are then measured glyph by glyph."""
    size = {face: _number(face.split()[1]) for face in fonts}
    scale = {s: _number(s.split()[0]) for s in set(runs.scales or [_UNSCALED])}
    if min(size.values()) <= 0 or min(scale.values()) <= 0 or any(
            _number(s.split()[3]) == 0 for s in scale):
        return False  # mirrored or flat: read run by run
    baselines = list(map(numbers.__getitem__, set(runs.ys)))
    if not box.bottom <= min(baselines) <= max(baselines) <= box.top:
        return False
    x = list(map(numbers.__getitem__, runs.xs))
    # a quarter of the widest advance of each run's font (a glyph is 4 hex digits of a run's
    # length), in points along the baseline (scaled: the labels of the risk map)
    widest = {face: font.widest / 4000 * size[face] for face, font in fonts.items()}
    reach = map(widest.__getitem__, runs.faces)
    if runs.scales is not None:
        reach = map(operator.mul, reach, map(scale.__getitem__, runs.scales))
    ends = list(map(operator.add, x, map(operator.mul, runs.lengths, reach)))
    # adjustments: the most any run's move a glyph, by the largest em (rarely near an edge)
    em = max(size.values()) * max(scale.values())
    if min(x) - runs.back * em >= box.left and max(ends) + runs.on * em <= box.right:
        return True
    for i in range(len(x)):
        if x[i] - runs.back * em < box.left or ends[i] + runs.on * em > box.right:
            low, high = _middles(shown[i], fonts[runs.faces[i]])
            run_em = size[runs.faces[i]] * scale[runs.scales[i] if runs.scales else _UNSCALED]
            if not box.left <= x[i] + low / 1000 * run_em <= x[i] + high / 1000 * run_em <= box.right:
                return False
    return True


class _Numbers(dict[bytes, float]):
    """Numbers as written, read once each (float() is slow for as many as the runs of a
    document hold, few of them distinct: columns, rows)."""

    def __missing__(self, written: bytes) -> float:
        self[written] = value = _number(written)
        return value


def _number(written: bytes) -> float:
    """A PDF number (float() reads more: "1e5", "nan", "1_0")."""
    if written.translate(None, _NUMBER_BYTES) or not written.strip(b"+-."):
        raise _Unreadable(f"not a number: {written!r}")
    return float(written)


def _middles(shown: bytes, font: _Font) -> tuple[float, float]:
    """The first and last middle of a glyph's advance in a run, past its origin, in thousandths
    of an em (0, 0 for a run of no glyph)."""
    codes, kern = _shown(shown)
    adjust = _adjustments(kern)
    low, high = math.inf, -math.inf
    pos = 0.0
    for i, code in enumerate(codes):
        pos -= adjust.get(i, 0.0)
        middle = pos + font.widths[code] / 2
        low, high = min(low, middle), max(high, middle)
        pos += font.widths[code]
    return (low, high) if codes else (0.0, 0.0)


def _adjustments(kern: list[tuple[int, float]]) -> dict[int, float]:
    """TJ adjustments by the code they come before (two numbers in a row add up)."""
    out: dict[int, float] = {}
    for i, k in kern:
        out[i] = out.get(i, 0.0) + k
    return out


def _runs_text(reader: _Reader, page: _Page, content: bytes) -> str:
    """The text of a page read run by run (runs of any shape the Typst engine writes)."""
    runs, marked = _split(content)
    if not _nothing_else(marked):
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
    # Quick and cautious first: every "cm", even in a name, is taken for one. Else exactly.
    if not _groups_hold_only_runs(_CM.join(marked.split(b"cm")).translate(None, _NOT_GROUPING)):
        groups = marked.replace(b" cm", _CM)
        if b"cm" in groups:  # a cm not after an operand
            return False
        return _groups_hold_only_runs(groups.translate(None, _NOT_GROUPING))
    return True


def _groups_hold_only_runs(groups: bytes) -> bool:
    """Whether only runs are left of ``groups`` (q, Q, runs and cm, nothing else) once groups
    of paths or images are dropped and groups holding only runs opened."""
    while True:
        shorter = _PLAIN_GROUP.sub(rb"\1", _LEAF_GROUP.sub(b"", groups))
        only_runs = not shorter.strip(_RUN_MARK)
        if only_runs or shorter == groups:
            return only_runs
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
    adjust = _adjustments(kern)
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
