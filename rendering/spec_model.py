"""The annex spec language as typed models: templates/annex/<profile>/<type>.yaml is read once
into these frozen dataclasses, every key checked, so that a misspelt option or an unknown block
is an error when the spec loads, naming the file, the block and what to write instead.

Block vocabulary (one kind key per block, plus options; ``when: path`` shows a block on a filled
form only if the value is present, ``only: filled|blank`` on one kind of form alone):

  heading    text, level (0 title-size, 1, 2)
  para       text with {path} or {path|fmt} holes; indent, align, small; ``blank``: the text on
             a blank form (the annex's own words where a hole stands for a party, e.g.
             （甲方名称）); ``note``: a note of the service, not the standard's (printed after
             rendering.blocks.NOTE_MARK, small and grey)
  fields     [[label, path, fmt?], ...] → "label：value" lines; indent, blank (width), note
  range      {label, bind, suffix}      → "时间：2026年3月1日至2026年3月31日期间"
  text       {label?, bind, lines, photos?, label_indent?}: a label line and the bound long text
  item       {label, when, blocks, show_unchosen}: ☑/□ chosen service item with nested blocks
  each       {bind, min, numbered, blocks, after}: blocks for each element (relative paths)
  grid       {widths, rows, header_rows, caption, small, borders}: bordered table of cells
  table      {caption, bind, index, index_width, columns, blank_rows, blank_when_empty, fixed,
             header, footer, small}
  photos     path: photos in a row, scaled to the text width
  signatures {columns, items: [{label, name?, date?, with_date?}]}
  space      mm of vertical space (a cover)
  lines      N ruled write-in lines to the right edge (a blank form's room to write)
  pagebreak  true

A cell is a string (a label) or a mapping with one of ``label``, ``bind`` (+ ``fmt``,
``photos``), ``choice`` (+ ``options``, ``style``), ``para``, ``photos``, ``text``; and ``span``,
``rowspan``, ``header``, ``align``, ``center``, ``height`` (mm).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "BlockSpec",
    "CellSpec",
    "ColumnSpec",
    "EachSpec",
    "FieldsSpec",
    "GridEachRow",
    "GridSpec",
    "HeadingSpec",
    "ItemSpec",
    "LinesSpec",
    "PageBreakSpec",
    "ParaSpec",
    "PhotosSpec",
    "RangeSpec",
    "SignatureItemSpec",
    "SignaturesSpec",
    "SpaceSpec",
    "SpecError",
    "TableSpec",
    "TextSpec",
    "holes",
    "parse_blocks",
]

Align = Literal["left", "center", "right"]
_HOLE = re.compile(r"\{([^{}]*)\}")


class SpecError(ValueError):
    """An annex spec file is malformed (a defect of the product, caught at load and in tests)."""


def holes(template: str) -> list[tuple[str, str | None]]:
    """The ``{path}`` / ``{path|fmt}`` holes of a para template, as (path, fmt)."""
    out = []
    for h in _HOLE.findall(template):
        path, _, fmt = h.partition("|")
        out.append((path, fmt or None))
    return out


@dataclass(frozen=True)
class Cond:
    when: str | None = None
    only: Literal["filled", "blank"] | None = None


@dataclass(frozen=True)
class CellSpec:
    kind: Literal["label", "bind", "choice", "para", "photos", "text"]
    value: str  # the label / bind path / choice path / para template / photos path / text
    span: int = 1
    rowspan: int = 1
    header: bool | None = None
    align: Align | None = None
    center: bool = True
    height: float | None = None
    fmt: str | None = None
    options: tuple[str, ...] = ()
    style: Literal["box_first", "paren"] = "box_first"
    photos: str | None = None  # photos after a bound value


@dataclass(frozen=True)
class ColumnSpec:
    label: str
    cell: CellSpec
    width: float = 2.0
    merge: bool = False
    filled_only: bool = False
    align: Align = "left"
    only: Literal["filled", "blank"] | None = None  # the column exists on that form alone


@dataclass(frozen=True)
class HeadingSpec:
    text: str
    level: int = 1
    cond: Cond = Cond()


@dataclass(frozen=True)
class ParaSpec:
    text: str
    indent: bool = False
    align: Align = "left"
    small: bool = False
    blank: str | None = None
    note: bool = False
    cond: Cond = Cond()


@dataclass(frozen=True)
class FieldItem:
    label: str
    path: str
    fmt: str | None = None


@dataclass(frozen=True)
class FieldsSpec:
    items: tuple[FieldItem, ...]
    indent: bool = False
    blank: int | None = None  # width of the write-in line; None: to the right edge
    note: bool = False
    cond: Cond = Cond()


@dataclass(frozen=True)
class RangeSpec:
    label: str
    bind: str
    suffix: str = "期间"
    cond: Cond = Cond()


@dataclass(frozen=True)
class TextSpec:
    bind: str
    label: str | None = None
    lines: int = 2
    photos: str | None = None
    label_indent: bool = False
    cond: Cond = Cond()


@dataclass(frozen=True)
class ItemSpec:
    label: str
    when: str
    blocks: tuple[BlockSpec, ...] = ()
    show_unchosen: bool = True
    cond: Cond = Cond()


@dataclass(frozen=True)
class EachSpec:
    bind: str
    blocks: tuple[BlockSpec, ...]
    min: int | None = None
    numbered: Literal["circled"] | None = None
    after: tuple[BlockSpec, ...] = ()
    cond: Cond = Cond()


@dataclass(frozen=True)
class GridEachRow:
    bind: str
    cells: tuple[CellSpec, ...]
    min: int = 1


@dataclass(frozen=True)
class GridSpec:
    widths: tuple[float, ...]
    rows: tuple[tuple[CellSpec, ...] | GridEachRow, ...]
    header_rows: int = 0
    caption: str | None = None
    small: bool = False
    borders: bool = True
    cond: Cond = Cond()


@dataclass(frozen=True)
class TableSpec:
    columns: tuple[ColumnSpec, ...]
    bind: str | None = None
    caption: str | None = None
    index: str | None = None
    index_width: float = 0.8
    blank_rows: int = 3
    blank_when_empty: bool = False
    fixed: bool = False
    header: tuple[tuple[CellSpec, ...], ...] | None = None
    footer: tuple[tuple[CellSpec, ...], ...] = ()
    small: bool = False
    cond: Cond = Cond()


@dataclass(frozen=True)
class PhotosSpec:
    bind: str
    cond: Cond = Cond()


@dataclass(frozen=True)
class SignatureItemSpec:
    label: str
    name: str | None = None
    date: str | None = None
    with_date: bool = True


@dataclass(frozen=True)
class SignaturesSpec:
    items: tuple[SignatureItemSpec, ...]
    columns: int = 1
    cond: Cond = Cond()


@dataclass(frozen=True)
class SpaceSpec:
    mm: float
    cond: Cond = Cond()


@dataclass(frozen=True)
class LinesSpec:
    count: int
    cond: Cond = Cond()


@dataclass(frozen=True)
class PageBreakSpec:
    cond: Cond = Cond()


BlockSpec = (HeadingSpec | ParaSpec | FieldsSpec | RangeSpec | TextSpec | ItemSpec | EachSpec
             | GridSpec | TableSpec | PhotosSpec | SignaturesSpec | SpaceSpec | LinesSpec
             | PageBreakSpec)


# -- parsing ---------------------------------------------------------------------------------


@dataclass
class _Where:
    """Where in the file a mapping is, for messages: "blocks[3] (table) › columns[2]"."""

    file: str
    trail: list[str] = field(default_factory=list)

    def at(self, part: str) -> _Where:
        return _Where(self.file, [*self.trail, part])

    def fail(self, message: str) -> SpecError:
        return SpecError(f"{self.file}: {' › '.join(self.trail) or 'top level'}: {message}")


_COND_KEYS = {"when", "only"}
_BLOCK_KEYS: dict[str, set[str]] = {
    "heading": {"level"},
    "para": {"indent", "align", "small", "blank", "note"},
    "fields": {"indent", "blank", "note"},
    "range": set(),
    "text": set(),
    "item": set(),
    "each": set(),
    "grid": set(),
    "table": set(),
    "photos": set(),
    "signatures": set(),
    "space": set(),
    "lines": set(),
    "pagebreak": set(),
}
_CELL_KINDS = ("label", "bind", "choice", "para", "photos", "text")
_CELL_KEYS = {"span", "rowspan", "header", "align", "center", "height", "fmt", "options", "style",
              "photos"}
_COLUMN_KEYS = {"label", "width", "merge", "filled_only", "align", "only"}
_FMTS = {None, "date", "money"}


def _keys(where: _Where, raw: dict[str, Any], allowed: set[str], what: str) -> None:
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise where.fail(f"unknown key(s) {unknown} in {what}; allowed: {sorted(allowed)}")


def _str(where: _Where, raw: Any, what: str) -> str:
    if not isinstance(raw, str | int | float) or isinstance(raw, bool):
        raise where.fail(f"{what} must be a string, not {raw!r}")
    return str(raw)


def _bool(where: _Where, raw: Any, what: str) -> bool:
    if not isinstance(raw, bool):
        raise where.fail(f"{what} must be true or false, not {raw!r}")
    return raw


def _num(where: _Where, raw: Any, what: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise where.fail(f"{what} must be a number, not {raw!r}")
    return float(raw)


def _int(where: _Where, raw: Any, what: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise where.fail(f"{what} must be a whole number, not {raw!r}")
    return raw


def _align(where: _Where, raw: Any) -> Align:
    if raw not in ("left", "center", "right"):
        raise where.fail(f"align must be left, center or right, not {raw!r}")
    return raw  # type: ignore[no-any-return]


def _fmt(where: _Where, raw: Any) -> str | None:
    if raw not in _FMTS:
        raise where.fail(f"fmt must be one of date, money, not {raw!r}")
    return raw  # type: ignore[no-any-return]


def _cond(where: _Where, raw: dict[str, Any]) -> Cond:
    only = raw.get("only")
    if only not in (None, "filled", "blank"):
        raise where.fail(f"only must be filled or blank, not {only!r}")
    when = raw.get("when")
    return Cond(None if when is None else _str(where, when, "when"), only)


def _cell(where: _Where, raw: Any) -> CellSpec:
    if isinstance(raw, str | int | float) and not isinstance(raw, bool):
        return CellSpec("label", str(raw))
    if not isinstance(raw, dict):
        raise where.fail(f"a cell must be a string (a label) or a mapping, not {raw!r}")
    kinds = [k for k in _CELL_KINDS if k in raw and not (k == "photos" and "bind" in raw)]
    if len(kinds) != 1:
        raise where.fail(f"a cell needs exactly one of {list(_CELL_KINDS)}, has {sorted(raw)}")
    kind = kinds[0]
    _keys(where, raw, {kind, *_CELL_KEYS}, f"a {kind} cell")
    options = raw.get("options", [])
    if kind == "choice" and not (isinstance(options, list) and options):
        raise where.fail("a choice cell needs options: [..]")
    if kind != "choice" and "options" in raw:
        raise where.fail("options belong to a choice cell")
    style = raw.get("style", "box_first")
    if style not in ("box_first", "paren"):
        raise where.fail(f"style must be box_first or paren, not {style!r}")
    return CellSpec(
        kind=kind,  # type: ignore[arg-type]
        value=_str(where, raw[kind], kind),
        span=_int(where, raw.get("span", 1), "span"),
        rowspan=_int(where, raw.get("rowspan", 1), "rowspan"),
        header=_bool(where, raw["header"], "header") if "header" in raw else None,
        align=_align(where, raw["align"]) if "align" in raw else None,
        center=_bool(where, raw.get("center", True), "center"),
        height=_num(where, raw["height"], "height") if "height" in raw else None,
        fmt=_fmt(where, raw.get("fmt")),
        options=tuple(_str(where, o, "an option") for o in options),
        style=style,
        photos=_str(where, raw["photos"], "photos") if kind == "bind" and "photos" in raw
        else None,
    )


def _row(where: _Where, raw: Any) -> tuple[CellSpec, ...]:
    if not isinstance(raw, list):
        raise where.fail(f"a row must be a list of cells, not {raw!r}")
    return tuple(_cell(where.at(f"cell {j + 1}"), c) for j, c in enumerate(raw))


def _column(where: _Where, raw: Any) -> ColumnSpec:
    if not isinstance(raw, dict) or "label" not in raw:
        raise where.fail(f"a column needs a label: {raw!r}")
    rest = {k: v for k, v in raw.items() if k not in _COLUMN_KEYS}
    if not rest:
        raise where.fail("a column needs what its cells show: bind, choice, photos or para")
    return ColumnSpec(
        label=_str(where, raw["label"], "label"),
        cell=_cell(where, rest),
        width=_num(where, raw.get("width", 2), "width"),
        merge=_bool(where, raw.get("merge", False), "merge"),
        filled_only=_bool(where, raw.get("filled_only", False), "filled_only"),
        align=_align(where, raw.get("align", "left")),
        only=_cond(where, raw).only,
    )


def _mapping(where: _Where, raw: Any, what: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise where.fail(f"{what} must be a mapping, not {raw!r}")
    return raw


def _block(where: _Where, raw: Any) -> BlockSpec:
    if not isinstance(raw, dict):
        raise where.fail(f"a block must be a mapping, not {raw!r}")
    kinds = [k for k in _BLOCK_KEYS if k in raw]
    if len(kinds) != 1:
        raise where.fail(f"a block needs exactly one of {sorted(_BLOCK_KEYS)}, has {sorted(raw)}")
    kind = kinds[0]
    where = _Where(where.file, [*where.trail[:-1], f"{where.trail[-1]} ({kind})"])
    _keys(where, raw, {kind, *_BLOCK_KEYS[kind], *_COND_KEYS}, f"a {kind} block")
    cond = _cond(where, raw)
    v = raw[kind]
    if kind == "heading":
        return HeadingSpec(_str(where, v, "heading"), _int(where, raw.get("level", 1), "level"),
                           cond)
    if kind == "para":
        return ParaSpec(_str(where, v, "para"), _bool(where, raw.get("indent", False), "indent"),
                        _align(where, raw.get("align", "left")),
                        _bool(where, raw.get("small", False), "small"),
                        _str(where, raw["blank"], "blank") if "blank" in raw else None,
                        _bool(where, raw.get("note", False), "note"), cond)
    if kind == "fields":
        if not isinstance(v, list):
            raise where.fail("fields must be a list of [label, path, fmt?]")
        items = []
        for item in v:
            if not isinstance(item, list) or len(item) not in (2, 3):
                raise where.fail(f"a field must be [label, path] or [label, path, fmt]: {item!r}")
            items.append(FieldItem(_str(where, item[0], "label"), _str(where, item[1], "path"),
                                   _fmt(where, item[2] if len(item) == 3 else None)))
        blank = raw.get("blank")
        return FieldsSpec(tuple(items), _bool(where, raw.get("indent", False), "indent"),
                          None if blank is None else _int(where, blank, "blank"),
                          _bool(where, raw.get("note", False), "note"), cond)
    if kind == "range":
        r = _mapping(where, v, "range")
        _keys(where, r, {"label", "bind", "suffix"}, "range")
        return RangeSpec(_str(where, r["label"], "label"), _str(where, r["bind"], "bind"),
                         _str(where, r.get("suffix", "期间"), "suffix"), cond)
    if kind == "text":
        t = _mapping(where, v, "text")
        _keys(where, t, {"label", "bind", "lines", "photos", "label_indent"}, "text")
        if "bind" not in t:
            raise where.fail("text needs bind")
        return TextSpec(_str(where, t["bind"], "bind"),
                        _str(where, t["label"], "label") if t.get("label") else None,
                        _int(where, t.get("lines", 2), "lines"),
                        _str(where, t["photos"], "photos") if "photos" in t else None,
                        _bool(where, t.get("label_indent", False), "label_indent"), cond)
    if kind == "item":
        it = _mapping(where, v, "item")
        _keys(where, it, {"label", "when", "blocks", "show_unchosen"}, "item")
        return ItemSpec(_str(where, it["label"], "label"), _str(where, it["when"], "when"),
                        _blocks(where.at("blocks"), it.get("blocks", [])),
                        _bool(where, it.get("show_unchosen", True), "show_unchosen"), cond)
    if kind == "each":
        e = _mapping(where, v, "each")
        _keys(where, e, {"bind", "blocks", "min", "numbered", "after"}, "each")
        numbered = e.get("numbered")
        if numbered not in (None, "circled"):
            raise where.fail(f"numbered must be circled, not {numbered!r}")
        return EachSpec(_str(where, e["bind"], "bind"), _blocks(where.at("blocks"), e["blocks"]),
                        None if "min" not in e else _int(where, e["min"], "min"), numbered,
                        _blocks(where.at("after"), e.get("after", [])), cond)
    if kind == "grid":
        g = _mapping(where, v, "grid")
        _keys(where, g, {"widths", "rows", "header_rows", "caption", "small", "borders"}, "grid")
        rows: list[tuple[CellSpec, ...] | GridEachRow] = []
        for i, row in enumerate(g["rows"]):
            w = where.at(f"rows[{i}]")
            if isinstance(row, dict):
                each = _mapping(w, row.get("each"), "a grid row mapping's each")
                _keys(w, each, {"bind", "cells", "min"}, "a grid row's each")
                rows.append(GridEachRow(_str(w, each["bind"], "bind"), _row(w, each["cells"]),
                                        _int(w, each.get("min", 1), "min")))
            else:
                rows.append(_row(w, row))
        widths = tuple(_num(where, x, "a width") for x in g["widths"])
        return GridSpec(widths, tuple(rows), _int(where, g.get("header_rows", 0), "header_rows"),
                        _str(where, g["caption"], "caption") if "caption" in g else None,
                        _bool(where, g.get("small", False), "small"),
                        _bool(where, g.get("borders", True), "borders"), cond)
    if kind == "table":
        t = _mapping(where, v, "table")
        _keys(where, t, {"columns", "bind", "caption", "index", "index_width", "blank_rows",
                         "blank_when_empty", "fixed", "header", "footer", "small"}, "table")
        header = None
        if "header" in t:
            header = tuple(_row(where.at(f"header[{i}]"), r) for i, r in enumerate(t["header"]))
        return TableSpec(
            columns=tuple(_column(where.at(f"columns[{i}]"), c)
                          for i, c in enumerate(t["columns"])),
            bind=_str(where, t["bind"], "bind") if "bind" in t else None,
            caption=_str(where, t["caption"], "caption") if "caption" in t else None,
            index=_str(where, t["index"], "index") if t.get("index") else None,
            index_width=_num(where, t.get("index_width", 0.8), "index_width"),
            blank_rows=_int(where, t.get("blank_rows", 3), "blank_rows"),
            blank_when_empty=_bool(where, t.get("blank_when_empty", False), "blank_when_empty"),
            fixed=_bool(where, t.get("fixed", False), "fixed"),
            header=header,
            footer=tuple(_row(where.at(f"footer[{i}]"), r) for i, r in
                         enumerate(t.get("footer", []))),
            small=_bool(where, t.get("small", False), "small"),
            cond=cond)
    if kind == "photos":
        return PhotosSpec(_str(where, v, "photos"), cond)
    if kind == "signatures":
        s = _mapping(where, v, "signatures")
        _keys(where, s, {"items", "columns"}, "signatures")
        sigs: list[SignatureItemSpec] = []
        for i, it in enumerate(s["items"]):
            w = where.at(f"items[{i}]")
            it = _mapping(w, it, "a signature")
            _keys(w, it, {"label", "name", "date", "with_date"}, "a signature")
            sigs.append(SignatureItemSpec(
                _str(w, it["label"], "label"),
                _str(w, it["name"], "name") if "name" in it else None,
                _str(w, it["date"], "date") if "date" in it else None,
                _bool(w, it.get("with_date", True), "with_date")))
        return SignaturesSpec(tuple(sigs), _int(where, s.get("columns", 1), "columns"), cond)
    if kind == "space":
        return SpaceSpec(_num(where, v, "space"), cond)
    if kind == "lines":
        return LinesSpec(_int(where, v, "lines"), cond)
    return PageBreakSpec(cond)


def _blocks(where: _Where, raw: Any) -> tuple[BlockSpec, ...]:
    if not isinstance(raw, list):
        raise where.fail(f"blocks must be a list, not {raw!r}")
    return tuple(_block(where.at(f"[{i}]"), b) for i, b in enumerate(raw))


def parse_blocks(file: str, raw: Any) -> tuple[BlockSpec, ...]:
    """The typed blocks of a spec file's ``blocks`` list (SpecError naming what to fix)."""
    return _blocks(_Where(file, ["blocks"]), raw)
