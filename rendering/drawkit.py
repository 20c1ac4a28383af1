"""What the drawn figures share (the four-colour risk map, the charts): one line of text as
placed, text measuring and wrapping for CJK, the SVG primitives, and a CJK font for Pillow.

Every figure computes one layout and draws it twice — as SVG text (stdlib only) and as PNG
(Pillow, imported when needed) — so the two never disagree. Every text is escaped: names are data,
never markup.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Final
from xml.sax.saxutils import escape

if TYPE_CHECKING:
    from PIL import ImageDraw

__all__ = ["FONT_FAMILY", "FontNotFound", "TextLine", "attr", "clean", "fc_match", "n", "rect",
           "rgb", "svg_text", "text_drawer", "text_width", "wrap"]

FONT_FAMILY: Final = (
    "'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', 'PingFang SC', sans-serif"
)


class FontNotFound(ValueError):
    """No font with Simplified Chinese to draw a PNG with."""


@dataclass(frozen=True)
class TextLine:
    """One line of text: ``x`` is its anchor (left, centre or right), ``y`` its baseline."""

    text: str
    x: float
    y: float
    size: float
    colour: str = "000000"
    bold: bool = False
    anchor: str = "start"  # or "middle", "end"


_INVALID_XML: Final = re.compile(r"[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def clean(text: str) -> str:
    """One line of printable text: XML-invalid characters → U+FFFD, whitespace runs → one space."""
    return " ".join(_INVALID_XML.sub("\ufffd", text).split())


def _char_width(ch: str) -> float:
    """Advance in em, generous for the usual CJK sans fonts (CJK 1 em, Latin ≤ 0.62 em)."""
    if ord(ch) < 0x2E80:
        return 0.35 if ch in " .,:;!|il'" else 0.62
    return 1.0


def text_width(text: str, size: float) -> float:
    return sum(_char_width(c) for c in text) * size


_NO_LINE_START: Final = frozenset("）)】」』”’，。、；：！？…%,.;:!?")
_NO_LINE_END: Final = frozenset("（(【「『“‘")


def _word_char(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch in "-_.&/'")


def _can_break(before: str, after: str) -> bool:
    """May a line end between ``before`` and ``after``? (No closing mark first, no split words.)"""
    if after in _NO_LINE_START or before in _NO_LINE_END:
        return False
    return not (_word_char(before) and _word_char(after))


def _break_at(line: str, nxt: str) -> int:
    """Where to end ``line`` when ``nxt`` does not fit, looking at its last 40 %: after ；，、：,
    else after a space or before an opening bracket; else at the last allowed break; else here."""
    candidates = [
        j for j in range(len(line), 0, -1)
        if _can_break(line[j - 1], line[j] if j < len(line) else nxt)
    ]
    late = [j for j in candidates if j >= len(line) * 0.6]
    strong = [j for j in late if line[j - 1] in "；，、："]
    weak = [j for j in late if line[j - 1] == " " or (j < len(line) and line[j] in _NO_LINE_END)]
    return (strong or weak or candidates or [len(line)])[0]


def wrap(text: str, width: float, size: float, max_lines: int) -> tuple[str, ...]:
    """Wrap at allowed breaks; the last line ends in … when the text does not fit."""
    lines: list[str] = []
    current = ""
    for i, ch in enumerate(text):
        if current and text_width(current + ch, size) > width:
            j = _break_at(current, ch)
            lines.append(current[:j].rstrip())
            current = current[j:].lstrip()
            if len(lines) == max_lines:
                rest = (current + text[i:]).strip()
                if rest:
                    last = lines[-1]
                    while last and text_width(last + "…", size) > width:
                        last = last[:-1]
                    lines[-1] = last + "…"
                return tuple(lines)
        current += ch if current or not ch.isspace() else ""
    if current.strip():
        lines.append(current.rstrip())
    return tuple(lines) or ("",)


# --- SVG ----------------------------------------------------------------------------------------


def attr(text: str) -> str:
    return escape(text, {'"': "&quot;"})


def n(v: float) -> str:
    return f"{v:.1f}".removesuffix(".0")


_ANCHORS: Final = {"middle": ' text-anchor="middle"', "end": ' text-anchor="end"'}


def svg_text(t: TextLine) -> str:
    weight = ' font-weight="bold"' if t.bold else ""
    return (f'<text x="{n(t.x)}" y="{n(t.y)}" font-size="{n(t.size)}" '
            f'fill="#{t.colour}"{weight}{_ANCHORS.get(t.anchor, "")}>{escape(t.text)}</text>')


def rect(box: tuple[float, float, float, float], extra: str) -> str:
    x, y, w, h = box
    return f'<rect x="{n(x)}" y="{n(y)}" width="{n(w)}" height="{n(h)}" {extra}/>'


# --- PNG ----------------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def fc_match(pattern: str) -> tuple[str, int]:
    """(font file, face index) of the font ``fc-match`` gives for ``pattern``, which must cover
    Simplified Chinese; FontNotFound otherwise."""
    exe = shutil.which("fc-match")
    if exe is None:
        raise FontNotFound("fc-match not found: pass font= to draw the PNG")
    out = subprocess.run(  # fixed executable and format, our own pattern
        [exe, "-f", "%{file}\n%{index}\n%{lang}", pattern],
        capture_output=True, text=True, check=True, timeout=10,
    ).stdout.split("\n")
    if len(out) < 3 or "zh-cn" not in out[2].split("|"):
        raise FontNotFound(f"no font with Simplified Chinese found for {pattern!r}")
    return out[0], int(out[1] or 0)


def rgb(hex_: str, alpha: int = 255) -> tuple[int, int, int, int]:
    return (int(hex_[0:2], 16), int(hex_[2:4], 16), int(hex_[4:6], 16), alpha)


def text_drawer(scale: float, font: tuple[str, int] | None, bold_font: tuple[str, int] | None
                ) -> Callable[[ImageDraw.ImageDraw, TextLine], None]:
    """A function drawing a TextLine with Pillow at ``scale``; fonts are (file, face index), by
    default ``fc-match 'Noto Sans CJK SC'`` (regular and bold)."""
    from PIL import ImageFont

    regular = font or fc_match("Noto Sans CJK SC:lang=zh-cn")
    bold = bold_font or (fc_match("Noto Sans CJK SC:lang=zh-cn:weight=bold") if font is None
                         else font)

    @lru_cache(maxsize=32)
    def face(size: float, is_bold: bool) -> ImageFont.FreeTypeFont:
        path, index = bold if is_bold else regular
        return ImageFont.truetype(path, max(1, round(size * scale)), index=index)

    anchors = {"middle": "ms", "end": "rs"}

    def draw_text(draw: ImageDraw.ImageDraw, t: TextLine) -> None:
        draw.text((t.x * scale, t.y * scale), t.text, font=face(t.size, t.bold),
                  fill=rgb(t.colour), anchor=anchors.get(t.anchor, "ls"))

    return draw_text
