"""What the fee-ledger entry and the sampling record print beyond the posted data: the chosen
category, the profile's fee rule, the bands with their counts and how the draw is made."""

from __future__ import annotations

from typing import Any

from domain.documents.fee_entry import KIND_ZH, FeeEntryData
from domain.documents.sampling import SamplingData
from domain.sampling import BANDS, Unit, draw
from rendering.values import MISSING, Overlay

__all__ = ["FEE_RULES", "fee_entry_extras", "sampling_extras"]

FEE_RULES: dict[str, str] = {
    "shandong": ("山东 7.2：事故预防费用不得低于在“安全生产信用平台”承诺的比例，据实列支，建立专门台账；"
                 "省级承保机构统筹不低于事故预防费用的 30%"),
    "wenzhou": "温州 第六条：从安责险保费中提取事故预防服务费用，不低于总保费的 35%，专项使用，建立使用台账",
}
_KIND = {"post_policy": "保后评估", "post_claim": "赔后评估"}
METHOD = ("种子 = SHA-256（“azx-sampling/1|承保机构|分支机构|类别|期间”）；各区间内按 SHA-256（“种子|编号”）"
          "升序排列，抽取前 总体数 × 抽检比例 个（向上取整，非空区间至少 1 个）")


def fee_entry_extras(profile: str, model: FeeEntryData | None) -> dict[str, Any]:
    return {"kind_choice": KIND_ZH[model.kind] if model is not None else MISSING,
            "rule_text": FEE_RULES.get(profile, MISSING)}


def sampling_extras(model: SamplingData | None) -> dict[str, Any]:
    rows = []  # both tables of 山东 8.1 on every form; counts on the drawn kind's rows
    for k in ("post_policy", "post_claim"):
        counts = {}
        if model is not None and model.kind == k:
            counts = {d.band.no: d for d in draw(k, [Unit(u.id, u.amount)
                                                     for u in model.population], model.seed)}
        for b in BANDS[k]:
            d = counts.get(b.no)
            rows.append(Overlay(label=f"{_KIND[k]} {b.label}", rate=f"{b.rate_percent}%",
                                count=str(len(d.population)) if d else None,
                                drawn=str(len(d.drawn)) if d else None))
    return {"kind_choice": _KIND[model.kind] if model is not None else MISSING,
            "method_text": METHOD, "band_rows": rows}
