"""Document tree → PDF with WeasyPrint (AZX_PDF_ENGINE=weasyprint), fonts kept warm."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from rendering.blocks import Document
from rendering.html import document_html

__all__ = ["document_pdf_weasyprint"]

log = logging.getLogger("azx.rendering")
_FONT_DIR = Path(__file__).resolve().parent / "fonts"
_lock = threading.Lock()


_FALLBACK_CSS = (
    ':root { --azx-serif: "Noto Serif CJK SC", "HanaMinA", "HanaMinB", "DejaVu Sans", serif;'
    ' --azx-sans: "Noto Sans CJK SC", "HanaMinA", "HanaMinB", "DejaVu Sans", sans-serif; }'
    " html { font-family: var(--azx-serif); }"
)


def _fonts() -> tuple[str, Any]:
    from rendering import fonts

    if not hasattr(fonts, "font_face_css"):  # pragma: no cover - font module not built yet
        from weasyprint.text.fonts import FontConfiguration

        return _FALLBACK_CSS, FontConfiguration()
    return fonts.font_face_css(), fonts.font_configuration()


def document_pdf_weasyprint(doc: Document, *, qr_png: bytes | None = None) -> bytes:
    from weasyprint import HTML, Attachment

    font_css, font_config = _fonts()
    html = document_html(doc, font_css=font_css, qr_png=qr_png)
    # an archived record: PDF/A-3b with its attachments as associated files (/AF)
    extra: dict[str, Any] = {}
    if doc.pdf_a:
        extra = {"pdf_variant": "pdf/a-3b", "attachments": [
            Attachment(string=a.content, name=a.name, description=a.description,
                       relationship=a.relationship.capitalize(),
                       url_fetcher=_LocalFetcher.get())
            for a in doc.attachments]}
    # WeasyPrint fetches nothing but data: URIs here: posted values are text, never URLs.
    with _lock:  # FontConfiguration is not thread-safe
        return HTML(string=html, url_fetcher=_LocalFetcher.get()).write_pdf(
            font_config=font_config, uncompressed_pdf=False, **extra
        ) or b""


class _LocalFetcher:
    """Only data: URIs and the product's own font files: posted values never become URLs."""

    _fetcher: Any = None

    @classmethod
    def get(cls) -> Any:
        if cls._fetcher is None:
            from weasyprint.urls import URLFetcher

            class Fetcher(URLFetcher):  # type: ignore[misc]
                def fetch(self, url: str, headers: Any = None) -> Any:
                    if url.startswith("data:") or url.startswith(f"file://{_FONT_DIR}"):
                        return super().fetch(url, headers)
                    raise ValueError(f"refusing to fetch {url!r}")

            cls._fetcher = Fetcher(allowed_protocols={"data", "file"}, fail_on_errors=True)
        return cls._fetcher
