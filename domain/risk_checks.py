"""Risk rows: a level the client sends must agree with the level computed from L and S."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain.errors import Problem

__all__ = ["check_risk_rows"]


def check_risk_rows(rows: Sequence[Any], path: tuple[str | int, ...]) -> list[Problem]:
    from domain.risk import evaluate_ls, profile_bands  # the rule lives in domain.risk

    problems: list[Problem] = []
    for i, row in enumerate(rows):
        if row.l is None or row.s is None:
            continue
        computed = evaluate_ls(row.l, row.s, profile_bands("shandong"))
        if row.level is not None and row.level != computed.level:
            problems.append(Problem(
                (*path, i, "level"), "level_contradicts_computed",
                f"风险等级「{row.level}」与按 L={row.l}、S={row.s} 计算的「{computed.level}」"
                f"（R={computed.value}）不一致",
                f"risk level {row.level!r} contradicts the computed {computed.level!r} "
                f"(R = {row.l}×{row.s} = {computed.value})",
            ))
    return problems
