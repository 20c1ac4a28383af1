"""QR images decode (zxing-cpp) back to the exact verify URL."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest
import zxingcpp
from PIL import Image

from signing.qr import QUIET_ZONE, qr_matrix_size, qr_png, qr_svg

URL = (
    "https://azx.example.cn/verify/AZX-26RPT-7K3M9-Q2X4C-Y"
    "?h=n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg&k=vRLqzZel"
    "&s=" + "3q2-7w" * 14 + "AB"
)


def _decode(image: Image.Image) -> list[str]:
    results = zxingcpp.read_barcodes(image)
    return [r.text for r in results if r.format == zxingcpp.BarcodeFormat.QRCode]


@pytest.mark.parametrize("box_size", [2, 4, 8])
def test_png_decodes_to_the_url(box_size: int) -> None:
    png = qr_png(URL, box_size=box_size)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(png))
    modules = qr_matrix_size(URL)
    assert image.size == ((modules + 2 * QUIET_ZONE) * box_size,) * 2
    assert _decode(image) == [URL]


def test_error_correction_m_and_size() -> None:
    (result,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr_png(URL))))
    assert result.ec_level == "M"
    assert len(URL) == 199
    assert qr_matrix_size(URL) == 57  # version 10: a 199-character verify URL at level M
    assert qr_matrix_size("x") == 21  # version 1


def test_damaged_png_still_decodes() -> None:
    """Level M survives a blot over part of the symbol."""
    image = Image.open(io.BytesIO(qr_png(URL, box_size=6))).convert("L")
    side = image.size[0]
    blot = Image.new("L", (side // 10, side // 10), 0)
    image.paste(blot, (side // 2, side // 2))
    assert _decode(image) == [URL]


def test_svg_is_well_formed_and_decodes_when_rasterised() -> None:
    svg = qr_svg(URL)
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    size = qr_matrix_size(URL) + 2 * QUIET_ZONE
    assert root.get("viewBox") == f"0 0 {size} {size}"
    # rasterise the path (only axis-aligned unit squares "Mx,yH..V..H..z") and decode
    scale = 4
    image = Image.new("L", (size * scale, size * scale), 255)
    path = next(el for el in root.iter() if el.tag.endswith("path")).get("d") or ""
    for square in path.split("z"):
        if not square.startswith("M"):
            continue
        x, y = (int(float(v)) for v in square[1:].split("H")[0].split(","))
        image.paste(0, (x * scale, y * scale, (x + 1) * scale, (y + 1) * scale))
    assert _decode(image) == [URL]


def test_box_size_must_be_positive() -> None:
    with pytest.raises(ValueError):
        qr_png(URL, box_size=0)
