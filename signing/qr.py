"""QR codes for verify URLs: PNG (for PDFs / printing) and SVG (for HTML templates).

Error correction level M (≈15 % of the symbol may be damaged), quiet zone of 4 modules
(ISO/IEC 18004 minimum), smallest version that fits.

The symbols are exactly what ``qrcode`` makes (``QRCode.make(fit=True)``), including its choice
of mask pattern; only that choice is computed faster. ``qrcode`` scores each of the 8 masks by
building the whole matrix and running the penalty rules module by module in pure Python
(≈15 ms for a verify URL). Here the matrix is built once; the 8 masked variants differ only in
the data modules, so each is one XOR on the matrix packed into a Python integer, and the same
penalty rules (same scores) run as bit operations on that integer.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import qrcode
import qrcode.constants
import qrcode.util
from PIL import Image
from qrcode.image.svg import SvgPathImage

__all__ = ["QUIET_ZONE", "qr_matrix_size", "qr_png", "qr_svg"]

QUIET_ZONE = 4

_BITS = bytes.maketrans(b"\x00\x01", b"01")  # bytes of 0/1 -> ASCII digits
_PIXELS = bytes.maketrans(b"\x00\x01", b"\xff\x00")  # light -> white, dark -> black


class _QRCode(qrcode.QRCode):  # type: ignore[misc]
    """Records, once per version, which modules hold data (those still unset when
    ``map_data`` runs): the layout the fast mask scoring needs."""

    def map_data(self, data: bytes, mask_pattern: int) -> None:
        if self.version not in _LAYOUTS:
            _LAYOUTS[self.version] = _layout([[m is None for m in row] for row in self.modules])
        super().map_data(data, mask_pattern)


def _code(data: str, box_size: int) -> qrcode.QRCode:
    if box_size < 1:
        raise ValueError("box_size must be at least 1 pixel per module")
    code = _QRCode(
        version=None,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        box_size=box_size,
        border=QUIET_ZONE,
    )
    code.add_data(data)
    code.best_fit(start=None)  # as make(fit=True)
    code.makeImpl(False, _best_mask_pattern(code))
    return code


def qr_png(data: str, box_size: int = 4) -> bytes:
    """PNG (1-bit, black on white) of ``data``; ``box_size`` pixels per module."""
    code = _code(data, box_size)
    n = code.modules_count
    side = n + 2 * QUIET_ZONE
    pixels = bytearray(b"\xff") * (side * side)
    for r, row in enumerate(code.modules):
        start = (r + QUIET_ZONE) * side + QUIET_ZONE
        pixels[start : start + n] = bytes(row).translate(_PIXELS)
    image = Image.frombytes("L", (side, side), bytes(pixels))
    image = image.convert("1", dither=Image.Dither.NONE)
    if box_size > 1:
        image = image.resize((side * box_size, side * box_size), Image.Resampling.NEAREST)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def qr_svg(data: str) -> str:
    """Standalone SVG (one path, sizes in mm: 1 module = 1 mm; scale with CSS)."""
    image = _code(data, 10).make_image(image_factory=SvgPathImage)
    svg: str = image.to_string(encoding="unicode")
    return svg


def qr_matrix_size(data: str) -> int:
    """Modules per side without the quiet zone (21 for version 1, +4 per version)."""
    code = qrcode.QRCode(version=None, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(data)
    version: int = code.best_fit(start=None)
    return version * 4 + 17


# -- mask selection -----------------------------------------------------------------------
#
# A matrix of n x n modules is packed into one integer, row by row (or, for the column rules,
# column by column), module (i, j) at bit i * (n + 1) + j: each line is followed by one
# always-zero bit, so that no run or pattern continues from one line into the next.


@dataclass(frozen=True)
class _Layout:
    """What the mask scoring needs to know about one version (size), packed."""

    n: int
    stride: int
    cells: int  # every module
    two_by_two: int  # (i, j) with i, j <= n - 2: top-left corners of 2x2 blocks
    finder_starts: int  # (i, j) with j <= n - 11: starts of 11-module patterns
    flip_rows: tuple[int, ...]  # per mask k: data modules where masks 0 and k differ
    flip_cols: tuple[int, ...]


def _pack(lines: list[list[bool]] | list[tuple[bool, ...]]) -> int:
    """Lines of booleans -> int, line i at bits i * (n + 1) .. i * (n + 1) + n - 1."""
    return int(b"".join(b"0" + bytes(line)[::-1].translate(_BITS) for line in reversed(lines)), 2)


_LAYOUTS: dict[int, _Layout] = {}  # by version


def _layout(data_modules: list[list[bool]]) -> _Layout:
    n = len(data_modules)
    masks = [qrcode.util.mask_func(k) for k in range(8)]

    def flips(k: int, transpose: bool) -> int:
        grid = [
            [
                data_modules[i][j] and (masks[0](i, j) != masks[k](i, j))
                for j in range(n)
            ]
            for i in range(n)
        ]
        return _pack([list(col) for col in zip(*grid, strict=True)] if transpose else grid)

    def where(test: object) -> int:
        return _pack([[test(i, j) for j in range(n)] for i in range(n)])  # type: ignore[operator]

    return _Layout(
        n=n,
        stride=n + 1,
        cells=where(lambda i, j: True),
        two_by_two=where(lambda i, j: i <= n - 2 and j <= n - 2),
        finder_starts=where(lambda i, j: j <= n - 11),
        flip_rows=tuple(flips(k, False) for k in range(8)),
        flip_cols=tuple(flips(k, True) for k in range(8)),
    )


def _runs_and_finders(lines: int, lay: _Layout) -> int:
    """Penalty rules 1 (runs of 5+ same-colour modules: length - 2 each) and 3 (1:1:3:1:1
    finder-like patterns with 4 light modules on one side: 40 each) along packed lines."""
    dark, light = lines, ~lines & lay.cells
    points = 0
    for x in (dark, light):
        fives = x & (x >> 1) & (x >> 2) & (x >> 3) & (x >> 4)  # a run of 5 starts here
        # each run of length L >= 5: L - 4 such starts, one of them the first: L - 2 points
        points += fives.bit_count() + 2 * (fives & ~(fives << 1)).bit_count()
    around = (light >> 1) & (dark >> 4) & (light >> 5) & (dark >> 6) & (light >> 9)
    pattern1 = dark & (dark >> 2) & (dark >> 3) & (light >> 7) & (light >> 8) & (light >> 10)
    pattern2 = light & (light >> 2) & (light >> 3) & (dark >> 7) & (dark >> 8) & (dark >> 10)
    points += 40 * (around & (pattern1 | pattern2) & lay.finder_starts).bit_count()
    return points


def _lost_point(rows: int, cols: int, lay: _Layout) -> int:
    """``qrcode.util.lost_point`` of the matrix packed as ``rows`` and as ``cols``."""
    points = _runs_and_finders(rows, lay) + _runs_and_finders(cols, lay)
    # rule 2: 2x2 blocks of one colour, 3 each
    same_below = ~(rows ^ (rows >> lay.stride))
    same_right = ~(rows ^ (rows >> 1))
    blocks = same_below & (same_below >> 1) & same_right & lay.two_by_two
    points += 3 * blocks.bit_count()
    # rule 4: 10 per full 5 % that the share of dark modules is off 50 % (as qrcode computes)
    percent = float(rows.bit_count()) / (lay.n**2)
    points += int(abs(percent * 100 - 50) / 5) * 10
    return points


def _best_mask_pattern(code: _QRCode) -> int:
    """``code.best_mask_pattern()``, the same result, much faster (see the module doc)."""
    code.makeImpl(True, 0)  # the matrix qrcode scores for mask 0 (format areas left light)
    lay = _LAYOUTS[code.version]
    rows = _pack(code.modules)
    cols = _pack(list(zip(*code.modules, strict=True)))
    best, best_points = 0, 0
    for k in range(8):
        points = _lost_point(rows ^ lay.flip_rows[k], cols ^ lay.flip_cols[k], lay)
        if k == 0 or points < best_points:
            best, best_points = k, points
    return best
