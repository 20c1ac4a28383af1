"""What the complaint form (``templates/annex/service/complaint.yaml``) prints beyond the posted
data: the profile's complaint rule and the answer deadline computed from it."""

from __future__ import annotations

from typing import Any

from domain.documents.complaint import ComplaintData, Extension
from domain.obligations import complaint_deadline, rules_for
from domain.policies import Standard
from rendering.values import MISSING, fmt_date

__all__ = ["complaint_extras"]

NATIONAL_STANDARDS: tuple[Standard, ...] = ("AQ 9010-2019", "AQ 9010.1-2025")


def complaint_extras(profile: str, model: ComplaintData | None) -> dict[str, Any]:
    """``deadline_rule``, ``deadline_text``, ``deadline_status``, ``verification_choice``."""
    # The rule is printed on blank and filled forms alike (national: both standards; the
    # deadline names the one applied).
    if profile == "national":
        rule_text = "；".join(rules_for(profile, s).complaint.describe() for s in NATIONAL_STANDARDS)
    else:
        rule_text = rules_for(profile).complaint.describe()
    if model is None:
        return {"deadline_rule": rule_text, "deadline_text": MISSING,
                "deadline_status": MISSING, "verification_choice": MISSING}
    standard: Standard | None = getattr(model, "standard", None)
    extension: Extension | None = getattr(model, "extension", None)
    rule = rules_for(profile, standard).complaint
    deadline = complaint_deadline(
        rule, model.received_on, needs_verification=model.needs_verification,
        extension_days=extension.days if extension is not None else None,
        appraisals=[(a.start, a.end) for a in model.appraisals])
    text = f"{fmt_date(deadline.due.date)}前（{rule.clause}：收到投诉后 {deadline.base_days} 个工作日"
    if deadline.extension_days:
        text += f"，延长 {deadline.extension_days} 日"
    if rule.appraisal_excluded and model.appraisals:
        text += "，不计外部鉴定、检测、评估期间"
    text += "）"
    if deadline.due.estimated:
        text += "；所涉年份的节假日安排尚未公布，按周末估算"
    if model.answered_at is None:
        status = f"答复情况：尚未答复，答复期限 {fmt_date(deadline.due.date)}。"
    elif model.answered_at <= deadline.due.date:
        status = f"答复情况：已于 {fmt_date(model.answered_at)} 答复，在期限内。"
    else:
        status = (f"答复情况：已于 {fmt_date(model.answered_at)} 答复，"
                  f"超过期限（{fmt_date(deadline.due.date)}）。")
    return {"deadline_rule": rule_text, "deadline_text": text, "deadline_status": status,
            "verification_choice": "是" if model.needs_verification else "否"}
