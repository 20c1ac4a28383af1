"""AQ 9010.1-2025 Appendix B (表B.1): what each service type's archive must hold, and whether a
record holds it. An incomplete archive is shown, never hidden: GET
/v1/documents/{id}/archive-contents.pdf prints it as a 档案内容清单 (templates/annex/national/
archive_contents.yaml, :class:`ArchiveContentsData`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from pydantic import Field

from domain.common import Model, ShortText, Text

__all__ = ["ArchiveContentsData", "ArchiveContentsRow", "ArchiveItem", "archive_items"]


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


_COST = "服务项目实际支出金额"
_RISK = "安全风险辨识、评估、评价"
_HAZARD = "生产安全事故隐患排查"
_STANDARD = "安全生产标准化管理体系建设"
_EMERGENCY = "安全生产应急预案编制和应急救援演练"
_TRAINING = "安全生产宣传教育培训"


def _chengdu_items(doc_type: str, model: Any) -> list[ArchiveItem]:
    """成都 附录C 表1–13: the service type each table documents (表B.1). None of them carries the
    amount spent, so that item is always missing: the archive shows it."""
    rows = list(getattr(model, "rows", None) or [])
    if doc_type == "chengdu_table_1":
        return [ArchiveItem(_TRAINING, "服务记录（服务形式、时间地点、培训内容、培训课件、现场照片、"
                                       "参训人员描述）", False),
                ArchiveItem(_TRAINING, _COST, False)]
    if doc_type in ("chengdu_table_5", "chengdu_table_6", "chengdu_table_7"):
        if doc_type == "chengdu_table_7":
            rows = model.risk_list()
            where = bool(rows) and all(_has(r.site_address) or _has(r.source_address) for r in rows)
            basis = bool(rows) and all(_has(r.hazard_factors) for r in rows)
            advice = False
        else:
            where = _has(getattr(model, "workshop", None))
            basis = bool(rows) and all(_has(r.controls) for r in rows)
            advice = bool(rows) and all(_has(r.suggestions) for r in rows)
        return [ArchiveItem(_RISK, "服务报告：风险地点/部位/设备/环节、风险等级、风险描述", where),
                ArchiveItem(_RISK, "判定依据", basis), ArchiveItem(_RISK, "管控建议", advice),
                ArchiveItem(_RISK, "现场照片", False), ArchiveItem(_RISK, _COST, False)]
    if doc_type in ("chengdu_table_8", "chengdu_table_9"):
        if doc_type == "chengdu_table_9":
            desc = bool(rows) and all(_has(r.description) for r in rows)
            advice = bool(rows) and all(_has(r.measures) for r in rows)
            photos = bool(rows) and all(r.photos for r in rows)
            state = bool(rows) and all(_has(r.rectification) for r in rows)
        else:
            issues = list(model.issues)
            desc = bool(issues)
            advice = bool(issues) and all(_has(i.suggestion) for i in issues)
            photos = state = False
        return [ArchiveItem(_HAZARD, "服务报告：隐患地点/部位/设备/环节、隐患等级、隐患描述", desc),
                ArchiveItem(_HAZARD, "整改建议", advice), ArchiveItem(_HAZARD, "整改状态", state),
                ArchiveItem(_HAZARD, "现场照片", photos), ArchiveItem(_HAZARD, _COST, False)]
    if doc_type in ("chengdu_table_10", "chengdu_table_11", "chengdu_table_12"):
        content = {"chengdu_table_10": lambda: _has(model.this_work),
                   "chengdu_table_11": lambda: bool(model.basis) and bool(model.elements),
                   "chengdu_table_12": lambda: _has(model.achievements)}[doc_type]()
        return [ArchiveItem(_STANDARD, "服务报告：服务的具体内容与依据", content),
                ArchiveItem(_STANDARD, _COST, False)]
    if doc_type == "chengdu_table_13":
        return [ArchiveItem(_EMERGENCY, "服务报告：完善后的安全生产应急预案及修改依据",
                            bool(model.results)),
                ArchiveItem(_EMERGENCY, _COST, False)]
    return []


def archive_items(doc_type: str, model: Any) -> list[ArchiveItem]:
    """The 表B.1 items the document's service types require, each marked present or missing
    ([] for a document that is not a service record of 表B.1: an agreement, a plan…)."""
    if doc_type.startswith("chengdu_table_"):
        return _chengdu_items(doc_type, model)
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


class ArchiveContentsRow(Model):
    service: ShortText = Field(title="服务类型")
    item: Text = Field(title="文档资料内容（表B.1）")
    present: bool = Field(title="本记录是否具备")


class ArchiveContentsData(Model):
    """The printed 档案内容清单 of one archived record (AQ 9010.1-2025 附录B 表B.1)."""

    record_id: ShortText = Field(title="记录编号")
    title: ShortText = Field(title="文书")
    insured: ShortText | None = Field(None, title="被保险人")
    policy_no: ShortText | None = Field(None, title="保单号")
    archived_at: dt.datetime | None = Field(None, title="归档时间")
    items: list[ArchiveContentsRow] = Field(default_factory=list, title="档案内容")
    missing: int = Field(0, title="缺项数")
