"""Document tree → PDF with WeasyPrint, keeping the font configuration warm between renders."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from rendering.blocks import Document
from rendering.html import document_html

__all__ = ["document_pdf"]

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


def document_pdf(doc: Document, *, qr_svg: str | None = None) -> bytes:
    from weasyprint import HTML

    font_css, font_config = _fonts()
    html = document_html(doc, font_css=font_css, qr_svg=qr_svg)
    # WeasyPrint fetches nothing but data: URIs here: posted values are text, never URLs.
    with _lock:  # FontConfiguration is not thread-safe
        return HTML(string=html, url_fetcher=_data_only).write_pdf(
            font_config=font_config, uncompressed_pdf=False
        ) or b""


def _data_only(url: str, timeout: int = 10, ssl_context: Any = None) -> dict[str, Any]:
    from weasyprint.urls import default_url_fetcher

    if url.startswith("data:") or url.startswith(f"file://{_FONT_DIR}"):
        return default_url_fetcher(url, timeout=timeout, ssl_context=ssl_context)  # type: ignore[no-any-return]
    raise ValueError(f"refusing to fetch {url!r}: documents may only embed data: URIs")
