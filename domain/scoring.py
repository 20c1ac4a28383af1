"""Score tables computed from findings, never typed in.

Two catalogues, both from the Chengdu specification (001_3fc616084e0abfd0.txt):
- Appendix D 表1 投保单位满意度调查表: 14 indicators, 100 points.
- Appendix E 服务质量评估指标体系: 30 items, 100 points plus 30 bonus points.

Each rule is the 评分细则 of its row turned into arithmetic: a deduction per case found
(``step``), a heavier one per severe case, loss of the whole item (``failable``), an assessor's
discretionary deduction where the standard says 酌情扣分 or gives no arithmetic, or, for bonus
rows, points per award up to the cap.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from pydantic import Field, NonNegativeInt

from domain.common import Model, Text
from domain.errors import DomainValidationError, Problem

__all__ = [
    "APPENDIX_D",
    "APPENDIX_E",
    "Finding",
    "Rule",
    "ScoreLine",
    "ScoreSheet",
    "score",
]


class Finding(Model):
    """What the assessor found for one indicator; the score follows from it."""

    cases: NonNegativeInt = Field(0, title="扣分情形（例）")
    severe_cases: NonNegativeInt = Field(0, title="严重情形（例）")
    failed: bool = Field(False, title="本项不得分情形")
    deduction: Decimal = Field(Decimal(0), ge=0, max_digits=5, decimal_places=1, title="酌情扣分")
    awards: NonNegativeInt = Field(0, title="获表彰或推广（项）")
    achieved: bool = Field(False, title="达到加分条件")
    note: Text | None = Field(None, title="备注")


@dataclass(frozen=True)
class Rule:
    key: str
    group: str
    name: str
    max: Decimal
    criterion: str
    step: Decimal | None = None
    severe_step: Decimal | None = None
    failable: bool = False
    discretionary: bool = False
    bonus_step: Decimal | None = None
    bonus_flag: bool = False

    @property
    def is_bonus(self) -> bool:
        return self.bonus_step is not None or self.bonus_flag


@dataclass(frozen=True)
class ScoreLine:
    rule: Rule
    finding: Finding
    score: Decimal
    remark: str


@dataclass(frozen=True)
class ScoreSheet:
    lines: tuple[ScoreLine, ...]
    base_total: Decimal
    base_max: Decimal
    bonus_total: Decimal
    bonus_max: Decimal

    @property
    def total(self) -> Decimal:
        return self.base_total + self.bonus_total

    def group_totals(self) -> dict[str, Decimal]:
        out: dict[str, Decimal] = {}
        for line in self.lines:
            out[line.rule.group] = out.get(line.rule.group, Decimal(0)) + line.score
        return out


def _d(x: str | int) -> Decimal:
    return Decimal(str(x))


def _r(key: str, group: str, name: str, mx: int, criterion: str, **kw: object) -> Rule:
    conv = {k: (_d(str(v)) if k.endswith("step") and v is not None else v) for k, v in kw.items()}
    return Rule(key, group, name, _d(mx), criterion, **conv)  # type: ignore[arg-type]


# Chengdu Appendix D, 表1 投保单位满意度调查表 (合计 100).
APPENDIX_D: tuple[Rule, ...] = (
    _r("plan_preparation", "服务方案", "服务方案制定情况", 5,
       "与投保单位进行了充分协商，制定事故预防技术服务方案内容明确细致。", discretionary=True),
    _r("plan_satisfaction", "服务方案", "服务方案满意度", 10,
       "服务方案考虑了其行业领域特点、生产规模、风险分布、人员状况、安全管理基础和历史事故情况，"
       "并具有较强的适用性。", discretionary=True),
    _r("plan_completion", "服务实施", "服务方案完成情况", 10,
       "服务方案中约定项目均保质保量完成。每发现 1例未完成，扣 2分。", step=2),
    _r("extra_charges", "服务实施", "额外收费情况", 5,
       "在服务方案约定的项目服务实施过程未有额外收费的情况。每发现 1 例额外收费的，扣 2分。", step=2),
    _r("site_rules", "服务实施", "遵守投保单位安全管理制度情况", 5,
       "服务团队在服务实施过程中自觉遵守投保单位安全管理制度和操作规程。每发现 1 例违反单位安全"
       "管理制度和操作规程的，扣 2分。", step=2),
    _r("confidentiality", "服务实施", "保密情况", 10,
       "对投保单位的职工信息和技术商业秘密进行保密。每发现 1 例违反保密规定的，扣 3分；如有造成"
       "商业损失和不良影响的，扣 10分。", step=3, severe_step=10),
    _r("feedback", "服务反馈", "服务成果反馈情况", 5,
       "服务团队在工作结束后按规定时间和服务内容提供反馈成果。每发现 1例超时的情况，扣 2分；超时"
       "是规定时间 1倍的，扣 5分。", step=2, severe_step=5),
    _r("staff_qualification", "服务团队", "安全技术人员实际资质", 10,
       "服务实施过程中安全生产技术人员符合服务方案约定。每发现有 1人不符合要求，扣 5分。", step=5),
    _r("technical_level", "服务团队", "专业技术水平", 10,
       "服务团队在服务实施过程中展现出的专业技术水平。每发现有 1人不符合要求，扣 5分。", step=5),
    _r("attitude", "服务团队", "服务态度", 5,
       "服务团队在服务实施过程中的服务态度。每发现有 1例服务冲突的，扣 2分。", step=2),
    _r("complaint_channel", "投诉处理", "投诉渠道情况", 5,
       "保险公司应提供可靠、便捷的投诉渠道，告知投保单位投诉处理程序及纠纷调处方式。未提供告知投诉"
       "渠道的，此项不得分。", failable=True),
    _r("complaint_staff", "投诉处理", "办理投诉的人员", 5,
       "保险公司安排专门人员负责投诉的全流程响应、记录、跟踪、协调处理、反馈等工作。未安排人员负责"
       "投诉的，此项不得分。", failable=True),
    _r("complaint_timeliness", "投诉处理", "投诉处理的及时性", 10,
       "保险公司对投保单位提出的异议或投诉，按规定要求进行反馈。每发现 1例投诉处理不及时的情况，"
       "扣 5 分。", step=5),
    _r("complaint_satisfaction", "投诉处理", "对投诉处理的满意度", 5,
       "对保险公司的异议或投诉答复意见满意情况。每发现 1例投诉未得到满意处理的，扣 2分。", step=2),
)

_G1, _G2, _G3, _G4 = "服务保障", "服务质效", "投诉处理", "加分项"

# Chengdu Appendix E, 3 评价指标 (服务保障 30 + 服务质效 60 + 投诉处理 10; 加分项 30).
APPENDIX_E: tuple[Rule, ...] = (
    _r("mgmt_body", _G1, "建立安全生产责任保险业务的管理机构。", 5,
       "未建立安全生产责任保险业务的管理机构，本项不得分。安全生产责任保险业务的管理机构不完善的"
       "酌情扣分。", failable=True, discretionary=True),
    _r("responsibility", _G1, "建立事故预防技术服务工作责任制。", 3,
       "事故预防技术服务工作责任制的，本项不得分。在“服务流程、质量控制、机构管理、人员管理、"
       "档案管理、投诉处理和评价考核管理制度”等方面存在不完善的酌情扣分。",
       failable=True, discretionary=True),
    _r("mgmt_staff", _G1, "配备安全生产责任保险业务的管理人员。", 3,
       "未配备管理人员的，本项不得分。", failable=True),
    _r("mgmt_competence", _G1, "安全生产责任保险业务的管理人员应具备相应的保险和安全生产专业等能力。", 5,
       "安全生产责任保险业务的管理人员不具备相应的保险和安全生产专业知识，不了解相关法律法规和政策"
       "规定，不熟悉安全生产责任保险和事故预防技术服务的业务流程和管理制度，每年未能至少接受 1次"
       "专业技能培训，本项不得分。", failable=True),
    _r("full_process", _G1, "对安全生产责任保险事故预防技术服务进行全流程管理。", 3,
       "未进行安全生产责任保险事故预防技术服务进行全流程管理，在“服务准备、服务实施、服务反馈、服务"
       "回访”等环节中每发现 1例缺项，扣 0.5 分。", step="0.5"),
    _r("team", _G1, "根据事故预防技术服务工作的需要，组建服务团队。", 4,
       "针对不同服务项目，保险公司应结合投保单位行业类别、风险特点，分别组建服务团队，每个项目的"
       "服务团队应包含 3名以上安全生产专业技术人员。", discretionary=True),
    _r("funds_dedicated", _G1, "事故预防技术服务费用，专项用于事故预防工作。", 5,
       "事故预防资金的足额提取和使用、专款专用、公开透明，足以保障事故预防技术服务的顺利完成，由于"
       "经费不足导致事故预防技术服务无法完成的，本项不得分。", failable=True),
    _r("funds_ledger", _G1, "建立事故预防费用台账。", 2,
       "未编制建立事故预防费用台账的，不得分：事故预防费用台账列支不规范，每发现一处扣 0.5 分。",
       failable=True, step="0.5"),
    _r("contract_terms", _G2, "保险合同中明确事故预防技术的服务项目、服务内容及频次。", 3,
       "未在保险合同中明确事故预防技术的服务项目、服务内容及频次，每发现 1 例扣 0.5 分。", step="0.5"),
    _r("service_plan", _G2, "制定完善的事故预防技术服务方案。", 3,
       "事故预防技术服务方案不完善的酌情扣分；未制定事故预防技术服务方案的，本项不得分。",
       failable=True, discretionary=True),
    _r("pre_visit", _G2, "服务小组每次开展服务之前与投保单位的沟通和确认。", 2,
       "服务小组每次开展服务之前，没有提前与投保单位确认服务项目、服务措施和服务时间的，每发现 1 例"
       "扣 0.5 分。", step="0.5"),
    _r("provider_ok", _G2, "开展事故预防技术服务的安全生产技术服务机构符合要求。", 5,
       "开展事故预防技术服务的安全生产技术服务机构不符合本准则明确的基本条件的，每发现 1 例扣 0.5 分。",
       step="0.5"),
    _r("staff_ok", _G2, "开展事故预防技术服务的安全生产专业技术人员符合要求。", 5,
       "开展事故预防技术服务的安全生产技术人员不符合本准则明确的基本条件的，每发现 1 例扣 0.5 分。",
       step="0.5"),
    _r("site_safety", _G2,
       "开展服务时，应遵守投保单位的安全管理制度和操作规程，采取安全防护措施，保证自身和其他人员的"
       "安全。", 3,
       "开展服务时，未遵守投保单位的安全管理制度和操作规程，未采取安全防护措施的，每发现 1 例扣 0.5 分；"
       "出现自身和其他人员安全事故的，本项不得分。", step="0.5", failable=True),
    _r("secrecy", _G2, "不得泄露投保单位的职工信息和技术商业秘密。", 2,
       "发现有泄露投保单位的职工信息和技术商业秘密的，本项不得分。", failable=True),
    _r("no_disruption", _G2, "不应影响投保单位正常的生产经营活动。", 2,
       "服务过程影响投保单位正常工作被投诉的，每发现 1例扣 0.5 分。", step="0.5"),
    _r("hazard_notice", _G2, "在服务过程中发现生产安全事故隐患，应及时书面告知投保单位。", 4,
       "在服务过程中发现生产安全事故隐患，未及时书面告知投保单位，每发现 1 例扣 0.5 分。", step="0.5"),
    _r("no_refusal", _G2,
       "不应以任何理由拒绝履行保险合同约定的服务义务，合同约定的服务不应另行收取费用。", 4,
       "未按合同约定和规范要求提供事故预防服务的，或按照保险合同约定为投保单位提供事故预防服务另行"
       "收费的，本项不得分。", failable=True),
    _r("records_7d", _G2,
       "服务小组在服务完成后，应按照不同服务项目的要求，于 7 个工作日内整理形成服务记录报保险公司的"
       "安全生产责任保险业务管理机构审核。", 2,
       "保险公司的安全生产责任保险业务管理机构未按要求及时进行审核，每发现 1 例扣 0.5 分。", step="0.5"),
    _r("results_feedback", _G2, "及时向投保单位按不同服务项目的要求反馈服务成果。", 2,
       "未及时向投保单位按不同服务项目的要求反馈服务成果，每发现1例扣0.5分。", step="0.5"),
    _r("quality_standard", _G2, "建立服务质效考核评估标准，保证服务质量。", 5,
       "未建立服务质效考核评估标准，没有严格落实服务的过程控制和质量管理的，每发现1例扣0.5分。",
       step="0.5"),
    _r("callback", _G2, "及时进行服务回访。", 2,
       "未在反馈服务成果后的7个工作日内通过现场验证、电话、网络（如微信、电子邮件）等多种方式回访"
       "投保单位，每发现1例扣0.5分。", step="0.5"),
    _r("archive", _G2, "服务档案整理并归档。", 3,
       "回访工作结束后，保险公司未在7个工作日内完成服务档案整理并归档，每发现1例扣0.5分；归档材料"
       "不完整的，每发现1例扣0.5分。", step="0.5"),
    _r("info_system", _G2, "事故预防技术服务信息管理。", 2,
       "未建立事故预防技术服务信息管理系统或使用成都市安全生产责任保险信息管理平台，对事故预防技术"
       "服务业务数据、费用台账、制度标准、服务档案进行采集和存储，每发现一例扣0.5分", step="0.5"),
    _r("evaluation_system", _G2, "建立事故预防技术服务的质量评价体系。", 5,
       "每年未对事故预防技术服务的质量和效果进行 1 次自评或第三方评估，形成书面评估报告，每发现一例"
       "扣 0.5 分", step="0.5"),
    _r("publish", _G2, "向社会公布自评结果或者第三方评估结果。", 3,
       "没有利用官方网站、媒体平台向社会公布自评结果或者第三方评估结果，本项目不得分。", failable=True),
    _r("report_authority", _G2, "向属地应急管理部门上报年度评估结果。", 3,
       "没有于次年 1 月底前主动向属地应急管理部门上报年度评估结果，本项不得分。", failable=True),
    _r("complaint_channel", _G3, "提供投诉渠道。", 3,
       "未提供投诉渠道的，本项目不得分。", failable=True),
    _r("complaint_staff", _G3, "安排专门人员负责投诉工作。", 4,
       "未安排专门人员负责投诉的全流程响应、记录、跟踪、协调处理、反馈等工作，每发现 1例扣 0.5 分。",
       step="0.5"),
    _r("complaint_handling", _G3, "对投保单位提出的异议或投诉的处理。", 3,
       "未按要求对投保单位提出的异议或投诉及时进行反馈或答复，每发现 1例扣 0.5 分。", step="0.5"),
    _r("innovation", _G4, "安全生产责任保险事故预防技术服务的创新性工作。", 10,
       "结合安全生产责任保险事故预防技术服务规范要求，创新性开展安全生产责任保险事故预防技术服务，"
       "相关做法举措得到省部级单位表彰或推广的，每项加 2分，最高可得 10 分。", bonus_step=2),
    _r("cases", _G4, "安全生产责任保险事故预防技术服务的典型案例建设工作。", 10,
       "结合安全生产责任保险事故预防技术服务规范要求，开发安全生产责任保险事故预防技术服务的典型"
       "案例，得到省部级单位表彰或推广的，每项加 2分，最高可得 10 分。", bonus_step=2),
    _r("outcome", _G4, "安全生产责任保险事故预防技术服务成效优秀。", 10,
       "结合安全生产责任保险事故预防技术服务规范要求，接受安全生产责任保险事故预防技术服务的投保"
       "单位，连续五年及以上未发生安全生产事故的，可得此项分值。", bonus_flag=True),
)


def _fmt(x: Decimal) -> str:
    return f"{x.normalize():f}"


def _check(rule: Rule, f: Finding, path: tuple[str | int, ...]) -> list[Problem]:
    """A finding may only use what its rule's 评分细则 provides for."""
    bad: list[tuple[str, str, str]] = []
    if f.cases and rule.step is None:
        bad.append(("cases", "本项评分细则没有按例扣分", "this indicator has no per-case deduction"))
    if f.severe_cases and rule.severe_step is None:
        bad.append(("severe_cases", "本项评分细则没有严重情形扣分",
                    "this indicator has no severe-case deduction"))
    if f.failed and not rule.failable:
        bad.append(("failed", "本项评分细则没有“不得分”情形",
                    "this indicator cannot be failed outright"))
    if f.deduction and not rule.discretionary:
        bad.append(("deduction", "本项评分细则不允许酌情扣分",
                     "this indicator allows no discretionary deduction"))
    if f.deduction > rule.max:
        bad.append(("deduction", f"酌情扣分不得超过本项分值 {_fmt(rule.max)}",
                     f"discretionary deduction exceeds the indicator's {_fmt(rule.max)} points"))
    if f.awards and rule.bonus_step is None:
        bad.append(("awards", "本项不是按项加分的加分项", "this indicator has no per-award bonus"))
    if f.achieved and not rule.bonus_flag:
        bad.append(("achieved", "本项不是达标加分项", "this indicator has no achievement bonus"))
    if f.deduction and f.deduction % Decimal("0.5"):
        bad.append(("deduction", "酌情扣分以 0.5 分为单位", "discretionary deduction must be in 0.5 steps"))
    return [Problem((*path, field), "score_rule", zh, en) for field, zh, en in bad]


def _score_one(rule: Rule, f: Finding) -> tuple[Decimal, str]:
    parts: list[str] = []
    if rule.is_bonus:
        if rule.bonus_step is not None:
            pts = min(rule.max, rule.bonus_step * f.awards)
            parts.append(f"获表彰或推广 {f.awards} 项")
        else:
            pts = rule.max if f.achieved else Decimal(0)
            parts.append("达到加分条件" if f.achieved else "未达到加分条件")
        return pts, "；".join(parts)
    if f.failed:
        return Decimal(0), "存在本项不得分情形"
    lost = Decimal(0)
    if rule.step is not None and f.cases:
        lost += rule.step * f.cases
        parts.append(f"发现 {f.cases} 例，扣 {_fmt(rule.step * f.cases)} 分")
    if rule.severe_step is not None and f.severe_cases:
        lost += rule.severe_step * f.severe_cases
        parts.append(f"严重情形 {f.severe_cases} 例，扣 {_fmt(rule.severe_step * f.severe_cases)} 分")
    if f.deduction:
        lost += f.deduction
        parts.append(f"酌情扣 {_fmt(f.deduction)} 分")
    if not parts:
        parts.append("未发现扣分情形")
    return max(Decimal(0), rule.max - lost), "；".join(parts)


def score(
    catalogue: tuple[Rule, ...],
    findings: dict[str, Finding],
    path: tuple[str | int, ...] = (),
) -> ScoreSheet:
    """Score every rule of the catalogue from its finding; every rule must have been assessed."""
    problems: list[Problem] = []
    keys = {r.key for r in catalogue}
    for key in findings:
        if key not in keys:
            problems.append(Problem((*path, key), "unknown_indicator",
                                    f"未知的评分指标「{key}」", f"unknown indicator {key!r}"))
    lines: list[ScoreLine] = []
    for rule in catalogue:
        f = findings.get(rule.key)
        if f is None:
            problems.append(Problem((*path, rule.key), "indicator_required",
                                    f"缺少指标「{rule.name}」的评分情况（无扣分请填 {{}}）",
                                    f"indicator {rule.key!r} was not assessed (send {{}} if nothing was found)"))
            continue
        problems += _check(rule, f, (*path, rule.key))
        pts, remark = _score_one(rule, f)
        if f.note:
            remark = f"{remark}；{f.note}"
        lines.append(ScoreLine(rule, f, pts, remark))
    if problems:
        raise DomainValidationError(problems)
    base = [ln for ln in lines if not ln.rule.is_bonus]
    bonus = [ln for ln in lines if ln.rule.is_bonus]
    return ScoreSheet(
        lines=tuple(lines),
        base_total=sum((ln.score for ln in base), Decimal(0)),
        base_max=sum((r.max for r in catalogue if not r.is_bonus), Decimal(0)),
        bonus_total=sum((ln.score for ln in bonus), Decimal(0)),
        bonus_max=sum((r.max for r in catalogue if r.is_bonus), Decimal(0)),
    )
