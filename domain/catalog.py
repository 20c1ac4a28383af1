"""Which document types exist, in which profiles, with which data model and source annex."""

from __future__ import annotations

import builtins
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from domain.documents.agreement import AgreementData
from domain.documents.annual import AnnualEvaluationData, ChengduAnnualEvaluationData
from domain.documents.callback import CallbackData, ChengduCallbackData
from domain.documents.plan import ChengduPlanData, NationalPlanData, PlanData
from domain.documents.report import ReportData
from domain.errors import DomainValidationError, Problem
from domain.validation import parse_model

__all__ = ["CATALOG", "PROFILES", "TYPES", "FormKind", "get_kind", "parse_data"]

PROFILES: dict[str, str] = {
    "shandong": "山东省交通运输行业（鲁交安委办函〔2024〕45号 附件2–6）",
    "national": "AQ 9010.1-2025（征求意见稿）附录A",
    "chengdu": "成都市安全生产责任保险事故预防技术服务规范 附录C–E",
    "wenzhou": "温州市安全生产责任保险事故预防服务暂行标准（温安委办〔2020〕4号）；表式用全国 AQ 9010.1-2025 附录A",
}

TYPES: dict[str, str] = {
    "agreement": "服务协议",
    "plan": "服务方案",
    "report": "服务报告",
    "callback": "回访表",
    "annual_evaluation": "总结评估报告",
    "complaint": "投诉处理记录",
}

Check = Callable[[Any], list[Problem]]


@dataclass(frozen=True)
class FormKind:
    type: str
    profile: str
    title: str
    source: str
    model: builtins.type[BaseModel]
    checks: tuple[Check, ...] = field(default=())


def _shandong_charts(obj: Any) -> list[Problem]:
    """附件6: the figures agree with the tables (domain/evaluation_charts.py)."""
    from domain.evaluation_charts import check_shandong_charts

    return check_shandong_charts(obj)


def _chengdu_charts(obj: Any) -> list[Problem]:
    """附录E: the figures agree with the score table (domain/evaluation_charts.py)."""
    from domain.evaluation_charts import check_chengdu_charts

    return check_chengdu_charts(obj)


def _sheet_ok(obj: Any) -> list[Problem]:
    """Appendix D / E: every indicator assessed, every finding allowed by its rule."""
    obj.sheet  # noqa: B018 — computing the sheet raises DomainValidationError with its problems
    return []


def _risk_levels_agree(obj: Any) -> list[Problem]:
    from domain.risk_checks import check_risk_rows

    return check_risk_rows(obj.risks, ("risks",))


# What users see names the standard and its clause, never a file of the project's sources.
_S = "山东省交通运输行业安责险事故预防技术服务规范（鲁交安委办函〔2024〕45号）"
_C = "成都市安全生产责任保险事故预防技术服务规范"
_N = "AQ 9010.1-2025（征求意见稿）"

CATALOG: dict[tuple[str, str], FormKind] = {
    (k.type, k.profile): k
    for k in (
        FormKind("agreement", "shandong", "安全生产责任保险事故预防技术服务协议", f"{_S} 附件2",
                 AgreementData),
        FormKind("plan", "shandong", "安全生产责任保险事故预防技术服务方案", f"{_S} 附件3", PlanData),
        FormKind("plan", "national", "安全生产责任保险事故预防服务方案", f"{_N} 附录A",
                 NationalPlanData),
        FormKind("plan", "chengdu", "安全生产责任保险事故预防技术服务方案", f"{_C} 附录C",
                 ChengduPlanData),
        FormKind("report", "shandong", "安全生产责任保险事故预防技术服务报告", f"{_S} 附件4",
                 ReportData, (_risk_levels_agree,)),
        FormKind("callback", "shandong", "安责险承保机构安全生产责任保险事故预防技术服务回访表",
                 f"{_S} 附件5", CallbackData),
        FormKind("callback", "chengdu", "安全生产责任保险事故预防技术服务回访内容", f"{_C} 附录D",
                 ChengduCallbackData, (_sheet_ok,)),
        FormKind("annual_evaluation", "shandong", "安全生产责任保险事故预防总结评估报告",
                 f"{_S} 附件6", AnnualEvaluationData, (_shandong_charts,)),
        FormKind("annual_evaluation", "chengdu",
                 "保险公司安全生产责任保险事故预防技术服务质量评估指标体系", f"{_C} 附录E",
                 ChengduAnnualEvaluationData, (_sheet_ok, _chengdu_charts)),
    )
}


from domain.documents.chengdu_tables import KINDS as _CHENGDU_TABLES  # noqa: E402

for _type, _title, _source, _model, _checks in _CHENGDU_TABLES:
    CATALOG[(_type, "chengdu")] = FormKind(_type, "chengdu", _title, _source, _model, _checks)
    TYPES.setdefault(_type, _title)

from domain.catalog_additions import KINDS as _ADDED  # noqa: E402  complaints, Wenzhou

CATALOG.update({(k.type, k.profile): k for k in _ADDED})


def get_kind(doc_type: str, profile: str | None) -> FormKind:
    """The form for ``doc_type`` in ``profile`` (default: the only or the Shandong variant)."""
    if profile is None:
        candidates = [k for (t, _), k in CATALOG.items() if t == doc_type]
        if len(candidates) == 1:
            return candidates[0]
        profile = "shandong"
    kind = CATALOG.get((doc_type, profile))
    if kind is not None:
        return kind
    if not any(t == doc_type for t, _ in CATALOG):
        raise DomainValidationError.single(
            ("type",), "unknown_type",
            f"未知的文书类型「{doc_type}」，可选：{', '.join(sorted({t for t, _ in CATALOG}))}",
            f"unknown document type {doc_type!r}; choose one of {sorted({t for t, _ in CATALOG})}",
        )
    profiles = sorted(p for t, p in CATALOG if t == doc_type)
    raise DomainValidationError.single(
        ("profile",), "unknown_profile",
        f"文书类型「{doc_type}」没有「{profile}」版本，可选：{', '.join(profiles)}",
        f"document type {doc_type!r} has no profile {profile!r}; choose one of {profiles}",
    )


def parse_data(kind: FormKind, raw: Any) -> BaseModel:
    """Validate the posted ``data`` object for ``kind``, raising every problem at once."""
    from domain.documents.consistency import check_same_names

    model: BaseModel = parse_model(kind.model, raw, ("data",), (*kind.checks, check_same_names))
    return model
