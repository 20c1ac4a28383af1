"""Chengdu Appendix C tables 1–13 (001_3fc616084e0abfd0.txt) as document types ``chengdu_table_N``.

``KINDS`` lists (type, title, source, model, checks) for each table; domain.catalog adds them.

Tables 5 (工作危害分析评价记录表) and 6 (安全检查分析评价记录表) carry the factors only: R (or D)
and the 风险等级 are computed with :func:`domain.risk.evaluate_ls` (风险矩阵分析法, the default)
or :func:`domain.risk.evaluate_lec` (作业条件危险性分析法, ``method: "lec"``) — the appendix
allows either (“可以选用 … 风险矩阵分析法、作业条件危险性分析法等方法之一”). A level sent
with a row must agree with the computed one. Table 7 (风险清单表) and the Shandong report's
风险辨识清单 can be derived from tables 5 and 6 (:func:`risk_list_from_analyses`,
:func:`report_risks_from_analyses`), so nothing is typed twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from pydantic import Field

from domain.common import LongText, Model, Money, Phone, Photos, ShortText, Text, YesNo
from domain.documents.plan import TrainingPlanRow
from domain.errors import DomainValidationError, PathPart, Problem
from domain.parties import PolicyLinked
from domain.risk import (
    RiskBands,
    RiskEvaluation,
    RiskLevel,
    check_declared_level,
    evaluate_lec,
    evaluate_ls,
    format_decimal,
    profile_bands,
)

__all__ = [
    "EVALUATION_ITEMS",
    "KINDS",
    "SURVEY_ITEMS",
    "AnalysisRow",
    "EvaluationItem",
    "SurveyItem",
    "Table1Data",
    "Table2Data",
    "Table3Data",
    "Table4Data",
    "Table5Data",
    "Table5Row",
    "Table6Data",
    "Table6Row",
    "Table7Data",
    "Table7Row",
    "Table8Data",
    "Table9Data",
    "Table10Data",
    "Table11Data",
    "Table12Data",
    "Table13Data",
    "bands_for",
    "evaluate_row",
    "report_risks_from_analyses",
    "risk_list_from_analyses",
    "score_totals",
]

MAX_ROWS = 500
SOURCE = "001_3fc616084e0abfd0.txt"

Have = Literal["有", "无"]
Method = Literal["ls", "lec"]


def _insured() -> Any:
    return Field(None, title="投保单位", description="表外注明的投保单位名称（仅填写时打印）")


# --- 表 1 安全生产教育培训计划 ---


class Table1Data(PolicyLinked):
    """表 1 安全生产教育培训计划:
    序号、培训主题、培训对象、培训形式、培训类型、培训资料、培训时间."""

    insured_name: ShortText | None = _insured()
    rows: list[TrainingPlanRow] = Field(min_length=1, max_length=MAX_ROWS,
                                        title="表 1 安全生产教育培训计划")


# --- 表 2 初始风险调查表 ---


@dataclass(frozen=True)
class SurveyItem:
    """One of the 13 printed rows of 初始风险调查内容: 调查项目, 调查依据 and the printed hint
    of the 调查记录 column (what to look at), where the appendix prints one."""

    no: str
    item: str
    basis: str
    hint: str | None = None


SURVEY_ITEMS: tuple[SurveyItem, ...] = (
    SurveyItem(
        "1",
        "员工是否具有较强的风险意识",
        "无",
        "查阅“三违”情况检查记录、事故档案，抽问岗位员工本岗位风险及应急处置措施",
    ),
    SurveyItem(
        "2",
        "组织机构是否健全，是否设有安全管理部门或配备专职安全管理人员",
        "《安全生产法》",
    ),
    SurveyItem(
        "3",
        "是否配备注册安全工程师或安全专业技术人员",
        "《成都市投保单位安全生产主体责任规范》",
    ),
    SurveyItem(
        "4",
        "是否建立有较为健全的安全管理规章制度及操作规程，且执行良好",
        "《安全生产法》 投保单位自身管理制度",
        "查阅各项制度执行记录",
    ),
    SurveyItem(
        "5",
        "投保单位经济状况是否较好，安全投入是否充足",
        "《投保单位安全生产费用提取和使用管理办法》",
    ),
    SurveyItem(
        "6",
        "生产场所是否涉及危险化学品（含“两重点一重大”）",
        "法律法规",
    ),
    SurveyItem(
        "7",
        "生产场所是否涉及燃爆性粉尘",
        "法律法规",
    ),
    SurveyItem(
        "8",
        "生产场所是否涉及高温液态金属",
        "法律法规",
    ),
    SurveyItem(
        "9",
        "生产场所是否属于劳动密集型场所",
        "法律法规",
    ),
    SurveyItem(
        "10",
        "设备设施运行状况是否良好，有无明显缺陷，各项强检设备是否按要求进行检定",
        "法律法规",
    ),
    SurveyItem(
        "11",
        "作业环境是否良好，职业危害因素检测结果是否符合要求",
        "法律法规",
    ),
    SurveyItem(
        "12",
        "作业活动是否严格执行操作规程及各项审批手续，有无“三违”现象",
        "法律法规及投保单位安全管理制度、操作规程",
    ),
    SurveyItem(
        "13",
        "安全管理可视化状况是否良好",
        "法律法规",
    ),
)

SurveyNo = Literal["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13"]
Tenure = Literal["自有", "租赁"]


class SurveyEntry(Model):
    record: Text | None = Field(None, title="调查记录")
    summary: Text | None = Field(None, title="调查小结")
    remark: ShortText | None = Field(None, title="备注")


class Table2Data(PolicyLinked):
    """表 2 初始风险调查表: the unit's particulars, the 13 survey items and the conclusion."""

    insured_name: ShortText = Field(title="投保单位名称", min_length=1)
    address: ShortText | None = Field(None, title="地址")
    nature: Literal["国有", "集体所有制", "私营", "联营", "股份制", "外资", "其他"] | None = Field(
        None, title="投保单位性质")
    business_scope: Text | None = Field(None, title="经营范围")
    industry: ShortText | None = Field(None, title="所属行业")
    built: ShortText | None = Field(None, title="建设时间", description="如 2012年6月")
    tenure: list[Tenure] = Field(default_factory=list, max_length=2, title="产权性质")
    owned_area: Decimal | None = Field(None, title="自有占地面积（m²）", ge=0, max_digits=12)
    leased_area: Decimal | None = Field(None, title="租赁占地面积（m²）", ge=0, max_digits=12)
    employees: int | None = Field(None, title="员工人数/人", ge=0)
    departments: int | None = Field(None, title="职能部门数量/个", ge=0)
    survey: dict[SurveyNo, SurveyEntry] = Field(
        default_factory=dict, title="初始风险调查内容",
        description="键为调查项目序号 1–13（见 SURVEY_ITEMS）",
    )
    conclusion: LongText | None = Field(None, title="初始风险调查结论")


def _check_table2(m: Table2Data) -> list[Problem]:
    out = []
    for field, tenure in (("owned_area", "自有"), ("leased_area", "租赁")):
        if getattr(m, field) is not None and tenure not in m.tenure:
            out.append(Problem(
                (field,), "tenure_area_without_tenure",
                f"填写了{tenure}占地面积，但产权性质未勾选「{tenure}」",
                f"{field} is given but the property rights (tenure) do not include {tenure!r}",
            ))
    return out


# --- 表 3 作业活动清单 / 表 4 设备设施清单 ---


class Table3Row(Model):
    post: ShortText | None = Field(None, title="岗位或场所")
    task: ShortText | None = Field(None, title="工作任务")
    activity: ShortText = Field(title="作业活动", min_length=1)
    steps: Text | None = Field(None, title="作业步骤")
    equipment: Text | None = Field(None, title="使用设备设施、工具、仪器仪表")
    hazards: Text | None = Field(None, title="可能产生的危险和有害因素")
    remark: Literal["常规", "非常规"] | None = Field(None, title="备注（常规/非常规）")


class Table3Data(PolicyLinked):
    """表 3 作业活动清单."""

    insured_name: ShortText | None = _insured()
    rows: list[Table3Row] = Field(min_length=1, max_length=MAX_ROWS, title="表 3 作业活动清单")


class Table4Row(Model):
    post: ShortText | None = Field(None, title="岗位或场所")
    name: ShortText = Field(title="设备设施名称", min_length=1)
    hazards: Text | None = Field(None, title="可能产生的危险和有害因素")
    status: ShortText | None = Field(None, title="备注（状态）")


class Table4Data(PolicyLinked):
    """表 4 设备设施清单."""

    insured_name: ShortText | None = _insured()
    rows: list[Table4Row] = Field(min_length=1, max_length=MAX_ROWS, title="表 4 设备设施清单")


# --- 表 5 / 表 6 评价记录表 ---


class AnalysisRow(Model):
    """The factors, measures and (optional, checked) level shared by the rows of 表 5 and 表 6."""

    l: Decimal = Field(  # noqa: E741 — L is the standard's name
        title="可能性 L", allow_inf_nan=False,
        description="风险矩阵分析法取 1–5 的整数；"
        "作业条件危险性分析法取 0.1、0.2、0.5、1、3、6、10",
    )
    s: int | None = Field(None, title="严重性 S", ge=1, le=5, description="风险矩阵分析法，1–5")
    e: Decimal | None = Field(None, title="暴露频繁程度 E", allow_inf_nan=False,
                              description="作业条件危险性分析法：0.5、1、2、3、6、10")
    c: Decimal | None = Field(None, title="后果 C", allow_inf_nan=False,
                              description="作业条件危险性分析法：1、3、7、15、40、100")
    level: RiskLevel | None = Field(
        None, title="风险等级",
        description="可不填：由 L、S（或 L、E、C）计算；填写时须与计算结果一致",
    )
    controls: Text | None = Field(None, title="现有安全控制措施")
    suggestions: Text | None = Field(None, title="建议改进措施")
    remark: ShortText | None = Field(None, title="备注")


class Table5Row(AnalysisRow):
    step: Text = Field(title="工作步骤", min_length=1)
    hazards: Text | None = Field(None, title="危险和有害因素（人、物、作业环境、管理）")
    consequences: ShortText | None = Field(None, title="主要后果")


class Table6Row(AnalysisRow):
    item: ShortText = Field(title="检查项目", min_length=1)
    standard: Text | None = Field(None, title="标准")
    deviation: Text | None = Field(None, title="不符合标准的情况及后果")


class _Analysis(PolicyLinked):
    insured_name: ShortText | None = _insured()
    method: Method = Field(
        "ls", title="风险评价方法",
        description="ls：风险矩阵分析法 R=L×S（默认）；lec：作业条件危险性分析法 D=L×E×C",
    )
    analyst: ShortText | None = Field(None, title="分析人员")
    analysed_on: dt.date | None = Field(None, title="分析日期")
    reviewer: ShortText | None = Field(None, title="审核人")
    reviewed_on: dt.date | None = Field(None, title="审核日期")
    approver: ShortText | None = Field(None, title="审定人")
    approved_on: dt.date | None = Field(None, title="审定日期")


class Table5Data(_Analysis):
    """表 5 工作危害分析评价记录表 (JHA)."""

    workshop: ShortText | None = Field(None, title="车间（部门）")
    post: ShortText | None = Field(None, title="岗位")
    task: ShortText | None = Field(None, title="工作任务")
    rows: list[Table5Row] = Field(min_length=1, max_length=MAX_ROWS, title="工作危害分析评价记录")


class Table6Data(_Analysis):
    """表 6 安全检查分析评价记录表 (SCL)."""

    workshop: ShortText | None = Field(None, title="车间（部门）")
    area: ShortText | None = Field(None, title="区域/工艺过程")
    equipment: ShortText | None = Field(None, title="装置/设备/设施")
    rows: list[Table6Row] = Field(min_length=1, max_length=MAX_ROWS, title="安全检查分析评价记录")


def bands_for(method: Method) -> RiskBands:
    """The bands in force for ``method`` (printed under the table)."""
    return profile_bands("chengdu", method)


def _method_of(row: AnalysisRow) -> Method:
    return "lec" if row.s is None and (row.e is not None or row.c is not None) else "ls"


def evaluate_row(row: AnalysisRow, method: Method | None = None,
                 path: tuple[PathPart, ...] = ()) -> RiskEvaluation:
    """R = L×S (or D = L×E×C) and the level of one row; ``method`` None: from the factors given.

    Raises :class:`domain.errors.DomainValidationError` naming the missing or off-scale factor
    (paths use the field names ``l``, ``s``, ``e``, ``c``).
    """
    method = method or _method_of(row)
    need = ("s",) if method == "ls" else ("e", "c")
    extra = ("e", "c") if method == "ls" else ("s",)
    problems = [Problem(
        (*path, f), "risk.factor.missing",
        f"{'风险矩阵分析法' if method == 'ls' else '作业条件危险性分析法'}须填写 {f.upper()}",
        f"the {method.upper()} method needs {f.upper()}",
    ) for f in need if getattr(row, f) is None]
    problems += [Problem(
        (*path, f), "risk.factor.unexpected",
        f"{'风险矩阵分析法' if method == 'ls' else '作业条件危险性分析法'}不使用 {f.upper()}",
        f"the {method.upper()} method does not use {f.upper()}",
    ) for f in extra if getattr(row, f) is not None]
    if problems:
        raise DomainValidationError(problems)
    try:
        if method == "ls":
            return evaluate_ls(row.l, row.s, profile_bands("chengdu", "ls"), path=path)
        return evaluate_lec(row.l, row.e, row.c, profile_bands("chengdu", "lec"), path=path)
    except DomainValidationError as exc:  # OffScaleError names "L", "S": use the field names
        raise DomainValidationError([
            Problem((*p.path[:-1], str(p.path[-1]).lower()) if p.path else p.path,
                    p.rule, p.message_zh, p.message_en)
            for p in exc.problems
        ]) from None


def _check_analysis(m: _Analysis, prefix: tuple[PathPart, ...] = ()) -> list[Problem]:
    """Factors on their method's scale; a sent 风险等级 agreeing with the computed one."""
    out: list[Problem] = []
    rows: Sequence[AnalysisRow] = m.rows  # type: ignore[attr-defined]
    for i, row in enumerate(rows):
        path = (*prefix, "rows", i)
        try:
            ev = evaluate_row(row, m.method, path)
            check_declared_level(row.level, ev, (*path, "level"))
        except DomainValidationError as exc:
            out += exc.problems
    return out


# --- 表 7 风险清单表 ---


class Table7Row(Model):
    risk_type: ShortText | None = Field(None, title="风险类型")
    description: Text = Field(title="风险描述", min_length=1)
    site_address: ShortText | None = Field(None, title="场所地址")
    hazard_factors: Text | None = Field(None, title="危害因素")
    risk_source: ShortText | None = Field(None, title="风险源")
    source_address: ShortText | None = Field(None, title="风险源详细地址")
    level: RiskLevel = Field(title="风险等级")
    remark: ShortText | None = Field(None, title="备注")


class Table7Data(PolicyLinked):
    """表 7 风险清单表: rows typed here plus the rows derived from tables 5 and 6 given here."""

    insured_name: ShortText | None = _insured()
    rows: list[Table7Row] = Field(default_factory=list, max_length=MAX_ROWS, title="风险清单")
    from_table5: list[Table5Data] = Field(
        default_factory=list, max_length=50, title="由表 5 工作危害分析评价记录表导出",
        description="给出的表 5 的每一行按计算的风险等级列入风险清单（列在 rows 之后）",
    )
    from_table6: list[Table6Data] = Field(
        default_factory=list, max_length=50, title="由表 6 安全检查分析评价记录表导出",
        description="给出的表 6 的每一行按计算的风险等级列入风险清单（列在表 5 导出的行之后）",
    )
    compiler: ShortText | None = Field(None, title="编制人")
    compiled_on: dt.date | None = Field(None, title="编制日期")
    reviewer: ShortText | None = Field(None, title="审核人")
    reviewed_on: dt.date | None = Field(None, title="审核日期")
    approver: ShortText | None = Field(None, title="批准人")
    approved_on: dt.date | None = Field(None, title="批准日期")

    def risk_list(self) -> list[Table7Row]:
        """Every row of the list: the typed rows, then those derived from tables 5 and 6."""
        out = list(self.rows)
        for t5 in self.from_table5:
            out += risk_list_from_analyses(t5, None)
        for t6 in self.from_table6:
            out += risk_list_from_analyses(None, t6)
        return out


def _check_table7(m: Table7Data) -> list[Problem]:
    out: list[Problem] = []
    for k, t5 in enumerate(m.from_table5):
        out += _check_analysis(t5, ("from_table5", k))
    for k, t6 in enumerate(m.from_table6):
        out += _check_analysis(t6, ("from_table6", k))
    if not (m.rows or m.from_table5 or m.from_table6):
        out.append(Problem(
            ("rows",), "risk_list_empty",
            "风险清单为空：请填写 rows，或给出 from_table5 / from_table6 由表 5、表 6 导出",
            "the risk list is empty: give rows, or from_table5 / from_table6 to derive them",
        ))
    return out


def _join(*parts: str | None, sep: str = " ") -> str | None:
    text = sep.join(p for p in parts if p)
    return text or None


def _cut(text: str | None, n: int = 200) -> str | None:
    return text if text is None or len(text) <= n else text[: n - 1] + "…"


def _factors_text(ev: RiskEvaluation) -> str:
    f = "，".join(f"{k}={format_decimal(v)}" for k, v in ev.factors.items())
    return f"{f}，{ev.method.symbol}={ev.value_text}"


def _rows5(table5: Table5Data | Sequence[Table5Row] | None) -> tuple[Any, Sequence[Table5Row]]:
    if table5 is None:
        return None, ()
    if isinstance(table5, Table5Data):
        return table5, table5.rows
    return None, table5


def _rows6(table6: Table6Data | Sequence[Table6Row] | None) -> tuple[Any, Sequence[Table6Row]]:
    if table6 is None:
        return None, ()
    if isinstance(table6, Table6Data):
        return table6, table6.rows
    return None, table6


def _method(table: Any) -> Method | None:
    return table.method if table is not None else None


def risk_list_from_analyses(
    table5_rows: Table5Data | Sequence[Table5Row] | None,
    table6_rows: Table6Data | Sequence[Table6Row] | None,
) -> list[Table7Row]:
    """表 7 rows derived from 表 5 (作业活动) and 表 6 (设备设施), in that order.

    Give the whole table (``Table5Data`` / ``Table6Data``) to carry its 车间（部门）, 岗位,
    区域 and 装置 into 场所地址 / 风险源 / 风险源详细地址, or just its rows. The level is the one
    computed from the factors (never a typed one); 备注 names the source row and its factors.
    """
    out: list[Table7Row] = []
    t5, rows5 = _rows5(table5_rows)
    for i, r in enumerate(rows5, start=1):
        ev = evaluate_row(r, _method(t5))
        workshop, post, task = (t5.workshop, t5.post, t5.task) if t5 else (None, None, None)
        out.append(Table7Row(
            risk_type="作业活动",
            description=_cut(_join(
                f"{_join(task, r.step, sep='—')}：{r.hazards}" if r.hazards else _join(task, r.step,
                                                                                     sep="—"),
                f"可能导致{r.consequences}" if r.consequences else None, sep="，"), 2000) or r.step,
            site_address=workshop,
            hazard_factors=r.hazards,
            risk_source=_cut(_join(task, r.step, sep="—")),
            source_address=_cut(_join(workshop, post)),
            level=ev.level,
            remark=_cut(f"表5第{i}项（{_factors_text(ev)}）"),
        ))
    t6, rows6 = _rows6(table6_rows)
    for i, r6 in enumerate(rows6, start=1):
        ev = evaluate_row(r6, _method(t6))
        workshop, area, equipment = (t6.workshop, t6.area, t6.equipment) if t6 else (None,) * 3
        out.append(Table7Row(
            risk_type="设备设施",
            description=_cut(f"{_join(equipment, r6.item, sep='—')}：{r6.deviation}"
                             if r6.deviation else _join(equipment, r6.item, sep="—"), 2000)
            or r6.item,
            site_address=workshop,
            hazard_factors=r6.deviation,
            risk_source=_cut(_join(equipment, r6.item, sep="—")),
            source_address=_cut(_join(workshop, area)),
            level=ev.level,
            remark=_cut(f"表6第{i}项（{_factors_text(ev)}）"),
        ))
    return out


def report_risks_from_analyses(
    table5_rows: Table5Data | Sequence[Table5Row] | None,
    table6_rows: Table6Data | Sequence[Table6Row] | None,
) -> list[dict[str, Any]]:
    """The Shandong report's 风险辨识清单 rows (domain.documents.report.RiskRow fields) from
    tables 5 and 6: 风险名称, 类型, 依据, 防范措施, 风险等级, 场所/区域 and, for the risk matrix
    method, L and S (the report recomputes and checks the level from them)."""
    out: list[dict[str, Any]] = []

    def measures(r: AnalysisRow) -> str | None:
        return _cut(_join(r.controls, f"建议：{r.suggestions}" if r.suggestions else None,
                          sep="；"), 2000)

    def factors(ev: RiskEvaluation) -> dict[str, Any]:
        if ev.method.value == "LS":
            return {"l": int(ev.factors["L"]), "s": int(ev.factors["S"])}
        return {}

    t5, rows5 = _rows5(table5_rows)
    for r in rows5:
        ev = evaluate_row(r, _method(t5))
        out.append({
            "name": _cut(_join(t5.task if t5 else None, r.step, sep="—")) or r.step[:200],
            "type": r.consequences or "作业活动",
            "basis": _cut(_join("工作危害分析（表5）", r.hazards, sep="："), 2000),
            "measures": measures(r),
            "level": ev.level.value,
            "area": _cut(_join(t5.workshop, t5.post)) if t5 else None,
            **factors(ev),
        })
    t6, rows6 = _rows6(table6_rows)
    for r6 in rows6:
        ev = evaluate_row(r6, _method(t6))
        out.append({
            "name": _cut(_join(t6.equipment if t6 else None, r6.item, sep="—")) or r6.item,
            "type": "设备设施",
            "basis": _cut(_join("安全检查分析（表6）", r6.standard, sep="："), 2000),
            "measures": measures(r6),
            "level": ev.level.value,
            "area": _cut(_join(t6.workshop, t6.area)) if t6 else None,
            **factors(ev),
        })
    return out


# --- 表 8 隐患排查服务现场记录表 ---


class SafetyEvaluation(Model):
    """安全评价情况."""

    three_simultaneous: Have | None = Field(None, title="三同时")
    completion_report_date: dt.date | None = Field(None, title="竣工验收报告时间")
    current: Have | None = Field(None, title="现状")
    current_report_date: dt.date | None = Field(None, title="现状报告时间")


class OccupationalHealth(Model):
    """职业卫生评价、检测情况."""

    three_simultaneous: Have | None = Field(None, title="三同时")
    control_report_date: dt.date | None = Field(None, title="控评报告时间")
    current: Have | None = Field(None, title="现状")
    current_report_date: dt.date | None = Field(None, title="现状报告时间")
    testing: Have | None = Field(None, title="检测")
    testing_report_date: dt.date | None = Field(None, title="检测报告时间")


class Standardization(Model):
    """安全生产标准化情况."""

    qualified: Literal["是", "否", "正在开展"] | None = Field(None, title="达标")
    grade: Literal["一", "二", "三"] | None = Field(None, title="达标等级（ 级）")
    qualified_date: dt.date | None = Field(None, title="达标时间")


class EmergencyPlan(Model):
    """应急预案."""

    has_plan: Have | None = Field(None, title="预案")
    procedures: list[Literal["备案", "评审"]] = Field(default_factory=list, max_length=2,
                                                    title="备案/评审")
    compiled_on: dt.date | None = Field(None, title="预案编制时间")


class Table8Issue(Model):
    category: Literal["安全生产管理", "安全教育培训"] = Field(
        title="安全管理资料存在问题的类别")
    description: Text = Field(title="隐患描述", min_length=1)
    suggestion: Text | None = Field(None, title="整改建议")


class Table8Data(PolicyLinked):
    """表 8 隐患排查服务现场记录表."""

    insured_name: ShortText = Field(title="受检投保单位名称", min_length=1)
    safety_manager: ShortText | None = Field(None, title="受检投保单位安全主管姓名")
    safety_manager_phone: Phone | None = Field(None, title="受检投保单位安全主管电话")
    address: ShortText | None = Field(None, title="受检投保单位地址")
    hazardous_chemicals: Text | None = Field(None, title="主要危险化学品类型/储存量")
    safety_evaluation: SafetyEvaluation = Field(default_factory=SafetyEvaluation,
                                                title="安全评价情况")
    dual_prevention: Literal["已开展", "未开展"] | None = Field(
        None, title="安全风险管控情况：双预控")
    occupational_health: OccupationalHealth = Field(default_factory=OccupationalHealth,
                                                    title="职业卫生评价、检测情况")
    standardization: Standardization = Field(default_factory=Standardization,
                                             title="安全生产标准化情况")
    emergency_plan: EmergencyPlan = Field(default_factory=EmergencyPlan, title="应急预案")
    issues: list[Table8Issue] = Field(default_factory=list, max_length=200,
                                      title="检查情况：安全管理资料存在问题")


def _check_table8(m: Table8Data) -> list[Problem]:
    out: list[Problem] = []
    pairs: list[tuple[tuple[str, ...], Any, Any, str]] = [
        (("safety_evaluation",), m.safety_evaluation.three_simultaneous,
         m.safety_evaluation.completion_report_date, "completion_report_date"),
        (("safety_evaluation",), m.safety_evaluation.current,
         m.safety_evaluation.current_report_date, "current_report_date"),
        (("occupational_health",), m.occupational_health.three_simultaneous,
         m.occupational_health.control_report_date, "control_report_date"),
        (("occupational_health",), m.occupational_health.current,
         m.occupational_health.current_report_date, "current_report_date"),
        (("occupational_health",), m.occupational_health.testing,
         m.occupational_health.testing_report_date, "testing_report_date"),
        (("emergency_plan",), m.emergency_plan.has_plan, m.emergency_plan.compiled_on,
         "compiled_on"),
    ]
    for base, answer, date, field in pairs:
        if answer == "无" and date is not None:
            out.append(Problem(
                (*base, field), "report_date_without_report",
                "勾选了「无」却填写了报告（编制）时间",
                f"{field} is given but the answer is 无 (none)",
            ))
    st = m.standardization
    if st.grade is not None and st.qualified != "是":
        out.append(Problem(("standardization", "grade"), "grade_without_qualification",
                           "达标等级仅在「达标：是」时填写",
                           "a standardization grade needs qualified = 是"))
    return out


# --- 表 9 隐患排查治理台账 ---


class Table9Row(Model):
    found_on: dt.date | None = Field(None, title="排查时间")
    inspectors: ShortText | None = Field(None, title="排查人员")
    category: ShortText | None = Field(None, title="隐患分类类别")
    subcategory: ShortText | None = Field(None, title="隐患细类")
    description: Text = Field(title="隐患具体描述", min_length=1)
    photos: Photos = Field(default_factory=list, title="隐患照片")
    grade: Literal["重大", "一般"] = Field(title="隐患分级")
    measures: Text | None = Field(None, title="治理措施")
    deadline: dt.date | None = Field(None, title="治理时限")
    responsible: ShortText | None = Field(None, title="责任人")
    funds: Money | None = Field(None, title="经费（元）")
    rectification: Text | None = Field(None, title="治理情况描述")
    rectification_photos: Photos = Field(default_factory=list, title="治理照片")
    accepted_on: dt.date | None = Field(None, title="验收时间")
    acceptors: ShortText | None = Field(None, title="验收人员")
    remark: ShortText | None = Field(None, title="备注")


class Table9Data(PolicyLinked):
    """表 9 隐患排查治理台账: 隐患排查 / 隐患治理 / 隐患效果验收."""

    insured_name: ShortText | None = _insured()
    rows: list[Table9Row] = Field(min_length=1, max_length=MAX_ROWS, title="隐患排查治理台账")


def _check_table9(m: Table9Data) -> list[Problem]:
    out: list[Problem] = []
    for i, r in enumerate(m.rows):
        for field, zh in (("deadline", "治理时限"), ("accepted_on", "验收时间")):
            d = getattr(r, field)
            if d is not None and r.found_on is not None and d < r.found_on:
                out.append(Problem(("rows", i, field), "date_before_found",
                                   f"{zh}（{d}）早于排查时间（{r.found_on}）",
                                   f"{field} ({d}) is before the date found ({r.found_on})"))
        if r.accepted_on is not None and not r.rectification:
            out.append(Problem(("rows", i, "rectification"), "accepted_without_rectification",
                               "已填写验收时间，须描述治理情况",
                               "an accepted hazard needs its rectification described"))
    return out


# --- 表 10 安全生产标准化技术服务过程记录表 ---


class Table10Data(PolicyLinked):
    """表 10 安全生产标准化技术服务过程记录表."""

    unit_name: ShortText = Field(title="单位名称", min_length=1)
    stage: ShortText | None = Field(None, title="技术服务阶段",
                                    description="如 初始评估、宣贯培训、体系建设、运行评估、"
                                    "自评与申报")
    visit_count: int | None = Field(None, title="累计次数", ge=1)
    service_date: dt.date | None = Field(None, title="技术服务时间")
    last_followup: LongText | None = Field(None, title="一、上次工作落实情况")
    this_work: LongText | None = Field(None, title="二、本次工作内容")
    next_plan: LongText | None = Field(None, title="三、下次工作计划内容")
    opinion: LongText | None = Field(None, title="企业意见或建议")
    technicians: ShortText | None = Field(None, title="技术服务人员签字")
    escort: ShortText | None = Field(None, title="陪同人员签字")


# --- 表 11 安全生产标准化初始现状评估报告 ---


class ScoreElement(Model):
    name: ShortText = Field(title="要素", min_length=1)
    standard: Decimal = Field(title="标准分", ge=0, max_digits=8, decimal_places=2)
    score: Decimal | None = Field(None, title="得分", ge=0, max_digits=8, decimal_places=2,
                                  description="可不填：得分 = 标准分 − 扣分 − 缺项分")
    deduction: Decimal = Field(Decimal(0), title="扣分", ge=0, max_digits=8, decimal_places=2)
    missing: Decimal = Field(Decimal(0), title="缺项分", ge=0, max_digits=8, decimal_places=2)

    @property
    def computed_score(self) -> Decimal:
        return self.standard - self.deduction - self.missing


@dataclass(frozen=True)
class ScoreTotals:
    standard: Decimal
    missing: Decimal
    actual: Decimal
    total: Decimal | None  # 实得分 ÷（标准分 − 缺项分）× 100


def score_totals(elements: Iterable[ScoreElement]) -> ScoreTotals:
    """标准分、缺项分、实得分 and 总得分 = 实得分 ÷（标准分 − 缺项分）× 100 (two decimals)."""
    els = list(elements)
    standard = sum((e.standard for e in els), Decimal(0))
    missing = sum((e.missing for e in els), Decimal(0))
    actual = sum((e.computed_score for e in els), Decimal(0))
    applicable = standard - missing
    total = (actual / applicable * 100).quantize(Decimal("0.01"), ROUND_HALF_UP) if applicable \
        else None
    return ScoreTotals(standard, missing, actual, total)


class Table11Hazard(Model):
    """表A 工作场所事故隐患排查记录表 one row."""

    problem: Text = Field(title="发现的主要隐患或问题", min_length=1)
    clause: Text | None = Field(None, title="不符合规定的条款及内容")
    measures: Text | None = Field(None, title="整改措施或建议")
    deadline: dt.date | None = Field(None, title="整改时限")


class Table11Data(PolicyLinked):
    """表 11 安全生产标准化初始现状评估报告 (cover, 一–三 and 表A)."""

    insured_name: ShortText = Field(title="被服务投保单位名称（甲方名称）", min_length=1)
    party_b: ShortText = Field(title="乙方名称", min_length=1,
                               description="与投保单位签订服务方案的一方")
    provider: ShortText | None = Field(None, title="安全技术服务机构",
                                       description="封面盖章的机构；不填则为乙方")
    compiler: ShortText | None = Field(None, title="报告编制人")
    technical_lead: ShortText | None = Field(None, title="技术负责人")
    approver: ShortText | None = Field(None, title="批准人")
    report_date: dt.date | None = Field(None, title="报告日期")
    period_start: dt.date | None = Field(None, title="摸底排查开始日期")
    period_end: dt.date | None = Field(None, title="摸底排查结束日期")
    basis: list[Text] = Field(default_factory=list, max_length=50, title="一、检查依据")
    scoring_standard: ShortText | None = Field(None, title="评定标准名称",
                                               description="“依据《 》的规定”中的标准")
    elements: list[ScoreElement] = Field(default_factory=list, max_length=100,
                                         title="安全管理现状得分情况")
    key_issues: list[Text] = Field(default_factory=list, max_length=50,
                                   title="安全管理重点和难点")
    suggestions: list[Text] = Field(default_factory=list, max_length=50,
                                    title="安全管理主要建议")
    workplaces: ShortText | None = Field(None, title="排查的工作场所")
    main_hazards: list[Text] = Field(default_factory=list, max_length=50,
                                     title="发现的主要事故隐患")
    escort: ShortText | None = Field(None, title="投保单位陪同人员")
    screening_date: dt.date | None = Field(None, title="排查时间")
    hazards: list[Table11Hazard] = Field(default_factory=list, max_length=MAX_ROWS,
                                         title="表A 工作场所事故隐患排查记录表")
    team_signed_on: dt.date | None = Field(None, title="技术服务项目组签署日期")


def _check_table11(m: Table11Data) -> list[Problem]:
    out: list[Problem] = []
    if m.period_start and m.period_end and m.period_end < m.period_start:
        out.append(Problem(("period_end",), "end_before_start", "结束日期早于开始日期",
                           "the period ends before it starts"))
    for i, e in enumerate(m.elements):
        if e.deduction + e.missing > e.standard:
            out.append(Problem(("elements", i, "deduction"), "score_over_standard",
                               f"扣分与缺项分之和超过标准分 {format_decimal(e.standard)}",
                               f"deduction plus missing exceed the standard score "
                               f"{format_decimal(e.standard)}"))
        elif e.score is not None and e.score != e.computed_score:
            out.append(Problem(
                ("elements", i, "score"), "score_contradicts_computed",
                f"得分 {format_decimal(e.score)} 与 标准分−扣分−缺项分 = "
                f"{format_decimal(e.computed_score)} 不一致",
                f"score {format_decimal(e.score)} contradicts standard − deduction − missing = "
                f"{format_decimal(e.computed_score)}"))
    return out


# --- 表 12 投保单位安全生产标准化自评报告 ---

Grade = Literal["一级", "二级", "三级", "小微企业"]


class Table12Member(Model):
    name: ShortText = Field(title="姓名", min_length=1)
    department: ShortText | None = Field(None, title="所在部门")
    title: ShortText | None = Field(None, title="职务/职称")
    phone: Phone | None = Field(None, title="电话")
    remark: ShortText | None = Field(None, title="备注")


class Table12Data(PolicyLinked):
    """表 12 投保单位安全生产标准化自评报告:
    cover, 一、基本情况表, 二、自评总结, 三、评审申请表."""

    company: ShortText = Field(title="企业名称", min_length=1)
    industry: ShortText | None = Field(None, title="所属行业")
    specialty: ShortText | None = Field(None, title="专业")
    self_score: Decimal | None = Field(None, title="自评得分", ge=0, le=100, max_digits=5,
                                       decimal_places=2)
    self_grade: Grade | None = Field(None, title="自评等级")
    self_eval_date: dt.date | None = Field(None, title="自评日期")
    publicized: YesNo | None = Field(None, title="是否在企业内部公示")
    apply_review: YesNo | None = Field(None, title="是否申请评审")
    address: ShortText | None = Field(None, title="地址")
    nature: Literal["国有", "集体", "民营", "私营", "合资", "独资", "其他"] | None = Field(
        None, title="企业性质")
    safety_org: ShortText | None = Field(None, title="安全管理机构")
    employees: int | None = Field(None, title="员工总数（人）", ge=0)
    safety_staff: int | None = Field(None, title="专职安全管理人员（人）", ge=0)
    special_workers: int | None = Field(None, title="特种作业人员（人）", ge=0)
    fixed_assets: Money | None = Field(None, title="固定资产（万元）")
    revenue: Money | None = Field(None, title="主营业务收入（万元）")
    shifts: Literal["有", "没有"] | None = Field(None, title="倒班情况")
    shift_pattern: ShortText | None = Field(None, title="倒班人数及方式")
    legal_rep: ShortText | None = Field(None, title="法定代表人")
    legal_rep_phone: Phone | None = Field(None, title="法定代表人电话")
    legal_rep_fax: Phone | None = Field(None, title="法定代表人传真")
    contact: ShortText | None = Field(None, title="联系人")
    contact_phone: Phone | None = Field(None, title="联系人电话")
    contact_fax: Phone | None = Field(None, title="联系人传真")
    contact_mobile: Phone | None = Field(None, title="联系人手机")
    contact_email: ShortText | None = Field(None, title="联系人电子信箱")
    previous_grade: Literal["一级", "二级", "三级", "小微企业", "无"] | None = Field(
        None, title="本次自评前本专业曾经取得的标准化等级")
    group_name: ShortText | None = Field(None, title="企业集团名称",
                                         description="企业是某企业集团的成员单位时填写")
    ohs_certificate: ShortText | None = Field(
        None, title="职业健康安全管理体系认证证书名称和发证机构")
    leader: Table12Member | None = Field(None, title="自评小组组长")
    members: list[Table12Member] = Field(default_factory=list, max_length=50,
                                         title="自评小组成员")
    overview: LongText | None = Field(None, title="1.企业概况")
    accidents: LongText | None = Field(None, title="2.近三年企业安全生产事故和职业病的发生情况")
    achievements: LongText | None = Field(None, title="3.企业安全生产标准化建设过程及取得成效")
    agree_review: YesNo | None = Field(
        None, title="1.企业是否同意遵守评审要求，并能提供评审所必需的真实信息")
    conclusion: LongText | None = Field(None, title="4.企业自评结论")
    legal_rep_signature: ShortText | None = Field(None, title="法定代表人（签名）")
    application_date: dt.date | None = Field(None, title="申请日期")


# --- 表 13 生产安全事故应急预案评估表 ---


@dataclass(frozen=True)
class EvaluationItem:
    key: str
    element: str  # 评估要素
    content: str  # 评估内容
    method: str  # 评估方法
    result: str  # 评估结果 (the printed guidance)


_LIST = "是否有不符合项，列出不符合项"
EVALUATION_ITEMS: tuple[EvaluationItem, ...] = (
    EvaluationItem(
        "1.1", "1.应急预案管理要求",
        "1.1 梳理《中华人民共和国突发事件应对法》《中华人民共和国安全生产法》《生产安"
        "全事故应急条例》等法律法规中的有关规定和要求，对照评估应急预案中的不符合项",
        "资料分析",
        _LIST,
    ),
    EvaluationItem(
        "1.2", "1.应急预案管理要求",
        "1.2 梳理国家标准、行业标准及地方标准中的有关规定和要求，对照评估应急预案中的"
        "不符合项",
        "资料分析",
        _LIST,
    ),
    EvaluationItem(
        "1.3", "1.应急预案管理要求",
        "1.3 梳理规范性文件中的有关新规定和要求，对照评估应急预案中的不符合项",
        "资料分析",
        _LIST,
    ),
    EvaluationItem(
        "1.4", "1.应急预案管理要求",
        "1.4 梳理上位预案中的有关新规定和要求，对照评估应急预案中的不符合项",
        "资料分析",
        _LIST,
    ),
    EvaluationItem(
        "2.1", "2.组织机构与职责",
        "2.1 查阅生产经营单位机构设置、部门职能调整、应急处置关键岗位职责划分方面的文"
        "件资料，初步分析本单位应急预案中应急组织机构设置及职责是否合适、是否需要调整",
        "资料分析",
        "根据文件资料，判断组织机构是否合适，列出不合适部分",
    ),
    EvaluationItem(
        "2.2", "2.组织机构与职责",
        "2.2 抽样访谈，了解掌握生产经营单位本级、基层单位办公室、生产、安全及其他业务"
        "部门有关人员对本部门、本岗位的应急工作职责的意见建议",
        "人员访谈",
        "列出相关人员的建议",
    ),
    EvaluationItem(
        "2.3", "2.组织机构与职责",
        "2.3 依据资料分析和抽样访谈的情况，结合应急预案中应急组织机构及职责，召集有关"
        "职能部门代表，就重要职能进行推演论证，评估值班值守、调度指挥、应急协调、信息上报"
        "、舆论沟通、善后恢复的职责划分是否清晰，关键岗位职责是否明确，应急组织机构设置及"
        "职能分配与业务是否匹配",
        "推演论证",
        "职责划分是否清晰，岗位职责是否明确，机构设置及职能分配与业务是否匹配，列出不符合"
        "项",
    ),
    EvaluationItem(
        "3.1", "3.主要事故风险",
        "3.1 查阅生产经营单位风险评估报告，对照生产运行和工艺设备方面有关文件资料，初"
        "步分析本单位面临的主要事故风险类型及风险等级划分情况",
        "资料分析",
        "根据相关资料得出的本单位面临的主要事故风险类型及风险等级划分情况",
    ),
    EvaluationItem(
        "3.2", "3.主要事故风险",
        "3.2 根据资料分析情况，前往重点基层单位、重点场所、重点部位查看验证",
        "现场审核",
        "现场查看风险情况",
    ),
    EvaluationItem(
        "3.3", "3.主要事故风险",
        "3.3 座谈研讨，就资料分析和现场查证的情况，与办公室、生产、安全及相关业务部门"
        "以及基层单位人员代表沟通交流，评估本单位事故风险辨识是否准确、类型是否合理、等级"
        "确定是否科学、防范和控制措施能否满足实际需要，并结合风险情况提出应急资源需求",
        "人员访谈",
        "事故风险辨识是否准确、类型是否合理、等级确定是否科学、防范和控制措施能否满足实际"
        "需要，列出不符合项",
    ),
    EvaluationItem(
        "4.1", "4.应急资源",
        "4.1 查阅生产经营单位应急资源调查报告，对照应急资源清单、管理制度及有关文件资"
        "料，初步分析本单位及合作区域的应急资源状况",
        "资料分析",
        "根据相关资料得出的本单位及合作区域的应急资源状况",
    ),
    EvaluationItem(
        "4.2", "4.应急资源",
        "4.2 根据资料分析情况，前往本单位及合作单位的物资储备库、重点场所，查看验证应"
        "急资源的实际储备、管理、维护情况，推演验证应急资源运输的路程路线及时长",
        "现场审核、推演论证",
        "应急资源的实际情况与预案情况是否相符，列出不符合项",
    ),
    EvaluationItem(
        "4.3", "4.应急资源",
        "4.3 座谈研讨，就资料分析和现场查证的情况，结合风险评估得出的应急资源需求，与"
        "办公室、生产、安全及相关业务部门以及基层单位人员沟通交流，评估本单位及合作区域内"
        "现有的应急资源的数量、种类、功能、用途是否发生重大变化，外部应急资源的协调机制、"
        "响应时间能否满足实际需求",
        "人员访谈",
        "应急资源是否发生变化，外部应急资源的协调机制、响应时间能否满足实际需求，列出不符"
        "合项",
    ),
    EvaluationItem(
        "5.1", "5.应急预案衔接",
        "5.1 查阅上下级单位、有关政府部门、救援队伍及周边单位的相关应急预案，梳理分析"
        "在信息报告、响应分级、指挥权移交及警戒疏散工作方面的衔接要求，对照评估应急预案中"
        "的不符合项",
        "资料分析",
        _LIST,
    ),
    EvaluationItem(
        "5.2", "5.应急预案衔接",
        "5.2 座谈研讨，就资料分析的情况，与办公室、生产、安全及相关业务部门、基层单位"
        "、周边单位人员沟通交流，评估应急预案在内外部上下衔接中的问题",
        "人员访谈",
        "是否有问题，列出预案衔接中的问题",
    ),
    EvaluationItem(
        "6.1", "6.实施反馈",
        "6.1 查阅生产经营单位应急演练评估报告、应急处置总结报告、监督检查、体系审核及"
        "投诉举报方面的文件资料，初步梳理归纳应急预案存在的问题",
        "资料分析",
        "列出存在的问题",
    ),
    EvaluationItem(
        "6.2", "6.实施反馈",
        "6.2 座谈研讨，就资料分析得出的情况，与办公室、生产、安全及相关业务部门、基层"
        "单位人员沟通交流，评估确认应急预案存在的问题",
        "人员访谈",
        "列出座谈中反映的问题",
    ),
    EvaluationItem(
        "7.1", "7.其他",
        "7.1 查阅其他有可能影响应急预案适用性因素的文件资料，对照评估应急预案中的不符"
        "合项",
        "资料分析",
        _LIST,
    ),
    EvaluationItem(
        "7.2", "7.其他",
        "7.2 依据资料分析的情况，采取人员访谈、现场审核、推演论证的方式进一步评估确认"
        "有关问题",
        "人员访谈、现场审核、推演论证",
        "列出其他有关问题",
    ),
)

EvaluationKey = Literal["1.1", "1.2", "1.3", "1.4", "2.1", "2.2", "2.3", "3.1", "3.2", "3.3",
                        "4.1", "4.2", "4.3", "5.1", "5.2", "6.1", "6.2", "7.1", "7.2"]


class Table13Data(PolicyLinked):
    """表 13 生产安全事故应急预案评估表: the printed elements 1.1–7.2 with their results."""

    insured_name: ShortText | None = _insured()
    plan_name: ShortText | None = Field(None, title="被评估的应急预案")
    evaluators: ShortText | None = Field(None, title="评估人员")
    evaluated_on: dt.date | None = Field(None, title="评估日期")
    results: dict[EvaluationKey, Text] = Field(
        default_factory=dict, title="评估结果",
        description="键为评估内容编号 1.1–7.2（见 EVALUATION_ITEMS）",
    )


# --- registry ---

Check = Callable[[Any], list[Problem]]


def _c(n: int) -> str:
    return f"成都市安全生产责任保险事故预防技术服务规范 附录C 表{n}"


KINDS: tuple[tuple[str, str, str, Any, tuple[Check, ...]], ...] = (
    ("chengdu_table_1", "表 1 安全生产教育培训计划", _c(1), Table1Data, ()),
    ("chengdu_table_2", "表 2 初始风险调查表", _c(2), Table2Data, (_check_table2,)),
    ("chengdu_table_3", "表 3 作业活动清单", _c(3), Table3Data, ()),
    ("chengdu_table_4", "表 4 设备设施清单", _c(4), Table4Data, ()),
    ("chengdu_table_5", "表 5 工作危害分析评价记录表", _c(5), Table5Data, (_check_analysis,)),
    ("chengdu_table_6", "表 6 安全检查分析评价记录表", _c(6), Table6Data, (_check_analysis,)),
    ("chengdu_table_7", "表 7 风险清单表", _c(7), Table7Data, (_check_table7,)),
    ("chengdu_table_8", "表 8 隐患排查服务现场记录表", _c(8), Table8Data, (_check_table8,)),
    ("chengdu_table_9", "表 9 隐患排查治理台账", _c(9), Table9Data, (_check_table9,)),
    ("chengdu_table_10", "表 10 安全生产标准化技术服务过程记录表", _c(10), Table10Data, ()),
    ("chengdu_table_11", "表 11 安全生产标准化初始现状评估报告", _c(11), Table11Data,
     (_check_table11,)),
    ("chengdu_table_12", "表 12 投保单位安全生产标准化自评报告", _c(12), Table12Data, ()),
    ("chengdu_table_13", "表 13 生产安全事故应急预案评估表", _c(13), Table13Data, ()),
)
