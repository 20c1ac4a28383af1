"""The score rows and totals the Wenzhou half-yearly self-evaluation prints (第二十四、二十五条)."""

from __future__ import annotations

from typing import Any

from domain.documents.wenzhou import ASPECTS, WenzhouEvaluationData
from rendering.values import DATA, MISSING, Overlay

__all__ = ["wenzhou_evaluation_extras"]


def wenzhou_evaluation_extras(model: WenzhouEvaluationData | None) -> dict[str, Any]:
    rows = []
    for key, name in ASPECTS:
        got = model.scores.get(key) if model is not None else None  # type: ignore[call-overload]
        sources = {"score": (*DATA, "scores", key, "score")} if got else {}
        if got is not None and got.evidence:
            sources["evidence"] = (*DATA, "scores", key, "evidence")
        rows.append(Overlay(name=name, score=f"{got.score:.1f}" if got else None,
                            evidence=got.evidence if got else None, sources=sources))
    if model is None:
        return {"score_rows": rows, "base_total": MISSING, "bonus_total": MISSING,
                "total": MISSING}
    t = model.totals
    return {"score_rows": rows, "base_total": f"{t.base:.1f}", "bonus_total": f"{t.bonus:.1f}",
            "total": f"{t.total:.1f}"}
