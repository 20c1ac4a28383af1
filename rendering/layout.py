"""Column widths from content: one computation for the Typst engine, the WeasyPrint engine and
Word, so that the three draw every table with the same columns.

A spec gives each column a relative width (templates/annex/…/*.yaml); the printed width is that
share of the text area, raised where the column's content needs more: no column is narrower than
its longest *unbreakable word* — a header word (序号, 三种状态), a name (张建华), a level (重大风险,
一般事故隐患), a date, a number (25,600.00), a box with its label (□未开展). The width a raised
column gains is taken from the columns that have room to spare, in proportion to that room.

What counts as one word (an estimate that errs on the wide side, as rendering/pagination.py's):

- a whole line of a cell of at most :data:`WHOLE_EM` em without a space (a name, a level, a
  short label or value) is one word;
- a longer line breaks at spaces and punctuation; a piece of at most :data:`CHUNK_EM` em stays
  whole, a longer CJK piece may break after any :data:`CHUNK_EM` em (隐患分类/类别), but never
  inside a run of digits or Latin letters (dates, amounts, codes);
- a check box with its label is one word; a photo needs :data:`PHOTO_MM`.

When the words of all columns cannot fit side by side (a landscape ledger of 16 columns), the
rule relaxes in steps (whole lines of at most 4, then 3 em; pieces of 3, then 2 em)
before all minimums shrink together.
"""

from __future__ import annotations

import re

from rendering.blocks import Blank, Cell, Check, Image, Table, Text
from rendering.pagination import PT_MM, TEXT_AREA_MM, advance_em, cell_grid

__all__ = [
    "CELL_PAD_MM",
    "CHUNK_EM",
    "DENSE_PAD_MM",
    "PHOTO_MM",
    "WHOLE_EM",
    "cell_blank_em",
    "cell_padding_mm",
    "cell_widths_em",
    "column_widths_mm",
    "keep_runs",
    "kept_words",
    "min_word_em",
    "text_width_mm",
    "word_rule",
    "words",
]

WHOLE_EM = 6.0
CHUNK_EM = 4.0
PHOTO_MM = 12.0
#: Cell padding (1.5 mm a side on both engines and in Word) and rules, with room for rounding.
CELL_PAD_MM = 3.8
DENSE_PAD_MM = 2.4  # 0.8 mm a side, for a dense ledger
_BOX_EM = 1.3  # ☑ plus its gap
#: A piece of a line between breaks: an opening bracket stays with what follows it, closing
#: punctuation with what precedes it (a line may not start with ：or ）), as typesetters do.
_PIECE = re.compile(r"[（(【《“]*[^\s，、；：。,;:（）()/／【】《》“”\"'·…—]+[，、；：。,;:）)】》”]*")
_CLOSING = "，、；：。,;:）)】》”"
_NARROW_RUN = re.compile(r"[0-9A-Za-z.,:%+\-/#=＝~～°²³¹@_]+")


def text_width_mm(landscape: bool) -> float:
    return TEXT_AREA_MM[landscape][0]


def min_word_em(text: str, whole_em: float = WHOLE_EM, chunk_em: float = CHUNK_EM) -> float:
    """The width in em of the longest word of ``text`` that may not be broken."""
    out = 0.0
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            continue
        out = max(out, max((advance_em(m) for m in _NARROW_RUN.findall(line)), default=0.0))
        if advance_em(line) <= whole_em and not any(c.isspace() for c in line):
            out = max(out, advance_em(line))
            continue
        for piece in _PIECE.findall(line):
            if advance_em(piece.rstrip(_CLOSING)) <= chunk_em:
                out = max(out, advance_em(piece))  # with its closing mark: 三种状态：
            else:
                out = max(out, chunk_em)
    return out


def _cell_min_mm(cell: Cell, em_mm: float, whole_em: float, chunk_em: float) -> float:
    if cell.header:  # a header's words (排查时间, 隐患照片) stay whole in every step
        whole_em, chunk_em = max(whole_em, CHUNK_EM), max(chunk_em, CHUNK_EM)
    em = 0.0
    photo = 0.0
    for i in cell.inlines:
        if isinstance(i, Text):
            em = max(em, min_word_em(i.text, whole_em, chunk_em))
        elif isinstance(i, Check):
            em = max(em, advance_em(i.label) + _BOX_EM + (2.0 if i.style == "paren" else 0.0))
        elif isinstance(i, Blank) and i.width:
            em = max(em, min(float(i.width), chunk_em))
        elif isinstance(i, Image):
            photo = PHOTO_MM
    return max(em * em_mm, photo)


def _minimums(table: Table, em_mm: float, whole_em: float, chunk_em: float,
              pad: float = CELL_PAD_MM) -> list[float]:
    ncols = len(table.widths)
    mins = [0.0] * ncols
    for _, c, cell in cell_grid(table):
        if cell.colspan == 1 and c < ncols:
            mins[c] = max(mins[c], _cell_min_mm(cell, em_mm, whole_em, chunk_em))
    return [m + pad for m in mins]


def _fit(shares: list[float], mins: list[float], total: float) -> list[float]:
    widths = list(shares)
    for _ in range(len(widths) + 1):
        short = [i for i, w in enumerate(widths) if w < mins[i] - 1e-6]
        if not short:
            break
        need = sum(mins[i] - widths[i] for i in short)
        for i in short:
            widths[i] = mins[i]
        slack = {i: widths[i] - mins[i] for i in range(len(widths)) if widths[i] > mins[i]}
        room = sum(slack.values())
        if room <= 1e-9:
            break
        for i, s in slack.items():
            widths[i] -= need * s / room
    scale = total / sum(widths)
    return [w * scale for w in widths]


#: (whole_em, chunk_em, cell padding): the word rule relaxes, then cells get tighter padding
_RULES = ((WHOLE_EM, CHUNK_EM, CELL_PAD_MM), (CHUNK_EM, CHUNK_EM, CELL_PAD_MM),
          (CHUNK_EM, 3.0, CELL_PAD_MM), (3.0, 2.0, CELL_PAD_MM),
          (3.0, 2.0, DENSE_PAD_MM), (2.0, 2.0, DENSE_PAD_MM))


def _rule(table: Table, landscape: bool) -> tuple[float, float, float] | None:
    total = text_width_mm(landscape)
    em_mm = (9.0 if table.font_small else 10.5) * PT_MM
    for whole_em, chunk_em, pad in _RULES:
        if sum(_minimums(table, em_mm, whole_em, chunk_em, pad)) <= total:
            return whole_em, chunk_em, pad
    return None


def word_rule(table: Table, *, landscape: bool) -> tuple[float, float] | None:
    """(whole_em, chunk_em): the word rule the columns of ``table`` keep; None when even 2 em
    pieces do not fit side by side (then every column shrinks)."""
    rule = _rule(table, landscape)
    return None if rule is None else (rule[0], rule[1])


def cell_padding_mm(table: Table, *, landscape: bool) -> float:
    """The horizontal padding of each side of a cell: 1.5 mm, 0.8 mm in a dense ledger whose
    words would not fit otherwise (表9 with long entries)."""
    rule = _rule(table, landscape)
    return 1.5 if rule is not None and rule[2] == CELL_PAD_MM else 0.8


def words(text: str, whole_em: float = WHOLE_EM) -> list[str]:
    """The words of ``text`` that a line may not break: a whole short line (a name, a level, a
    label) and, in longer lines, every run of digits or Latin letters (a date, an amount)."""
    out = []
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            continue
        if advance_em(line) <= whole_em and not any(c.isspace() for c in line):
            out.append(line)
            continue
        out += _NARROW_RUN.findall(line)
    return out


def column_widths_mm(table: Table, *, landscape: bool) -> tuple[float, ...]:
    """The printed width of each column of ``table`` in mm; they add up to the text width."""
    total = text_width_mm(landscape)
    em_mm = (9.0 if table.font_small else 10.5) * PT_MM
    rel = sum(table.widths) or 1.0
    shares = [w / rel * total for w in table.widths]
    rule = _rule(table, landscape)
    if rule is not None:
        return tuple(_fit(shares, _minimums(table, em_mm, *rule), total))
    mins = _minimums(table, em_mm, 2.0, 2.0, DENSE_PAD_MM)
    scale = total / sum(mins)  # even the smallest words do not fit: all shrink together
    return tuple(m * scale for m in mins)


_HAN = "\u3400-\u9fff\uf900-\ufaff"
_SP = "[ \u3000]?"
#: Words a line of a table cell never breaks inside, as a typesetter keeps them (GB/T 15834 and
#: the Chinese layout requirements, W3C clreq 3.1.7): a date (2026年3月18日, 2026年5月中旬,
#: 3—11月), a number with its unit (12名, 扣 2 分, 25,600.00元), a standard's code
#: (AQ 9010-2019, GB/T 16739), a short name between list marks (孙浩、周敏) and the last two
#: characters of a run of Han characters (有限公司 not 有限公/司, 情况 not 情/况).
_KEEP = re.compile("|".join((
    rf"\d{{2,4}}{_SP}年{_SP}\d{{1,2}}{_SP}(?:[—–\-~～至]{_SP}\d{{1,2}}{_SP})?月"
    rf"(?:{_SP}\d{{1,2}}{_SP}日|{_SP}[上中下]旬)?",
    rf"\d{{1,2}}{_SP}月{_SP}\d{{1,2}}{_SP}日",
    rf"\d{{1,2}}{_SP}[—–\-~～]{_SP}\d{{1,2}}{_SP}月",
    rf"(?:[扣加得计共约第]{_SP})?\d+(?:[.,]\d+)*{_SP}"
    r"(?:%|‰|万元|元|名|个|次|项|分|人|具|台|辆|家|处|条|份|天|日|小时|周|套|册|本|场|吨|米|层|户|起)",
    rf"[A-Z]{{1,4}}(?:/[A-Z])?{_SP}\d+(?:[.\-—]\d+)*",
    rf"(?:(?<=^)|(?<=[、，,；;：:（(\s]))[{_HAN}·]{{2,4}}(?=[、，,；;。）)（(]|\s|$)[、，,；;。）)]?",
    rf"(?<=[{_HAN}])[{_HAN}]{{2}}(?=[^{_HAN}]|$)[，、；：。,;:）)]?",
)), re.MULTILINE)
#: The parts of a word too wide for its cell: a date breaks after the year (2026年 / 3月18日).
_KEEP_PARTS = re.compile("|".join((
    rf"\d{{2,4}}{_SP}年", rf"\d{{1,2}}{_SP}月(?:{_SP}\d{{1,2}}{_SP}日|{_SP}[上中下]旬)?",
    rf"\d+(?:[.,]\d+)*{_SP}[{_HAN}%‰]",
    rf"(?<=[{_HAN}])[{_HAN}]{{2}}(?=[^{_HAN}]|$)[，、；：。,;:）)]?",
)), re.MULTILINE)


def _merged(matches: list[re.Match[str]], offset: int = 0) -> list[tuple[int, int]]:
    spans: list[list[int]] = []
    for m in sorted(matches, key=lambda m: m.start()):
        a, b = m.start() + offset, m.end() + offset
        if spans and a < spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], b)  # overlapping words are kept as one
        else:
            spans.append([a, b])
    return [(a, b) for a, b in spans]


def _kept_spans(text: str, width_em: float) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in _merged(list(_KEEP.finditer(text))):
        word = text[a:b]
        if "\n" in word:
            continue
        if advance_em(word) <= width_em:
            out.append((a, b))
            continue
        out += [(x, y) for x, y in _merged(list(_KEEP_PARTS.finditer(word)), a)
                if advance_em(text[x:y]) <= width_em]
    return out


def keep_runs(text: str, width_em: float) -> list[tuple[str, bool]]:
    """``text`` cut into runs; True marks a word no line may break (a date, a number with its
    unit, a code, a listed name, a word's last two characters) that fits in ``width_em``."""
    out: list[tuple[str, bool]] = []
    pos = 0
    for a, b in _kept_spans(text, width_em):
        if a > pos:
            out.append((text[pos:a], False))
        out.append((text[a:b], True))
        pos = b
    if pos < len(text):
        out.append((text[pos:], False))
    return out


def kept_words(text: str, width_em: float) -> list[str]:
    """The words of ``text`` that :func:`keep_runs` keeps whole."""
    return [text[a:b] for a, b in _kept_spans(text, width_em)]


def cell_widths_em(table: Table, *, landscape: bool) -> list[list[float]]:
    """For each row and cell of ``table``: the width its text may use, in em of the table's font
    (the columns it spans, less the cell's padding on both sides)."""
    widths = column_widths_mm(table, landscape=landscape)
    pad = 2 * cell_padding_mm(table, landscape=landscape) + 0.4  # and the rules
    em_mm = (9.0 if table.font_small else 10.5) * PT_MM
    out: list[list[float]] = [[] for _ in table.rows]
    for r, c, cell in cell_grid(table):
        out[r].append((sum(widths[c:c + max(1, cell.colspan)]) - pad) / em_mm)
    for r, row in enumerate(table.rows):  # cells past the grid (none in a well-formed table)
        out[r] += [(sum(widths) - pad) / em_mm] * (len(row.cells) - len(out[r]))
    return out


def cell_blank_em(blank: Blank, inlines: tuple[object, ...], width_em: float | None) -> float | None:
    """The width in em of a fill-in line in a cell of ``width_em``: as asked, but never wider
    than what the cell's text leaves of its width ("____ 人" in a narrow column of 表12)."""
    if blank.width is None or width_em is None:
        return None if blank.width is None else float(blank.width)
    text = sum(advance_em(i.text) for i in inlines if isinstance(i, Text))
    return max(2.0, min(float(blank.width), width_em - text - 0.6))
