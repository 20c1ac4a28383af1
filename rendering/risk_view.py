"""Risk rows as printed: the level computed from L and S when the client gave only those."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain.risk import evaluate_ls, profile_bands
from rendering.values import MISSING

__all__ = ["risk_rows"]


class _Row:
    def __init__(self, row: Any) -> None:
        self._row = row
        if row.l is not None and row.s is not None:
            ev = evaluate_ls(row.l, row.s, profile_bands("shandong"))
            self.level = ev.level
            self.lsr = f"L={row.l} S={row.s} R={ev.value}"
        else:
            self.level = row.level
            self.lsr = MISSING

    def __getattr__(self, name: str) -> Any:
        return getattr(self._row, name)


def risk_rows(rows: Sequence[Any]) -> tuple[list[Any], Any]:
    out = [_Row(r) for r in rows]
    uses_ls = any(r.l is not None for r in rows)
    return out, (profile_bands("shandong").describe() if uses_ls else MISSING)
