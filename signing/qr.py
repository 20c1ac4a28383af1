"""QR codes for verify URLs: PNG (for PDFs / printing) and SVG (for HTML templates).

Error correction level M (≈15 % of the symbol may be damaged), quiet zone of 4 modules
(ISO/IEC 18004 minimum), smallest version that fits.
"""

from __future__ import annotations

import io

import qrcode
import qrcode.constants
from qrcode.image.pil import PilImage
from qrcode.image.svg import SvgPathImage

__all__ = ["QUIET_ZONE", "qr_matrix_size", "qr_png", "qr_svg"]

QUIET_ZONE = 4


def _code(data: str, box_size: int) -> qrcode.QRCode:
    if box_size < 1:
        raise ValueError("box_size must be at least 1 pixel per module")
    code = qrcode.QRCode(
        version=None,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        box_size=box_size,
        border=QUIET_ZONE,
    )
    code.add_data(data)
    code.make(fit=True)
    return code


def qr_png(data: str, box_size: int = 4) -> bytes:
    """PNG (1-bit, black on white) of ``data``; ``box_size`` pixels per module."""
    image = _code(data, box_size).make_image(image_factory=PilImage)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue()


def qr_svg(data: str) -> str:
    """Standalone SVG (one path, sizes in mm: 1 module = 1 mm; scale with CSS)."""
    image = _code(data, 10).make_image(image_factory=SvgPathImage)
    svg: str = image.to_string(encoding="unicode")
    return svg


def qr_matrix_size(data: str) -> int:
    """Modules per side without the quiet zone (21 for version 1, +4 per version)."""
    return len(_code(data, 1).get_matrix()) - 2 * QUIET_ZONE
