"""QR images decode (zxing-cpp) back to the exact verify URL, and are exactly what ``qrcode``
makes (the faster mask choice changes nothing)."""

from __future__ import annotations

import io
import random
import string
import xml.etree.ElementTree as ET

import pytest
import qrcode
import qrcode.constants
import qrcode.util
import zxingcpp
from PIL import Image
from qrcode.image.pil import PilImage
from qrcode.image.svg import SvgPathImage

from signing.qr import (
    _LAYOUTS,
    QUIET_ZONE,
    _code,
    _lost_point,
    _pack,
    _QRCode,
    qr_matrix_size,
    qr_png,
    qr_svg,
)

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
    (result,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr_png(URL))),
                                       formats=zxingcpp.BarcodeFormat.QRCode)
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


def _reference_code(data: str, box_size: int) -> qrcode.QRCode:
    """What qrcode itself makes (it scores all 8 masks module by module)."""
    code = qrcode.QRCode(
        version=None,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        box_size=box_size,
        border=QUIET_ZONE,
    )
    code.add_data(data)
    code.make(fit=True)
    return code


def _samples() -> list[str]:
    rng = random.Random(20260305)
    alphabet = string.ascii_letters + string.digits + "-_"
    out = [URL, "x", "AZX-26RPT-7K3M9-Q2X4C-Y", "0123456789" * 7]
    for length in (3, 17, 40, 64, 90, 130, 199, 260, 400, 600) * 3:
        out.append("".join(rng.choice(alphabet) for _ in range(length)))
    return out


def test_same_symbols_as_qrcode_with_its_mask_choice() -> None:
    """The fast mask scoring picks exactly qrcode's mask (same penalty scores)."""
    masks = set()
    for data in _samples():
        ours, reference = _code(data, 4), _reference_code(data, 4)
        assert ours.version == reference.version
        assert ours.modules == reference.modules, data
        masks.add(reference.best_mask_pattern())
    assert len(masks) >= 4  # the samples exercise several different choices


def test_mask_scores_match_qrcode_lost_point() -> None:
    for data in _samples()[:12]:
        code = _QRCode(version=None, error_correction=qrcode.constants.ERROR_CORRECT_M)
        code.add_data(data)
        code.best_fit()
        code.makeImpl(True, 0)
        layout = _LAYOUTS[code.version]
        rows = _pack(code.modules)
        cols = _pack(list(zip(*code.modules, strict=True)))
        for k in range(8):
            code.makeImpl(True, k)
            assert _pack(code.modules) == rows ^ layout.flip_rows[k]
            ours = _lost_point(rows ^ layout.flip_rows[k], cols ^ layout.flip_cols[k], layout)
            assert ours == qrcode.util.lost_point(code.modules), (data, k)


@pytest.mark.parametrize("box_size", [1, 4, 6])
def test_png_bytes_are_what_qrcode_and_pil_make(box_size: int) -> None:
    for data in (URL, "x", _samples()[20]):
        out = io.BytesIO()
        _reference_code(data, box_size).make_image(image_factory=PilImage).save(out)
        assert qr_png(data, box_size=box_size) == out.getvalue()
        svg = _reference_code(data, 10).make_image(image_factory=SvgPathImage)
        assert qr_svg(data) == svg.to_string(encoding="unicode")
        assert qr_matrix_size(data) == reference_size(data)


def reference_size(data: str) -> int:
    return len(_reference_code(data, 1).get_matrix()) - 2 * QUIET_ZONE
