"""Interpret an annex spec (YAML under templates/annex/) against data into a ``Document``.

The spec is the one source of truth for an annex's labels, layout and fields. It is loaded once
into typed block models (rendering/spec_model.py: every key checked) and every bind path is
checked against the document type's data model plus the values its view computes
(rendering/bindings.py, rendering/kinds.py): a misspelt path is an error at load time, not a ／
on paper. Values are only ever inserted as text: nothing posted is parsed as a template, markup
or a path.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from rendering.blocks import (
    NOTE_MARK,
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
    Spacer,
    Table,
    Text,
)
from rendering.spec_model import (
    BlockSpec,
    CellSpec,
    EachSpec,
    FieldsSpec,
    GridEachRow,
    GridSpec,
    HeadingSpec,
    ItemSpec,
    LinesSpec,
    PageBreakSpec,
    ParaSpec,
    PhotosSpec,
    RangeSpec,
    SignaturesSpec,
    SpaceSpec,
    SpecError,
    TableSpec,
    TextSpec,
    holes,
    parse_blocks,
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

__all__ = ["ANNEX_DIR", "WRITE_IN_MM", "AnnexSpec", "SpecError", "build_document", "load_spec",
           "parse_spec", "spec_root"]

ANNEX_DIR = Path(__file__).resolve().parent.parent / "templates" / "annex"
_SAME_AS = re.compile(r"[a-z_]+/[a-z0-9_]+\.yaml")
NA = "／"  # shown for a field with no value on a filled form
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
#: A write-in cell of a blank form is at least this tall (a hand needs the room).
WRITE_IN_MM = 8.0
_TOP_KEYS = {"title", "subtitle", "blank_subtitle", "source", "blocks", "landscape", "version"}


@dataclass(frozen=True)
class AnnexSpec:
    key: str
    title: str
    subtitle: str | None
    source: str
    blocks: tuple[BlockSpec, ...]
    landscape: bool = False
    version: str = "1"
    #: the subtitle of the blank form (a template: e.g. 附录C（模板）) when it differs
    blank_subtitle: str | None = None


def spec_root(profile: str, doc_type: str) -> Any:
    """What the spec of a kind binds to: its data model plus its view's computed values."""
    from domain.catalog import CATALOG
    from rendering.bindings import Shape
    from rendering.kinds import PRINTED_FORMS, kind_rendering

    kind = CATALOG.get((doc_type, profile))
    model = kind.model if kind is not None else PRINTED_FORMS.get((doc_type, profile), Any)
    shapes = kind_rendering(doc_type, profile).shapes
    return Shape(dict(shapes), base=model, origin=None)


@lru_cache(maxsize=128)
def load_spec(profile: str, doc_type: str) -> AnnexSpec:
    """The typed spec of a kind; SpecError (naming the file, the block and what to fix) for a
    malformed spec or a bind path its data model and view do not have."""
    return parse_spec(profile, doc_type, spec_text(profile, doc_type))


def spec_text(profile: str, doc_type: str) -> str:
    """The text of a kind's spec file; a file that says only ``same_as: <dir>/<file>.yaml`` is
    the text of that one (a form two profiles print alike is written once, under service/)."""
    label = f"templates/annex/{profile}/{doc_type}.yaml"
    try:
        text = (ANNEX_DIR / profile / f"{doc_type}.yaml").read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(f"no annex spec at {label}") from None
    target = _same_as(text)
    if target is None:
        return text
    if not _SAME_AS.fullmatch(target):
        raise SpecError(f"{label}: same_as must name <dir>/<file>.yaml under templates/annex")
    try:
        text = (ANNEX_DIR / target).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(f"{label}: same_as names a missing file templates/annex/{target}") from None
    if _same_as(text) is not None:
        raise SpecError(f"{label}: same_as names another same_as file ({target})")
    return text


def _same_as(text: str) -> str | None:
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if len(lines) == 1 and lines[0].startswith("same_as:"):
        return lines[0].removeprefix("same_as:").strip()
    return None


def parse_spec(profile: str, doc_type: str, text: str) -> AnnexSpec:
    """The spec text of a kind, typed and its bind paths checked (what load_spec reads)."""
    label = f"templates/annex/{profile}/{doc_type}.yaml"
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SpecError(f"{label}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict) or "title" not in raw or "blocks" not in raw:
        raise SpecError(f"{label}: needs 'title' and 'blocks' at the top level")
    unknown = sorted(set(raw) - _TOP_KEYS)
    if unknown:
        raise SpecError(f"{label}: unknown top-level key(s) {unknown}; allowed: "
                        f"{sorted(_TOP_KEYS)}")
    blocks = parse_blocks(label, raw["blocks"])
    from rendering.bindings import check_bindings

    problems = check_bindings(blocks, spec_root(profile, doc_type), label)
    if problems:
        raise SpecError("\n".join(problems))
    return AnnexSpec(
        key=f"{profile}/{doc_type}",
        title=str(raw["title"]),
        subtitle=raw.get("subtitle"),
        source=str(raw.get("source", "")),
        blocks=blocks,
        landscape=bool(raw.get("landscape", False)),
        version=str(raw.get("version", "1")),
        blank_subtitle=raw.get("blank_subtitle"),
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
        # a blank form's view has no data (every field MISSING), but its computed values (the
        # bands in force, the fixed rows of a table) print on the blank form too
        return fmt_value(self.resolve(scope, path), fmt)

    def val_inline(self, scope: _Scope, path: str, fmt: str | None = None,
                   width: int | None = 10) -> Inline:
        v = self.value(scope, path, fmt)
        if v is None:
            return Blank(width) if self.blank else Text(NA)
        return Text(v, source=self.source(scope, path))

    def present(self, scope: _Scope, path: str) -> bool:
        """A value to show: not missing, not empty, not ``False`` (统筹委托: false)."""
        v = self.resolve(scope, path)
        return v is not MISSING and v is not None and v is not False and v != [] and v != ""

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
        for path, fmt in holes(text):
            hole = "{" + path + (f"|{fmt}" if fmt else "") + "}"
            before, rest = rest.split(hole, 1)
            if before:
                out.append(Text(before))
            if fmt == "date":
                out.append(self.date_inline(scope, path, short=True))
            else:
                out.append(self.val_inline(scope, path, fmt, 8))
        if rest:
            out.append(Text(rest))
        return out

    def date_inline(self, scope: _Scope, path: str, short: bool = False) -> Inline:
        v = None if self.blank else self.resolve(scope, path)
        if v is None or v is MISSING:
            if self.blank:
                return Text("____年__月__日" if not short else "　　年　　月　　日")
            return Text(NA)
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

    def choice(self, scope: _Scope, spec: CellSpec) -> list[Inline]:
        chosen = None if self.blank else self.resolve(scope, spec.value)
        chosen_set = set(chosen) if isinstance(chosen, list | tuple | set) else {chosen}
        return [Check(opt, (not self.blank) and opt in chosen_set, spec.style)
                for opt in spec.options]

    # -- cells ----------------------------------------------------------------------------
    def cell(self, scope: _Scope, spec: CellSpec) -> Cell:
        inlines: list[Inline]
        header = False
        write_in = False
        if spec.kind == "label":
            inlines, header = [Text(spec.value)], True
        elif spec.kind == "bind":
            if spec.fmt == "date":
                inlines = [self.date_inline(scope, spec.value)]
            else:
                v = self.value(scope, spec.value, spec.fmt)
                inlines = ([Text(v, source=self.source(scope, spec.value))] if v is not None
                           else ([] if self.blank else [Text(NA)]))
            inlines += self.photos(scope, spec.photos) if spec.photos else []
            write_in = self.blank
        elif spec.kind == "choice":
            inlines = self.choice(scope, spec)
        elif spec.kind == "para":
            inlines = self.template(scope, spec.value)
            write_in = self.blank and bool(holes(spec.value))
        elif spec.kind == "photos":
            inlines = self.photos(scope, spec.value)
            write_in = self.blank
        else:
            inlines = [Text(spec.value)]
        is_header = spec.header if spec.header is not None else header
        height = spec.height
        if write_in:
            height = max(height or 0.0, WRITE_IN_MM)
        return Cell(
            tuple(inlines),
            colspan=spec.span,
            rowspan=spec.rowspan,
            header=is_header,
            align=spec.align or ("center" if header and spec.center else "left"),
            min_height_mm=height,
        )

    # -- blocks ---------------------------------------------------------------------------
    def blocks(self, scope: _Scope, specs: Iterable[BlockSpec]) -> list[Block]:
        out: list[Block] = []
        for spec in specs:
            only = spec.cond.only
            if (only == "filled" and self.blank) or (only == "blank" and not self.blank):
                continue
            if spec.cond.when and not self.blank and not self.present(scope, spec.cond.when):
                continue
            out += self.block(scope, spec)
        return out

    def block(self, scope: _Scope, spec: BlockSpec) -> list[Block]:
        if isinstance(spec, HeadingSpec):
            return [Heading(spec.text, spec.level)]
        if isinstance(spec, ParaSpec):
            text = spec.blank if self.blank and spec.blank is not None else spec.text
            inlines = self.template(scope, text)
            if spec.note:
                inlines.insert(0, Text(NOTE_MARK))
            return [Paragraph(tuple(inlines), indent=spec.indent, align=spec.align,
                              small=spec.small or spec.note, note=spec.note)]
        if isinstance(spec, FieldsSpec):
            out: list[Block] = []
            for item in spec.items:
                value = self.date_inline(scope, item.path) if item.fmt == "date" else \
                    self.val_inline(scope, item.path, item.fmt, spec.blank)
                mark = (Text(NOTE_MARK),) if spec.note else ()
                out.append(Paragraph((*mark, Text(f"{item.label}："), value), indent=spec.indent,
                                     small=spec.note, note=spec.note))
            return out
        if isinstance(spec, RangeSpec):
            return [Paragraph((Text(f"{spec.label}："),
                               *self.range_inlines(scope, spec.bind, spec.suffix)),
                              indent=True)]
        if isinstance(spec, TextSpec):
            return self.text_block(scope, spec)
        if isinstance(spec, ItemSpec):
            chosen = (not self.blank) and self.present(scope, spec.when)
            head = Paragraph((Check(spec.label, chosen),))
            inner = self.blocks(scope, spec.blocks) if (self.blank or chosen) else (
                self.blocks_blank(spec.blocks) if spec.show_unchosen else [])
            return [head, *inner]
        if isinstance(spec, EachSpec):
            return self.each(scope, spec)
        if isinstance(spec, GridSpec):
            return [self.grid(scope, spec)]
        if isinstance(spec, TableSpec):
            return [self.table(scope, spec)]
        if isinstance(spec, PhotosSpec):
            pics = self.photos(scope, spec.bind)
            return [Paragraph(tuple(pics))] if pics else []
        if isinstance(spec, SignaturesSpec):
            return [self.signatures(scope, spec)]
        if isinstance(spec, SpaceSpec):
            return [Spacer(spec.mm)]
        if isinstance(spec, LinesSpec):
            return [Paragraph((Blank(None),)) for _ in range(spec.count)]
        if isinstance(spec, PageBreakSpec):
            return [PageBreak()]
        raise SpecError(f"unknown block: {spec!r}")

    def text_block(self, scope: _Scope, t: TextSpec) -> list[Block]:
        out: list[Block] = []
        if t.label:
            out.append(Paragraph(tuple(self.template(scope, t.label)), indent=t.label_indent))
        v = self.value(scope, t.bind)
        if v is None:
            if self.blank:
                out += [Paragraph((Blank(None),)) for _ in range(t.lines)]
            else:
                out.append(Paragraph((Text(NA),), indent=True))
        else:
            at = self.source(scope, t.bind)
            out += [Paragraph((Text(line, source=at),), indent=True) for line in v.split("\n")]
        if t.photos:
            pics = self.photos(scope, t.photos)
            if pics:
                out.append(Paragraph(tuple(pics)))
        return out

    def signatures(self, scope: _Scope, s: SignaturesSpec) -> Signatures:
        items = []
        for it in s.items:
            name = None if self.blank or it.name is None else self.value(scope, it.name)
            date = None
            if not self.blank and it.date:
                date = fmt_date(self.resolve(scope, it.date) or None)
            items.append(Signature(it.label, name, date, it.with_date,
                                   source=self.source(scope, it.name) if name and it.name
                                   else None))
        return Signatures(tuple(items), s.columns)

    def blocks_blank(self, specs: Iterable[BlockSpec]) -> list[Block]:
        """An item not chosen on a filled form: its sub-fields show ／."""
        return self.blocks(_Scope(MISSING, None), specs)

    def each(self, scope: _Scope, spec: EachSpec) -> list[Block]:
        items = [] if self.blank else self.items(scope, spec.bind)
        minimum = spec.min if spec.min is not None else (1 if self.blank else 0)
        out: list[Block] = []
        count = max(len(items), minimum)
        for i in range(count):
            item = items[i] if i < len(items) else _Scope(MISSING, None)
            sub = self.blocks(item, spec.blocks)
            if spec.numbered == "circled" and sub and isinstance(sub[0], Paragraph):
                first = sub[0]
                sub[0] = Paragraph((Text(CIRCLED[i % len(CIRCLED)]), *first.inlines),
                                   indent=first.indent)
            out += sub
        out += self.blocks(scope, spec.after)
        return out

    def grid(self, scope: _Scope, spec: GridSpec) -> Table:
        rows = []
        for row in spec.rows:
            if isinstance(row, GridEachRow):
                items = [] if self.blank else self.items(scope, row.bind)
                for i in range(max(len(items), row.min)):
                    item = items[i] if i < len(items) else _Scope(MISSING, None)
                    rows.append(Row(tuple(self.cell(item, c) for c in row.cells)))
                continue
            rows.append(Row(tuple(self.cell(scope, c) for c in row)))
        return Table(tuple(rows), spec.widths, header_rows=spec.header_rows, caption=spec.caption,
                     font_small=spec.small, borders=spec.borders)

    def table(self, scope: _Scope, spec: TableSpec) -> Table:
        form = "blank" if self.blank else "filled"
        spec = replace(spec, columns=tuple(c for c in spec.columns if c.only in (None, form)))
        widths: list[float] = []
        header: list[Row] = []
        if spec.index:
            widths.append(spec.index_width)
        widths += [c.width for c in spec.columns]
        if spec.header is not None:  # explicit (merged) header rows
            header = [Row(tuple(self.cell(scope, c) for c in r)) for r in spec.header]
        else:
            cells = [Cell((Text(spec.index),), header=True, align="center")] if spec.index else []
            cells += [Cell((Text(c.label),), header=True, align="center") for c in spec.columns]
            header = [Row(tuple(cells))]
        items = self.items(scope, spec.bind) if spec.bind else []
        if self.blank and not spec.fixed:
            items = []
        body: list[list[Cell]] = []
        saved_blank = self.blank
        for i, item in enumerate(items):
            row: list[Cell] = []
            if spec.index:
                row.append(Cell((Text(str(i + 1)),), align="center"))
            for c in spec.columns:
                if saved_blank and (not spec.fixed or c.filled_only):
                    row.append(Cell((), align=c.align, min_height_mm=WRITE_IN_MM))
                    continue
                self.blank = False
                try:
                    cell = self.cell(item, c.cell)
                finally:
                    self.blank = saved_blank
                row.append(Cell(cell.inlines, align=c.align))
            body.append(row)
        if not items:
            n = spec.blank_rows if (self.blank or spec.blank_when_empty) else 0
            for i in range(n):
                row = [Cell((Text(str(i + 1)),), align="center")] if spec.index else []
                row += [Cell((), min_height_mm=WRITE_IN_MM) for _ in spec.columns]
                body.append(row)
            if not n and not self.blank:
                body.append([Cell((Text("（无）"),), colspan=len(widths), align="center")])
        merged = _merge_runs(body, [c.merge for c in spec.columns],
                             offset=1 if spec.index else 0)
        footer = [Row(tuple(self.cell(scope, c) for c in r)) for r in spec.footer]
        return Table(tuple(header) + tuple(Row(tuple(r)) for r in merged) + tuple(footer),
                     tuple(widths), header_rows=len(header), caption=spec.caption,
                     font_small=spec.small)


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
    subtitle = spec.blank_subtitle if blank and spec.blank_subtitle else spec.subtitle
    doc = Document(title=spec.title, subtitle=subtitle, blank=blank, landscape=spec.landscape)
    doc.add(*builder.blocks(_Scope(context, None if blank else DATA), spec.blocks))
    return doc
