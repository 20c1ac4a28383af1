"""Each rendered annex reads like the standard it implements, in PDF and in DOCX alike.

Sources: Shandong 鲁交安委办函〔2024〕45号 附件2–6 (000_a04cad96e37f2d81.txt), AQ 9010.1-2025
附录A (004_bba49dd4fae2d316.txt), Chengdu 附录C–E (001_3fc616084e0abfd0.txt).

Which posted values must appear ("has a place"): a posted string appears when its JSON path is a
bind path of the annex spec (see tests/textutil.py: ``fields``, ``bind``, ``choice``, ``photos``
captions, ``{holes}``, ``range``, signatures; ``each``/``table`` bind relative to list elements;
a list bound as a whole shows each element; the Chengdu score tables show each finding's note).
Skipped: photo ``data`` and ``filename``, the keys of ``findings``/``costs`` (indicator and cost
item names, not text), values posted as strings that are dates or amounts (dates are checked
separately in the 2026年3月12日 form), and everything the annex has no place for (e.g. the
report's ``visit.location`` or ``costs``: 附件4 has no such field).

Text is compared without any whitespace, because table cells wrap (pdftotext breaks the lines,
Word does not) and CJK text has no word spaces to lose.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from domain.catalog import CATALOG, FormKind, get_kind, parse_data
from rendering.blocks import CHECKED, UNCHECKED, Check, Document, Paragraph, Table
from rendering.spec import load_spec
from services.render import build, render_blank, render_data
from tests.conftest import load_examples
from tests.textutil import docx_text, is_bound, pdf_text, posted_leaves, spec_bindings, squash

EXAMPLES = load_examples()
# The forms of the three standards: one example each (examples/<type>-<profile>.json).
KINDS = sorted({(body["type"], body["profile"]) for body in EXAMPLES.values()})

# Labels copied from the standards' own text, per (type, profile): a spec that lost or reworded
# one of them no longer reproduces the annex.
STANDARD_LABELS: dict[tuple[str, str], tuple[str, ...]] = {
    ("agreement", "shandong"): (  # 附件2
        "安全生产责任保险事故预防技术服务协议",
        "保单号",
        "甲方",
        "（被保险人）",
        "乙方",
        "（安责险承保机构）",
        "鉴于甲方在乙方处投保了安全生产责任保险，经甲、乙双方协商一致，签订本合同：",
        "一、服务项目",
        "乙方为甲方提供的事故预防技术服务项目应符合甲方安全生产工作实际，确保选择项目适用可行：",
        "安全生产宣传教育培训",
        "线上培训",
        "网址：",
        "主要内容：",
        "线下培训",
        "地点：",
        "安全风险辨识、评估和安全评价",
        "项目名称：",
        "生产安全事故隐患排查",
        "频次：",
        "排查范围：",
        "超过两次可另行约定排查时间",
        "安全生产信用体系建设",
        "名称：",
        "具体内容：",
        "生产安全事故应急预案编制和应急演练",
        "形式：",
        "安全生产科技创新与推广应用",
        "应用项目名称：",
        "主要作用：",
        "其他有关事故预防技术服务",
        "二、权利义务",
        "（一）乙方应在保单生效 3 个月内按照协议约定为甲方提供第一次事故预防技术服务",
        "（二）乙方开展服务时，甲方应主动配合，须指定专人与乙方对接工作",
        "（三）如甲方不需乙方在 3 个月内按照协议约定为甲方提供第一次事故预防技术服务的",
        "三、本合同一式贰份，甲方执一份，乙方执一份，各份具有同等法律效力。",
        "甲方（盖章）：",
        "乙方（盖章）：",
        "法定代表人或其委托代理人：",
        "（注：不单独签订《事故预防技术服务协议》的，需单列“事故预防技术服务”专项载明服务项目"
        "和权利义务内容。）",
    ),
    ("plan", "shandong"): (  # 附件3
        "安全生产责任保险事故预防技术服务方案",
        "被保险人：",
        "安责险承保机构：",
        "保单号：",
        "一、第三方服务机构概况",
        "二、服务计划",
        "要求,结合投保项目事故预防技术服务需求,本服务方案商定提供以下服务内容(可根据需求进行选择):",
        "(一) 安全生产宣传教育培训: 线下培训方式、内容(课件)、场次, 培训人员类型、数量; "
        "线上培训的系统名称, 培训的类型、方式, 培训人员类型、数量, 保证培训效果的措施;",
        "(二) 安全风险辨识、评估和安全评价: 风险辨识的范围、预计存在的风险类型、主要措施;",
        "(三) 生产安全事故隐患排查: 隐患排查的范围, 主要设施设备、施工工艺流程、作业场所, "
        "排查的重点;",
        "(四) 安全生产信用体系建设: 安全生产信用建设方案、管理制度制修订, 安全生产信用自评;",
        "(五) 生产安全应急预案编制和应急演练: 应急预案编制内容; 应急演练的方式、范围、类型;",
        "(六) 安全生产科技创新与推广应用: 推广应用的内容、形式;",
        "(七) 其他类型的服务: 要将开展服务的名称、种类、方式、范围, 涉及的人员, 主要详细描述。",
        "三、服务保障",
        "(一) 资金安排;",
        "(二) 人员安排;",
        "(三) 其他服务保障情况。",
        "四、预期效果",
        "第三方服务机构签字或签章",  # the standard's ":" is a half-width colon, the form's "："
        "日期",
    ),
    ("report", "shandong"): (  # 附件4
        "安全生产责任保险事故预防技术服务报告",
        "被保险人：",
        "安责险承保机构：",
        "保单号：",
        "第三方服务机构：",
        "服务日期：",
        "一、被保险人基本信息表",
        "被保险人名称",
        "地址",
        "行业类别",
        "许可范围",
        "法定代表人及电话",
        "安全负责人及电话",
        "信用等级",
        "被保险人基本情况：描述基本概况、施工工艺流程、作业场所、主要设施设备、主要危险源点及重大危险源等信息",
        "二、技术人员基本情况",
        "技术人员职称、擅长的专业领域、证书等证明材料情况，附扫描件或照片。",
        "三、服务内容",
        "1、安全生产宣传教育培训：线下培训需上传培训方式、培训内容（含课件）、培训人员、授课老师、"
        "现场照片、签到表等内容；",
        "2、安全风险辨识、评估和安全评价：",
        "风险辨识清单",
        "序号",
        "风险名称",
        "现场照片",
        "类型",
        "依据",
        "防范措施",
        "风险等级",
        "开展风险辨识的要绘制被保险人风险辨识图，标注重要风险点风险类型。辨识结果需要风险辨识人员签字，"
        "被保险人签字确认。",
        "3、生产安全事故隐患排查：",
        "隐患排查清单",
        "问题描述",
        "整改建议",
        "隐患级别",
        "开展隐患排查的要注明排查的场所、设施、设备及主要施工工艺流程，事故预防人员要签字，"
        "被保险人现场人员签字确认，被保险人不签字的要注明。",
        "4、安全生产信用体系建设：提交新制修订的安全生产信用建设方案、管理制度，提交安全生产信用自评结果。",
        "5、生产安全应急预案编制和应急演练：需要提供新制修订的应急预案，描述演练的方式、范围、类型及"
        "参加的人员，提供演练的照片和效果评估报告。",
        "6、安全生产科技创新与推广应用：需提供交流研讨记录，安全生产科技成果和新技术、新设备、新材料和"
        "新工艺的推介记录。",
        "7、其他类型的服务：需要描述开展服务的名称、种类、方式、范围，涉及的人员，主要目的等，"
        "提交开展服务的照片及预期效果详细描述。",
        "8、现场询问岗位人员情况，操作规程掌握是否熟练，规章制度是否了解，风险及防控措施是否规范等，"
        "作文字描述。",
        "四、工作建议",
        "被保险人授权代表（签字或电子签章）",
        "第三方服务机构授权代表（签字或电子签章）",
        "承保公司风险管理人员审批（签字或电子签章）",
    ),
    ("callback", "shandong"): (  # 附件5
        "安责险承保机构安全生产责任保险事故预防 技术服务回访表",
        "基础信息",
        "保单号",
        "回访时间",
        "回访人员",
        "联系方式",
        "被保险人名称",
        "被保险人联系人员",
        "服务信息",
        "服务项目",
        "服务时间",
        "服务地点",
        "第三方服务机构",
        "技术人员",
        "服务过程（可附图）",
        "服务态度",
        "技术水平",
        "服务闭环",
        "服务总体评价",
        "其他建议",
        "好（",
        "中（",
        "差（",
        "已完成（",
        "未完成（",
        "非常满意（",
        "基本满意（",
        "一般（",
        "不满意（",
    ),
    ("annual_evaluation", "shandong"): (  # 附件6
        "安全生产责任保险事故预防总结评估报告",
        "安责险承保机构",
        "日 期",
        "一、事故预防工作清单",
        "被保险人、服务费用、参与人员信息、聘请专家信息、事故预防技术服务开展的形式和次数、"
        "排查出的事故隐患数量及内容、是否排查出重大事故隐患、事故隐患处置过程及处置结果、报备情况等。",
        "二、事故预防工作分析",
        "被保险人满意度、投诉处理情况、经验总结、问题与不足剖析等。",
        "三、事故预防费用收支情况",
        "事故预防费用计提、支出和余额等。",
        "四、下一阶段事故预防技术服务计划",
        "服务对象、服务内容、开展时间、开展方式、费用预算等。",
        "安责险承保机构分管负责人（签字或电子签章）：",
        "注：统筹委托的由保险经纪机构签字并附委托合同。",
    ),
    ("plan", "national"): (  # AQ 9010.1-2025 附录A, 图A.1 and 图A.2
        "安全生产责任保险事故预防服务方案",  # 图A.1's caption （封面） names the page: not printed
        "被保险人：",
        "保险机构：",
        "服务机构：",
        "保单号：",
        "一、企业概况",
        "（一）安全管理状况",
        "（二）主要设备设施",
        "（三）主要工艺流程",
        "（四）主要危险点及重大危险源",
        "二、服务内容",
        "（一）服务项目基本情况",
        "根据有关法规标准要求，结合投保项目事故预防服务需求，本服务方案商定提供以下服务内容：",
        "序号",
        "服务项目",
        "服务时间和频次",
        "（二）具体服务内容",
        "三、服务流程与时间安排",
        "（一）服务流程",
        "（二）时间安排",
        "四、预期目标",
        "五、服务保障",
        "日期：",
    ),
    ("plan", "chengdu"): (  # 附录C
        "安全生产责任保险事故预防技术服务方案",
        "投保单位：",
        "保险公司：",
        "保单号：",
        "1.投保单位基本情况",
        "投保单位概况（所属行业、规模、产值等）",
        "主要设备设施和工艺流程",
        "生产事故历史情况",
        "2.服务项目",
        "在《成都市安全生产责任保险事故预防技术服务规范》（以下简称《规范》）中第 6 章的各项服务"
        "内容中，由保险公司与投保单位协商，选择一项或多项服务项目。",
        "3.服务措施与预期成果",
        "3.1 安全生产教育培训",
        "表 1 安全生产教育培训计划",
        "序号",
        "培训主题",
        "培训对象",
        "培训形式",
        "培训类型",
        "培训资料",
        "培训时间",
        "注：遵照《规范》6.1.2 的要求，每次培训应有规范的、完备的培训资料。",
        "3.2 安全风险辨识评估",
        "3.3 生产安全事故隐患排查",
        "3.4 安全生产标准化建设",
        "3.5 生产安全事故应急预案及演练",
        "3.6 安全生产科技推广及应用",
        "4 服务频次",
        "5 服务团队",
        "根据《规范》中各项服务相应的要求组建服务团队。",
    ),
    ("callback", "chengdu"): (  # 附录D
        "安全生产责任保险事故预防技术服务回访内容",
        "D.1 投保单位满意度调查表",
        "表 1 投保单位满意度调查表",
        "保险公司",
        "投保单位",
        "保单号",
        "回访日期",
        "回访人员",
        "联系方式",
        "投保单位联系人",
        "事项",
        "指标",
        "最高分值",
        "参考评分细则",
        "得分",
        "备注",
        "服务方案",
        "服务方案制定情况",
        "服务方案满意度",
        "服务实施",
        "服务方案完成情况",
        "每发现 1例未完成，扣 2分。",
        "额外收费情况",
        "保密情况",
        "服务反馈",
        "服务成果反馈情况",
        "服务团队",
        "安全技术人员实际资质",
        "专业技术水平",
        "服务态度",
        "投诉处理",
        "投诉渠道情况",
        "办理投诉的人员",
        "投诉处理的及时性",
        "对投诉处理的满意度",
        "合计",
        "D.2 整改情况表",
        "表 2 整改情况表",
        "是",
        "否",
        "投保单位收到的服务成果中是否涉及安全问题清单和整改建议",
        "如果服务成果中包含安全问题清单和整改建议，投保单位是否按照整改建议完成了整改工作",
    ),
    ("annual_evaluation", "chengdu"): (  # 附录E
        "保险公司安全生产责任保险事故预防技术服务质量评估指标体系",
        "1.评价对象",
        "开展安全生产责任保险业务的保险公司。",
        "2.评价依据",
        "《成都市安全生产责任保险事故预防技术服务规范》（以下简称《规范》）。",
        "3.评价指标",
        "评价项目",
        "评价内容",
        "分值",
        "评价细则",
        "服务保障",
        "未建立安全生产责任保险业务的管理机构，本项不得分。",
        "配备安全生产责任保险业务的管理人员。",
        "未配备管理人员的，本项不得分。",
        "建立事故预防费用台账。",
    ),
    # 附录C 表1–表13 (the tables the plan's 预期成果 refer to)
    ("chengdu_table_1", "chengdu"): (
        "表 1 安全生产教育培训计划",
        "序号",
        "培训主题",
        "培训对象",
        "培训形式",
        "培训类型",
        "培训资料",
        "培训时间",
    ),
    ("chengdu_table_2", "chengdu"): (
        "表 2 初始风险调查表",
        "投保单位名称",
        "地址",
        "投保单位性质",
        "国有",
        "集体所有制",
        "私营",
        "联营",
        "股份制",
        "外资",
        "经营范围",
        "所属行业",
        "建设时间",
        "产权性质",
        "自有",
        "租赁",
        "占地面积",
        "员工人数/人",
        "职能部门数量/个",
        "初始风险调查内容",
        "调查项目",
        "调查依据",
        "调查记录",
        "调查小结",
        "备注",
        "员工是否具有较强的风险意识",
        "组织机构是否健全，是否设有安全管理部门或配备专职安全管理人员",
        "生产场所是否涉及燃爆性粉尘",
        "安全管理可视化状况是否良好",
        "初始风险调查结论",
    ),
    ("chengdu_table_3", "chengdu"): (
        "表 3 作业活动清单",
        "序号",
        "岗位或场所",
        "工作任务",
        "作业活动",
        "作业步骤",
        "使用设备设施、工具、仪器仪表",
        "可能产生的危险和有害因素",
        "备注（常规/非常规）",
    ),
    ("chengdu_table_4", "chengdu"): (
        "表 4 设备设施清单",
        "序号",
        "岗位或场所",
        "设备设施名称",
        "可能产生的危险和有害因素",
        "备注（状态）",
    ),
    ("chengdu_table_5", "chengdu"): (
        "表 5 工作危害分析评价记录表",
        "车间（部门）：",
        "岗位：",
        "工作任务：",
        "序号",
        "工作步骤",
        "危险和有害因素（人、物、作业环境、管理）",
        "主要后果",
        "现有安全控制措施",
        "风险等级",
        "建议改进措施",
        "备注",
        "注：审核人为所在岗位/工序负责人，审定人为上级负责人。",
        "分析人员：",
        "分析日期：",
        "审核人：",
        "审核日期：",
        "审定人：",
        "审定日期：",
    ),
    ("chengdu_table_6", "chengdu"): (
        "表 6 安全检查分析评价记录表",
        "车间（部门）：",
        "区域/工艺过程：",
        "装置/设备/设施：",
        "序号",
        "检查项目",
        "标准",
        "不符合标准的情况及后果",
        "现有安全控制措施",
        "风险等级",
        "建议改进措施",
        "备注",
        "注：审核人为所在岗位负责人，审定人为上级负责人。",
        "分析人员：",
        "分析日期：",
        "审核人：",
        "审核日期：",
        "审定人：",
        "审定日期：",
    ),
    ("chengdu_table_7", "chengdu"): (
        "表 7 风险清单表",
        "风险清单",
        "序号",
        "风险类型",
        "风险描述",
        "场所地址",
        "危害因素",
        "风险源",
        "风险源详细地址",
        "风险等级",
        "备注",
        "编制人",
        "编制日期",
        "审核人",
        "审核日期",
        "批准人",
        "批准日期",
    ),
    ("chengdu_table_8", "chengdu"): (
        "表 8 隐患排查服务现场记录表",
        "受检投保单位名称",
        "受检投保单位安全主管姓名、电话",
        "主要危险化学品类型/储存量",
        "安全评价情况",
        "安全风险管控情况",
        "双预控",
        "安全生产标准化情况",
        "应急预案",
        "检查情况",
        "隐患描述",
        "整改建议",
    ),
    ("chengdu_table_9", "chengdu"): (
        "表 9 隐患排查治理台账",
        "序号",
        "隐患排查",
        "隐患治理",
        "隐患效果验收",
        "排查时间",
        "排查人员",
        "隐患分类类别",
        "隐患细类",
        "隐患具体描述",
        "隐患照片",
        "隐患分级",
        "治理措施",
        "治理时限",
        "责任人",
        "经费",
        "治理情况描述",
        "治理照片",
        "验收时间",
        "验收人员",
        "备注",
    ),
    ("chengdu_table_10", "chengdu"): (
        "表 10 安全生产标准化技术服务过程记录表",
        "单位名称",
        "技术服务阶段",
        "累计次数",
        "技术服务时间",
        "一、 上次工作落实情况：",
        "二、 本次工作内容：",
        "三、 下次工作计划内容：",
        "企业意见或建议：",
        "技术服务人员签字",
        "陪同人员签字",
    ),
    ("chengdu_table_11", "chengdu"): (
        "安全生产标准化初始现状评估报告",
        "报告编制人：",
        "技术负责人：",
        "批 准 人：",
        "（盖章）",
        "一、检查依据",
        "二、安全管理资料排查情况",
        "要素",
        "标准分",
        "得分",
        "扣分",
        "缺项分",
        "实得分",
        "总得分",
        "三、工作场所事故隐患排查情况",
        "表A 工作场所事故隐患排查记录表",
        "发现的主要隐患或问题",
        "不符合规定的条款及内容",
        "整改措施或建议",
        "整改时限",
        "技术服务项目组",
    ),
    ("chengdu_table_12", "chengdu"): (
        "自评报告",
        "企业名称：",
        "所属行业：",
        "专业：",
        "自评得分：",
        "自评等级：",
        "自评日期：",
        "是否在企业内部公示：",
        "是否申请评审：",
        "一、基本情况表",
        "企业性质",
        "安全管理机构",
        "员工总数",
        "专职安全管理人员",
        "特种作业人员",
        "固定资产",
        "倒班情况",
        "法定代表人",
        "联系人",
        "电子信箱",
        "本次自评前本专业曾经取得的标准化等级：",
        "如果企业是某企业集团的成员单位，请注明企业集团名称：",
        "如果企业已取得职业健康安全管理体系认证证书，请注明证书名称和发证机构：",
        "二、投保单位自评总结",
        "1.企业概况。",
        "2.近三年企业安全生产事故和职业病的发生情况。",
        "3.企业安全生产标准化建设过程及取得成效。",
        "三、评审申请表",
        "1.企业是否同意遵守评审要求，并能提供评审所必需的真实信息？",
        "◇安全生产许可证复印件（未实施安全生产行政许可的行业不需提供）",
        "◇自评扣分项目汇总表",
        "3.企业自评得分：",
        "4.企业自评结论：",
        "法定代表人（签名）：",
        "（申请企业盖章）",
    ),
    ("chengdu_table_13", "chengdu"): (
        "表 13 生产安全事故应急预案评估表",
        "评估要素",
        "评估内容",
        "评估方法",
        "评估结果",
        "1.应急预案管理要求",
        "资料分析",
        "是否有不符合项，列出不符合项",
        "2.组织机构与职责",
        "人员访谈",
        "列出相关人员的建议",
        "推演论证",
        "3.主要事故风险",
        "现场审核",
        "现场查看风险情况",
    ),
}
# Complaint records: no standard gives the form (the service's layout says so); its labels are
# the complaint clauses' words (山东 6.4, 成都 5.4.2.1, AQ 9010-2019 6.4, AQ 9010.1-2025 6.4).
for _p in ("shandong", "chengdu", "national", "wenzhou"):
    STANDARD_LABELS[("complaint", _p)] = (
        "安全生产责任保险事故预防服务投诉处理记录",
        "本表式由本服务拟定",
        "投诉人的投诉请求",
        "对基本事实的认定及依据",
        "对投诉事项的处理措施",
        "需要进一步核实与处理",
        *(("延长处理期限",) if _p in ("shandong", "national") else ()),  # 山东 / 2025 6.4 only
        "对投诉内容的核实情况",  # AQ 9010.1-2025 6.4
        "投诉人可以采取的救济途径",  # AQ 9010.1-2025 6.4
    )
# Issue 15: the fee ledger's entries (山东 7.2 专门台账, 温州 第六条) and the sampling draws (山东
# 8.1 b, c): no standard gives the forms; their labels are the clauses' words.
for _p in ("shandong", "wenzhou"):
    STANDARD_LABELS[("fee_entry", _p)] = (
        "安全生产责任保险事故预防费用台账记录", "本表式由本服务拟定", "计提", "支出", "统筹划拨",
        "金额（元）", "支出对应的服务记录", "发票号码", "适用规定")
STANDARD_LABELS[("sampling", "shandong")] = (
    "安全生产责任保险事故预防技术服务抽检记录", "本表式由本服务拟定", "保后评估", "赔后评估",
    "保费收入不足 5000 元", "赔付总金额 100 万元及以上", "随机种子", "抽检比例")
# Wenzhou uses the national plan (AQ 9010.1-2025 附录A); its half-yearly self-evaluation is
# 温州 第二十三条 with the nine aspects of 第二十四条 and the 100 + 10 of 第二十五条.
STANDARD_LABELS[("plan", "wenzhou")] = STANDARD_LABELS[("plan", "national")]
STANDARD_LABELS[("annual_evaluation", "wenzhou")] = (
    "服务方案实施情况及效果",
    "提供事故预防技术服务的机构和人员的专业能力",
    "存在的问题和改进措施",
    "（一）事故预防服务情况",
    "（二）事故预防服务费用提取和列支情况",
    "（三）安责险产品宣传与推广情况",
    "（四）安责险事故预防服务效果",
    "（五）安责险信息化建设及信息录入情况",
    "（六）安责险项目各类信息报送情况",
    "（七）安责险项目服务满意度情况",
    "（八）安责险项目服务创新情况（加分项）",
    "（九）其他应当考核的内容",
    "服务评价指标共 100 分，创新加分项不超过 10 分",
    "得分保留一位小数",
)

# What the filled examples chose, as the form must show it: ☑ before (or in the parentheses
# after) a chosen item or rating, □ for the others.
CHOICES: dict[str, tuple[str, ...]] = {
    "agreement-shandong": (
        "☑安全生产宣传教育培训",
        "☑安全风险辨识、评估和安全评价",
        "☑生产安全事故隐患排查",
        "□安全生产信用体系建设",
        "☑生产安全事故应急预案编制和应急演练",
        "□安全生产科技创新与推广应用",
        "□其他有关事故预防技术服务",
    ),
    "plan-shandong": (
        "☑(一) 安全生产宣传教育培训",
        "☑(二) 安全风险辨识、评估和安全评价",
        "☑(三) 生产安全事故隐患排查",
        "□(四) 安全生产信用体系建设",
        "□(五) 生产安全应急预案编制和应急演练",
        "□(六) 安全生产科技创新与推广应用",
        "□(七) 其他类型的服务",
    ),
    "plan-chengdu": (
        "☑安全生产教育培训（《规范》6.1）",
        "☑安全风险辨识评估（《规范》6.2）",
        "☑生产安全事故隐患排查（《规范》6.3）",
        "□安全生产标准化建设（《规范》6.4）",
        "□生产安全事故应急预案及演练（《规范》6.5）",
        "□安全生产科技推广及应用（《规范》6.6）",
    ),
    "callback-shandong": (
        "服务态度 好（☑） 中（□） 差（□）",
        "技术水平 好（☑） 中（□） 差（□）",
        "服务闭环 已完成（☑） 未完成（□）",
        "服务总体评价 非常满意（☑） 基本满意（□） 一般（□） 不满意（□）",
    ),
    "callback-chengdu": (
        "投保单位收到的服务成果中是否涉及安全问题清单和整改建议 ☑是 □否",
        "投保单位是否按照整改建议完成了整改工作 ☑是 □否",
    ),
    "fee_entry-shandong": ("□计提 ☑支出 □统筹划拨",),
    "fee_entry-wenzhou": ("☑计提 □支出 □统筹划拨",),
    "sampling-shandong": ("☑保后评估 □赔后评估",),
    "chengdu_table_2-chengdu": ("投保单位性质 □国有 □集体所有制 ☑私营 □联营 □股份制 □外资 □其他",),
    "chengdu_table_8-chengdu": ("预案： ☑有 □无 ☑备案 ☑评审",),
    "chengdu_table_12-chengdu": (
        "企业性质 □国有 □集体 ☑民营 □私营 □合资 □独资 □其他",
        "自评等级 □一级 □二级 ☑三级 □小微企业",
        "本次自评前本专业曾经取得的标准化等级： □一级 □二级 □三级 □小微企业 ☑无",
        "是否申请评审： ☑是 □否",
    ),
}
# The forms that have boxes to tick at all (附件4, 附件6, 附录A and 附录E have none; of the 附录C
# tables, 表2 has 投保单位性质/产权性质, 表8 有□ 无□, 表9 重大/一般 per row and 表12 是 否 /
# 企业性质 / 自评等级).
WITH_BOXES = {
    ("agreement", "shandong"),
    ("plan", "shandong"),
    ("plan", "chengdu"),
    ("callback", "shandong"),
    ("callback", "chengdu"),
    ("chengdu_table_2", "chengdu"),
    ("chengdu_table_8", "chengdu"),
    ("chengdu_table_9", "chengdu"),
    ("chengdu_table_12", "chengdu"),
    *(("complaint", p) for p in ("shandong", "chengdu", "national", "wenzhou")),
    ("fee_entry", "shandong"), ("fee_entry", "wenzhou"), ("sampling", "shandong"),
}


@dataclass(frozen=True)
class Rendered:
    kind: FormKind
    doc: Document
    pdf: str  # squashed text
    docx: str  # squashed text


@pytest.fixture(scope="module")
def filled() -> dict[str, Rendered]:
    """Every example rendered once per format by the service (``render_data``)."""
    out = {}
    for name, body in EXAMPLES.items():
        kind = get_kind(body["type"], body["profile"])
        doc = build(kind, parse_data(kind, body["data"]))  # the tree both writers drew
        pdf, docx = (
            render_data(body["type"], body["profile"], body["data"], fmt) for fmt in ("pdf", "docx")
        )
        assert pdf.content.startswith(b"%PDF-") and docx.content.startswith(b"PK")
        out[name] = Rendered(
            kind, doc, squash(pdf_text(pdf.content)), squash(docx_text(docx.content))
        )
    return out


@pytest.fixture(scope="module")
def blank() -> dict[tuple[str, str], Rendered]:
    """Every (type, profile) rendered blank once per format (``render_blank``)."""
    out = {}
    for doc_type, profile in KINDS:
        kind = CATALOG[(doc_type, profile)]
        pdf, docx = (render_blank(doc_type, profile, fmt) for fmt in ("pdf", "docx"))
        assert pdf.filename == f"{doc_type}-{profile}-blank.pdf"
        out[(doc_type, profile)] = Rendered(
            kind, build(kind, None), squash(pdf_text(pdf.content)), squash(docx_text(docx.content))
        )
    return out


def labels_of(kind: FormKind) -> list[str]:
    """The annex's labels: every text of its blank form but fill-in lines (``____年__月__日``,
    replaced by the value on a filled form), row numbers and empty cells."""
    return [
        t
        for t in build(kind, None).texts()
        if t.strip() and not t.strip().isdigit() and "__" not in t and not _blank_only(t)
    ]


def _blank_only(text: str) -> bool:
    """A blank form's words for what a filled form replaces by a value: the annex's placeholders
    （甲方名称）/（乙方名称） and write-in gaps of full-width spaces (年　　月　　日)."""
    return "　　" in text or "（甲方名称）" in text or "（乙方名称）" in text


def _missing(needles: Any, haystack: str) -> list[str]:
    return [n for n in needles if squash(n) not in haystack]


def _count_checks(doc: Document) -> int:
    n = 0
    for block in doc.blocks:
        groups = (
            [block.inlines]
            if isinstance(block, Paragraph)
            else [c.inlines for r in block.rows for c in r.cells]
            if isinstance(block, Table)
            else []
        )
        n += sum(isinstance(i, Check) for g in groups for i in g)
    return n


def test_every_form_has_an_example_and_the_standards_labels() -> None:
    assert set(KINDS) == set(CATALOG)
    assert set(STANDARD_LABELS) == set(CATALOG)
    assert set(EXAMPLES) == {f"{t}-{p}" for t, p in KINDS}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_filled_form_shows_every_label_of_its_annex(name: str, filled: dict[str, Rendered]) -> None:
    r = filled[name]
    labels = labels_of(r.kind)
    assert labels, "the spec yields no labels"
    assert _missing(labels, r.pdf) == [], "PDF"
    assert _missing(labels, r.docx) == [], "DOCX"


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_filled_form_shows_the_standards_own_labels(name: str, filled: dict[str, Rendered]) -> None:
    r = filled[name]
    labels = STANDARD_LABELS[(r.kind.type, r.kind.profile)]
    assert _missing(labels, r.pdf) == [], "PDF"
    assert _missing(labels, r.docx) == [], "DOCX"


def shown_values(name: str) -> tuple[list[str], list[str]]:
    """(posted texts, posted dates as 2026年3月12日) that the annex has a place for."""
    body = EXAMPLES[name]
    kind = get_kind(body["type"], body["profile"])
    model = parse_data(kind, body["data"])
    bindings = spec_bindings(load_spec(kind.profile, kind.type))
    texts, dates = [], []
    for leaf in posted_leaves(body["data"], model):
        if leaf.pattern[-1] in ("data", "filename"):  # only Photo has these: drawn, not printed
            continue
        if not is_bound(leaf.pattern, bindings):
            continue
        if isinstance(leaf.typed, str):
            texts.append(leaf.typed)
        elif isinstance(leaf.typed, dt.date):
            dates.append(f"{leaf.typed.year}年{leaf.typed.month}月{leaf.typed.day}日")
    return texts, dates


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_filled_form_shows_every_posted_value_it_has_a_place_for(
    name: str, filled: dict[str, Rendered]
) -> None:
    r = filled[name]
    texts, dates = shown_values(name)
    assert texts, "the example posts no text the annex shows"
    assert _missing(texts, r.pdf) == [], "PDF"
    assert _missing(texts, r.docx) == [], "DOCX"
    assert _missing(dates, r.pdf) == [], "PDF"
    assert _missing(dates, r.docx) == [], "DOCX"


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_pdf_and_docx_carry_the_same_texts(name: str, filled: dict[str, Rendered]) -> None:
    r = filled[name]
    texts = [t for t in r.doc.texts() if t.strip()]
    assert _missing(texts, r.pdf) == [], "PDF"
    assert _missing(texts, r.docx) == [], "DOCX"


@pytest.mark.parametrize("name", sorted(CHOICES))
def test_filled_form_ticks_the_chosen_items_and_ratings(
    name: str, filled: dict[str, Rendered]
) -> None:
    r = filled[name]
    assert _missing(CHOICES[name], r.pdf) == [], "PDF"
    assert _missing(CHOICES[name], r.docx) == [], "DOCX"


@pytest.mark.parametrize(("doc_type", "profile"), KINDS)
def test_blank_form_has_every_label_and_empty_boxes(
    doc_type: str, profile: str, blank: dict[tuple[str, str], Rendered]
) -> None:
    r = blank[(doc_type, profile)]
    labels = [*labels_of(r.kind), *STANDARD_LABELS[(doc_type, profile)]]
    assert _missing(labels, r.pdf) == [], "PDF"
    assert _missing(labels, r.docx) == [], "DOCX"
    boxes = _count_checks(r.doc)
    assert (boxes > 0) == ((doc_type, profile) in WITH_BOXES)
    for text in (r.pdf, r.docx):
        assert text.count(UNCHECKED) == boxes
        assert CHECKED not in text
