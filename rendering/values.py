"""How a bound value reads on paper: dates as 2026年3月5日, money with two decimals, lists joined."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

__all__ = ["MISSING", "fmt_date", "fmt_value", "resolve"]


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Any = _Missing()


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
