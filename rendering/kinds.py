"""Each document kind's rendering extras, in one place: the values its view computes (levels,
scores, totals, numbered lists) with the shape a spec may bind, and the posted fields its form
does not print, each with the reason (kept for the registry, printed by another form, or the
input of a computed value).

A kind without an entry binds its data model alone and must print every posted field: add an
entry here (``KINDS[(type, profile)] = KindRendering(...)``) when a new form computes values or
leaves fields off the paper. ``rendering/views.py`` builds the binding context from it; the
typed spec loader (rendering/spec.py) checks every bind path against ``model + shapes``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from domain.archive_items import ArchiveContentsData, ArchiveContentsRow
from domain.documents.chengdu_tables import (
    ScoreElement,
    Table5Row,
    Table6Row,
    Table7Row,
    Table12Member,
)
from domain.documents.report import RiskRow
from domain.four_properties import FourPropertiesReportData
from domain.regulator_report import RegulatorReportData
from rendering.bindings import ListOf, Pattern, Shape
from rendering.regulator_charts import CHART_NAMES

__all__ = ["CHARTS_NOT_PRINTED", "INSURED_DETAILS", "KINDS", "NOT_PRINTED_COMMON", "PRINTED_FORMS", "KindRendering",
           "chart_shapes", "kind_rendering", "not_printed"]


@dataclass(frozen=True)
class KindRendering:
    """What one kind's view adds to its data model, and what its form leaves off."""

    #: model (None: blank form) → the computed values the spec binds besides the model
    extras: Callable[[Any], dict[str, Any]] | None = None
    #: name → type of every computed value a spec may bind (rendering.bindings.Shape)
    shapes: Mapping[str, Any] = field(default_factory=dict)
    #: extras that print posted text → the data path (rendering.values.DataPath) of each
    sources: Mapping[str, tuple[str | int, ...]] = field(default_factory=dict)
    #: posted field pattern ("policy.premium", "findings.*.cases") → why the form does not
    #: print it as such
    not_printed: Mapping[str, str] = field(default_factory=dict)


_REGISTRY = "登记用（按保单检索），附录表格不印"
#: Fields of the shared party models that no annex prints; kept for the registry and the rules
#: (visits by premium, deadlines by policy period).
NOT_PRINTED_COMMON: dict[str, str] = {
    "policy.premium": "登记用：按保费确定服务次数（山东 4.3）",
    "policy.period_start": "登记用：保险期间",
    "policy.period_end": "登记用：保险期间",
    "policy.applicant": "登记用：投保人",
    "policy.insured_name": "与被保险人名称须一致（domain/documents/consistency.py），印被保险人名称",
    "policy.region": "登记用：所属地区",
    "policy.industry": "登记用：行业",
    "insurer.contact": "登记用：承保机构联系人",
    "insurer.phone": "登记用：承保机构电话",
    "insurer.address": "登记用：承保机构地址",
    "insured.contact": "登记用：被保险人联系人",
    "insured.contact_phone": "登记用：被保险人联系电话",
    "provider.contact": "登记用：服务机构联系人",
    "provider.phone": "登记用：服务机构电话",
    "policy_no": _REGISTRY,
}


#: The insured's particulars (Insured) beyond its name: only the report's 被保险人基本信息表
#: (山东 附件4 一) has places for them; the other forms keep them with the record (its source
#: JSON, archived) without printing them.
INSURED_DETAILS: dict[str, str] = {
    f"insured.{k}": "被保险人基本信息：本表式无此栏（印在服务报告 附件4 一），随记录的源 JSON 归档"
    for k in ("address", "industry", "license_scope", "legal_rep", "legal_rep_phone",
              "safety_manager", "safety_manager_phone", "credit_rating", "description")
}
_TEAM = {"phone": "技术人员联系方式：本表式无此栏，随记录的源 JSON 归档",
         "role": "技术人员分工：本表式无此栏，随记录的源 JSON 归档",
         "scans": "证书扫描件：本表式无此栏（印在服务报告 附件4 二），随记录的源 JSON 归档"}


def _score_shape(*extra: str) -> dict[str, Any]:
    row = Shape({k: str for k in ("group", "name", "max", "criterion", "score", "remark")},
                sources={"remark": (("findings", "*", "note"),)})
    return {"score_rows": ListOf(row), "total": str, **{k: str for k in extra}}


_FINDINGS = {f"findings.*.{k}": "评分情形：按评分细则计算为得分、扣分说明（附录D/E）"
             for k in ("cases", "severe_cases", "failed", "deduction", "awards", "achieved")}


def _callback_chengdu(model: Any) -> dict[str, Any]:
    from rendering.views import score_extras

    return score_extras("D", model)


def _annual_chengdu(model: Any) -> dict[str, Any]:
    from rendering.chart_view import evaluation_chart_extras
    from rendering.views import score_extras

    return {**score_extras("E", model), **evaluation_chart_extras("chengdu", model)}


def _annual_shandong(model: Any) -> dict[str, Any]:
    from rendering.chart_view import evaluation_chart_extras

    return evaluation_chart_extras("shandong", model)


def chart_shapes(profile: str) -> dict[str, Any]:
    """The figures of an evaluation (rendering/chart_view.py): ``chart_<key>`` pictures."""
    from domain.charts import EVALUATION_CHARTS

    return {f"chart_{k}": _MAP for k in EVALUATION_CHARTS[profile]}


#: the figures are drawn from the record's ``charts`` (domain/charts.py), not printed as text
CHARTS_NOT_PRINTED: dict[str, str] = {
    "charts": "绘制为图（rendering/charts.py），图题注明所依条款；"
              "图中数值与表中、文中数值同源（POST /v1/evaluations）"}


def _report(model: Any) -> dict[str, Any]:
    from rendering.views import report_extras

    return report_extras(model)


def _table7(model: Any) -> dict[str, Any]:
    from rendering.views import table7_extras

    return table7_extras(model)


def _chengdu(type_: str) -> Callable[[Any], dict[str, Any]]:
    def extras(model: Any) -> dict[str, Any]:
        from rendering.chengdu_views import chengdu_table_extras

        return chengdu_table_extras(type_, model)

    return extras


_MAP = ListOf(Shape({"content": bytes, "caption": str}))
_INSURED = {"insured_name": str}  # the Chengdu tables' 投保单位 line (filled from the data)
_ANALYSIS = {"ls": bool, "lec": bool, "bands": str}
_AT = ("data",)

KINDS: dict[tuple[str, str], KindRendering] = {
    ("agreement", "shandong"): KindRendering(not_printed=INSURED_DETAILS),
    ("plan", "shandong"): KindRendering(not_printed=INSURED_DETAILS),
    ("plan", "national"): KindRendering(not_printed={
        **INSURED_DETAILS,
        "provider.overview": "服务机构概况：附录A 无此栏（山东 附件3 一 有），随记录的源 JSON 归档"}),
    ("plan", "chengdu"): KindRendering(not_printed={
        **INSURED_DETAILS, **{f"team.*.{k}": v for k, v in _TEAM.items() if k != "role"}}),
    ("annual_evaluation", "shandong"): KindRendering(
        _annual_shandong, chart_shapes("shandong"), not_printed={
            "pooled_by_broker": "统筹委托：决定是否印保险经纪机构签字行（附件6 注）",
            "sources.*.type": "记录编号中的类型代码（RPT、CBK、CMP、FEE…）已示类型",
            **CHARTS_NOT_PRINTED}),
    ("callback", "chengdu"): KindRendering(
        _callback_chengdu, _score_shape(), not_printed=_FINDINGS),
    ("annual_evaluation", "chengdu"): KindRendering(
        _annual_chengdu, {**_score_shape("base_total", "bonus_total"),
                          **chart_shapes("chengdu")}, not_printed={
            **_FINDINGS, "sources.*.type": "记录编号中的类型代码已示类型",
            **CHARTS_NOT_PRINTED}),
    ("report", "shandong"): KindRendering(
        _report,
        {"risks": ListOf(Shape({"level": str, "lsr": str}, base=RiskRow, origin=("risks", "*"),
                               sources={"level": (("risks", "*", "level"),)})),
         "risk_bands": str, "risk_map": _MAP},
        not_printed={
            "risks.*.l": "印在风险等级判定依据（L= S= R=）",
            "risks.*.s": "印在风险等级判定依据（L= S= R=）",
            "risks.*.area": "按场所/区域绘制安全风险四色图",
            "costs.*": "印在档案内容清单（AQ 9010.1-2025 附录B：实际支出金额）",
            "provider.overview": "服务机构概况：附件4 无此栏（印在服务方案 附件3 一）",
            **{f"technicians.*.{k}": v for k, v in _TEAM.items() if k != "scans"},
        }),
    ("chengdu_table_2", "chengdu"): KindRendering(_chengdu("chengdu_table_2"), {
        "survey": ListOf(Shape({k: str for k in ("num", "item", "basis", "record", "summary",
                                               "remark")},
                             sources={k: (("survey", "*", k),) for k in
                                      ("record", "summary", "remark")}))}),
    ("chengdu_table_5", "chengdu"): KindRendering(_chengdu("chengdu_table_5"), {
        **_ANALYSIS, "rows": ListOf(Shape({"r": str, "d": str, "level": str}, base=Table5Row,
                                        origin=("rows", "*")))},
        not_printed={"rows.*.level": "风险等级由 L、S（或 L、E、C）计算后打印，填写的须一致",
                     "method": "决定印 L S R 或 L E C D 列"}),
    ("chengdu_table_6", "chengdu"): KindRendering(_chengdu("chengdu_table_6"), {
        **_ANALYSIS, "rows": ListOf(Shape({"r": str, "d": str, "level": str}, base=Table6Row,
                                        origin=("rows", "*")))},
        not_printed={"rows.*.level": "风险等级由 L、S（或 L、E、C）计算后打印，填写的须一致",
                     "method": "决定印 L S R 或 L E C D 列"}),
    ("chengdu_table_7", "chengdu"): KindRendering(
        _table7,
        {"rows": ListOf(Shape({"level": str}, base=Table7Row, origin=("rows", "*"),
                              sources={"level": (("rows", "*", "level"),)})),
         "risk_map": _MAP},
        not_printed={"from_table5": "表 5 的各行导出为风险清单的行（风险描述、危害因素…）",
                     "from_table6": "表 6 的各行导出为风险清单的行（风险描述、危害因素…）"}),
    ("chengdu_table_8", "chengdu"): KindRendering(
        _chengdu("chengdu_table_8"),
        {k: str for k in ("manager_line", "mgmt_desc", "mgmt_sugg", "training_desc",
                          "training_sugg")},
        sources={"manager_line": (*_AT, "safety_manager"), "mgmt_desc": (*_AT, "issues"),
                 "mgmt_sugg": (*_AT, "issues"), "training_desc": (*_AT, "issues"),
                 "training_sugg": (*_AT, "issues")},
        not_printed={"safety_manager": "印在“安全主管姓名、电话”格",
                     "safety_manager_phone": "印在“安全主管姓名、电话”格",
                     "issues.*.category": "决定印在“安全生产管理”或“安全教育培训”行",
                     "issues.*.description": "按类别编号印在隐患描述格",
                     "issues.*.suggestion": "按类别编号印在整改建议格"}),
    ("chengdu_table_9", "chengdu"): KindRendering(_chengdu("chengdu_table_9")),
    ("chengdu_table_11", "chengdu"): KindRendering(
        _chengdu("chengdu_table_11"),
        {**{k: str for k in ("provider_name", "basis", "key_issues", "suggestions",
                             "main_hazards", "total_standard", "total_missing", "total_actual",
                             "total_score")},
         "elements": ListOf(Shape({"score": str, "standard": str, "deduction": str,
                                 "missing": str}, base=ScoreElement, origin=("elements", "*"),
                                sources={k: (("elements", "*", k),) for k in
                                         ("standard", "deduction", "missing")}))},
        sources={"provider_name": (*_AT, "provider"), "basis": (*_AT, "basis"),
                 "key_issues": (*_AT, "key_issues"), "suggestions": (*_AT, "suggestions"),
                 "main_hazards": (*_AT, "main_hazards")},
        not_printed={"provider": "印在封面（安全技术服务机构），不填则为乙方",
                     "basis.*": "编号印在一、检查依据", "key_issues.*": "编号印在重点和难点",
                     "suggestions.*": "编号印在主要建议", "main_hazards.*": "编号印在主要事故隐患",
                     "elements.*.score": "得分 = 标准分 − 扣分 − 缺项分，计算后打印，填写的须一致"}),
    ("chengdu_table_12", "chengdu"): KindRendering(
        _chengdu("chengdu_table_12"),
        {"members": ListOf(Shape({"role": str}, base=Table12Member))},
        not_printed={"leader": "印在自评小组“组长”行", "members.*": "印在自评小组“成员”行",
                     "leader.name": "印在自评小组“组长”行",
                     "leader.department": "印在自评小组“组长”行",
                     "leader.title": "印在自评小组“组长”行",
                     "leader.phone": "印在自评小组“组长”行",
                     "leader.remark": "印在自评小组“组长”行"}),
    ("chengdu_table_13", "chengdu"): KindRendering(
        _chengdu("chengdu_table_13"),
        {"eval_rows": ListOf(Shape({k: str for k in ("element", "content", "method", "guidance",
                                                   "result")},
                                 sources={"result": (("results", "*"),)}))},
        not_printed={"results.*": "印在各评估内容的评估结果格"}),
}


from rendering.added_kinds import ADDED_KINDS  # noqa: E402  complaints, Wenzhou (issue 14)

KINDS.update(ADDED_KINDS)


def _archive_contents(model: Any) -> dict[str, Any]:
    from rendering.values import DATA, MISSING, Overlay

    if model is None:
        return {}
    return {"items": [Overlay(r, path=(*DATA, "items", i),
                              present_text="具备" if r.present else "缺少")
                      for i, r in enumerate(model.items)],
            "not_a_service_record": True if not model.items else MISSING}


#: Forms the service prints that are not document types one can post (no catalog entry): the
#: data model each binds to.
PRINTED_FORMS: dict[tuple[str, str], Any] = {
    ("archive_contents", "national"): ArchiveContentsData,  # AQ 9010.1-2025 附录B per record
    ("four_properties", "national"): FourPropertiesReportData,  # DA/T 70-2018 四性检测报告
    ("regulator_summary", "national"): RegulatorReportData,  # 监管汇总报告 (issue 15 point 5)
}

KINDS[("archive_contents", "national")] = KindRendering(
    _archive_contents,
    {"items": ListOf(Shape({"present_text": str}, base=ArchiveContentsRow,
                           origin=("items", "*"))),
     "not_a_service_record": bool},
    not_printed={"items.*.present": "印作 具备/缺少"})


def _four_properties(model: Any) -> dict[str, Any]:
    from rendering.values import MISSING

    if model is None:
        return {}
    return {"no_problems": True if not model.problems else MISSING}


KINDS[("four_properties", "national")] = KindRendering(_four_properties, {"no_problems": bool})


def _regulator_summary(model: Any) -> dict[str, Any]:
    from rendering.regulator_report import report_extras

    return report_extras(model)


#: the charts are drawn from the summary by the service (rendering/regulator_report.py
#: chart_extras); the model's rows print every figure of the JSON, CSV and XLSX
KINDS[("regulator_summary", "national")] = KindRendering(
    _regulator_summary, {"no_fees": bool, **{f"chart_{n}": _MAP for n in CHART_NAMES}})


def kind_rendering(doc_type: str, profile: str) -> KindRendering:
    """The rendering extras of a kind (an empty entry for a kind that computes nothing)."""
    return KINDS.get((doc_type, profile), KindRendering())


def not_printed(doc_type: str, profile: str) -> dict[Pattern, str]:
    """Every posted field pattern the kind's form does not print as such, with the reason."""
    out = {**NOT_PRINTED_COMMON, **kind_rendering(doc_type, profile).not_printed}
    return {tuple(k.split(".")): v for k, v in out.items()}
