"""Interpret an annex spec (YAML under templates/annex/) against data into a ``Document``.

The spec is the one source of truth for an annex's labels, layout and fields. Values are only
ever inserted as text: nothing posted is parsed as a template, markup or a path.

Block vocabulary (one key per block, plus options):

  heading   text, level (1|2)                 para     text with {path} holes, indent, small
  fields    [[label, path, fmt?], ...] → "label：value" lines
  range     {label, bind, suffix}               → "时间：2026年3月1日至2026年3月31日期间"
  text      {label?, bind, lines}               a label line and the bound long text
  item      {label, when, blocks}               ☑/□ chosen service item with nested blocks
  each      {bind, min, numbered, blocks}       repeat blocks for each element (relative paths)
  grid      {widths, rows: [[cell, ...], ...]}  bordered table of label/value/choice cells
  table     {caption, bind, index, columns, blank_rows, footer, header}
  photos    {bind}                              photos in a row, scaled to the text width
  signatures {columns, items: [{label, name, date, with_date}]}
  pagebreak
Any block may carry ``when: path`` (shown only if the value is present; blank forms show all)
or ``only: filled|blank``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from rendering.blocks import (
    Blank,
    Block,
    Cell,
    Check,
    Document,
    Heading,
    Image,
    Inline,
    PageBreak,
    Paragraph,
    Row,
    Signature,
    Signatures,
    Table,
    Text,
)
from rendering.values import (
    DATA,
    MISSING,
    DataPath,
    fmt_date,
    fmt_value,
    item_path,
    resolve,
    source_path,
)

__all__ = ["ANNEX_DIR", "AnnexSpec", "SpecError", "build_document", "load_spec"]

ANNEX_DIR = Path(__file__).resolve().parent.parent / "templates" / "annex"
NA = "／"  # shown for a field with no value on a filled form
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


class SpecError(ValueError):
    """An annex spec file is malformed (a defect of the product, caught by the tests)."""


@dataclass(frozen=True)
class AnnexSpec:
    key: str
    title: str
    subtitle: str | None
    source: str
    blocks: tuple[dict[str, Any], ...]
    landscape: bool = False
    version: str = "1"


@lru_cache(maxsize=64)
def load_spec(profile: str, doc_type: str) -> AnnexSpec:
    path = ANNEX_DIR / profile / f"{doc_type}.yaml"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SpecError(f"no annex spec at {path}") from None
    if not isinstance(raw, dict) or "title" not in raw or "blocks" not in raw:
        raise SpecError(f"{path}: needs 'title' and 'blocks'")
    return AnnexSpec(
        key=f"{profile}/{doc_type}",
        title=str(raw["title"]),
        subtitle=raw.get("subtitle"),
        source=str(raw.get("source", "")),
        blocks=tuple(raw["blocks"]),
        landscape=bool(raw.get("landscape", False)),
        version=str(raw.get("version", "1")),
    )


@dataclass(frozen=True)
class _Scope:
    """What relative bind paths read from, and where that sits in the posted data (None: in a
    value the view computed), so that every value printed names its field."""

    obj: Any
    at: DataPath | None


class _Builder:
    def __init__(self, root: Any, blank: bool) -> None:
        self.root = root
        self.blank = blank

    # -- values -------------------------------------------------------------------------
    def resolve(self, scope: _Scope, path: str) -> Any:
        return resolve(scope.obj, self.root, path)

    def source(self, scope: _Scope, path: str) -> DataPath | None:
        return source_path(scope.obj, scope.at, self.root, path)

    def value(self, scope: _Scope, path: str, fmt: str | None = None) -> str | None:
        if self.blank:
            return None
        return fmt_value(self.resolve(scope, path), fmt)

    def val_inline(self, scope: _Scope, path: str, fmt: str | None = None,
                   width: int = 10) -> Inline:
        v = self.value(scope, path, fmt)
        if v is None:
            return Blank(width) if self.blank else Text(NA)
        return Text(v, source=self.source(scope, path))

    def present(self, scope: _Scope, path: str) -> bool:
        v = self.resolve(scope, path)
        return v is not MISSING and v is not None and v != [] and v != ""

    def items(self, scope: _Scope, path: str) -> list[_Scope]:
        """The elements of the list bound at ``path``, each with its data path."""
        items = self.resolve(scope, path)
        if not items or items is MISSING:
            return []
        at = self.source(scope, path)
        return [_Scope(item, item_path(item, at, i)) for i, item in enumerate(items)]

    def template(self, scope: _Scope, text: str) -> list[Inline]:
        """``"根据 {basis} 要求"`` → text runs with the value (or a blank) in the hole."""
        out: list[Inline] = []
        rest = text
        while "{" in rest and "}" in rest.split("{", 1)[1]:
            before, tail = rest.split("{", 1)
            hole, rest = tail.split("}", 1)
            if before:
                out.append(Text(before))
            path, _, fmt = hole.partition("|")
            out.append(self.val_inline(scope, path, fmt or None, 8))
        if rest:
            out.append(Text(rest))
        return out

    def date_inline(self, scope: _Scope, path: str) -> Inline:
        v = None if self.blank else self.resolve(scope, path)
        if v is None or v is MISSING:
            return Text("____年__月__日") if self.blank else Text(NA)
        return Text(fmt_date(v) or NA, source=self.source(scope, path))

    def range_inlines(self, scope: _Scope, path: str, suffix: str) -> list[Inline]:
        v = None if self.blank else self.resolve(scope, path)
        if v is None or v is MISSING:
            return [Text(f"_____年___月___日至_____年___月___日{suffix}")] if self.blank else [Text(NA)]
        start, end = resolve(v, v, "start"), resolve(v, v, "end")
        return [Text(f"{fmt_date(start)}至{fmt_date(end)}{suffix}", source=self.source(scope, path))]

    def photos(self, scope: _Scope, path: str) -> list[Inline]:
        if self.blank:
            return []
        out: list[Inline] = []
        for p in self.items(scope, path):
            pic = p.obj
            caption = getattr(pic, "caption", None)
            out.append(Image(pic.content, pic.mime, caption, getattr(pic, "kind", "photo"),
                             getattr(pic, "fallback", None),
                             source=(*p.at, "caption") if p.at is not None and caption else None))
        return out

    def choice(self, scope: _Scope, spec: dict[str, Any]) -> list[Inline]:
        chosen = None if self.blank else self.resolve(scope, spec["choice"])
        chosen_set = set(chosen) if isinstance(chosen, list | tuple | set) else {chosen}
        style = spec.get("style", "box_first")
        return [Check(str(opt), (not self.blank) and opt in chosen_set, style) for opt in spec["options"]]

    # -- cells ----------------------------------------------------------------------------
    def cell(self, scope: _Scope, spec: dict[str, Any] | str) -> Cell:
        if isinstance(spec, str):
            spec = {"label": spec}
        inlines: list[Inline]
        header = False
        if "label" in spec:
            inlines, header = [Text(str(spec["label"]))], True
        elif "bind" in spec:
            fmt = spec.get("fmt")
            if fmt == "date":
                inlines = [self.date_inline(scope, spec["bind"])]
            else:
                v = self.value(scope, spec["bind"], fmt)
                inlines = ([Text(v, source=self.source(scope, spec["bind"]))] if v is not None
                           else ([] if self.blank else [Text(NA)]))
            inlines += self.photos(scope, spec["photos"]) if "photos" in spec else []
        elif "choice" in spec:
            inlines = self.choice(scope, spec)
        elif "para" in spec:
            inlines = self.template(scope, str(spec["para"]))
        elif "photos" in spec:
            inlines = self.photos(scope, spec["photos"])
        elif "text" in spec:
            inlines = [Text(str(spec["text"]))]
        else:
            raise SpecError(f"cell needs label, bind, choice, para or photos: {spec}")
        return Cell(
            tuple(inlines),
            colspan=int(spec.get("span", 1)),
            rowspan=int(spec.get("rowspan", 1)),
            header=bool(spec.get("header", header)),
            align=spec.get("align", "center" if header and spec.get("center", True) else "left"),
            min_height_mm=spec.get("height"),
        )

    # -- blocks ---------------------------------------------------------------------------
    def blocks(self, scope: _Scope, specs: Iterable[dict[str, Any]]) -> list[Block]:
        out: list[Block] = []
        for spec in specs:
            if not isinstance(spec, dict):
                raise SpecError(f"block must be a mapping: {spec!r}")
            only = spec.get("only")
            if (only == "filled" and self.blank) or (only == "blank" and not self.blank):
                continue
            if "when" in spec and not self.blank and not self.present(scope, spec["when"]):
                continue
            out += self.block(scope, spec)
        return out

    def block(self, scope: _Scope, spec: dict[str, Any]) -> list[Block]:
        if "heading" in spec:
            return [Heading(str(spec["heading"]), int(spec.get("level", 1)))]
        if "para" in spec:
            return [Paragraph(tuple(self.template(scope, str(spec["para"]))),
                              indent=bool(spec.get("indent", False)),
                              align=spec.get("align", "left"), small=bool(spec.get("small", False)))]
        if "fields" in spec:
            out: list[Block] = []
            for item in spec["fields"]:
                label, path, *rest = item
                fmt = rest[0] if rest else None
                value = self.date_inline(scope, path) if fmt == "date" else self.val_inline(
                    scope, path, fmt, int(spec.get("blank", 16)))
                out.append(Paragraph((Text(f"{label}："), value), indent=bool(spec.get("indent"))))
            return out
        if "range" in spec:
            r = spec["range"]
            return [Paragraph((Text(f"{r['label']}："),
                               *self.range_inlines(scope, r["bind"], r.get("suffix", "期间"))),
                              indent=True)]
        if "text" in spec:
            return self.text_block(scope, spec["text"])
        if "item" in spec:
            it = spec["item"]
            chosen = (not self.blank) and self.present(scope, it["when"])
            head = Paragraph((Check(str(it["label"]), chosen),))
            inner = self.blocks(scope, it.get("blocks", [])) if (self.blank or chosen) else (
                self.blocks_blank(it.get("blocks", [])) if it.get("show_unchosen", True) else [])
            return [head, *inner]
        if "each" in spec:
            return self.each(scope, spec["each"])
        if "grid" in spec:
            return [self.grid(scope, spec["grid"])]
        if "table" in spec:
            return [self.table(scope, spec["table"])]
        if "photos" in spec:
            pics = self.photos(scope, spec["photos"])
            return [Paragraph(tuple(pics))] if pics else []
        if "signatures" in spec:
            return [self.signatures(scope, spec["signatures"])]
        if "pagebreak" in spec:
            return [PageBreak()]
        raise SpecError(f"unknown block: {sorted(spec)}")

    def text_block(self, scope: _Scope, t: dict[str, Any]) -> list[Block]:
        out: list[Block] = []
        if t.get("label"):
            out.append(Paragraph(tuple(self.template(scope, str(t["label"]))),
                                 indent=bool(t.get("label_indent", False))))
        v = self.value(scope, t["bind"])
        if v is None:
            lines = int(t.get("lines", 2))
            if self.blank:
                out += [Paragraph((Blank(40),)) for _ in range(lines)]
            else:
                out.append(Paragraph((Text(NA),), indent=True))
        else:
            at = self.source(scope, t["bind"])
            out += [Paragraph((Text(line, source=at),), indent=True) for line in v.split("\n")]
        if "photos" in t:
            pics = self.photos(scope, t["photos"])
            if pics:
                out.append(Paragraph(tuple(pics)))
        return out

    def signatures(self, scope: _Scope, s: dict[str, Any]) -> Signatures:
        items = []
        for it in s["items"]:
            name = None if self.blank or "name" not in it else self.value(scope, it["name"])
            date = None
            if not self.blank and "date" in it:
                date = fmt_date(self.resolve(scope, it["date"]) or None)
            items.append(Signature(str(it["label"]), name, date, bool(it.get("with_date", True)),
                                   source=self.source(scope, it["name"]) if name else None))
        return Signatures(tuple(items), int(s.get("columns", 1)))

    def blocks_blank(self, specs: Iterable[dict[str, Any]]) -> list[Block]:
        """An item not chosen on a filled form: its sub-fields show ／."""
        return self.blocks(_Scope(MISSING, None), specs)

    def each(self, scope: _Scope, spec: dict[str, Any]) -> list[Block]:
        items = [] if self.blank else self.items(scope, spec["bind"])
        minimum = int(spec.get("min", 1 if self.blank else 0))
        out: list[Block] = []
        count = max(len(items), minimum)
        for i in range(count):
            item = items[i] if i < len(items) else _Scope(MISSING, None)
            sub = self.blocks(item, spec["blocks"])
            if spec.get("numbered") == "circled" and sub and isinstance(sub[0], Paragraph):
                first = sub[0]
                sub[0] = Paragraph((Text(CIRCLED[i % len(CIRCLED)]), *first.inlines),
                                   indent=first.indent)
            out += sub
        if "after" in spec:
            out += self.blocks(scope, spec["after"])
        return out

    def grid(self, scope: _Scope, spec: dict[str, Any]) -> Table:
        rows = []
        for row in spec["rows"]:
            if isinstance(row, dict) and "each" in row:
                each = row["each"]
                items = [] if self.blank else self.items(scope, each["bind"])
                for i in range(max(len(items), int(each.get("min", 1)))):
                    item = items[i] if i < len(items) else _Scope(MISSING, None)
                    rows.append(Row(tuple(self.cell(item, c) for c in each["cells"])))
                continue
            rows.append(Row(tuple(self.cell(scope, c) for c in row)))
        return Table(tuple(rows), tuple(float(w) for w in spec["widths"]),
                     header_rows=int(spec.get("header_rows", 0)), caption=spec.get("caption"),
                     font_small=bool(spec.get("small", False)),
                     borders=bool(spec.get("borders", True)))

    def table(self, scope: _Scope, spec: dict[str, Any]) -> Table:
        columns = spec["columns"]
        widths: list[float] = []
        header: list[Row] = []
        if spec.get("index"):
            widths.append(float(spec.get("index_width", 0.8)))
        widths += [float(c.get("width", 2)) for c in columns]
        if "header" in spec:  # explicit (merged) header rows
            header = [Row(tuple(self.cell(scope, c) for c in r)) for r in spec["header"]]
        else:
            cells = [Cell((Text(str(spec["index"])),), header=True, align="center")] if spec.get(
                "index") else []
            cells += [Cell((Text(str(c["label"])),), header=True, align="center") for c in columns]
            header = [Row(tuple(cells))]
        fixed = bool(spec.get("fixed", False))  # rows that exist on blank forms too (fixed items)
        items = self.items(scope, spec["bind"]) if "bind" in spec else []
        if self.blank and not fixed:
            items = []
        body: list[list[Cell]] = []
        saved_blank = self.blank
        for i, item in enumerate(items):
            row: list[Cell] = []
            if spec.get("index"):
                row.append(Cell((Text(str(i + 1)),), align="center"))
            for c in columns:
                align = c.get("align", "left")
                if saved_blank and (not fixed or c.get("filled_only")):
                    row.append(Cell((), align=align))
                    continue
                self.blank = False
                try:
                    cell = self.cell(item, {k: v for k, v in c.items() if k not in _COLUMN_KEYS})
                finally:
                    self.blank = saved_blank
                row.append(Cell(cell.inlines, align=align))
            body.append(row)
        if not items:
            n = int(spec.get("blank_rows", 3)) if (self.blank or spec.get("blank_when_empty")) else 0
            for i in range(n):
                row = [Cell((Text(str(i + 1)),), align="center")] if spec.get("index") else []
                row += [Cell(()) for _ in columns]
                body.append(row)
            if not n and not self.blank:
                body.append([Cell((Text("（无）"),), colspan=len(widths), align="center")])
        merged = _merge_runs(body, [bool(c.get("merge")) for c in columns],
                             offset=1 if spec.get("index") else 0)
        footer = [Row(tuple(self.cell(scope, c) for c in r)) for r in spec.get("footer", [])]
        return Table(tuple(header) + tuple(Row(tuple(r)) for r in merged) + tuple(footer),
                     tuple(widths), header_rows=len(header), caption=spec.get("caption"),
                     font_small=bool(spec.get("small", False)))


_COLUMN_KEYS = {"label", "width", "merge", "filled_only", "align"}


def _merge_runs(body: list[list[Cell]], merge: list[bool], offset: int) -> list[list[Cell]]:
    """Merge vertically repeated values in the columns marked ``merge`` (e.g. 事项 groups)."""
    for col, on in enumerate(merge):
        if not on:
            continue
        j = col + offset
        i = 0
        while i < len(body):
            k = i + 1
            while k < len(body) and j < len(body[k]) and body[k][j].inlines == body[i][j].inlines:
                k += 1
            if k - i > 1:
                first = body[i][j]
                body[i][j] = Cell(first.inlines, first.colspan, k - i, first.header, "center")
                for r in range(i + 1, k):
                    body[r][j] = Cell((), rowspan=0)  # covered by the rowspan above
            i = k
    return [[c for c in row if c.rowspan != 0] for row in body]


def build_document(spec: AnnexSpec, context: Any, *, blank: bool) -> Document:
    """The document for ``context`` (the prepared data), or the blank form when ``blank``."""
    builder = _Builder(context, blank)
    doc = Document(title=spec.title, subtitle=spec.subtitle, blank=blank, landscape=spec.landscape)
    doc.add(*builder.blocks(_Scope(context, None if blank else DATA), spec.blocks))
    return doc
