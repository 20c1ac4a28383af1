"""How a bound value reads on paper (dates as 2026年3月5日, money with two decimals, lists joined)
and where in the posted data it came from (:func:`source_path`, for the completeness proof)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

__all__ = ["DATA", "MISSING", "DataPath", "Overlay", "fmt_date", "fmt_value", "item_path",
           "resolve", "source_path"]

#: A JSON path into a request body, e.g. ``("data", "hazards", 3, "description")``.
DataPath = tuple[str | int, ...]
DATA: DataPath = ("data",)


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Any = _Missing()


class Overlay:
    """``base``'s attributes with ``over`` taking precedence: a document or a row as printed (the
    posted model plus the values computed for it: levels, scores, totals, numbered lists).

    ``path`` is where ``base`` sits in the posted data, when the overlay stands for a posted item
    in a list the view computed (a risk row with its computed level). ``sources`` names the data
    path of overrides that print posted text (a numbered list of the posted items, a hint followed
    by the posted record); every other override is computed and has no data path. Absent
    attributes (and everything, when ``base`` is None) read as MISSING.
    """

    def __init__(self, base: Any = None, *, path: DataPath | None = None,
                 sources: Mapping[str, DataPath] | None = None, **over: Any) -> None:
        self.__dict__.update(over)
        self.__dict__["_base"] = base
        self.__dict__["_path"] = path
        self.__dict__["_sources"] = dict(sources or {})

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or self.__dict__.get("_base") is None:
            return MISSING
        return getattr(self.__dict__["_base"], name, MISSING)


def item_path(item: Any, list_path: DataPath | None, index: int) -> DataPath | None:
    """The data path of element ``index`` of a bound list (itself at ``list_path``, if posted)."""
    if isinstance(item, Overlay) and item.__dict__["_path"] is not None:
        return item.__dict__["_path"]  # type: ignore[no-any-return]
    return None if list_path is None else (*list_path, index)


def source_path(scope: Any, at: DataPath | None, root: Any, path: str) -> DataPath | None:
    """The data path of the value ``resolve(scope, root, path)`` reads, ``scope`` being at ``at``
    (root: :data:`DATA`); None when the value is computed or not posted as such."""
    if path == ".":
        return at
    obj, here = (root, DATA) if path.startswith("$.") else (scope, at)
    path = path[2:] if path.startswith("$.") else path
    for part in path.replace("]", "").replace("[", ".").split("."):
        if obj is None or obj is MISSING:
            return None
        here = _step_path(obj, here, part)
        obj = resolve(obj, obj, part)
    return here


def _step_path(obj: Any, here: DataPath | None, part: str) -> DataPath | None:
    if isinstance(obj, Overlay):
        own = obj.__dict__
        if part in own["_sources"]:
            return own["_sources"][part]  # type: ignore[no-any-return]
        if part in own:  # computed
            return None
    if here is None:
        return None
    if isinstance(obj, list | tuple) and part.isdigit():
        return (*here, int(part))
    return (*here, part)


def resolve(scope: Any, root: Any, path: str) -> Any:
    """``a.b[2].c`` against ``scope`` (``$.a`` against ``root``); MISSING when absent."""
    if path == ".":
        return scope
    cur = root if path.startswith("$.") else scope
    path = path[2:] if path.startswith("$.") else path
    for part in path.replace("]", "").replace("[", ".").split("."):
        if cur is None or cur is MISSING:
            return MISSING
        if isinstance(cur, Mapping):
            cur = cur.get(part, MISSING)
        elif isinstance(cur, list | tuple) and part.isdigit():
            idx = int(part)
            cur = cur[idx] if idx < len(cur) else MISSING
        else:
            cur = getattr(cur, part, MISSING)
    return cur


def fmt_date(d: dt.date | None) -> str | None:
    if d is None or d is MISSING:
        return None
    if isinstance(d, dt.datetime):
        return f"{d.year}年{d.month}月{d.day}日 {d.hour:02d}:{d.minute:02d}"
    return f"{d.year}年{d.month}月{d.day}日"


def fmt_value(v: Any, fmt: str | None = None) -> str | None:
    """The text for a value, or None when there is nothing to show (→ a blank line)."""
    if v is None or v is MISSING:
        return None
    if fmt == "money" and isinstance(v, int | float | Decimal):
        return f"{Decimal(v):,.2f}"
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, dt.date):
        return fmt_date(v)
    if isinstance(v, Decimal):
        s = f"{v.normalize():f}"
        return s
    if isinstance(v, list | tuple):
        parts = [p for p in (fmt_value(x, fmt) for x in v) if p]
        return "、".join(parts) if parts else None
    if isinstance(v, str):
        return v if v != "" else None
    return str(v)
