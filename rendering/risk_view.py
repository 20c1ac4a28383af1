"""Risk rows as printed: the level computed from L and S when the client gave only those."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain.risk import evaluate_ls, profile_bands
from rendering.values import DATA, MISSING, Overlay

__all__ = ["risk_rows"]


def _row(row: Any, index: int) -> Overlay:
    """``data.risks[index]`` as printed: its level and L/S/R computed when L and S were given."""
    at = (*DATA, "risks", index)
    if row.l is not None and row.s is not None:
        ev = evaluate_ls(row.l, row.s, profile_bands("shandong"))
        return Overlay(row, path=at, level=ev.level, lsr=f"L={row.l} S={row.s} R={ev.value}")
    return Overlay(row, path=at, lsr=MISSING)


def risk_rows(rows: Sequence[Any]) -> tuple[list[Any], Any]:
    out = [_row(r, i) for i, r in enumerate(rows)]
    uses_ls = any(r.l is not None for r in rows)
    return out, (profile_bands("shandong").describe() if uses_ls else MISSING)
