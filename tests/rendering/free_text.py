"""Every free-text field of every document type, found from the data models, and request bodies
that fill them with long numbered text.

A free-text field is a ``str`` field declared with ``domain.common.Text`` (2,000 characters) or
``LongText`` (20,000): found by the ``max_length`` those types carry, walking every model of the
catalogue (nested models, lists and dict values too), so that a field added later is tested
without anyone listing it.
"""

from __future__ import annotations

import copy
import re
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from annotated_types import MaxLen
from pydantic import BaseModel

from domain.catalog import CATALOG
from domain.common import LONG_TEXT
from tests.conftest import load_examples

__all__ = ["FREE_TEXT_LIMITS", "FreeTextField", "concrete_path", "fill", "free_text_fields",
           "item_marks", "numbered_text"]

#: The max_length of ``domain.common.Text`` and ``LongText``.
FREE_TEXT_LIMITS = (2_000, LONG_TEXT)

Pattern = tuple[str, ...]  # a data path, "*" for any list index or dict key


@dataclass(frozen=True)
class FreeTextField:
    pattern: Pattern  # e.g. ("hazards", "*", "description")
    max_length: int

    @property
    def name(self) -> str:
        return ".".join(self.pattern)


def free_text_fields(model: type[BaseModel]) -> list[FreeTextField]:
    """The free-text fields of ``model`` and of every model inside it."""
    return list(dict.fromkeys(_walk(model, (), frozenset())))


def _walk(model: type[BaseModel], path: Pattern, seen: frozenset[type]) -> Iterator[FreeTextField]:
    for name, field in model.model_fields.items():
        yield from _visit(field.annotation, list(field.metadata), (*path, name), seen | {model})


def _visit(ann: Any, meta: list[Any], path: Pattern, seen: frozenset[type]) -> Iterator[FreeTextField]:
    origin = typing.get_origin(ann)
    if origin is typing.Annotated:
        inner, *extra = typing.get_args(ann)
        yield from _visit(inner, meta + extra, path, seen)
    elif origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(ann):
            if arg is not type(None):
                yield from _visit(arg, meta, path, seen)
    elif origin in (list, tuple, set):
        yield from _visit(typing.get_args(ann)[0], [], (*path, "*"), seen)
    elif origin is dict:
        yield from _visit(typing.get_args(ann)[1], [], (*path, "*"), seen)
    elif isinstance(ann, type) and issubclass(ann, BaseModel):
        if ann not in seen:
            yield from _walk(ann, path, seen)
    elif ann is str and _max_length(meta) in FREE_TEXT_LIMITS:
        yield FreeTextField(path, _max_length(meta) or 0)


def _max_length(meta: list[Any]) -> int | None:
    for m in meta:
        if isinstance(m, MaxLen):
            return m.max_length
        found = _max_length(list(getattr(m, "metadata", None) or []))
        if found is not None:
            return found
    return None


# -- long numbered text ------------------------------------------------------------------------

_FILLER = "现场检查发现消防通道堆放杂物，已要求立即清理并建立每日巡查制度"


def numbered_text(tag: str, chars: int) -> str:
    """Items "<tag>第1项：…（<tag>-1）。<tag>第2项：…" up to ``chars`` characters (at least one):
    each item is marked at its head and at its tail, so that an item whose head mark a page
    break cuts in two is still found by its tail, and the other way round."""
    out: list[str] = []
    total, i = 0, 1
    while True:
        item = f"{tag}第{i}项：{_FILLER}（{tag}-{i}）。"
        if out and total + len(item) > chars:
            return "".join(out)
        out.append(item)
        total += len(item)
        i += 1


def item_marks(text: str) -> list[tuple[str, str]]:
    """The (head, tail) marks ("F3第17项：", "（F3-17）") of the items of a :func:`numbered_text`."""
    return [(f"{tag}第{n}项：", f"（{tag}-{n}）")
            for tag, n in re.findall(r"(F\d+)第(\d+)项：", text)]


#: List elements to add where an example has none, so that a field inside can be filled:
#: (document, list pattern) → element.
def _seeds() -> dict[tuple[str, Pattern], Any]:
    ex = load_examples()
    return {
        ("chengdu_table_7-chengdu", ("from_table5",)): {
            k: v for k, v in ex["chengdu_table_5-chengdu"]["data"].items() if k != "insured_name"},
        ("chengdu_table_7-chengdu", ("from_table6",)): {
            k: v for k, v in ex["chengdu_table_6-chengdu"]["data"].items() if k != "insured_name"},
    }


def fill(name: str, chars: int) -> tuple[dict[str, Any], dict[FreeTextField, str]]:
    """The example body ``name`` with every free-text field set to numbered text of ``chars``
    characters (or its max_length if shorter); and the text each field got. Items are tagged
    F<n> by field, so that a missing one names its field."""
    body = copy.deepcopy(load_examples()[name])
    kind = CATALOG[(body["type"], body["profile"])]
    seeds = _seeds()
    texts: dict[FreeTextField, str] = {}
    for n, field in enumerate(free_text_fields(kind.model), start=1):
        text = numbered_text(f"F{n}", min(chars, field.max_length))
        _set(body["data"], field.pattern, text, lambda p: seeds.get((name, p), {}))
        texts[field] = text
    from tests.textutil import agree_names

    agree_names(body["data"])  # names of the same party must agree (a 422 otherwise)
    return body, texts


def concrete_path(data: dict[str, Any], pattern: Pattern) -> tuple[str | int, ...]:
    """``("data", …)`` with each "*" the first index or key, as :func:`fill` fills it."""
    cur: Any = data
    out: list[str | int] = ["data"]
    for part in pattern:
        key: str | int = part
        if part == "*":
            key = 0 if isinstance(cur, list) else next(iter(cur))
        out.append(key)
        cur = cur[key]
    return tuple(out)


def _set(data: dict[str, Any], pattern: Pattern, value: str, seed: Any) -> None:
    """Set the field at ``pattern`` in the first element of every list (or dict) on the way,
    adding what is missing: an element from ``seed(list pattern)``, a dict, a text."""
    cur: Any = data
    for i, part in enumerate(pattern):
        last = i == len(pattern) - 1
        if part == "*":  # a list, or a dict keyed by data (indicator keys): its first element
            key: Any = 0 if isinstance(cur, list) else next(iter(cur))
            if last:
                cur[key] = value
                return
            cur = cur[key]
            continue
        if last:
            cur[part] = value
            return
        if cur.get(part) in (None, [], {}):
            if pattern[i + 1] != "*":
                cur[part] = {}
            elif i + 2 == len(pattern):  # a list of texts
                cur[part] = [""]
            else:
                cur[part] = [copy.deepcopy(seed(pattern[:i + 1]))]
        cur = cur[part]
