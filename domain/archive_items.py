"""AQ 9010.1-2025 Appendix B (表B.1): what each service type's archive must hold, and whether a
record holds it. An incomplete archive is shown, never hidden."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["ArchiveItem", "archive_items"]


@dataclass(frozen=True)
class ArchiveItem:
    service: str  # 服务类型 of 表B.1
    item: str  # 文档资料内容
    present: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _has(v: Any) -> bool:
    return v is not None and v != [] and v != ""


def _section(model: Any, name: str) -> Any:
    return getattr(model, name, None)


def _photos(section: Any) -> bool:
    return bool(section is not None and getattr(section, "photos", None))


def archive_items(doc_type: str, model: Any) -> list[ArchiveItem]:
    """The 表B.1 items the document's service types require, each marked present or missing."""
    if doc_type != "report":
        return []
    out: list[ArchiveItem] = []
    costs = getattr(model, "costs", None) or {}

    def cost(key: str, service: str) -> None:
        out.append(ArchiveItem(service, "服务项目实际支出金额", _has(costs.get(key))))

    tr = _section(model, "training")
    if _has(tr):
        s = "安全生产宣传教育培训"
        out.append(ArchiveItem(s, "服务记录（形式、时间地点、培训内容、课件、参训人员）", _has(tr.text)))
        out.append(ArchiveItem(s, "现场照片", _photos(tr)))
        cost("training", s)
    if model.risks or _has(_section(model, "risk_assessment")):
        s = "安全风险辨识、评估、评价"
        rows = model.risks
        out.append(ArchiveItem(s, "服务报告：风险地点/部位/设备/环节、风险等级、风险描述",
                               bool(rows) and all(_has(r.name) for r in rows)))
        out.append(ArchiveItem(s, "判定依据", bool(rows) and all(_has(r.basis) for r in rows)))
        out.append(ArchiveItem(s, "管控建议", bool(rows) and all(_has(r.measures) for r in rows)))
        out.append(ArchiveItem(s, "现场照片", bool(rows) and all(r.photos for r in rows)))
        cost("risk_assessment", s)
    if model.hazards:
        s = "生产安全事故隐患排查"
        rows = model.hazards
        out.append(ArchiveItem(s, "服务报告：隐患地点/部位/设备/环节、隐患等级、隐患描述",
                               _has(model.hazard_scope)))
        out.append(ArchiveItem(s, "判定依据", all(_has(r.basis) for r in rows)))
        out.append(ArchiveItem(s, "整改建议", all(_has(r.suggestion) for r in rows)))
        out.append(ArchiveItem(s, "现场照片", all(r.photos for r in rows)))
        cost("hazard_screening", s)
    em = _section(model, "emergency")
    if _has(em):
        s = "安全生产应急预案编制和应急救援演练"
        out.append(ArchiveItem(s, "服务报告（预案及修改依据，或演练过程、起止时间、参加人数、效果）",
                               _has(em.text)))
        cost("emergency", s)
    te = _section(model, "technology")
    if _has(te):
        s = "安全生产科技创新、装备研发推广应用"
        out.append(ArchiveItem(s, "服务记录（时间地点、服务人员、服务过程）", _has(te.text)))
        cost("technology", s)
    return out
