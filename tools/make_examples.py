"""Write examples/*.json: one realistic POST /v1/documents body per type and profile.

Run: .venv/bin/python tools/make_examples.py   (the results are committed)
"""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent.parent / "examples"


def photo(color: tuple[int, int, int], label: str) -> dict[str, str]:
    im = Image.new("RGB", (160, 120), color)
    d = ImageDraw.Draw(im)
    d.rectangle([10, 10, 150, 110], outline=(255, 255, 255), width=3)
    d.line([10, 110, 150, 10], fill=(255, 255, 255), width=3)
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=70)
    return {"filename": f"{label}.jpg", "caption": label,
            "data": "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode()}


POLICY = {"policy_no": "PZAS202637010000012345", "premium": "128000.00",
          "period_start": "2026-01-01", "period_end": "2026-12-31",
          "applicant": "济南鲁通物流集团有限公司", "insured_name": "济南鲁通物流集团有限公司",
          "region": "山东省济南市", "industry": "道路运输"}
INSURER = {"name": "中国人民财产保险股份有限公司济南市分公司", "contact": "王晓明",
           "phone": "0531-88886666", "address": "山东省济南市历下区泺源大街 8 号"}
INSURED = {"name": "济南鲁通物流集团有限公司", "address": "山东省济南市历城区工业北路 188 号",
           "industry": "道路运输业（普通货运、危险货物运输）", "license_scope": "道路普通货物运输；危险货物运输（2类、3类）",
           "legal_rep": "李建国", "legal_rep_phone": "13805310001", "safety_manager": "赵立新",
           "safety_manager_phone": "13805310002", "credit_rating": "AA",
           "description": "公司现有营运车辆 236 台，其中危险货物运输车辆 48 台，驾驶员 310 人。\n"
                          "主要作业场所包括停车场、维修车间、危货车辆专用停车区和调度中心；主要设施设备有"
                          "举升机、空压机、充装设施；主要危险源点为危货车辆停放区（重大危险源辨识未构成重大危险源）。",
           "contact": "赵立新", "contact_phone": "13805310002"}
PROVIDER = {"name": "山东安泰安全技术咨询有限公司", "contact": "孙浩", "phone": "0531-86660000",
            "overview": "山东安泰安全技术咨询有限公司成立于 2012 年，具有安全评价乙级资质，现有注册安全工程师 18 名，"
                        "长期为交通运输、危险化学品企业提供安全风险辨识评估、隐患排查和应急预案编制服务。"}
TECHS = [
    {"name": "孙浩", "title": "高级工程师", "specialty": "道路运输安全管理", "certificates": ["注册安全工程师（道路运输安全）"],
     "phone": "13905310003", "role": "项目负责人", "scans": [photo((70, 110, 160), "注册证书")]},
    {"name": "周敏", "title": "工程师", "specialty": "危险化学品运输", "certificates": ["注册安全工程师（化工安全）", "安全评价师二级"],
     "phone": "13905310004", "role": "隐患排查"},
]


# Chengdu forms carry Chengdu data: the insured, its policy and the insurer's branch in Sichuan
# (names repeated inside one document must agree: domain/documents/consistency.py).
CD_POLICY = {"policy_no": "PZAS202651010000007788", "premium": "86000.00",
             "period_start": "2026-01-01", "period_end": "2026-12-31",
             "applicant": "成都蜀川精密机械有限公司", "insured_name": "成都蜀川精密机械有限公司",
             "region": "四川省成都市", "industry": "机械制造"}
CD_INSURER = {"name": "中国平安财产保险股份有限公司四川分公司", "contact": "刘洋",
              "phone": "028-86668888", "address": "四川省成都市锦江区红星路三段 1 号"}
CD_INSURED = {"name": "成都蜀川精密机械有限公司", "address": "四川省成都市龙泉驿区经开区南四路 66 号",
              "industry": "通用设备制造业", "license_scope": "数控机床零部件、液压件的研发、制造与销售",
              "legal_rep": "陈志远", "legal_rep_phone": "13808000001", "safety_manager": "赵立新",
              "safety_manager_phone": "13808000002", "credit_rating": "A",
              "description": "公司员工 420 人，主要作业场所为机加工车间、涂装车间、装配车间和空压站。",
              "contact": "陈静", "contact_phone": "13908060001"}
CD_TECHS = [
    {"name": "周文斌", "title": "高级工程师", "specialty": "机械安全", "certificates": ["注册安全工程师（金属冶炼安全除外）"],
     "phone": "13908060011", "role": "项目负责人"},
    {"name": "刘海涛", "title": "工程师", "specialty": "安全生产标准化", "certificates": ["注册安全工程师（其他安全）"],
     "phone": "13908060012", "role": "风险辨识、隐患排查"},
]


def agreement() -> dict:
    return {"type": "agreement", "profile": "shandong", "data": {
        "policy": POLICY, "insured": INSURED, "insurer": INSURER,
        "services": {
            "training": {"online": {"url": "https://aqpx.example.cn/luotong", "content": "驾驶员安全生产法律法规及防御性驾驶线上课程"},
                         "offline": {"period": {"start": "2026-03-01", "end": "2026-03-31"}, "location": "公司调度中心三楼会议室",
                                     "content": "危险货物运输从业人员安全生产宣传教育培训"}},
            "risk_assessment": {"period": {"start": "2026-04-01", "end": "2026-05-31"}, "project_name": "道路运输企业安全风险辨识、评估"},
            "hazard_screening": {"frequency": "每半年 1 次", "inspections": [
                {"period": {"start": "2026-03-10", "end": "2026-03-20"}, "scope": "停车场、维修车间、危货车辆专用停车区"},
                {"period": {"start": "2026-09-10", "end": "2026-09-20"}, "scope": "营运车辆及车载动态监控装置"}]},
            "emergency": {"frequency": "每年 1 次", "period": {"start": "2026-06-01", "end": "2026-06-30"}, "form": "危货车辆泄漏现场处置实战演练"},
        },
        "party_a_agent": "李建国", "party_b_agent": "王晓明",
        "party_a_date": "2026-01-05", "party_b_date": "2026-01-05"}}


def plan_shandong() -> dict:
    return {"type": "plan", "profile": "shandong", "data": {
        "policy": POLICY, "insured": INSURED, "insurer": INSURER, "provider": PROVIDER,
        "basis": "《山东省交通运输行业安全生产责任保险事故预防技术服务规范》",
        "services": {
            "training": "线下培训 2 场，内容为危险货物运输安全操作规程（课件 1 套），培训驾驶员、押运员约 120 人；"
                        "线上培训使用“齐鲁安培”系统，培训类型为岗位安全培训，保证培训效果的措施为在线考试 80 分合格。",
            "risk_assessment": "风险辨识范围为停车场、维修车间、危货车辆专用停车区；预计存在车辆伤害、火灾、中毒窒息等风险类型；主要措施为现场查勘和工作危害分析。",
            "hazard_screening": "排查范围为全部营运车辆及场站，主要设施设备为举升机、空压机，排查重点为危货车辆罐体及安全附件。",
        },
        "safeguards": {"funds": "事故预防技术服务费用 2.56 万元，专款专用。", "staffing": "注册安全工程师 2 名，现场服务 2 人次/次。",
                       "other": "服务车辆及检测仪器由第三方服务机构提供。"},
        "expected_effect": "被保险人从业人员安全意识明显提高，主要风险得到有效管控，排查出的隐患整改率达到 100%。",
        "provider_signatory": "孙浩", "signed_on": "2026-01-10"}}


def plan_national() -> dict:
    return {"type": "plan", "profile": "national", "data": {
        "policy": POLICY, "insured": INSURED, "insurer": INSURER, "provider": PROVIDER,
        "co_insured": [{"name": "济南鲁通危险品运输有限公司", "policy_no": "PZAS202637010000012346"}],
        "profile": {"safety_management": "设安全管理部，配备专职安全管理人员 6 名，建立全员安全生产责任制。",
                    "equipment": "营运车辆 236 台、举升机 4 台、空压机 2 台。",
                    "processes": "车辆调度—出车检查—运输作业—回场检查—维修保养。",
                    "hazard_points": "危货车辆专用停车区；维修车间动火作业点。未构成重大危险源。"},
        "items": [{"kind": "安全生产宣传教育培训", "schedule": "2026 年 3 月，1 次", "content": "线下培训，内容为危险货物道路运输安全管理规定，培训对象为驾驶员和押运员，培训目的为提高应急处置能力。"},
                  {"kind": "生产安全事故隐患排查", "schedule": "2026 年 3 月、9 月，各 1 次", "content": "隐患排查的范围为全部场站和营运车辆，主要设施设备为举升机、空压机，排查的重点为危货车辆罐体及安全附件，预期效果为隐患整改率 100%。"}],
        "process": "服务前沟通确认—现场服务—出具报告—回访—归档。", "timetable": "3 月开展培训和第一次隐患排查，9 月开展第二次隐患排查。",
        "goals": "全年不发生较大及以上生产安全事故。", "safeguards": "服务费用专款专用，配备注册安全工程师 2 名。", "signed_on": "2026-01-10"}}


def plan_chengdu() -> dict:
    return {"type": "plan", "profile": "chengdu", "data": {
        "policy": CD_POLICY, "insured": CD_INSURED, "insurer": CD_INSURER,
        "overview": "所属行业为通用设备制造业，员工 420 人，年产值约 3.2 亿元。",
        "equipment_process": "主要设备为数控机床、行车、空压机；工艺流程为下料—机加工—焊接—涂装—装配。",
        "accident_history": "近三年未发生生产安全事故。",
        "services": {"training": {"measures": "开展全员安全生产教育培训 2 次。", "outcomes": "培训记录、签到表、培训照片。"},
                     "risk_assessment": {"measures": "采用工作危害分析法和安全检查表法开展风险辨识，风险矩阵法评估。", "outcomes": "风险清单（表 7）及安全风险四色图。"},
                     "hazard_screening": {"measures": "每季度开展 1 次隐患排查。", "outcomes": "隐患排查服务现场记录表（表 8）、隐患排查治理台账（表 9）。"}},
        "training_plan": [{"topic": "有限空间作业安全", "audience": "涂装车间作业人员", "form": "线下", "kind": "专项培训", "materials": "课件、视频", "time": "2026 年 4 月"},
                          {"topic": "起重机械安全操作", "audience": "行车司机", "form": "线下", "kind": "岗位培训", "materials": "课件", "time": "2026 年 6 月"}],
        "frequency": "培训 2 次/年，风险辨识 1 次/年，隐患排查 4 次/年。",
        "team": CD_TECHS}}


def report() -> dict:
    return {"type": "report", "profile": "shandong", "data": {
        "policy": POLICY, "insured": INSURED, "insurer": INSURER, "provider": PROVIDER,
        "visit": {"date": "2026-03-12", "location": "济南鲁通物流集团有限公司历城场站"},
        "technicians": TECHS,
        "training": {"text": "线下培训方式为集中授课，培训内容为《危险货物道路运输安全管理办法》（含课件），培训人员 62 人，授课老师孙浩。", "photos": [photo((200, 150, 60), "培训现场")]},
        "risk_assessment": {"text": "采用工作危害分析法对停车场、维修车间进行风险辨识。"},
        "risks": [
            {"name": "危货车辆停放区火灾爆炸", "photos": [photo((180, 40, 40), "危货停车区")], "type": "火灾、爆炸", "basis": "《危险货物道路运输安全管理办法》",
             "measures": "设置防火间距和静电接地装置，配备灭火器材，严禁烟火", "l": 4, "s": 5, "area": "危货车辆专用停车区"},
            {"name": "维修车间举升机作业车辆伤害", "type": "车辆伤害、机械伤害", "basis": "《汽车维修业开业条件》GB/T 16739",
             "measures": "举升机定期检验，作业时设置支撑保险", "level": "一般风险", "l": 3, "s": 3, "area": "维修车间"},
            {"name": "调度中心触电", "type": "触电", "basis": "GB 50054", "measures": "定期检测漏电保护器", "level": "低风险", "area": "调度中心"},
        ],
        "hazard_scope": "排查的场所为停车场、维修车间、危货车辆专用停车区；设施设备为举升机、空压机；主要工艺流程为车辆维修保养。",
        "hazards": [
            {"description": "危货车辆专用停车区 2 号车位静电接地装置损坏", "photos": [photo((90, 90, 90), "静电接地")], "type": "设备设施", "basis": "GB 13348",
             "suggestion": "立即修复静电接地装置并检测接地电阻", "grade": "一般事故隐患"},
            {"description": "维修车间灭火器压力不足（3 具）", "type": "消防", "basis": "GB 50140", "suggestion": "更换或充装灭火器，建立月度检查记录", "grade": "一般事故隐患"},
        ],
        "interviews": {"text": "现场询问驾驶员 5 名，操作规程掌握较熟练；2 名驾驶员对罐体紧急切断阀操作不熟练。"},
        "suggestions": "1. 加强危货车辆停放区静电防护设施的日常检查。\n2. 组织驾驶员开展紧急切断阀操作专项培训。",
        "risk_identifiers": "孙浩、周敏", "risk_insured_signatory": "赵立新",
        "hazard_inspectors": "孙浩、周敏", "hazard_insured_signatory": "赵立新",
        "insured_representative": "赵立新", "provider_representative": "孙浩", "insurer_approver": "王晓明",
        "costs": {"training": "3000.00", "risk_assessment": "6000.00", "hazard_screening": "5000.00"}}}


def callback_shandong() -> dict:
    return {"type": "callback", "profile": "shandong", "data": {
        "policy": POLICY, "callback_time": "2026-03-20T10:30:00+08:00", "caller": "王晓明", "caller_phone": "0531-88886666",
        "insured_name": INSURED["name"], "insured_contact": "赵立新", "insured_contact_phone": "13805310002",
        "service_items": "安全生产宣传教育培训；生产安全事故隐患排查", "service_time": "2026年3月12日", "service_place": "历城场站",
        "provider_name": PROVIDER["name"], "provider_phone": PROVIDER["phone"], "technicians": "孙浩、周敏",
        "process": "技术人员按约定时间到达现场，开展培训 1 场，排查隐患 2 项并提出整改建议。", "attitude": "好", "skill": "好",
        "closure": "已完成", "overall": "非常满意", "suggestions": "希望增加驾驶员应急处置实操培训。"}}


def callback_chengdu() -> dict:
    findings = {k: {} for k in ["plan_preparation", "plan_satisfaction", "plan_completion", "extra_charges", "site_rules",
                                "confidentiality", "feedback", "staff_qualification", "technical_level", "attitude",
                                "complaint_channel", "complaint_staff", "complaint_timeliness", "complaint_satisfaction"]}
    findings["plan_completion"] = {"cases": 1, "note": "第二次隐患排查推迟"}
    findings["feedback"] = {"cases": 1}
    findings["plan_satisfaction"] = {"deduction": "1.5", "note": "对同类行业特点考虑不足"}
    return {"type": "callback", "profile": "chengdu", "data": {
        "insurer": CD_INSURER, "insured_name": CD_INSURED["name"],
        "policy": CD_POLICY, "callback_date": "2026-05-08", "caller": "刘洋",
        "caller_phone": "028-86668888", "insured_contact": "陈静", "insured_contact_phone": "13908060001",
        "findings": findings, "rectification": {"has_issue_list": "是", "rectified": "是"}}}


def annual_shandong() -> dict:
    return {"type": "annual_evaluation", "profile": "shandong", "data": {
        "insurer": INSURER, "year": 2026, "date": "2027-02-20",
        "work_list": [{"insured": INSURED["name"], "fee": "25600.00", "staff": "孙浩、周敏（注册安全工程师）", "experts": "聘请道路运输安全专家 1 名",
                       "services": "培训 2 次、隐患排查 2 次、应急演练 1 次", "hazard_count": 6, "hazard_content": "静电接地损坏、灭火器压力不足等",
                       "major_hazard": "否", "handling": "已全部整改并复查验收", "reported": "已报属地交通运输主管部门备案"}],
        "analysis": {"satisfaction": "被保险人满意度 96%。", "complaints": "全年受理投诉 1 件，已在 10 个工作日内办结。",
                     "experience": "培训与隐患排查相结合，整改闭环率高。", "problems": "部分服务报告上传不及时。"},
        "funds": {"accrued": "320000.00", "spent": "286500.00"},
        "next_plan": [{"target": "全部在保道路运输企业", "content": "风险辨识评估与隐患排查", "time": "2027 年 3—11 月", "method": "现场服务", "budget": "300000.00"}],
        "responsible": "王晓明"}}


def annual_chengdu() -> dict:
    keys = ["mgmt_body", "responsibility", "mgmt_staff", "mgmt_competence", "full_process", "team", "funds_dedicated", "funds_ledger",
            "contract_terms", "service_plan", "pre_visit", "provider_ok", "staff_ok", "site_safety", "secrecy", "no_disruption",
            "hazard_notice", "no_refusal", "records_7d", "results_feedback", "quality_standard", "callback", "archive", "info_system",
            "evaluation_system", "publish", "report_authority", "complaint_channel", "complaint_staff", "complaint_handling",
            "innovation", "cases", "outcome"]
    findings = {k: {} for k in keys}
    findings["full_process"] = {"cases": 2, "note": "2 份服务缺少回访记录"}
    findings["archive"] = {"cases": 1}
    findings["innovation"] = {"awards": 1, "note": "“安责险+数字化风控”获省应急管理厅推广"}
    findings["outcome"] = {"achieved": True}
    return {"type": "annual_evaluation", "profile": "chengdu", "data": {
        "insurer": CD_INSURER, "year": 2026, "evaluator": "自评",
        "date": "2027-01-15", "findings": findings, "summary": "2026 年度事故预防技术服务质量总体良好，需加强服务全流程管理和档案归档及时性。"}}


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for name, fn in [("agreement-shandong", agreement), ("plan-shandong", plan_shandong), ("plan-national", plan_national),
                     ("plan-chengdu", plan_chengdu), ("report-shandong", report), ("callback-shandong", callback_shandong),
                     ("callback-chengdu", callback_chengdu), ("annual_evaluation-shandong", annual_shandong),
                     ("annual_evaluation-chengdu", annual_chengdu)]:
        (OUT / f"{name}.json").write_text(json.dumps(fn(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(OUT / f"{name}.json")


if __name__ == "__main__":
    main()
