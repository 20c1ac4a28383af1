"""What one request may make the service decode: CPU budgets checked before the costly work.

Rate limits (``api/ratelimit.py``) bound how many requests a caller sends; these rules bound
what a single request costs, so that neither a form full of photos nor a crafted PDF can buy
seconds of CPU for the price of one request.

* **Photos** — all photos of one request together hold at most
  :data:`MAX_REQUEST_PHOTO_PIXELS` pixels (``photo_budget``). Each photo is also held to its own
  limits (``domain.common``: 5 MB, 40 MP), but 40 MP decode in about half a second, and a form
  may carry over a hundred photos. The pixels are read from each image's header only (width ×
  height, as :func:`PIL.Image.open` reads them without decoding), in document order, *before*
  the data model is validated — validation decodes every photo, so a check after it would come
  too late. The problem names the photo that crossed the budget.
* **PDFs posted to verify** (:func:`check_pdf_upload`, before any signature work) — the shape
  of the file (``pdf_padding``, ``pdf_revisions``, ``pdf_objects``) and its pages
  (``pdf_pages``): a PDF parser written in Python reads whitespace, comments and
  cross-reference entries byte by byte, and compares every object of an incremental update with
  the signed revision, so a file padded with megabytes of blanks or thousands of appended
  objects costs seconds to check. These rules find such padding with a few passes over the
  bytes at C speed, without a PDF parser (whose own recovery of a broken file is what costs);
  every threshold lies far above what the service's own PDFs hold (measured: the longest line
  of a 448-page report is 20 kB; a 13 MB report with photos has 39 kB of comment-like lines;
  the incremental updates of a record signed by three parties and the service total 26 kB).
* **JSON nesting** is limited where every body is parsed (``domain.jsonvalue.MAX_DEPTH``).

Pure functions: nothing here imports the web, storage or PDF libraries.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import types
import warnings
from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

from domain.common import MAX_PHOTO_PIXELS, Photo
from domain.errors import DomainValidationError, Problem

__all__ = [
    "MAX_PDF_OBJECTS",
    "MAX_PDF_UPDATE_BYTES",
    "MAX_REQUEST_PHOTO_PIXELS",
    "check_pdf_upload",
    "check_photo_budget",
    "pdf_page_count",
    "pdf_pages_problem",
    "pdf_shape_problem",
    "photo_budget_problem",
    "photo_pixels",
]

Path = tuple[str | int, ...]

#: All photos of one request together (documents, pre-filled forms, hazard changes): 200 MP,
#: five photos at the per-photo maximum or fifty of a 12 MP phone camera.
MAX_REQUEST_PHOTO_PIXELS = 200_000_000


# -- photos -----------------------------------------------------------------------------------


def check_photo_budget(model: type[BaseModel], raw: Any, path: Path = (), *,
                       limit: int = MAX_REQUEST_PHOTO_PIXELS) -> None:
    """Raise ``photo_budget`` (422) if the photos that ``raw`` holds where ``model`` takes a
    :class:`~domain.common.Photo` add up to more than ``limit`` pixels. Call it before
    validating ``raw`` against ``model`` (validation decodes the photos)."""
    problem = photo_budget_problem(model, raw, path, limit=limit)
    if problem is not None:
        raise DomainValidationError([problem])


def photo_budget_problem(model: type[BaseModel], raw: Any, path: Path = (), *,
                         limit: int = MAX_REQUEST_PHOTO_PIXELS) -> Problem | None:
    """The ``photo_budget`` problem at the first photo that takes the total past ``limit``.

    Only the places where ``model`` takes a photo are looked at, so no other text is mistaken
    for one. A photo whose header cannot be read, or that is over the per-photo limit, is left
    out: its own rule refuses it without decoding it.
    """
    total = 0
    for where, value in _photos_in(model, raw, path):
        pixels = photo_pixels(value)
        if pixels is None or pixels > MAX_PHOTO_PIXELS:
            continue
        total += pixels
        if total > limit:
            mp, limit_mp = -(-total // 1_000_000), limit // 1_000_000
            return Problem(
                where, "photo_budget",
                f"本次请求的照片合计超过 {limit_mp} 百万像素（到此张为止约 {mp} 百万像素）："
                "请压缩照片或分多次提交",
                f"the photos of this request exceed {limit_mp} megapixels in total (about {mp} "
                "MP up to this one): downscale them or send them in several requests")
    return None


def photo_pixels(value: Any) -> int | None:
    """Width × height of a photo object's ``data`` (base64 or ``data:`` URI of a JPEG/PNG), read
    from its header without decoding the image; None when it is not readable as one."""
    if not isinstance(value, Mapping):
        return None
    data = value.get("data")
    if not isinstance(data, str):
        return None
    payload = data.split(",", 1)[1] if data.startswith("data:") and "," in data else data
    try:
        raw = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        return None
    from PIL import Image

    try:
        with warnings.catch_warnings():
            # Pillow warns (or refuses) above ~89 MP: such a photo is over the per-photo limit,
            # which refuses it on its own
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw), formats=("JPEG", "PNG")) as im:
                width, height = im.size
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None
    return int(width) * int(height)


def _photos_in(model: type[BaseModel], raw: Any, path: Path) -> Iterator[tuple[Path, Any]]:
    """Every value of ``raw`` that sits where ``model`` takes a Photo, in document order."""
    seen: set[Path] = set()
    for where, value in _walk(model, raw, path):
        if where not in seen:  # a union of two shapes may reach the same place twice
            seen.add(where)
            yield where, value


def _walk(tp: Any, raw: Any, path: Path) -> Iterator[tuple[Path, Any]]:
    origin = get_origin(tp)
    if origin is Annotated:
        yield from _walk(get_args(tp)[0], raw, path)
    elif isinstance(tp, type) and issubclass(tp, Photo):
        yield path, raw
    elif isinstance(tp, type) and issubclass(tp, BaseModel):
        if isinstance(raw, Mapping):
            for key, annotation in _photo_fields(tp):
                if key in raw:
                    yield from _walk(annotation, raw[key], (*path, key))
    elif origin in (Union, types.UnionType):
        for arg in get_args(tp):
            yield from _walk(arg, raw, path)
    elif _is_sequence(origin) and isinstance(raw, list):
        args = [a for a in get_args(tp) if a is not Ellipsis]
        for i, item in enumerate(raw):
            yield from _walk(args[min(i, len(args) - 1)] if args else Any, item, (*path, i))
    elif _is_mapping(origin) and isinstance(raw, Mapping):
        kv = get_args(tp)
        for key, item in raw.items():
            yield from _walk(kv[1] if len(kv) == 2 else Any, item, (*path, str(key)))


def _is_sequence(origin: Any) -> bool:
    return isinstance(origin, type) and issubclass(origin, Sequence) and not issubclass(
        origin, str | bytes)


def _is_mapping(origin: Any) -> bool:
    return isinstance(origin, type) and issubclass(origin, Mapping)


@cache
def _photo_fields(model: type[BaseModel]) -> tuple[tuple[str, Any], ...]:
    """The fields of ``model`` that can hold a photo (so a 2,000-row table without photo
    columns is not walked cell by cell)."""
    return tuple((field.alias or name, field.annotation)
                 for name, field in model.model_fields.items()
                 if _can_hold_photo(field.annotation, frozenset()))


def _can_hold_photo(tp: Any, visiting: frozenset[type]) -> bool:
    if isinstance(tp, type) and issubclass(tp, Photo):
        return True
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        if tp in visiting:  # a model that contains itself
            return False
        inner = visiting | {tp}
        return any(_can_hold_photo(f.annotation, inner) for f in tp.model_fields.values())
    return any(_can_hold_photo(arg, visiting) for arg in get_args(tp) if arg is not Ellipsis)


# -- PDFs posted to verify --------------------------------------------------------------------

#: Bytes of incremental updates after the first revision: what a validator compares object by
#: object with the signed revision (the service's own party signatures and seal: about 26 kB).
MAX_PDF_UPDATE_BYTES = 1024 * 1024
#: Indirect objects (including those packed in object streams): each is a cross-reference
#: entry read one by one (the longest report the service makes has 38,000).
MAX_PDF_OBJECTS = 100_000
#: After the last ``%%EOF``: a line end or a few stray bytes, never a payload.
_MAX_TAIL = 1024
#: A run of blanks (PDF whitespace, NUL included): the service writes at most a few dozen.
_MAX_BLANK_RUN = 64 * 1024
#: Long lines (4 kB or more) together: the service writes a few, a table's structure element
#: (20 kB for 2,000 rows) and a signature's hex; compressed data breaks lines every ~128 bytes.
_LONG_LINE = 4096
_MAX_LONG_LINES = 1024 * 1024
#: Bytes of lines that start with ``%`` (comments): besides the header and the ``%%EOF``
#: markers, only compressed binary data that happens to hold a line break followed by ``%``
#: (about 1/256 of it); allowed eight times that.
_COMMENT_FLOOR = 64 * 1024
_COMMENT_SHARE = 32

_IS_BLANK = bytes(0 if b in b"\x00\t\n\x0c\r " else 1 for b in range(256))
_IS_EOL = bytes(0 if b in b"\r\n" else 1 for b in range(256))
_COMMENT_LINE = re.compile(rb"[\r\n][\x00\t\x0c ]{0,64}%[^\r\n]*")
_OBJECT_STREAM = re.compile(rb"/Type\s{0,16}/ObjStm\b")
_COUNT_N = re.compile(rb"/N\s{1,16}(\d{1,9})\b")
_PAGE_LEAF = re.compile(rb"/Type\s{0,16}/Page\b")
_PAGE_NODE = re.compile(rb"/Type\s{0,16}/Pages\b")
_COUNT = re.compile(rb"/Count\s{1,16}(\d{1,9})\b")
_PDF_MAGIC = b"%PDF-"


def check_pdf_upload(pdf: bytes, max_pages: int) -> None:
    """Raise a 422 (``pdf_padding``, ``pdf_revisions``, ``pdf_objects``, ``pdf_pages``) for a PDF
    that would cost more to verify than any record the service makes. A body that is not a PDF
    at all is left to the verifier, which says so."""
    if _PDF_MAGIC not in pdf[:1024]:
        return
    problem = pdf_shape_problem(pdf) or pdf_pages_problem(pdf_page_count(pdf), max_pages)
    if problem is not None:
        raise DomainValidationError([problem])


def pdf_page_count(pdf: bytes) -> int:
    """The pages ``pdf`` shows or declares, without parsing it: the page objects written out,
    or the largest /Count of a page-tree node, whichever is more. Pages packed in compressed
    object streams are not seen, but each is an object, counted by :func:`pdf_shape_problem`."""
    declared = [_near(pdf, m.start(), _COUNT) for m in _PAGE_NODE.finditer(pdf)]
    return max(len(_PAGE_LEAF.findall(pdf)), *declared, 0)


def pdf_shape_problem(pdf: bytes) -> Problem | None:
    """Why ``pdf`` is padded or bloated beyond anything the service writes, or None.

    Linear passes at C speed (~50 ms for 20 MB): bytes after the last ``%%EOF``, long runs of
    blanks, overlong lines, comment lines, bytes of incremental updates, object count.
    """
    eof = pdf.rfind(b"%%EOF")
    if len(pdf) - (eof + 5 if eof >= 0 else 0) > _MAX_TAIL:
        return _padding("文件末尾（%%EOF 之后）附有多余数据", "the file carries data after its end "
                        "(%%EOF)")
    flags = pdf.translate(_IS_BLANK)
    if b"\x00" * _MAX_BLANK_RUN in flags:
        return _padding(f"文件含有连续 {_MAX_BLANK_RUN} 字节以上的空白填充",
                        f"the file is padded with a run of {_MAX_BLANK_RUN} or more blank bytes")
    if _long_line_bytes(pdf.translate(_IS_EOL)) > _MAX_LONG_LINES:
        return _padding("文件含有大量超长行（注释或字符串填充）",
                        "the file holds megabytes of overlong lines (comment or string padding)")
    comments = sum(len(m.group()) for m in _COMMENT_LINE.finditer(pdf))
    if comments > _COMMENT_FLOOR + len(pdf) // _COMMENT_SHARE:
        return _padding("文件含有大量注释填充", "the file is padded with comments")
    first = pdf.find(b"%%EOF")
    if first >= 0 and len(pdf) - first > MAX_PDF_UPDATE_BYTES:
        return Problem(("body",), "pdf_revisions",
                       f"文件的增量更新部分超过 {MAX_PDF_UPDATE_BYTES} 字节：不是本服务生成的存档文件",
                       f"the file's incremental updates exceed {MAX_PDF_UPDATE_BYTES} bytes: not "
                       "an archive file this service produced")
    objects = pdf.count(b" obj") + sum(_near(pdf, m.start(), _COUNT_N)
                                       for m in _OBJECT_STREAM.finditer(pdf))
    if objects > MAX_PDF_OBJECTS:
        return Problem(("body",), "pdf_objects",
                       f"文件含有超过 {MAX_PDF_OBJECTS} 个对象", f"the file holds more than "
                       f"{MAX_PDF_OBJECTS} objects")
    return None


def _long_line_bytes(eol_flags: bytes) -> int:
    """Bytes in lines of at least _LONG_LINE bytes (``eol_flags``: 0 at line ends, else 1);
    one ``find`` per long line, at most len / _LONG_LINE of them."""
    needle, total = b"\x01" * _LONG_LINE, 0
    start = eol_flags.find(needle)
    while start >= 0:
        end = eol_flags.find(b"\x00", start)
        end = len(eol_flags) if end < 0 else end
        total += end - start
        start = eol_flags.find(needle, end)
    return total


def _near(pdf: bytes, at: int, number: re.Pattern[bytes]) -> int:
    """The number (``/N`` of an object stream, ``/Count`` of a page-tree node) in the
    dictionary whose /Type is at ``at``: keys come in any order, so looked for on both sides."""
    m = number.search(pdf, max(0, at - 256), at + 256)
    return int(m.group(1)) if m else 0


def _padding(zh: str, en: str) -> Problem:
    return Problem(("body",), "pdf_padding", f"{zh}：不是本服务生成的存档文件",
                   f"{en}: not an archive file this service produced")


def pdf_pages_problem(pages: int, limit: int) -> Problem | None:
    """``pdf_pages`` when a PDF posted to verify has more than ``limit`` pages."""
    if pages <= limit:
        return None
    return Problem(("body",), "pdf_pages",
                   f"PDF 共 {pages} 页，超过核验上限 {limit} 页；请改用档案编号核验（GET /v1/verify/{{id}}）",
                   f"the PDF has {pages} pages, more than the {limit} a verification takes; verify "
                   "it by its record ID instead (GET /v1/verify/{id})")
