"""Every blank form and every example, rendered once per test session on both PDF engines and
as DOCX, and every DOCX converted to PDF by LibreOffice in one process: what the layout tests,
the Word tests and the visual regression look at.

Examples are rendered as archived records are: with a (fixed) record ID and its QR code, so
that the QR's place on page 1 is part of the picture.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from domain.catalog import CATALOG, get_kind, parse_data
from rendering.blocks import Document
from rendering.docx_writer import document_docx
from rendering.pdf import document_pdf
from services.render import build
from signing.qr import qr_png

ROOT = Path(__file__).resolve().parent.parent.parent
RECORD_ID = "AZX-26RPT-5XR67-E5Q2A-3"
VERIFY_URL = f"https://azx.example.cn/verify/{RECORD_ID}?h=0&k=k1&s=0"
ENGINES = ("typst", "weasyprint")


@dataclass(frozen=True)
class Form:
    name: str  # "report-shandong-blank", "report-shandong" (the example)
    type: str
    profile: str
    blank: bool


def forms() -> list[Form]:
    out = [Form(f"{t}-{p}-blank", t, p, True) for (t, p) in sorted(CATALOG)]
    for path in sorted((ROOT / "examples").glob("*.json")):
        body = json.loads(path.read_text(encoding="utf-8"))
        out.append(Form(path.stem, body["type"], body["profile"], False))
    return out


def form(name: str) -> Form:
    return next(f for f in forms() if f.name == name)


@cache
def document(name: str) -> Document:
    f = form(name)
    kind = get_kind(f.type, f.profile)
    if f.blank:
        return build(kind, None)
    body = json.loads((ROOT / "examples" / f"{name}.json").read_text(encoding="utf-8"))
    return build(kind, parse_data(kind, body["data"]), record_id=RECORD_ID, verify_url=VERIFY_URL)


@cache
def _qr() -> bytes:
    return qr_png(VERIFY_URL)


@cache
def pdf(name: str, engine: str = "typst") -> bytes:
    doc = document(name)
    return document_pdf(doc, qr_png=None if form(name).blank else _qr(),
                        engine=engine)  # type: ignore[arg-type]


@cache
def docx(name: str) -> bytes:
    return document_docx(document(name))


def has_libreoffice() -> bool:
    return shutil.which("soffice") is not None


@cache
def libreoffice_pdfs() -> dict[str, bytes]:
    """Every form's DOCX converted to PDF by LibreOffice headless — one process for them all
    (a start of LibreOffice costs seconds; one conversion tens of milliseconds)."""
    tmp = Path(tempfile.mkdtemp(prefix="azx-lo-"))
    try:
        names = [f.name for f in forms()]
        for n in names:
            (tmp / f"{n}.docx").write_bytes(docx(n))
        profile = tmp / "profile"
        subprocess.run(
            ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
             "--convert-to", "pdf", "--outdir", str(tmp / "out"),
             *(str(tmp / f"{n}.docx") for n in names)],
            check=True, capture_output=True, timeout=600)
        return {n: (tmp / "out" / f"{n}.pdf").read_bytes() for n in names}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@dataclass(frozen=True)
class Line:
    """A line of text on a page as poppler reads it (``pdftotext -bbox-layout``), in mm."""

    page: int
    text: str  # without whitespace
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass(frozen=True)
class Page:
    width: float
    height: float
    lines: tuple[Line, ...]


_PT = 25.4 / 72


@cache
def pages(pdf_bytes: bytes) -> tuple[Page, ...]:
    """The pages of a PDF with their lines of text and where they are."""
    import re
    from html import unescape

    out = subprocess.run(["pdftotext", "-bbox-layout", "-", "-"], input=pdf_bytes,
                         capture_output=True, check=True, timeout=120).stdout.decode("utf-8")
    result = []
    for n, page in enumerate(re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>',
                                         out, re.S)):
        lines = []
        for line in re.finditer(r'<line xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                                r'yMax="([\d.]+)">(.*?)</line>', page.group(3), re.S):
            words = re.findall(r">([^<]*)</word>", line.group(5))
            text = "".join(unescape(w) for w in words)
            x0, y0, x1, y1 = (float(line.group(i)) * _PT for i in range(1, 5))
            lines.append(Line(n, "".join(text.split()), x0, y0, x1, y1))
        result.append(Page(float(page.group(1)) * _PT, float(page.group(2)) * _PT, tuple(lines)))
    return tuple(result)
