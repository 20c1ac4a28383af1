"""English words for the fill-in pages: the forms' field titles, section headings, option labels
and form names, keyed by the exact Chinese text the schemas (and the annexes' item lists) carry.

The schemas stay Chinese (the paper forms are); in English mode a page shows the Chinese with the
English after it. ``tests/web/test_web_labels.py`` walks every form of the catalogue: a field
added without an entry here fails it.
"""

from __future__ import annotations

import re

__all__ = ["FORMS", "HINTS", "LABELS", "OPTIONS_EN", "OPTIONS_ZH", "english", "has_cjk", "hint_en",
           "option_en", "option_zh"]

_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def english(zh: str) -> str:
    """The English of a title, a heading or a form name; ``""`` when there is none, and the
    text itself when it holds no Chinese."""
    return LABELS.get(zh) or FORMS.get(zh) or ("" if has_cjk(zh) else zh)


def option_zh(value: str) -> str:
    """What the page shows for an option whose value is a code (``accrual`` → 计提)."""
    return OPTIONS_ZH.get(value, value)


def option_en(value: str) -> str:
    """The English of an option's label; the value itself when it holds no Chinese."""
    return OPTIONS_EN.get(value) or ("" if has_cjk(value) else value)


#: Form names (the catalogue) and the profiles' headings.
FORMS: dict[str, str] = {
    "安全生产责任保险事故预防技术服务协议":
        "Work-safety liability insurance: accident-prevention technical service agreement",
    "安全生产责任保险事故预防技术服务方案":
        "Work-safety liability insurance: accident-prevention technical service plan",
    "安全生产责任保险事故预防服务方案":
        "Work-safety liability insurance: accident-prevention service plan",
    "安全生产责任保险事故预防技术服务报告":
        "Work-safety liability insurance: accident-prevention technical service report",
    "安责险承保机构安全生产责任保险事故预防技术服务回访表":
        "Insurer's callback form for the accident-prevention technical service",
    "安全生产责任保险事故预防技术服务回访内容":
        "Callback on the accident-prevention technical service",
    "安全生产责任保险事故预防总结评估报告":
        "Work-safety liability insurance: accident-prevention summary evaluation report",
    "保险公司安全生产责任保险事故预防技术服务质量评估指标体系":
        "Quality evaluation indicators for an insurer's accident-prevention technical service",
    "表 1 安全生产教育培训计划": "Table 1 Work-safety education and training plan",
    "表 2 初始风险调查表": "Table 2 Initial risk survey",
    "表 3 作业活动清单": "Table 3 List of work activities",
    "表 4 设备设施清单": "Table 4 List of equipment and facilities",
    "表 5 工作危害分析评价记录表": "Table 5 Job hazard analysis (JHA) record",
    "表 6 安全检查分析评价记录表": "Table 6 Safety checklist analysis (SCL) record",
    "表 7 风险清单表": "Table 7 Risk register",
    "表 8 隐患排查服务现场记录表": "Table 8 On-site record of the hazard screening service",
    "表 9 隐患排查治理台账": "Table 9 Hazard screening and remediation ledger",
    "表 10 安全生产标准化技术服务过程记录表":
        "Table 10 Record of the work-safety standardisation service",
    "表 11 安全生产标准化初始现状评估报告":
        "Table 11 Initial work-safety standardisation status assessment",
    "表 12 投保单位安全生产标准化自评报告":
        "Table 12 Insured enterprise's work-safety standardisation self-assessment",
    "表 13 生产安全事故应急预案评估表": "Table 13 Emergency plan evaluation",
    "安全生产责任保险事故预防服务投诉处理记录":
        "Work-safety liability insurance: accident-prevention service complaint record",
    "安全生产责任保险事故预防技术服务半年度自评报告":
        "Half-year self-assessment of the accident-prevention technical service",
    "安全生产责任保险事故预防费用台账记录": "Accident-prevention fund ledger entry",
    "安全生产责任保险事故预防技术服务抽检记录":
        "Sampling check of the accident-prevention technical service",
    # profiles (the catalogue's headings)
    "山东省交通运输行业（鲁交安委办函〔2024〕45号 附件2–6）":
        "Shandong transport sector (Lu Jiao An Wei Ban Han [2024] No. 45, annexes 2–6)",
    "AQ 9010.1-2025（征求意见稿）附录A": "AQ 9010.1-2025 (draft for comment), annex A",
    "成都市安全生产责任保险事故预防技术服务规范 附录C–E":
        "Chengdu accident-prevention technical service specification, annexes C–E",
    "温州市安全生产责任保险事故预防服务暂行标准（温安委办〔2020〕4号）；表式用全国 AQ 9010.1-2025 附录A":
        "Wenzhou interim accident-prevention service standard (Wen An Wei Ban [2020] No. 4); "
        "forms of the national AQ 9010.1-2025 annex A",
}

#: Field titles and section headings.
LABELS: dict[str, str] = {
    # -- policy, parties -------------------------------------------------------------------
    "保单": "Policy",
    "保单号": "Policy no.",
    "保险费（元）": "Premium (yuan)",
    "保险期间起": "Period of insurance from",
    "保险期间止": "Period of insurance to",
    "投保人": "Policyholder",
    "被保险人": "Insured",
    "被保险人（投保单位）": "Insured (insured enterprise)",
    "所属地区": "Region",
    "行业": "Industry",
    "甲方（被保险人）": "Party A (the insured)",
    "被保险人名称": "Name of the insured",
    "地址": "Address",
    "行业类别": "Industry category",
    "许可范围": "Licensed scope",
    "法定代表人": "Legal representative",
    "法定代表人电话": "Legal representative's phone",
    "法定代表人传真": "Legal representative's fax",
    "法定代表人（签名）": "Legal representative (signature)",
    "安全负责人": "Person in charge of safety",
    "安全负责人电话": "Safety person's phone",
    "信用等级": "Credit rating",
    "被保险人基本情况": "Profile of the insured",
    "联系人": "Contact person",
    "联系电话": "Contact phone",
    "联系方式": "Contact details",
    "联系人电话": "Contact's phone",
    "联系人传真": "Contact's fax",
    "联系人手机": "Contact's mobile",
    "联系人电子信箱": "Contact's email",
    "电话": "Phone",
    "乙方（安责险承保机构）": "Party B (the work-safety liability insurer)",
    "安责险承保机构": "Work-safety liability insurer",
    "安责险承保机构分管负责人": "Insurer's executive in charge",
    "保险机构": "Insurer",
    "保险公司": "Insurance company",
    "保险公司（评价对象）": "Insurance company (evaluated)",
    "保险经纪机构": "Insurance broker",
    "第三方服务机构": "Third-party service provider",
    "第三方服务机构概况": "Profile of the third-party service provider",
    "第三方服务机构联系方式": "Service provider's contact details",
    "第三方服务机构签字或签章": "Service provider's signature or seal",
    "第三方服务机构授权代表": "Service provider's authorised representative",
    "服务机构": "Service provider",
    "安全技术服务机构": "Safety technical service provider",
    "分支机构": "Branch",
    "投保单位": "Insured enterprise",
    "投保单位名称": "Name of the insured enterprise",
    "投保单位性质": "Ownership of the insured enterprise",
    "投保单位联系人": "Contact at the insured enterprise",
    "投保单位联系人联系方式": "Contact's phone at the insured enterprise",
    "投保单位陪同人员": "Escort from the insured enterprise",
    "投保单位概况（所属行业、规模、产值等）":
        "Profile of the insured enterprise (industry, size, output value, etc.)",
    "同一方案覆盖的其他被保险人": "Other insureds covered by the same plan",
    "受检投保单位名称": "Inspected enterprise",
    "受检投保单位安全主管姓名": "Inspected enterprise's safety manager",
    "受检投保单位安全主管电话": "Safety manager's phone",
    "受检投保单位地址": "Inspected enterprise's address",
    "被服务投保单位名称（甲方名称）": "Insured enterprise served (party A)",
    "乙方名称": "Party B",
    "单位名称": "Enterprise",
    "企业名称": "Company name",
    "企业性质": "Ownership",
    "企业集团名称": "Corporate group",
    "名称": "Name",
    "姓名": "Name",
    "编号": "No.",
    "记录编号": "Record ID",
    "SHA-256 哈希值": "SHA-256 hash",
    "日期": "Date",
    "时间": "Time",
    "期间": "Period",
    "年度": "Year",
    "半年度": "Half-year",
    "类别": "Category",
    "类型": "Type",
    "形式": "Form",
    "内容": "Content",
    "主要内容": "Main content",
    "具体内容": "Details",
    "备注": "Remarks",
    "其他": "Other",
    "地点": "Location",
    "网址": "Web address",
    "频次": "Frequency",
    "照片": "Photos",
    "现场照片": "Site photos",
    "专业": "Discipline",
    "专业领域": "Field of expertise",
    "职称": "Professional title",
    "职务/职称": "Position / title",
    "证书": "Certificates",
    "证书扫描件或照片": "Certificate scans or photos",
    "分工": "Role",
    "所在部门": "Department",
    "技术人员": "Technicians",
    "岗位": "Post",
    "标准": "Standard",
    "适用标准": "Standard applied",
    "依据": "Basis",
    # -- agreement (Shandong annex 2) --------------------------------------------------------
    "服务项目": "Service items",
    "a) 安全生产宣传教育培训": "a) Work-safety publicity, education and training",
    "线上培训": "Online training",
    "线下培训": "On-site training",
    "开始日期": "Start date",
    "结束日期": "End date",
    "b) 安全风险辨识、评估和安全评价":
        "b) Safety risk identification, assessment and safety evaluation",
    "项目名称": "Project name",
    "c) 生产安全事故隐患排查": "c) Accident hazard screening",
    "排查安排": "Screening schedule",
    "排查范围": "Scope of screening",
    "d) 安全生产信用体系建设": "d) Work-safety credit system",
    "e) 生产安全事故应急预案编制和应急演练": "e) Emergency plans and emergency drills",
    "f) 安全生产科技创新与推广应用":
        "f) Work-safety technology: innovation, promotion and application",
    "应用项目": "Applications",
    "应用项目名称": "Application",
    "主要作用": "Main purpose",
    "g) 其他有关事故预防技术服务": "g) Other accident-prevention technical services",
    "其他服务": "Other services",
    "甲方法定代表人或其委托代理人": "Party A's legal representative or authorised agent",
    "乙方法定代表人或其委托代理人": "Party B's legal representative or authorised agent",
    "甲方签订日期": "Party A signed on",
    "乙方签订日期": "Party B signed on",
    # -- plans -------------------------------------------------------------------------------
    "服务计划": "Service plan",
    "(一) 安全生产宣传教育培训": "(1) Work-safety publicity, education and training",
    "(二) 安全风险辨识、评估和安全评价":
        "(2) Safety risk identification, assessment and safety evaluation",
    "(三) 生产安全事故隐患排查": "(3) Accident hazard screening",
    "(四) 安全生产信用体系建设": "(4) Work-safety credit system",
    "(五) 生产安全应急预案编制和应急演练": "(5) Emergency plans and emergency drills",
    "(六) 安全生产科技创新与推广应用":
        "(6) Work-safety technology: innovation, promotion and application",
    "(七) 其他类型的服务": "(7) Other services",
    "服务保障": "Service safeguards",
    "(一) 资金安排": "(1) Funding",
    "(二) 人员安排": "(2) Staffing",
    "(三) 其他服务保障情况": "(3) Other safeguards",
    "预期效果": "Expected effect",
    "一、企业概况": "1. Company profile",
    "（一）安全管理状况": "(1) Safety management",
    "（二）主要设备设施": "(2) Main equipment and facilities",
    "（三）主要工艺流程": "(3) Main processes",
    "（四）主要危险点及重大危险源": "(4) Main danger points and major hazard installations",
    "（一）服务项目基本情况": "(1) Service items",
    "服务时间和频次": "Timing and frequency",
    "具体服务内容": "Service content",
    "（一）服务流程": "(1) Service process",
    "（二）时间安排": "(2) Timetable",
    "四、预期目标": "4. Expected goals",
    "五、服务保障": "5. Service safeguards",
    "主要设备设施和工艺流程": "Main equipment, facilities and processes",
    "生产事故历史情况": "Accident history",
    "3.1 安全生产教育培训（《规范》6.1）": "3.1 Work-safety education and training (spec. 6.1)",
    "服务措施": "Measures",
    "预期成果": "Expected outcomes",
    "3.2 安全风险辨识评估（《规范》6.2）":
        "3.2 Safety risk identification and assessment (spec. 6.2)",
    "3.3 生产安全事故隐患排查（《规范》6.3）": "3.3 Accident hazard screening (spec. 6.3)",
    "3.4 安全生产标准化建设（《规范》6.4）": "3.4 Work-safety standardisation (spec. 6.4)",
    "3.5 生产安全事故应急预案及演练（《规范》6.5）":
        "3.5 Emergency plans and drills (spec. 6.5)",
    "3.6 安全生产科技推广及应用（《规范》6.6）":
        "3.6 Work-safety technology: promotion and application (spec. 6.6)",
    "4 服务频次": "4 Service frequency",
    "5 服务团队": "5 Service team",
    # -- report (Shandong annex 4) ----------------------------------------------------------
    "服务": "Service visit",
    "服务日期": "Service date",
    "服务结束日期": "Service end date",
    "服务地点": "Service location",
    "服务时间": "Service time",
    "二、技术人员基本情况": "2. Technicians",
    "1、安全生产宣传教育培训": "1. Work-safety publicity, education and training",
    "2、安全风险辨识、评估和安全评价":
        "2. Safety risk identification, assessment and safety evaluation",
    "风险辨识清单": "Risk identification list",
    "风险名称": "Risk",
    "防范措施": "Preventive measures",
    "风险等级": "Risk level",
    "场所/区域": "Site / area",
    "可能性 L": "Likelihood L",
    "严重性 S": "Severity S",
    "排查的场所、设施、设备及主要施工工艺流程":
        "Sites, facilities, equipment and main work processes screened",
    "隐患排查清单": "Hazard list",
    "问题描述": "Description of the problem",
    "整改建议": "Rectification advice",
    "隐患级别": "Hazard grade",
    "风险辨识人员（签字）": "Risk identified by (signature)",
    "被保险人签字确认（风险辨识结果）": "Insured's signature (risk identification results)",
    "事故预防人员（签字）": "Accident-prevention staff (signature)",
    "被保险人现场人员签字确认（隐患排查）": "Insured's on-site staff signature (hazard screening)",
    "4、安全生产信用体系建设": "4. Work-safety credit system",
    "5、生产安全应急预案编制和应急演练": "5. Emergency plans and emergency drills",
    "6、安全生产科技创新与推广应用":
        "6. Work-safety technology: innovation, promotion and application",
    "7、其他类型的服务": "7. Other services",
    "8、现场询问岗位人员情况": "8. Interviews with staff at their posts",
    "四、工作建议": "4. Recommendations",
    "被保险人授权代表": "Insured's authorised representative",
    "被保险人未签字说明": "Why the insured did not sign",
    "承保公司风险管理人员审批": "Approved by the insurer's risk manager",
    "服务项目实际支出金额（元）": "Actual spending per service item (yuan)",
    "安全生产教育培训": "Work-safety education and training",
    "安全风险辨识评估": "Safety risk identification and assessment",
    "生产安全事故隐患排查": "Accident hazard screening",
    "安全生产标准化/信用体系建设": "Work-safety standardisation / credit system",
    "应急救援预案与演练": "Emergency plans and drills",
    "安全生产科技推广": "Work-safety technology promotion",
    # -- callback --------------------------------------------------------------------------
    "回访时间": "Callback time",
    "回访日期": "Callback date",
    "回访人员": "Callback made by",
    "回访人员联系方式": "Caller's contact details",
    "被保险人联系人员": "Insured's contact person",
    "被保险人联系方式": "Insured's contact details",
    "服务过程（可附图）": "Service process (pictures may be attached)",
    "服务过程附图": "Pictures of the service process",
    "服务态度": "Attitude of the service staff",
    "技术水平": "Technical competence",
    "服务闭环": "Service closed out",
    "服务总体评价": "Overall rating",
    "其他建议": "Other suggestions",
    "评分情况": "Scoring",
    "扣分情形（例）": "Deduction cases (count)",
    "严重情形（例）": "Serious cases (count)",
    "本项不得分情形": "Item scores zero",
    "酌情扣分": "Discretionary deduction",
    "获表彰或推广（项）": "Commendations or adoptions (count)",
    "达到加分条件": "Bonus condition met",
    "表2 整改情况表": "Table 2 Rectification status",
    "投保单位收到的服务成果中是否涉及安全问题清单和整改建议":
        "Did the results the insured enterprise received include a list of safety problems "
        "and rectification advice?",
    "如果服务成果中包含安全问题清单和整改建议，投保单位是否按照整改建议完成了整改工作":
        "If so, did the insured enterprise complete the rectification as advised?",
    # Chengdu annex D / E indicators ("group · indicator (points)")
    "服务方案 · 服务方案制定情况（5 分）": "Service plan · Plan drawn up (5 pts)",
    "服务方案 · 服务方案满意度（10 分）": "Service plan · Satisfaction with the plan (10 pts)",
    "服务实施 · 服务方案完成情况（10 分）": "Delivery · Plan carried out (10 pts)",
    "服务实施 · 额外收费情况（5 分）": "Delivery · Extra charges (5 pts)",
    "服务实施 · 遵守投保单位安全管理制度情况（5 分）":
        "Delivery · Kept the enterprise's safety rules (5 pts)",
    "服务实施 · 保密情况（10 分）": "Delivery · Confidentiality (10 pts)",
    "服务反馈 · 服务成果反馈情况（5 分）": "Feedback · Results fed back (5 pts)",
    "服务团队 · 安全技术人员实际资质（10 分）":
        "Service team · Actual qualifications of the safety technicians (10 pts)",
    "服务团队 · 专业技术水平（10 分）": "Service team · Technical competence (10 pts)",
    "服务团队 · 服务态度（5 分）": "Service team · Attitude (5 pts)",
    "投诉处理 · 提供投诉渠道。（3 分）": "Complaints · A complaint channel is provided (3 pts)",
    "投诉处理 · 安排专门人员负责投诉工作。（4 分）":
        "Complaints · Dedicated staff handle complaints (4 pts)",
    "投诉处理 · 投诉处理的及时性（10 分）": "Complaints · Timely handling (10 pts)",
    "投诉处理 · 对投诉处理的满意度（5 分）": "Complaints · Satisfaction with the handling (5 pts)",
    "投诉处理 · 对投保单位提出的异议或投诉的处理。（3 分）":
        "Complaints · Objections and complaints of insured enterprises handled (3 pts)",
    "服务保障 · 建立安全生产责任保险业务的管理机构。（5 分）":
        "Safeguards · A unit manages the work-safety liability business (5 pts)",
    "服务保障 · 建立事故预防技术服务工作责任制。（3 分）":
        "Safeguards · Responsibilities for the prevention service are assigned (3 pts)",
    "服务保障 · 配备安全生产责任保险业务的管理人员。（3 分）":
        "Safeguards · Managers are assigned to the business (3 pts)",
    "服务保障 · 安全生产责任保险业务的管理人员应具备相应的保险和安全生产专业等能力。（5 分）":
        "Safeguards · The managers are competent in insurance and work safety (5 pts)",
    "服务保障 · 对安全生产责任保险事故预防技术服务进行全流程管理。（3 分）":
        "Safeguards · The prevention service is managed end to end (3 pts)",
    "服务保障 · 根据事故预防技术服务工作的需要，组建服务团队。（4 分）":
        "Safeguards · A service team is formed as the work needs (4 pts)",
    "服务保障 · 事故预防技术服务费用，专项用于事故预防工作。（5 分）":
        "Safeguards · Prevention funds are spent on prevention only (5 pts)",
    "服务保障 · 建立事故预防费用台账。（2 分）":
        "Safeguards · A prevention fund ledger is kept (2 pts)",
    "服务质效 · 保险合同中明确事故预防技术的服务项目、服务内容及频次。（3 分）":
        "Quality · The policy states the service items, content and frequency (3 pts)",
    "服务质效 · 制定完善的事故预防技术服务方案。（3 分）":
        "Quality · A complete service plan is drawn up (3 pts)",
    "服务质效 · 服务小组每次开展服务之前与投保单位的沟通和确认。（2 分）":
        "Quality · Each visit is agreed with the insured enterprise beforehand (2 pts)",
    "服务质效 · 开展事故预防技术服务的安全生产技术服务机构符合要求。（5 分）":
        "Quality · The technical service provider meets the requirements (5 pts)",
    "服务质效 · 开展事故预防技术服务的安全生产专业技术人员符合要求。（5 分）":
        "Quality · The safety professionals meet the requirements (5 pts)",
    "服务质效 · 开展服务时，应遵守投保单位的安全管理制度和操作规程，采取安全防护措施，保证自身和其他人员的安全。（3 分）":
        "Quality · Staff keep the enterprise's safety rules and procedures and protect "
        "themselves and others (3 pts)",
    "服务质效 · 不得泄露投保单位的职工信息和技术商业秘密。（2 分）":
        "Quality · No disclosure of staff data or trade secrets (2 pts)",
    "服务质效 · 不应影响投保单位正常的生产经营活动。（2 分）":
        "Quality · Normal operations are not disrupted (2 pts)",
    "服务质效 · 在服务过程中发现生产安全事故隐患，应及时书面告知投保单位。（4 分）":
        "Quality · Hazards found are notified in writing without delay (4 pts)",
    "服务质效 · 不应以任何理由拒绝履行保险合同约定的服务义务，合同约定的服务不应另行收取费用。（4 分）":
        "Quality · No contracted service refused or charged extra (4 pts)",
    "服务质效 · 服务小组在服务完成后，应按照不同服务项目的要求，于 7 个工作日内整理形成服务记录报保险公司的安全生产责任保险业务管理机构审核。（2 分）":
        "Quality · Service records reach the insurer's managing unit within 7 working days "
        "(2 pts)",
    "服务质效 · 及时向投保单位按不同服务项目的要求反馈服务成果。（2 分）":
        "Quality · Results are fed back to the insured enterprise in time (2 pts)",
    "服务质效 · 建立服务质效考核评估标准，保证服务质量。（5 分）":
        "Quality · Quality assessment criteria are set (5 pts)",
    "服务质效 · 及时进行服务回访。（2 分）": "Quality · Callbacks are made in time (2 pts)",
    "服务质效 · 服务档案整理并归档。（3 分）": "Quality · Service records are filed and archived (3 pts)",
    "服务质效 · 事故预防技术服务信息管理。（2 分）":
        "Quality · Information management of the service (2 pts)",
    "服务质效 · 建立事故预防技术服务的质量评价体系。（5 分）":
        "Quality · A quality evaluation system is in place (5 pts)",
    "服务质效 · 向社会公布自评结果或者第三方评估结果。（3 分）":
        "Quality · Self-assessment or third-party results are published (3 pts)",
    "服务质效 · 向属地应急管理部门上报年度评估结果。（3 分）":
        "Quality · Annual results are reported to the local emergency management bureau (3 pts)",
    "加分项 · 安全生产责任保险事故预防技术服务的创新性工作。（10 分）":
        "Bonus · Innovative prevention work (10 pts)",
    "加分项 · 安全生产责任保险事故预防技术服务的典型案例建设工作。（10 分）":
        "Bonus · Model cases built (10 pts)",
    "加分项 · 安全生产责任保险事故预防技术服务成效优秀。（10 分）":
        "Bonus · Outstanding results (10 pts)",
    # -- annual evaluation -----------------------------------------------------------------
    "评估周期（年度）": "Evaluation period (year)",
    "一、事故预防工作清单": "1. Accident-prevention work list",
    "服务费用（元）": "Service fee (yuan)",
    "参与人员信息": "Staff involved",
    "聘请专家信息": "Experts engaged",
    "服务形式和次数": "Service forms and number of visits",
    "排查出的事故隐患数量": "Accident hazards found",
    "事故隐患内容": "Hazards found",
    "是否排查出重大事故隐患": "Major accident hazard found?",
    "事故隐患处置过程及处置结果": "How the hazards were handled, and the result",
    "报备情况": "Reported to the authorities",
    "二、事故预防工作分析": "2. Analysis of the prevention work",
    "被保险人满意度": "Satisfaction of the insured",
    "投诉处理情况": "Complaints handled",
    "经验总结": "Lessons learned",
    "问题与不足剖析": "Problems and shortcomings",
    "三、事故预防费用收支情况": "3. Prevention funds: accrued and spent",
    "计提（元）": "Accrued (yuan)",
    "支出（元）": "Spent (yuan)",
    "四、下一阶段事故预防技术服务计划": "4. Prevention service plan for the next period",
    "服务对象": "Served enterprise",
    "服务内容": "Service content",
    "开展时间": "When",
    "开展方式": "How",
    "费用预算（元）": "Budget (yuan)",
    "统筹委托": "Pooled and entrusted (broker)",
    "汇总所依据的档案记录": "Archive records summarised",
    "评估年度": "Evaluation year",
    "评估方": "Evaluator",
    "评估日期": "Evaluation date",
    "评估结论": "Conclusion",
    "评分所依据的档案记录": "Archive records the scoring rests on",
    "服务方案实施情况及效果": "Plan implementation and effect",
    "提供事故预防技术服务的机构和人员的专业能力":
        "Professional competence of the providers and staff",
    "存在的问题和改进措施": "Problems and improvements",
    "考核评价指标自评得分": "Self-assessed scores per indicator",
    "（一）事故预防服务情况": "(1) Prevention services delivered",
    "自评得分": "Self-assessed score",
    "佐证材料": "Supporting evidence",
    "（二）事故预防服务费用提取和列支情况": "(2) Prevention funds accrued and spent",
    "（三）安责险产品宣传与推广情况": "(3) Promotion of work-safety liability insurance",
    "（四）安责险事故预防服务效果": "(4) Effect of the prevention services",
    "（五）安责险信息化建设及信息录入情况": "(5) Information system and data entry",
    "（六）安责险项目各类信息报送情况": "(6) Reporting of information",
    "（七）安责险项目服务满意度情况": "(7) Satisfaction with the services",
    "（八）安责险项目服务创新情况（加分项）": "(8) Service innovation (bonus)",
    "（九）其他应当考核的内容": "(9) Other matters to assess",
    "所依据的档案记录": "Archive records relied on",
    "报告日期": "Report date",
    # charts of the evaluations (domain/charts.py)
    "图（由档案生成）": "Charts (made from the archive)",
    "各类别": "Bars",
    "数值（每个系列一个）": "Values (one per series)",
    "下限（规定的最低值）": "Floor (the minimum required)",
    "事故预防技术服务形式和次数": "Prevention service forms and number of visits",
    "事故隐患排查与处置": "Hazard screening and handling",
    "事故预防费用收支与统筹": "Prevention funds: accrued, spent and pooled",
    "服务时限执行情况": "Service deadlines kept",
    "各评价项目得分": "Score per evaluation item",
    "事故预防服务开展次数": "Prevention services delivered (count)",
    "事故预防服务费用提取与列支": "Prevention funds accrued and spent",
    # -- Chengdu table 1 -------------------------------------------------------------------
    "培训主题": "Training topic",
    "培训对象": "Trainees",
    "培训形式": "Training format",
    "培训类型": "Training type",
    "培训资料": "Training materials",
    "培训时间": "Training time",
    # -- Chengdu table 2 -------------------------------------------------------------------
    "经营范围": "Business scope",
    "所属行业": "Industry",
    "建设时间": "Built",
    "产权性质": "Tenure",
    "自有占地面积（m²）": "Owned land area (m²)",
    "租赁占地面积（m²）": "Leased land area (m²)",
    "员工人数/人": "Employees",
    "职能部门数量/个": "Functional departments",
    "初始风险调查内容": "Initial risk survey items",
    "调查记录": "Survey notes",
    "调查小结": "Survey summary",
    "1. 员工是否具有较强的风险意识": "1. Are the employees well aware of risks?",
    "2. 组织机构是否健全，是否设有安全管理部门或配备专职安全管理人员":
        "2. Is the organisation complete, with a safety department or full-time safety staff?",
    "3. 是否配备注册安全工程师或安全专业技术人员":
        "3. Is there a registered safety engineer or safety professional?",
    "4. 是否建立有较为健全的安全管理规章制度及操作规程，且执行良好":
        "4. Are sound safety rules and operating procedures in place and followed?",
    "5. 投保单位经济状况是否较好，安全投入是否充足":
        "5. Is the enterprise financially sound, with enough safety investment?",
    "6. 生产场所是否涉及危险化学品（含“两重点一重大”）":
        "6. Are hazardous chemicals on site (incl. the \"two key, one major\")?",
    "7. 生产场所是否涉及燃爆性粉尘": "7. Is combustible or explosive dust on site?",
    "8. 生产场所是否涉及高温液态金属": "8. Is molten metal on site?",
    "9. 生产场所是否属于劳动密集型场所": "9. Is the site labour-intensive?",
    "10. 设备设施运行状况是否良好，有无明显缺陷，各项强检设备是否按要求进行检定":
        "10. Is equipment in good order, free of obvious defects, with statutory inspections "
        "done?",
    "11. 作业环境是否良好，职业危害因素检测结果是否符合要求":
        "11. Is the work environment good, with occupational hazard tests within limits?",
    "12. 作业活动是否严格执行操作规程及各项审批手续，有无“三违”现象":
        "12. Are procedures and permits followed, free of the \"three violations\"?",
    "13. 安全管理可视化状况是否良好": "13. Is safety management well visualised?",
    "初始风险调查结论": "Conclusion of the initial risk survey",
    # -- Chengdu tables 3–7 ----------------------------------------------------------------
    "岗位或场所": "Post or site",
    "工作任务": "Task",
    "作业活动": "Work activity",
    "作业步骤": "Work steps",
    "使用设备设施、工具、仪器仪表": "Equipment, tools and instruments used",
    "可能产生的危险和有害因素": "Possible hazards and harmful factors",
    "备注（常规/非常规）": "Remarks (routine / non-routine)",
    "设备设施名称": "Equipment or facility",
    "备注（状态）": "Remarks (status)",
    "风险评价方法": "Risk evaluation method",
    "分析人员": "Analysed by",
    "分析日期": "Analysed on",
    "审核人": "Reviewed by",
    "审核日期": "Reviewed on",
    "审定人": "Approved by",
    "审定日期": "Approved on",
    "车间（部门）": "Workshop (department)",
    "工作危害分析评价记录": "Job hazard analysis rows",
    "暴露频繁程度 E": "Exposure frequency E",
    "后果 C": "Consequence C",
    "现有安全控制措施": "Existing controls",
    "建议改进措施": "Recommended improvements",
    "工作步骤": "Work step",
    "危险和有害因素（人、物、作业环境、管理）":
        "Hazards and harmful factors (people, things, environment, management)",
    "主要后果": "Main consequences",
    "区域/工艺过程": "Area / process",
    "装置/设备/设施": "Unit / equipment / facility",
    "安全检查分析评价记录": "Safety checklist rows",
    "检查项目": "Item checked",
    "不符合标准的情况及后果": "Deviations from the standard and their consequences",
    "风险清单": "Risk register rows",
    "风险类型": "Risk type",
    "风险描述": "Risk description",
    "场所地址": "Site address",
    "危害因素": "Hazard factors",
    "风险源": "Risk source",
    "风险源详细地址": "Exact location of the risk source",
    "由表 5 工作危害分析评价记录表导出": "Taken from table 5 (job hazard analysis)",
    "由表 6 安全检查分析评价记录表导出": "Taken from table 6 (safety checklist analysis)",
    "编制人": "Compiled by",
    "编制日期": "Compiled on",
    "批准人": "Approved by",
    "批准日期": "Approved on",
    # -- Chengdu table 8 -------------------------------------------------------------------
    "主要危险化学品类型/储存量": "Main hazardous chemicals / quantities stored",
    "安全评价情况": "Safety assessment",
    "三同时": "\"Three simultaneities\"",
    "竣工验收报告时间": "Completion acceptance report date",
    "现状": "Current-status assessment",
    "现状报告时间": "Current-status report date",
    "安全风险管控情况：双预控": "Risk control: dual prevention (risk grading and hazard screening)",
    "职业卫生评价、检测情况": "Occupational health assessment and testing",
    "控评报告时间": "Control-effect assessment report date",
    "检测": "Testing",
    "检测报告时间": "Test report date",
    "安全生产标准化情况": "Work-safety standardisation",
    "达标": "Standardisation achieved",
    "达标等级（ 级）": "Grade achieved",
    "达标时间": "Achieved on",
    "应急预案": "Emergency plan",
    "预案": "Plan in place",
    "备案/评审": "Filed / reviewed",
    "预案编制时间": "Plan drawn up on",
    "检查情况：安全管理资料存在问题": "Findings: problems in the safety management records",
    "安全管理资料存在问题的类别": "Category of the records problem",
    "隐患描述": "Hazard description",
    # -- Chengdu table 9 -------------------------------------------------------------------
    "隐患排查治理台账": "Hazard ledger rows",
    "排查时间": "Screened on",
    "排查人员": "Screened by",
    "隐患分类类别": "Hazard category",
    "隐患细类": "Hazard subcategory",
    "隐患具体描述": "Hazard details",
    "隐患照片": "Hazard photos",
    "隐患分级": "Hazard grade",
    "治理措施": "Remediation measures",
    "治理时限": "Remediation deadline",
    "责任人": "Person responsible",
    "经费（元）": "Funds (yuan)",
    "治理情况描述": "Remediation done",
    "治理照片": "Remediation photos",
    "验收时间": "Accepted on",
    "验收人员": "Accepted by",
    # -- Chengdu tables 10–12 --------------------------------------------------------------
    "技术服务阶段": "Service stage",
    "累计次数": "Visit no.",
    "技术服务时间": "Service date",
    "一、上次工作落实情况": "1. Follow-up of the last visit",
    "二、本次工作内容": "2. Work done this visit",
    "三、下次工作计划内容": "3. Plan for the next visit",
    "企业意见或建议": "Company's comments or suggestions",
    "技术服务人员签字": "Technicians' signatures",
    "陪同人员签字": "Escorts' signatures",
    "报告编制人": "Report compiled by",
    "技术负责人": "Technical lead",
    "摸底排查开始日期": "Baseline screening from",
    "摸底排查结束日期": "Baseline screening to",
    "一、检查依据": "1. Basis of the inspection",
    "评定标准名称": "Grading standard",
    "安全管理现状得分情况": "Scores of the current safety management",
    "要素": "Element",
    "标准分": "Full score",
    "得分": "Score",
    "扣分": "Deducted",
    "缺项分": "Not applicable",
    "安全管理重点和难点": "Key and difficult points of safety management",
    "安全管理主要建议": "Main safety management recommendations",
    "排查的工作场所": "Workplaces screened",
    "发现的主要事故隐患": "Main accident hazards found",
    "表A 工作场所事故隐患排查记录表": "Table A Workplace accident hazard screening record",
    "发现的主要隐患或问题": "Main hazard or problem found",
    "不符合规定的条款及内容": "Clause not complied with",
    "整改措施或建议": "Rectification measures or advice",
    "整改时限": "Rectification deadline",
    "技术服务项目组签署日期": "Signed by the service team on",
    "自评等级": "Self-assessed grade",
    "自评日期": "Self-assessed on",
    "是否在企业内部公示": "Published within the company?",
    "是否申请评审": "Applying for review?",
    "安全管理机构": "Safety management department",
    "员工总数（人）": "Employees",
    "专职安全管理人员（人）": "Full-time safety staff",
    "特种作业人员（人）": "Special-operation workers",
    "固定资产（万元）": "Fixed assets (10,000 yuan)",
    "主营业务收入（万元）": "Main business revenue (10,000 yuan)",
    "倒班情况": "Shift work",
    "倒班人数及方式": "Shift workers and pattern",
    "本次自评前本专业曾经取得的标准化等级": "Standardisation grade held before this assessment",
    "职业健康安全管理体系认证证书名称和发证机构":
        "Occupational health and safety certificate and issuer",
    "自评小组组长": "Self-assessment team leader",
    "自评小组成员": "Self-assessment team members",
    "1.企业概况": "1. Company profile",
    "2.近三年企业安全生产事故和职业病的发生情况":
        "2. Accidents and occupational diseases in the last three years",
    "3.企业安全生产标准化建设过程及取得成效": "3. Standardisation work done and its results",
    "1.企业是否同意遵守评审要求，并能提供评审所必需的真实信息":
        "1. Does the company agree to the review's terms and provide true information?",
    "4.企业自评结论": "4. Company's self-assessment conclusion",
    "申请日期": "Application date",
    # -- Chengdu table 13 ------------------------------------------------------------------
    "被评估的应急预案": "Emergency plan evaluated",
    "评估人员": "Evaluators",
    "评估结果": "Evaluation results",
    "1.1 梳理《中华人民共和国突发事件应对法》《中华人民共和国安全生产法》《生产安全事故应急条例》等法律法规中的有关规定和…":
        "1.1 Review the Emergency Response Law, the Work Safety Law, the Regulation on "
        "Emergencies of Work Safety Accidents and other laws; list the plan's nonconformities",
    "1.2 梳理国家标准、行业标准及地方标准中的有关规定和要求，对照评估应急预案中的不符合项":
        "1.2 Review national, sector and local standards; list the plan's nonconformities",
    "1.3 梳理规范性文件中的有关新规定和要求，对照评估应急预案中的不符合项":
        "1.3 Review new normative documents; list the plan's nonconformities",
    "1.4 梳理上位预案中的有关新规定和要求，对照评估应急预案中的不符合项":
        "1.4 Review higher-level plans; list the plan's nonconformities",
    "2.1 查阅生产经营单位机构设置、部门职能调整、应急处置关键岗位职责划分方面的文件资料，初步分析本单位应急预案中应急组织…":
        "2.1 Read the documents on organisation, departments and key emergency posts; analyse "
        "the plan's emergency organisation and duties",
    "2.2 抽样访谈，了解掌握生产经营单位本级、基层单位办公室、生产、安全及其他业务部门有关人员对本部门、本岗位的应急工作职…":
        "2.2 Interview a sample of staff on their emergency duties",
    "2.3 依据资料分析和抽样访谈的情况，结合应急预案中应急组织机构及职责，召集有关职能部门代表，就重要职能进行推演论证，评…":
        "2.3 Walk through the key duties with the departments; evaluate the organisation and "
        "duties",
    "3.1 查阅生产经营单位风险评估报告，对照生产运行和工艺设备方面有关文件资料，初步分析本单位面临的主要事故风险类型及风险…":
        "3.1 Read the risk assessment report; analyse the main accident risks and their "
        "changes",
    "3.2 根据资料分析情况，前往重点基层单位、重点场所、重点部位查看验证":
        "3.2 Verify on site at the key units, places and parts",
    "3.3 座谈研讨，就资料分析和现场查证的情况，与办公室、生产、安全及相关业务部门以及基层单位人员代表沟通交流，评估本单位…":
        "3.3 Discuss the findings with the departments; evaluate the risks the plan covers",
    "4.1 查阅生产经营单位应急资源调查报告，对照应急资源清单、管理制度及有关文件资料，初步分析本单位及合作区域的应急资源状…":
        "4.1 Read the emergency resource survey; analyse the resources of the enterprise and "
        "its partners",
    "4.2 根据资料分析情况，前往本单位及合作单位的物资储备库、重点场所，查看验证应急资源的实际储备、管理、维护情况，推演验…":
        "4.2 Verify the stores and key places on site: actual stock, management, upkeep",
    "4.3 座谈研讨，就资料分析和现场查证的情况，结合风险评估得出的应急资源需求，与办公室、生产、安全及相关业务部门以及基层…":
        "4.3 Discuss the resource needs with the departments; evaluate the plan's resources",
    "5.1 查阅上下级单位、有关政府部门、救援队伍及周边单位的相关应急预案，梳理分析在信息报告、响应分级、指挥权移交及警戒疏…":
        "5.1 Read the plans of related bodies and neighbours; analyse reporting, response "
        "levels, hand-over of command, cordons and evacuation",
    "5.2 座谈研讨，就资料分析的情况，与办公室、生产、安全及相关业务部门、基层单位、周边单位人员沟通交流，评估应急预案在内…":
        "5.2 Discuss with the departments and neighbours; evaluate the plan's links inside and "
        "outside",
    "6.1 查阅生产经营单位应急演练评估报告、应急处置总结报告、监督检查、体系审核及投诉举报方面的文件资料，初步梳理归纳应急…":
        "6.1 Read drill evaluations, incident reviews, inspections, audits and complaints; list "
        "the plan's problems",
    "6.2 座谈研讨，就资料分析得出的情况，与办公室、生产、安全及相关业务部门、基层单位人员沟通交流，评估确认应急预案存在的…":
        "6.2 Discuss with the departments; confirm the plan's problems",
    "7.1 查阅其他有可能影响应急预案适用性因素的文件资料，对照评估应急预案中的不符合项":
        "7.1 Read documents on other factors that may affect the plan; list nonconformities",
    "7.2 依据资料分析的情况，采取人员访谈、现场审核、推演论证的方式进一步评估确认有关问题":
        "7.2 Confirm the issues by interviews, site audits and walk-throughs",
    # -- complaints ------------------------------------------------------------------------
    "收到投诉时间": "Complaint received at",
    "投诉渠道": "Complaint channel",
    "投诉人": "Complainant",
    "投诉人联系方式": "Complainant's contact details",
    "投诉请求": "What the complainant asks",
    "需要进一步核实与处理（情况复杂）": "Needs further verification (complex case)",
    "外部鉴定、检测、评估": "External appraisals, tests, assessments",
    "外部机构": "External body",
    "事项": "Matter",
    "处理人员": "Handled by",
    "答复意见": "Reply",
    "对基本事实的认定及依据": "Facts found and their basis",
    "对投诉事项的处理措施": "Measures taken on the complaint",
    "对投诉内容的核实情况": "Verification of the complaint",
    "投诉人可以采取的救济途径": "Remedies open to the complainant",
    "答复日期": "Replied on",
    "延长处理期限": "Extension of the deadline",
    "延长天数（日）": "Days of extension",
    "延长理由": "Reason for the extension",
    "与投诉人协商一致日期": "Agreed with the complainant on",
    "审批人（上级机构或总公司高级管理人员）":
        "Approved by (superior body or head-office senior manager)",
    "告知投诉人日期": "Complainant told on",
    # -- fee ledger, sampling --------------------------------------------------------------
    "记账日期": "Entry date",
    "金额（元）": "Amount (yuan)",
    "保费（元）": "Premium (yuan)",
    "计提比例（%）": "Accrual rate (%)",
    "摘要（用途）": "Description (purpose)",
    "支出对应的服务记录（记录编号）": "Service records paid for (record IDs)",
    "发票号码": "Invoice numbers",
    "更正的台账记录（记录编号）": "Ledger entries corrected (record IDs)",
    "抽检类别": "Sampling type",
    "随机种子（SHA-256）": "Random seed (SHA-256)",
    "抽取日期": "Drawn on",
    "抽检总体": "Population sampled",
    "抽中": "Drawn",
}

#: English of the options whose values are Chinese words (the value sent stays Chinese).
OPTIONS_EN: dict[str, str] = {
    "安全生产宣传教育培训": "Work-safety publicity, education and training",
    "安全风险辨识、评估、评价": "Safety risk identification, assessment, evaluation",
    "安全生产标准化管理体系建设": "Work-safety standardisation management system",
    "生产安全事故隐患排查": "Accident hazard screening",
    "安全生产应急预案编制和应急救援演练": "Emergency plans and rescue drills",
    "安全生产科技创新、装备研发推广应用":
        "Work-safety technology and equipment: innovation, development, application",
    "其他有关事故预防工作": "Other accident-prevention work",
    "重大风险": "Major risk", "较大风险": "Significant risk", "一般风险": "Moderate risk",
    "低风险": "Low risk",
    "一般事故隐患": "Ordinary accident hazard", "重大事故隐患": "Major accident hazard",
    "重大": "Major", "一般": "Ordinary",
    "好": "Good", "中": "Fair", "差": "Poor",
    "已完成": "Completed", "未完成": "Not completed",
    "非常满意": "Very satisfied", "基本满意": "Mostly satisfied", "不满意": "Dissatisfied",
    "是": "Yes", "否": "No", "有": "Yes", "无": "None", "没有": "No",
    "国有": "State-owned", "集体所有制": "Collectively owned", "集体": "Collective",
    "私营": "Private", "民营": "Privately run", "联营": "Joint operation",
    "股份制": "Joint-stock", "外资": "Foreign-owned", "合资": "Joint venture",
    "独资": "Wholly owned", "其他": "Other",
    "自有": "Owned", "租赁": "Leased",
    "常规": "Routine", "非常规": "Non-routine",
    "已开展": "Done", "未开展": "Not done", "正在开展": "In progress",
    "一": "1", "二": "2", "三": "3",
    "一级": "Grade 1", "二级": "Grade 2", "三级": "Grade 3", "小微企业": "Small business",
    "备案": "Filed", "评审": "Reviewed",
    "安全生产管理": "Work-safety management", "安全教育培训": "Safety education and training",
    "电话": "Phone", "网络": "Online", "信函": "Letter", "现场": "In person",
    "主管部门转办": "Referred by the authority",
    "上半年": "First half", "下半年": "Second half",
    # options whose values are codes: the English of their Chinese label
    "ls": "risk matrix, R = L × S", "lec": "LEC method, D = L × E × C",
    "accrual": "accrual", "expenditure": "expenditure", "pooling": "pooled allocation",
    "post_policy": "post-policy evaluation", "post_claim": "post-claim evaluation",
}

#: Chinese words for the options whose values are codes (the value sent stays the code).
OPTIONS_ZH: dict[str, str] = {
    "ls": "风险矩阵分析法（LS）", "lec": "作业条件危险性分析法（LEC）",
    "accrual": "计提", "expenditure": "支出", "pooling": "统筹划拨",
    "post_policy": "保后评估", "post_claim": "赔后评估",
}

#: English of the fields' hints (the schema's descriptions), keyed by the exact text.
HINTS: dict[str, str] = {
    "保单 — the safety-liability policy the services are owed under.":
        "The work-safety liability policy the services are owed under.",
    "被保险人 — every field of the report annex's basic-information table (Shandong 附件4 一).":
        "The insured: every field of the report annex's basic-information table "
        "(Shandong annex 4, part 1).",
    "基本概况、施工工艺流程、作业场所、主要设施设备、主要危险源点及重大危险源等信息":
        "Overview, work processes, workplaces, main equipment, main danger points and major "
        "hazard installations",
    "安责险承保机构 — the insurer that owes the prevention services.":
        "The insurer that owes the prevention services.",
    "一、服务项目 — an item given here is chosen (☑); an item left out is not (□).":
        "Service items: an item given here is chosen (☑); an item left out is not (□).",
    "前两次逐次载明；超过两次可另行约定排查时间":
        "State the first two visits one by one; later visits may be agreed separately",
    "第三方服务机构 — the technical service organisation the insurer engages.":
        "The technical service provider the insurer engages.",
    "服务计划所依据的要求（附件中的“根据 XXXX 要求”）":
        "The requirements the plan rests on (\"according to XXXX\" in the annex)",
    "二、服务计划 (一)–(七): an item given here is chosen; its text says what will be done.":
        "Service plan (1)–(7): an item given here is chosen; its text says what will be done.",
    "线下培训方式、内容(课件)、场次, 培训人员类型、数量; 线上培训的系统名称, 培训的类型、方式, 培训人员类型、数量, 保证培训效果的措施":
        "On-site training: format, content (slides), sessions, trainees and their number; "
        "online training: system, type, format, trainees and their number; how the effect is "
        "ensured",
    "风险辨识的范围、预计存在的风险类型、主要措施":
        "Scope of risk identification, the risk types expected, the main measures",
    "隐患排查的范围, 主要设施设备、施工工艺流程、作业场所, 排查的重点":
        "Scope of the hazard screening: main equipment, work processes, workplaces; its focus",
    "安全生产信用建设方案、管理制度制修订, 安全生产信用自评":
        "Credit-system plan, rules drawn up or revised, credit self-assessment",
    "应急预案编制内容; 应急演练的方式、范围、类型":
        "What the emergency plans cover; the drills' format, scope and type",
    "推广应用的内容、形式": "What is promoted or applied, and how",
    "开展服务的名称、种类、方式、范围, 涉及的人员, 主要详细描述":
        "Name, kind, format and scope of the service, the people involved, a description",
    "集中服务时，须完整记录所有被保险人名称与对应的保单号（A.2）":
        "For a joint service, list every insured with its policy number (A.2)",
    "AQ 9010.1-2025 第4章 a)–g)": "AQ 9010.1-2025 chapter 4 a)–g)",
    "3 服务措施与预期成果: the measures and outcomes agreed for one chosen item.":
        "Measures and expected outcomes agreed for one chosen item.",
    "四色图按场所/区域着色": "The four-colour risk map is coloured by site / area",
    "风险矩阵法 L（1–5）": "Risk matrix L (1–5)",
    "风险矩阵法 S（1–5）": "Risk matrix S (1–5)",
    "操作规程掌握是否熟练，规章制度是否了解，风险及防控措施是否规范等":
        "Do they know the operating procedures, the rules, the risks and their controls?",
    "被保险人不签字的要注明（附件4 三、3）":
        "State why when the insured does not sign (annex 4, 3.3)",
    "AQ 9010.1-2025 附录B 要求各服务类型档案载明实际支出金额":
        "AQ 9010.1-2025 annex B: each service type's records state the actual spending",
    "每个指标的扣分情形，按表1参考评分细则计算得分；指标键见 JSON Schema 说明":
        "The deduction cases of each indicator; scored by the reference rules of table 1 "
        "(indicator keys: see the JSON Schema)",
    "Appendix D 表2 整改情况表.": "Appendix D table 2: rectification status.",
    "登记用：按保单检索本记录（附录表格不印保单号）/ registry only: find this record by policy (the annex form does not print it)":
        "Registry only: find this record by policy (the annex form does not print it)",
    "评估周期为每年 1 月 1 日至 12 月 31 日": "The evaluation period is 1 January to 31 December",
    "三、事故预防费用收支情况: 余额 = 计提 − 支出, computed.":
        "Prevention funds: balance = accrued − spent, computed.",
    "统筹委托的由保险经纪机构签字并附委托合同":
        "When pooled, the broker signs and the entrustment contract is attached",
    "由档案生成时（POST /v1/evaluations）列出所汇总的每一份记录及其 SHA-256":
        "When made from the archive (POST /v1/evaluations): every record summarised, with its "
        "SHA-256",
    "由档案生成时（POST /v1/evaluations）与表中数字同源的图的数据；无则不绘图":
        "When made from the archive (POST /v1/evaluations): the charts' figures, from the same "
        "data as the tables; none, no charts",
    "由档案生成时（POST /v1/evaluations）与文中数字同源的图的数据；无则不绘图":
        "When made from the archive (POST /v1/evaluations): the charts' figures, from the same "
        "data as the text; none, no charts",
    "One chart's figures (computed from the archive by POST /v1/evaluations).":
        "One chart's figures (computed from the archive by POST /v1/evaluations).",
    "自评或第三方评估机构": "Self-assessment or a third-party evaluator",
    "由档案生成时（POST /v1/evaluations）列出所依据的每一份记录及其 SHA-256":
        "When made from the archive (POST /v1/evaluations): every record relied on, with its "
        "SHA-256",
    "表外注明的投保单位名称（仅填写时打印）":
        "The insured enterprise named above the table (printed only when given)",
    "如 2012年6月": "e.g. 2012年6月 (June 2012)",
    "键为调查项目序号 1–13（见 SURVEY_ITEMS）": "One entry per survey item 1–13",
    "ls：风险矩阵分析法 R=L×S（默认）；lec：作业条件危险性分析法 D=L×E×C":
        "ls: risk matrix R = L × S (default); lec: LEC method D = L × E × C",
    "风险矩阵分析法取 1–5 的整数；作业条件危险性分析法取 0.1、0.2、0.5、1、3、6、10":
        "Risk matrix: a whole number 1–5; LEC method: 0.1, 0.2, 0.5, 1, 3, 6, 10",
    "风险矩阵分析法，1–5": "Risk matrix, 1–5",
    "作业条件危险性分析法：0.5、1、2、3、6、10": "LEC method: 0.5, 1, 2, 3, 6, 10",
    "作业条件危险性分析法：1、3、7、15、40、100": "LEC method: 1, 3, 7, 15, 40, 100",
    "可不填：由 L、S（或 L、E、C）计算；填写时须与计算结果一致":
        "May be left empty: computed from L, S (or L, E, C); when given it must match",
    "风险等级 — Chengdu 3.2 表 7 wording (重大风险、较大风险、一般风险、低风险).":
        "Risk level in the words of Chengdu 3.2 table 7 (major, significant, moderate, low).",
    "给出的表 5 的每一行按计算的风险等级列入风险清单（列在 rows 之后）":
        "Each table 5 row given is listed with its computed risk level (after the rows)",
    "给出的表 6 的每一行按计算的风险等级列入风险清单（列在表 5 导出的行之后）":
        "Each table 6 row given is listed with its computed risk level (after those of table 5)",
    "安全评价情况.": "Safety assessment.",
    "职业卫生评价、检测情况.": "Occupational health assessment and testing.",
    "安全生产标准化情况.": "Work-safety standardisation.",
    "应急预案.": "Emergency plan.",
    "如 初始评估、宣贯培训、体系建设、运行评估、自评与申报":
        "e.g. initial assessment, training, system building, operation review, self-assessment "
        "and application",
    "与投保单位签订服务方案的一方": "The party that signed the service plan with the insured",
    "封面盖章的机构；不填则为乙方": "The body whose seal is on the cover; empty: party B",
    "“依据《 》的规定”中的标准": "The standard named in \"according to 《 》\"",
    "可不填：得分 = 标准分 − 扣分 − 缺项分":
        "May be left empty: score = full score − deducted − not applicable",
    "企业是某企业集团的成员单位时填写": "When the company belongs to a group",
    "键为评估内容编号 1.1–7.2（见 EVALUATION_ITEMS）": "One entry per evaluation item 1.1–7.2",
    "山东 6.4、成都 5.4.2.1、AQ 9010-2019 6.4：需进一步核实与处理；AQ 9010.1-2025 6.4：情况复杂":
        "Shandong 6.4, Chengdu 5.4.2.1, AQ 9010-2019 6.4: needs further verification; "
        "AQ 9010.1-2025 6.4: complex case",
    "鉴定、检测或评估": "Appraisal, test or assessment",
    "答复意见 / 处理决定.": "Reply / decision.",
    "申请核查、调解、仲裁、诉讼等（AQ 9010.1-2025 6.4）":
        "Review, mediation, arbitration, litigation, etc. (AQ 9010.1-2025 6.4)",
    "延长处理期限 — 山东 6.4 (agreed with the complainant, ≤ 30 days, reason told) or\nAQ 9010.1-2025 6.4 (approved by a superior body or head-office senior manager, ≤ 30 days).":
        "Shandong 6.4 (agreed with the complainant, ≤ 30 days, reason told) or AQ 9010.1-2025 "
        "6.4 (approved by a superior body or head-office senior manager, ≤ 30 days).",
    "AQ 9010-2019（现行，缺省）或 AQ 9010.1-2025（征求意见稿）":
        "AQ 9010-2019 (in force, the default) or AQ 9010.1-2025 (draft for comment)",
    "第二十四条 (一)–(九)；(八) 为创新加分项": "Article 24 (1)–(9); (8) is the innovation bonus",
    "保留一位小数（第二十五条）": "One decimal place (article 25)",
    "accrual 计提 · expenditure 支出 · pooling 统筹划拨（山东 7.2）":
        "accrual · expenditure · pooled allocation (Shandong 7.2)",
    "计提 = 保费 × 计提比例；更正记录可为负数":
        "Accrual = premium × rate; a correcting entry may be negative",
    "计提的基数": "The base of the accrual",
    "post_policy 保后评估（山东 8.1 b）· post_claim 赔后评估（8.1 c）":
        "Post-policy evaluation (Shandong 8.1 b) · post-claim evaluation (8.1 c)",
    "月份 2026-06（保后）或季度 2026Q2（赔后）":
        "A month, 2026-06 (post-policy), or a quarter, 2026Q2 (post-claim)",
    "保单号（保后）或赔案号（赔后）": "Policy no. (post-policy) or claim no. (post-claim)",
    "保费（保后）或赔付总金额（赔后）": "Premium (post-policy) or total paid (post-claim)",
}


def hint_en(zh: str) -> str:
    """The English of a field's hint; ``""`` when there is none."""
    return HINTS.get(zh) or ("" if has_cjk(zh) else zh)
