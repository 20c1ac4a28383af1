"""Every ``bind`` path of an annex spec checked against what the form binds to: the document
type's data model (its Pydantic schema) plus the values its view computes (rendering/kinds.py).

A misspelt path (``insured.adress``) would otherwise resolve to "missing" and print ／ with every
test passing; here it is an error when the spec loads (:func:`check_bindings`) and in a test.
:func:`printed_patterns` also says which posted fields a form prints, so that a test can prove
that every field of the schema is either printed or declared as not printed (with its reason).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

from rendering.spec_model import (
    BlockSpec,
    CellSpec,
    EachSpec,
    FieldsSpec,
    GridEachRow,
    GridSpec,
    ItemSpec,
    ParaSpec,
    PhotosSpec,
    RangeSpec,
    SignaturesSpec,
    TableSpec,
    TextSpec,
    holes,
)

__all__ = ["ListOf", "Pattern", "Shape", "check_bindings", "printed_patterns", "schema_leaves"]

#: A path into the posted ``data`` with ``*`` for list elements and dict keys.
Pattern = tuple[str, ...]


@dataclass(frozen=True)
class Shape:
    """What a view value offers to bind: computed ``fields`` (name → type: ``str``, ``bool``,
    ``list[Shape]``, a model…), and the fields of ``base`` (a data model) when the value stands
    for a posted item, which sits at ``origin`` in the posted data (``("risks", "*")``).
    ``sources`` names the posted fields a computed field prints (a numbered list of posted
    items prints ``issues.*.description``)."""

    fields: Mapping[str, Any] = field(default_factory=dict)
    base: Any = None
    origin: Pattern | None = None
    sources: Mapping[str, tuple[Pattern, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class ListOf:
    """A computed list whose elements have the type ``item`` (a Shape, a model, ``str``)."""

    item: Any


_BAD = object()


def _unwrap(tp: Any) -> list[Any]:
    """The alternatives of ``tp`` without None and Annotated wrappers."""
    if get_origin(tp) is typing.Annotated:
        return _unwrap(get_args(tp)[0])
    if get_origin(tp) in (Union, types.UnionType):
        out = []
        for a in get_args(tp):
            if a is not type(None):
                out += _unwrap(a)
        return out
    return [tp]


def _model_child(tp: type[BaseModel], part: str) -> Any:
    if part in tp.model_fields:
        return tp.model_fields[part].annotation
    if part in tp.model_computed_fields:
        return tp.model_computed_fields[part].return_type
    attr = getattr(tp, part, None)
    if isinstance(attr, property):
        hints = typing.get_type_hints(attr.fget) if attr.fget else {}
        return hints.get("return", Any)
    return _BAD


def _child(tp: Any, part: str) -> tuple[Any, bool]:
    """(the type at ``part`` of a value of type ``tp``, whether ``part`` is a list index or dict
    key); _BAD when ``tp`` has no such part."""
    for alt in _unwrap(tp):
        if alt is Any:
            return Any, False
        if isinstance(alt, Shape):
            if part in alt.fields:
                return alt.fields[part], False
            if alt.base is not None:
                got, key = _child(alt.base, part)
                if got is not _BAD:
                    return got, key
            continue
        if isinstance(alt, ListOf):
            if part.isdigit():
                return alt.item, True
            continue
        origin = get_origin(alt)
        if origin in (list, tuple) and part.isdigit():
            return get_args(alt)[0], True
        if origin is dict:
            return get_args(alt)[1], True
        if isinstance(alt, type) and issubclass(alt, BaseModel):
            got = _model_child(alt, part)
            if got is not _BAD:
                return got, False
        elif dataclasses.is_dataclass(alt) and isinstance(alt, type):
            hints = typing.get_type_hints(alt)
            if part in hints:
                return hints[part], False
    return _BAD, False


def _element(tp: Any) -> Any:
    """The element type of a list type (``_BAD`` when ``tp`` is not a list)."""
    for alt in _unwrap(tp):
        if alt is Any:
            return Any
        if isinstance(alt, ListOf):
            return alt.item
        if get_origin(alt) in (list, tuple):
            return get_args(alt)[0]
    return _BAD


def _fields_of(tp: Any) -> list[str]:
    out: list[str] = []
    for alt in _unwrap(tp):
        if isinstance(alt, Shape):
            out += list(alt.fields) + (_fields_of(alt.base) if alt.base is not None else [])
        elif isinstance(alt, type) and issubclass(alt, BaseModel):
            out += list(alt.model_fields) + list(alt.model_computed_fields)
    return sorted(set(out))


@dataclass(frozen=True)
class _Scope:
    tp: Any  # the type relative paths read from
    at: Pattern | None  # where that sits in the posted data (None: a computed value)


def _parts(path: str) -> list[str]:
    return path.replace("]", "").replace("[", ".").split(".")


class _Walker:
    def __init__(self, root: Any, label: str) -> None:
        self.root = _Scope(root, ())
        self.label = label
        self.problems: list[str] = []
        self.printed: set[Pattern] = set()

    def resolve(self, scope: _Scope, path: str, where: str, *, printed: bool = True) -> _Scope:
        """The type and posted pattern at ``path``; records a problem for an unknown part."""
        if path == ".":
            return scope
        if path.startswith("$."):
            scope, path = self.root, path[2:]
        tp, at = scope.tp, scope.at
        for part in _parts(path):
            got, key = _child(tp, part)
            if got is _BAD:
                known = _fields_of(tp)
                self.problems.append(
                    f"{self.label}: {where}: bind path {path!r}: {part!r} is not a field of "
                    f"{_name(tp)}" + (f" (fields: {', '.join(known)})" if known else "")
                    + "; fix the path in the spec, or, if the view computes it, declare it in "
                      "rendering/kinds.py")
                return _Scope(Any, None)
            at = self._step(tp, at, part, key)
            tp = got
        if printed and at is not None:
            self.printed.add(at)
        return _Scope(tp, at)

    def _step(self, tp: Any, at: Pattern | None, part: str, key: bool) -> Pattern | None:
        for alt in _unwrap(tp):
            if isinstance(alt, Shape):
                if part in alt.fields:
                    for src in alt.sources.get(part, ()):
                        self.printed.add(src)
                    return None  # computed
                if alt.base is not None:
                    return (*alt.origin, part) if alt.origin is not None else (
                        (*at, part) if at is not None else None)
        if at is None:
            return None
        return (*at, "*") if key else (*at, part)

    def elements(self, scope: _Scope, path: str, where: str) -> _Scope:
        """The scope of each element of the list bound at ``path``."""
        got = self.resolve(scope, path, where, printed=False)
        if got.tp is Any:
            return _Scope(Any, None)
        el = _element(got.tp)
        if el is _BAD:
            self.problems.append(f"{self.label}: {where}: {path!r} is {_name(got.tp)}, not a list")
            return _Scope(Any, None)
        for alt in _unwrap(el):
            if isinstance(alt, Shape) and alt.origin is not None:
                return _Scope(el, alt.origin)
        return _Scope(el, None if got.at is None else (*got.at, "*"))

    # -- blocks ----------------------------------------------------------------------------
    def blocks(self, scope: _Scope, blocks: tuple[BlockSpec, ...], where: str) -> None:
        for i, b in enumerate(blocks):
            self.block(scope, b, f"{where}[{i}]")

    def cell(self, scope: _Scope, c: CellSpec, where: str) -> None:
        if c.kind in ("bind", "choice"):
            self.resolve(scope, c.value, where)
        elif c.kind == "para":
            for h, _ in holes(c.value):
                self.resolve(scope, h, where)
        elif c.kind == "photos":
            self.photos(scope, c.value, where)
        if c.photos:
            self.photos(scope, c.photos, where)

    def photos(self, scope: _Scope, path: str, where: str) -> None:
        el = self.elements(scope, path, where)
        if el.at is not None:  # the picture and its caption (its file name is not printed)
            self.printed.update({(*el.at, "data"), (*el.at, "caption")})

    def block(self, scope: _Scope, b: BlockSpec, where: str) -> None:
        if b.cond.when:
            self.resolve(scope, b.cond.when, where, printed=False)
        if isinstance(b, ParaSpec):
            for h, _ in holes(b.text):
                self.resolve(scope, h, where)
        elif isinstance(b, FieldsSpec):
            for it in b.items:
                self.resolve(scope, it.path, where)
        elif isinstance(b, RangeSpec):
            got = self.resolve(scope, b.bind, where)
            if got.at is not None:
                self.printed.update({(*got.at, "start"), (*got.at, "end")})
        elif isinstance(b, TextSpec):
            self.resolve(scope, b.bind, where)
            if b.label:
                for h, _ in holes(b.label):
                    self.resolve(scope, h, where)
            if b.photos:
                self.photos(scope, b.photos, where)
        elif isinstance(b, ItemSpec):
            self.resolve(scope, b.when, where, printed=False)
            self.blocks(scope, b.blocks, f"{where}.blocks")
        elif isinstance(b, EachSpec):
            self.blocks(self.elements(scope, b.bind, where), b.blocks, f"{where}.blocks")
            self.blocks(scope, b.after, f"{where}.after")
        elif isinstance(b, GridSpec):
            for r, row in enumerate(b.rows):
                if isinstance(row, GridEachRow):
                    inner = self.elements(scope, row.bind, where)
                    for c in row.cells:
                        self.cell(inner, c, f"{where}.rows[{r}]")
                else:
                    for gc in row:
                        self.cell(scope, gc, f"{where}.rows[{r}]")
        elif isinstance(b, TableSpec):
            inner = self.elements(scope, b.bind, where) if b.bind else scope
            for n, col in enumerate(b.columns):
                self.cell(inner, col.cell, f"{where}.columns[{n}]")
            for r, cells in enumerate([*(b.header or ()), *b.footer]):
                for cell in cells:
                    self.cell(scope, cell, f"{where}.header/footer[{r}]")
        elif isinstance(b, PhotosSpec):
            self.photos(scope, b.bind, where)
        elif isinstance(b, SignaturesSpec):
            for sig in b.items:
                for p in (sig.name, sig.date):
                    if p:
                        self.resolve(scope, p, where)


def _name(tp: Any) -> str:
    alts = _unwrap(tp)
    names = []
    for a in alts:
        if isinstance(a, Shape):
            names.append(f"a computed value ({_name(a.base)} + {', '.join(a.fields)})"
                         if a.base is not None else f"a computed value ({', '.join(a.fields)})")
        else:
            names.append(getattr(a, "__name__", repr(a)))
    return " | ".join(names)


def check_bindings(blocks: tuple[BlockSpec, ...], root: Any, label: str) -> list[str]:
    """Every problem with the bind paths of ``blocks`` against ``root`` (a model or Shape)."""
    w = _Walker(root, label)
    w.blocks(w.root, blocks, "blocks")
    return w.problems


def printed_patterns(blocks: tuple[BlockSpec, ...], root: Any) -> set[Pattern]:
    """The posted-data patterns (``*`` for list elements and dict keys) the form prints."""
    w = _Walker(root, "")
    w.blocks(w.root, blocks, "blocks")
    return w.printed


def schema_leaves(model: Any, at: Pattern = ()) -> Iterator[Pattern]:
    """Every scalar field of a data model, as a pattern."""
    for alt in _unwrap(model):
        if isinstance(alt, type) and issubclass(alt, BaseModel):
            for name, f in alt.model_fields.items():
                yield from schema_leaves(f.annotation, (*at, name))
            for name in alt.model_computed_fields:
                yield (*at, name)
            return
        origin = get_origin(alt)
        if origin in (list, tuple):
            yield from schema_leaves(get_args(alt)[0], (*at, "*"))
            return
        if origin is dict:
            yield from schema_leaves(get_args(alt)[1], (*at, "*"))
            return
    yield at
