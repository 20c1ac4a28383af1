"""Rendering extras of the forms added with the obligations (complaint records of every profile,
the Wenzhou half-yearly self-evaluation), merged into ``rendering.kinds.KINDS``."""

from __future__ import annotations

from types import GenericAlias
from typing import Any

from rendering.bindings import Shape
from rendering.kinds import CHARTS_NOT_PRINTED, KINDS, KindRendering, chart_shapes

__all__ = ["ADDED_KINDS"]


def _complaint(profile: str) -> Any:
    def extras(model: Any) -> dict[str, Any]:
        from rendering.complaint_view import complaint_extras

        return complaint_extras(profile, model)

    return extras


def _wenzhou(model: Any) -> dict[str, Any]:
    from rendering.chart_view import evaluation_chart_extras
    from rendering.wenzhou_view import wenzhou_evaluation_extras

    return {**wenzhou_evaluation_extras(model), **evaluation_chart_extras("wenzhou", model)}


_COMPLAINT_SHAPES = {k: str for k in ("deadline_rule", "deadline_text", "deadline_status",
                                      "verification_choice")}
_COMPLAINT_NOT_PRINTED = {
    "needs_verification": "印作“需要进一步核实与处理（情况复杂）”的 是/否",
    "standard": "印在“适用规定”的条款（AQ 9010-2019 6.4 或 AQ 9010.1-2025 6.4）",
}

ADDED_KINDS: dict[tuple[str, str], KindRendering] = {
    **{("complaint", p): KindRendering(_complaint(p), _COMPLAINT_SHAPES,
                                       not_printed=_COMPLAINT_NOT_PRINTED)
       for p in ("shandong", "chengdu", "national", "wenzhou")},
    ("annual_evaluation", "wenzhou"): KindRendering(
        _wenzhou,
        {"score_rows": GenericAlias(list, (Shape(
            {"name": str, "score": str, "evidence": str},
            sources={"score": (("scores", "*", "score"),),
                     "evidence": (("scores", "*", "evidence"),)}),)),
         "base_total": str, "bonus_total": str, "total": str, **chart_shapes("wenzhou")},
        not_printed={"scores.*": "印在考核评价指标自评表（第二十四条各项）",
                     "sources.*.type": "记录编号中的类型代码已示类型", **CHARTS_NOT_PRINTED}),
    ("plan", "wenzhou"): KINDS[("plan", "national")],  # 温州 uses the national 附录A form
}


# Issue 15: fee-ledger entries (山东 7.2, 温州 第六条) and sampling draws (山东 8.1 b, c).
def _fee(profile: str) -> Any:
    def extras(model: Any) -> dict[str, Any]:
        from rendering.ledger_views import fee_entry_extras

        return fee_entry_extras(profile, model)

    return extras


def _sampling(model: Any) -> dict[str, Any]:
    from rendering.ledger_views import sampling_extras

    return sampling_extras(model)


ADDED_KINDS.update({
    **{("fee_entry", p): KindRendering(
        _fee(p), {"kind_choice": str, "rule_text": str},
        not_printed={"kind": "印作“类别”的勾选（计提 / 支出 / 统筹划拨）"})
       for p in ("shandong", "wenzhou")},
    ("sampling", "shandong"): KindRendering(
        _sampling,
        {"kind_choice": str, "method_text": str,
         "band_rows": GenericAlias(list, (Shape({"label": str, "rate": str, "count": str,
                                                 "drawn": str}),))},
        not_printed={"kind": "印作“抽检类别”的勾选（保后评估 / 赔后评估）"}),
})
