"""Chengdu Appendix C tables 1–13: blank forms and the examples, as PDF and DOCX.

The headings below are copied from the appendix (001_3fc616084e0abfd0.txt, 附录C 表1–表13),
joining the words the PDF extraction split across lines; they are deliberately not read from the
specs. Text is compared with every whitespace removed (narrow cells wrap words).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from collections.abc import Iterator
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from domain.documents.chengdu_tables import (
    Table5Data,
    Table5Row,
    Table6Data,
    Table7Row,
    report_risks_from_analyses,
    risk_list_from_analyses,
)
from domain.documents.report import RiskRow
from domain.errors import DomainValidationError
from domain.risk import DEFAULT_LEC_BANDS, DEFAULT_LS_BANDS, RiskLevel
from domain.risk_checks import check_risk_rows
from services.render import render_blank, render_data
from tests.textutil import docx_text, pdf_text, squash

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FORMATS = ("pdf", "docx")
TABLES = range(1, 14)

_SIGN_5_6 = ["分析人员", "分析日期", "审核人", "审核日期", "审定人", "审定日期"]

# 表 2: the 13 survey items and their 调查依据, and the hints printed in 调查记录.
SURVEY_TEXTS = [
    "员工是否具有较强的风险意识",
    "查阅“三违”情况检查记录、事故档案，抽问岗位员工本岗位风险及应急处置措施",
    "组织机构是否健全，是否设有安全管理部门或配备专职安全管理人员", "《安全生产法》",
    "是否配备注册安全工程师或安全专业技术人员", "《成都市投保单位安全生产主体责任规范》",
    "是否建立有较为健全的安全管理规章制度及操作规程，且执行良好",
    "《安全生产法》 投保单位自身管理制度", "查阅各项制度执行记录",
    "投保单位经济状况是否较好，安全投入是否充足", "《投保单位安全生产费用提取和使用管理办法》",
    "生产场所是否涉及危险化学品（含“两重点一重大”）", "法律法规",
    "生产场所是否涉及燃爆性粉尘", "生产场所是否涉及高温液态金属",
    "生产场所是否属于劳动密集型场所",
    "设备设施运行状况是否良好，有无明显缺陷，各项强检设备是否按要求进行检定",
    "作业环境是否良好，职业危害因素检测结果是否符合要求",
    "作业活动是否严格执行操作规程及各项审批手续，有无“三违”现象",
    "法律法规及投保单位安全管理制度、操作规程",
    "安全管理可视化状况是否良好",
]

# 表 13: 评估要素, every 评估内容 (as printed), the 评估方法 and the printed 评估结果 guidance.
EVALUATION_TEXTS = [
    "1.应急预案管理要求", "2.组织机构与职责", "3.主要事故风险", "4.应急资源", "5.应急预案衔接",
    "6.实施反馈", "7.其他",
    "1.1 梳理《中华人民共和国突发事件应对法》《中华人民共和国安全生产法》《生产安全事故应急条"
    "例》等法律法规中的有关规定和要求，对照评估应急预案中的不符合项",
    "1.2 梳理国家标准、行业标准及地方标准中的有关规定和要求，对照评估应急预案中的不符合项",
    "1.3 梳理规范性文件中的有关新规定和要求，对照评估应急预案中的不符合项",
    "1.4 梳理上位预案中的有关新规定和要求，对照评估应急预案中的不符合项",
    "2.1 查阅生产经营单位机构设置、部门职能调整、应急处置关键岗位职责划分方面的文件资料，初步"
    "分析本单位应急预案中应急组织机构设置及职责是否合适、是否需要调整",
    "2.2 抽样访谈，了解掌握生产经营单位本级、基层单位办公室、生产、安全及其他业务部门有关人员"
    "对本部门、本岗位的应急工作职责的意见建议",
    "2.3 依据资料分析和抽样访谈的情况，结合应急预案中应急组织机构及职责，召集有关职能部门代"
    "表，就重要职能进行推演论证，评估值班值守、调度指挥、应急协调、信息上报、舆论沟通、善后恢"
    "复的职责划分是否清晰，关键岗位职责是否明确，应急组织机构设置及职能分配与业务是否匹配",
    "3.1 查阅生产经营单位风险评估报告，对照生产运行和工艺设备方面有关文件资料，初步分析本单位"
    "面临的主要事故风险类型及风险等级划分情况",
    "3.2 根据资料分析情况，前往重点基层单位、重点场所、重点部位查看验证",
    "3.3 座谈研讨，就资料分析和现场查证的情况，与办公室、生产、安全及相关业务部门以及基层单位"
    "人员代表沟通交流，评估本单位事故风险辨识是否准确、类型是否合理、等级确定是否科学、防范和"
    "控制措施能否满足实际需要，并结合风险情况提出应急资源需求",
    "4.1 查阅生产经营单位应急资源调查报告，对照应急资源清单、管理制度及有关文件资料，初步分析"
    "本单位及合作区域的应急资源状况",
    "4.2 根据资料分析情况，前往本单位及合作单位的物资储备库、重点场所，查看验证应急资源的实际"
    "储备、管理、维护情况，推演验证应急资源运输的路程路线及时长",
    "4.3 座谈研讨，就资料分析和现场查证的情况，结合风险评估得出的应急资源需求，与办公室、生产、"
    "安全及相关业务部门以及基层单位人员沟通交流，评估本单位及合作区域内现有的应急资源的数量、"
    "种类、功能、用途是否发生重大变化，外部应急资源的协调机制、响应时间能否满足实际需求",
    "5.1 查阅上下级单位、有关政府部门、救援队伍及周边单位的相关应急预案，梳理分析在信息报告、"
    "响应分级、指挥权移交及警戒疏散工作方面的衔接要求，对照评估应急预案中的不符合项",
    "5.2 座谈研讨，就资料分析的情况，与办公室、生产、安全及相关业务部门、基层单位、周边单位人"
    "员沟通交流，评估应急预案在内外部上下衔接中的问题",
    "6.1 查阅生产经营单位应急演练评估报告、应急处置总结报告、监督检查、体系审核及投诉举报方面"
    "的文件资料，初步梳理归纳应急预案存在的问题",
    "6.2 座谈研讨，就资料分析得出的情况，与办公室、生产、安全及相关业务部门、基层单位人员沟通"
    "交流，评估确认应急预案存在的问题",
    "7.1 查阅其他有可能影响应急预案适用性因素的文件资料，对照评估应急预案中的不符合项",
    "7.2 依据资料分析的情况，采取人员访谈、现场审核、推演论证的方式进一步评估确认有关问题",
    "资料分析", "人员访谈", "推演论证", "现场审核", "现场审核、推演论证",
    "人员访谈、现场审核、推演论证",
    "是否有不符合项，列出不符合项", "根据文件资料，判断组织机构是否合适，列出不合适部分",
    "列出相关人员的建议",
    "职责划分是否清晰，岗位职责是否明确，机构设置及职能分配与业务是否匹配，列出不符合项",
    "根据相关资料得出的本单位面临的主要事故风险类型及风险等级划分情况", "现场查看风险情况",
    "事故风险辨识是否准确、类型是否合理、等级确定是否科学、防范和控制措施能否满足实际需要，"
    "列出不符合项",
    "根据相关资料得出的本单位及合作区域的应急资源状况",
    "应急资源的实际情况与预案情况是否相符，列出不符合项",
    "应急资源是否发生变化，外部应急资源的协调机制、响应时间能否满足实际需求，列出不符合项",
    "是否有问题，列出预案衔接中的问题", "列出存在的问题", "列出座谈中反映的问题",
    "列出其他有关问题",
]

#: Every heading, label and printed text of each table, as in the appendix.
HEADINGS: dict[int, list[str]] = {
    1: ["表 1 安全生产教育培训计划", "序号", "培训主题", "培训对象", "培训形式", "培训类型",
        "培训资料", "培训时间",
        "注：遵照《规范》6.1.2 的要求，每次培训应有规范的、完备的培训资料。"],
    2: ["表 2 初始风险调查表", "投保单位名称", "地址", "投保单位性质", "国有", "集体所有制",
        "私营", "联营", "股份制", "外资", "其他", "经营范围", "所属行业", "建设时间", "产权性质",
        "自有", "租赁", "占地面积", "员工人数/人", "职能部门数量/个", "初始风险调查内容", "序号",
        "调查项目", "调查依据", "调查记录", "调查小结", "备注", "初始风险调查结论",
        *SURVEY_TEXTS],
    3: ["表 3 作业活动清单", "序号", "岗位或场所", "工作任务", "作业活动", "作业步骤",
        "使用设备设施、工具、仪器仪表", "可能产生的危险和有害因素", "备注（常规/非常规）"],
    4: ["表 4 设备设施清单", "序号", "岗位或场所", "设备设施名称", "可能产生的危险和有害因素",
        "备注（状态）"],
    5: ["表 5 工作危害分析评价记录表", "车间（部门）：", "岗位：", "工作任务：", "序号", "工作步骤",
        "危险和有害因素（人、物、作业环境、管理）", "主要后果", "现有安全控制措施", "L", "S", "R",
        "风险等级", "建议改进措施", "备注", "注：审核人为所在岗位/工序负责人，审定人为上级负责人。",
        *_SIGN_5_6],
    6: ["表 6 安全检查分析评价记录表", "车间（部门）：", "区域/工艺过程：", "装置/设备/设施：",
        "序号", "检查项目", "标准", "不符合标准的情况及后果", "现有安全控制措施", "L", "S", "R",
        "风险等级", "建议改进措施", "备注", "注：审核人为所在岗位负责人，审定人为上级负责人。",
        *_SIGN_5_6],
    7: ["表 7 风险清单表", "风险清单", "序号", "风险类型", "风险描述", "场所地址", "危害因素",
        "风险源", "风险源详细地址", "风险等级", "备注", "编制人", "编制日期", "审核人",
        "审核日期", "批准人", "批准日期"],
    8: ["表 8 隐患排查服务现场记录表", "受检投保单位名称", "受检投保单位安全主管姓名、电话",
        "受检投保单位地址", "主要危险化学品类型/储存量", "安全评价情况", "三同时：", "有", "无",
        "竣工验收报告时间：", "现状：", "现状报告时间：", "安全风险管控情况", "双预控：", "已开展",
        "未开展", "职业卫生评价、检测情况", "控评报告时间：", "检测：", "检测报告时间：",
        "安全生产标准化情况", "达标：", "是", "否", "正在开展", "级）", "达标时间：", "应急预案",
        "预案：", "备案", "评审", "预案编制时间：", "检查情况", "隐患描述", "整改建议",
        "安全管理资料存在问题", "安全生产管理", "安全教育培训"],
    9: ["表 9 隐患排查治理台账", "序号", "隐患排查", "隐患治理", "隐患效果验收", "备注", "排查时间",
        "排查人员", "隐患分类类别", "隐患细类", "隐患具体描述", "隐患照片", "隐患分级", "治理措施",
        "治理时限", "责任人", "经费", "治理情况描述", "治理照片", "验收时间", "验收人员"],
    10: ["表 10 安全生产标准化技术服务过程记录表", "单位名称", "技术服务阶段", "累计次数",
         "技术服务时间", "一、 上次工作落实情况：", "二、 本次工作内容：",
         "三、 下次工作计划内容：",
         "企业意见或建议：", "技术服务人员签字", "陪同人员签字"],
    11: ["表 11 安全生产标准化初始现状评估报告", "安全生产标准化初始现状评估报告", "报告编制人：",
         "技术负责人：", "批 准 人：", "（被服务投保单位名称）", "（安全技术服务机构）（盖章）",
         "签订的《安全生产责任保险事故预防技术服务方案》的约定",
         "组织安全生产专业技术人员对", "开展了安全管理工作现状的摸底排查工作，内容包括安全管理资料"
         "和工作场所的事故隐患排查。", "一、检查依据", "二、安全管理资料排查情况", "的规定",
         "安全管理现状的得分情况如下：", "序号", "要素", "标准分", "得分", "扣分", "缺项分",
         "实得分", "总得分", "从安全管理资料摸底情况来看", "安全管理重点和难点为：",
         "针对上述重点和难点", "提出的安全管理主要建议：", "三、工作场所事故隐患排查情况",
         "等工作场所开展了事故隐患排查，发现的主要事故隐患有：", "事故隐患清单及整改建议见下表A。",
         "表A 工作场所事故隐患排查记录表", "投保单位名称：", "投保单位陪同人员：", "排查时间：",
         "发现的主要隐患或问题", "不符合规定的条款及内容", "整改措施或建议", "整改时限",
         "技术服务项目组"],
    12: ["表 12 投保单位安全生产标准化自评报告", "企业安全生产标准化自评报告", "企业名称：",
         "所属行业：", "专业：", "自评得分：", "自评等级：", "自评日期：", "是否在企业内部公示：",
         "是否申请评审：", "一、基本情况表", "企业名称", "地址", "企业性质", "国有", "集体", "民营",
         "私营", "合资", "独资", "其他", "安全管理机构", "员工总数", "人", "专职安全管理人员",
         "特种作业人员", "固定资产", "万元", "主营业务收入", "倒班情况", "没有", "倒班人数及方式",
         "法定代表人", "电话", "传真", "联系人", "手机", "电子信箱", "自评等级", "一级", "二级",
         "三级", "小微企业", "本次自评前本专业曾经取得的标准化等级：",
         "如果企业是某企业集团的成员单位，请注明企业集团名称：",
         "如果企业已取得职业健康安全管理体系认证证书，请注明证书名称和发证机构：",
         "企业安全生产标准化自评小组主要成员", "姓名", "所在部门", "职务/职称", "备注", "组长",
         "成员", "二、投保单位自评总结", "1.企业概况。",
         "2.近三年企业安全生产事故和职业病的发生情况。",
         "3.企业安全生产标准化建设过程及取得成效。", "三、评审申请表",
         "1.企业是否同意遵守评审要求，并能提供评审所必需的真实信息？",
         "2.企业在提交申请书时，应附以下文件资料：",
         "◇安全生产许可证复印件（未实施安全生产行政许可的行业不需提供）", "◇自评扣分项目汇总表",
         "3.企业自评得分：", "4.企业自评结论：", "法定代表人（签名）：", "（申请企业盖章）"],
    13: ["表 13 生产安全事故应急预案评估表", "评估要素", "评估内容", "评估方法", "评估结果",
         *EVALUATION_TEXTS],
}

#: Printed on the blank form (the filled one shows them too, the chosen one ticked).
BLANK_ONLY: dict[int, list[str]] = {
    9: ["重大", "一般"],
}


def example(n: int) -> dict[str, Any]:
    return json.loads((EXAMPLES / f"chengdu_table_{n}-chengdu.json").read_text(encoding="utf-8"))


@cache
def blank_text(n: int, fmt: str) -> str:
    return _text(render_blank(f"chengdu_table_{n}", "chengdu", fmt).content, fmt)  # type: ignore[arg-type]


@cache
def filled_text(n: int, fmt: str) -> str:
    body = example(n)
    assert body["type"] == f"chengdu_table_{n}" and body["profile"] == "chengdu"
    return _text(render_data(body["type"], body["profile"], body["data"], fmt).content, fmt)  # type: ignore[arg-type]


def _text(content: bytes, fmt: str) -> str:
    return squash(pdf_text(content) if fmt == "pdf" else docx_text(content))


def render_text(n: int, data: dict[str, Any], fmt: str) -> str:
    return _text(render_data(f"chengdu_table_{n}", "chengdu", data, fmt).content, fmt)  # type: ignore[arg-type]


_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_NUMBER = re.compile(r"^\d+(\.\d+)?$")


def shown_forms(value: str) -> list[str]:
    """How a posted string may read on paper: dates as 2026年3月5日, amounts also as 6,800.00."""
    m = _DATE.match(value)
    if m:
        d = dt.date(int(m[1]), int(m[2]), int(m[3]))
        return [f"{d.year}年{d.month}月{d.day}日"]
    if _NUMBER.match(value):
        d = Decimal(value)
        return [value, f"{d.normalize():f}", f"{d:,.2f}"]
    return [value]


def strings(obj: Any) -> Iterator[str]:
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from strings(v)


# --- blank forms ---


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("n", TABLES)
def test_blank_form_has_every_heading(n: int, fmt: str) -> None:
    text = blank_text(n, fmt)
    missing = [h for h in HEADINGS[n] + BLANK_ONLY.get(n, []) if squash(h) not in text]
    assert not missing, f"表 {n} blank {fmt} lacks {missing}"
    assert "成都市规范附录C" in text


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("n", [5, 6])
def test_blank_analysis_prints_the_bands_in_force(n: int, fmt: str) -> None:
    assert squash(DEFAULT_LS_BANDS.describe()) in blank_text(n, fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_blank_ledger_prints_five_rows_with_grade_boxes(fmt: str) -> None:
    text = blank_text(9, fmt)
    assert text.count("□重大□一般") == 5
    assert "☑重大□一般" in filled_text(9, fmt) and "□重大☑一般" in filled_text(9, fmt)


# --- the examples ---


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("n", TABLES)
def test_example_shows_every_heading_and_every_value(n: int, fmt: str) -> None:
    text = filled_text(n, fmt)
    missing = [h for h in HEADINGS[n] if squash(h) not in text]
    assert not missing, f"表 {n} filled {fmt} lacks headings {missing}"
    printed = {k: v for k, v in example(n)["data"].items()
               if k != "policy_no"}  # registry only: Appendix C prints no policy number
    values = [v for v in strings(printed)]
    absent = [v for v in values if not any(squash(f) in text for f in shown_forms(v))]
    assert not absent, f"表 {n} filled {fmt} lacks values {absent}"


@pytest.mark.parametrize("fmt", FORMATS)
def test_table5_computes_r_and_level(fmt: str) -> None:
    text = filled_text(5, fmt)
    # rows: L=3 S=3 → R=9 一般; L=4 S=5 → R=20 重大; L=2 S=2 → R=4 低 (bands LS-A)
    for row in ("339一般风险", "4520重大风险", "224低风险"):
        assert row in text, row
    assert squash(DEFAULT_LS_BANDS.describe()) in text


@pytest.mark.parametrize("fmt", FORMATS)
def test_table6_computes_r_and_level(fmt: str) -> None:
    text = filled_text(6, fmt)
    for row in ("4416较大风险", "339一般风险"):
        assert row in text, row


@pytest.mark.parametrize("n", [5, 6])
def test_a_contradicting_level_is_refused_with_its_path(n: int) -> None:
    data = copy.deepcopy(example(n)["data"])
    data["rows"][0]["level"] = "低风险"  # 表5: 3×3 = 9 一般; 表6: 4×4 = 16 较大
    with pytest.raises(DomainValidationError) as err:
        render_data(f"chengdu_table_{n}", "chengdu", data, "pdf")
    [p] = err.value.problems
    assert p.pointer == "data.rows[0].level"
    assert "低风险" in p.message_zh and "不一致" in p.message_zh
    assert "contradicts" in p.message_en


def test_factors_off_the_scale_or_missing_are_refused() -> None:
    data = copy.deepcopy(example(5)["data"])
    data["rows"][0]["l"] = 6
    del data["rows"][1]["s"]
    data["rows"][2]["e"] = 6
    with pytest.raises(DomainValidationError) as err:
        render_data("chengdu_table_5", "chengdu", data, "pdf")
    assert {p.pointer for p in err.value.problems} == {
        "data.rows[0].l", "data.rows[1].s", "data.rows[2].e"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_lec_method_prints_l_e_c_d(fmt: str) -> None:
    data = copy.deepcopy(example(5)["data"])
    data["method"] = "lec"
    data["rows"] = [
        {"step": "车削加工", "hazards": "衣袖卷入", "consequences": "机械伤害", "l": 3, "e": 6,
         "c": 15, "level": "较大风险"},  # D = 270
        {"step": "清理铁屑", "l": 0.5, "e": 6, "c": 1},  # D = 3
    ]
    text = render_text(5, data, fmt)
    assert "LECD" in text
    assert "3615270较大风险" in text
    assert "0.5613低风险" in text
    assert squash(DEFAULT_LEC_BANDS.describe()) in text
    bad = copy.deepcopy(data)
    bad["rows"][0]["level"] = "重大风险"
    with pytest.raises(DomainValidationError) as err:
        render_data("chengdu_table_5", "chengdu", bad, "pdf")
    assert [p.pointer for p in err.value.problems] == ["data.rows[0].level"]


def test_other_checks_name_their_paths() -> None:
    t2 = copy.deepcopy(example(2)["data"])
    t2["tenure"] = ["自有"]
    t9 = copy.deepcopy(example(9)["data"])
    t9["rows"][0]["accepted_on"] = "2026-03-01"
    t11 = copy.deepcopy(example(11)["data"])
    t11["elements"][1]["score"] = "90"
    for n, data, pointer in ((2, t2, "data.leased_area"), (9, t9, "data.rows[0].accepted_on"),
                             (11, t11, "data.elements[1].score")):
        with pytest.raises(DomainValidationError) as err:
            render_data(f"chengdu_table_{n}", "chengdu", data, "pdf")
        assert [p.pointer for p in err.value.problems] == [pointer]


@pytest.mark.parametrize("fmt", FORMATS)
def test_table11_totals(fmt: str) -> None:
    # 标准分 700, 缺项分 30, 实得分 132 + 82 + 357 = 571, 总得分 571 ÷ 670 × 100 = 85.22
    assert "700305718522" in filled_text(11, fmt).replace(".", "")


# --- 表 7 derived from 表 5 and 表 6 ---


def test_risk_list_from_analyses() -> None:
    t5 = Table5Data.model_validate(example(5)["data"])
    t6 = Table6Data.model_validate(example(6)["data"])
    rows = risk_list_from_analyses(t5, t6)
    assert all(isinstance(r, Table7Row) for r in rows)
    assert [r.level for r in rows] == [RiskLevel.GENERAL, RiskLevel.MAJOR, RiskLevel.LOW,
                                       RiskLevel.SIGNIFICANT, RiskLevel.GENERAL]
    first = rows[1]
    assert first.risk_type == "作业活动"
    assert first.site_address == "机加工车间"
    assert first.hazard_factors == "戴手套操作、衣袖未扎紧被卷入"
    assert first.risk_source == "零件车削加工—车削加工"
    assert first.source_address == "机加工车间 数控车床操作岗"
    assert "可能导致机械伤害" in first.description
    assert first.remark is not None and "R=20" in first.remark
    lamp = rows[3]
    assert lamp.risk_type == "设备设施"
    assert lamp.risk_source == "喷漆房及防爆排风系统—电气防爆"
    assert lamp.source_address == "涂装车间 喷漆工艺"
    # rows alone (no table context) work too
    bare = risk_list_from_analyses([Table5Row(step="打磨", l=Decimal(5), s=5)], None)
    assert [(r.level, r.site_address, r.risk_source) for r in bare] == [
        (RiskLevel.MAJOR, None, "打磨")]


def test_report_risks_from_analyses_are_valid_report_rows() -> None:
    t5 = Table5Data.model_validate(example(5)["data"])
    t6 = Table6Data.model_validate(example(6)["data"])
    dicts = report_risks_from_analyses(t5, t6)
    rows = [RiskRow.model_validate(d) for d in dicts]
    assert set(dicts[0]) <= set(RiskRow.model_fields)
    assert [r.level for r in rows] == ["一般风险", "重大风险", "低风险", "较大风险", "一般风险"]
    assert [(r.l, r.s) for r in rows] == [(3, 3), (4, 5), (2, 2), (4, 4), (3, 3)]
    assert rows[1].type == "机械伤害" and rows[1].area == "机加工车间 数控车床操作岗"
    assert rows[3].basis is not None and "GB 50058" in rows[3].basis
    assert check_risk_rows(rows, ("risks",)) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_table7_derives_rows_from_tables_5_and_6(fmt: str) -> None:
    data = {"insured_name": "成都蜀川精密机械有限公司",
            "from_table5": [example(5)["data"]], "from_table6": [example(6)["data"]],
            "compiler": "周文斌"}
    text = render_text(7, data, fmt)
    t5 = Table5Data.model_validate(example(5)["data"])
    t6 = Table6Data.model_validate(example(6)["data"])
    for row in risk_list_from_analyses(t5, t6):
        for v in (row.description, row.risk_source, row.source_address, row.level.value,
                  row.remark):
            assert v is not None and squash(v) in text, v
    bad = copy.deepcopy(data)
    bad["from_table6"][0]["rows"][1]["level"] = "重大风险"
    with pytest.raises(DomainValidationError) as err:
        render_data("chengdu_table_7", "chengdu", bad, "pdf")
    assert [p.pointer for p in err.value.problems] == ["data.from_table6[0].rows[1].level"]
    with pytest.raises(DomainValidationError) as err:
        render_data("chengdu_table_7", "chengdu", {"compiler": "周文斌"}, "pdf")
    assert [p.pointer for p in err.value.problems] == ["data.rows"]
