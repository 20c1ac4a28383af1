"""The 四性 of an archived record (DA/T 70-2018《文书类电子档案检测一般要求》): authenticity
(真实性), integrity (完整性), usability (可用性) and security (安全性), checked item by item.

Pure rules: which items exist, which property each belongs to, how the integrity findings of
``services.integrity`` map onto them, which DA/T 46-2009 core metadata a record must carry, and
how item outcomes make a property's and a record's verdict. The checks themselves (reading the
store, opening the PDF) live in ``services.four_properties``.

A property passes when none of its items failed; a warning (e.g. a manifest written before
manifests were sealed, or a record whose service archive lacks AQ 9010.1-2025 表B.1 items) is
reported and does not fail it. ``not_applicable``: the item does not concern this kind of record
(a paper scan carries no PDF signature of the service).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from domain.common import Model, ShortText, Text

__all__ = [
    "CHECK_ITEMS",
    "DAT46_CORE",
    "FINDING_ITEMS",
    "OUTCOME_ZH",
    "PROPERTIES",
    "PROPERTY_ZH",
    "RENEW_BEFORE",
    "CheckItem",
    "CheckItemSpec",
    "FourPropertiesReportData",
    "Outcome",
    "Property",
    "PropertyVerdict",
    "RecordFourProperties",
    "ReportProblemRow",
    "ReportRecordRow",
    "evidence_outcome",
    "item_spec",
    "judge",
    "missing_metadata",
    "report_data",
]

Property = Literal["authenticity", "integrity", "usability", "security"]
Outcome = Literal["passed", "failed", "warning", "not_applicable"]

PROPERTIES: tuple[Property, ...] = ("authenticity", "integrity", "usability", "security")
PROPERTY_ZH: Mapping[Property, str] = {
    "authenticity": "真实性", "integrity": "完整性", "usability": "可用性", "security": "安全性"}
OUTCOME_ZH: Mapping[Outcome, str] = {
    "passed": "通过", "failed": "不通过", "warning": "警告", "not_applicable": "不适用"}


@dataclass(frozen=True)
class CheckItemSpec:
    """One item of the check: its code, property and what it checks (zh / en)."""

    code: str
    property: Property
    title_zh: str
    title_en: str


#: Every item, in the order the report prints them (DA/T 70-2018 groups its items by property;
#: the items are the ones an archived record of this service can be tested on).
CHECK_ITEMS: tuple[CheckItemSpec, ...] = (
    CheckItemSpec("signature", "authenticity", "电子签名有效：各签名完好，末次签名为本服务证书且覆盖全文件，"
                  "页面二维码的签名有效并指向本记录",
                  "electronic signatures valid: every signature intact, the last by the service "
                  "covering the whole file, the page-1 QR code signed and naming this record"),
    CheckItemSpec("manifest_seal", "authenticity", "存档清单（manifest）有本服务的有效签名",
                  "the record's manifest carries a valid seal of the service"),
    CheckItemSpec("fixity", "authenticity", "各组成部分的 SHA-256 与登记和存档清单一致",
                  "every part hashes to the SHA-256 the registry and the manifest name"),
    CheckItemSpec("metadata_matches_content", "authenticity",
                  "元数据与内容一致：编号、文书类型、单位、保单号、被保险人、内容哈希",
                  "metadata match the content: ID, type, tenant, policy, insured, content hash"),
    CheckItemSpec("parts_present", "integrity", "组成部分齐全：版式文件、源数据、存档清单（及 DOCX）",
                  "all parts present: the PDF, the source data, the manifest (and the DOCX)"),
    CheckItemSpec("metadata_complete", "integrity", "核心元数据完整（DA/T 46-2009）",
                  "core metadata complete (DA/T 46-2009)"),
    CheckItemSpec("version_chain", "integrity", "版本链一致：更正与被更正记录相互指向，同一单位、同一文书类型",
                  "version chain consistent: a correction and the record it supersedes name each "
                  "other, same tenant and document type"),
    CheckItemSpec("archive_contents", "integrity", "服务档案内容（AQ 9010.1-2025 附录B 表B.1）",
                  "service archive contents (AQ 9010.1-2025 Appendix B, table B.1)"),
    CheckItemSpec("opens", "usability", "文件可打开：PDF 可解析且有页面，DOCX 与源数据 JSON 可读",
                  "the files open: the PDF parses and has pages, the DOCX and source JSON read"),
    CheckItemSpec("fonts_embedded", "usability", "PDF 所用字体全部嵌入",
                  "every font the PDF uses is embedded"),
    CheckItemSpec("text_extractable", "usability", "文本可提取：由 PDF 文本层读出记录编号",
                  "text extractable: the record ID reads from the PDF's text layer"),
    CheckItemSpec("long_term_format", "usability", "长期保存格式（PDF/A，DA/T 47）",
                  "long-term format (PDF/A, DA/T 47)"),
    CheckItemSpec("lock", "security", "各对象处于 COMPLIANCE 保存锁定，期限不早于登记的保存期限",
                  "every object under a COMPLIANCE lock lasting at least the registered retention"),
    CheckItemSpec("legal_hold", "security", "法律保全状态与登记一致",
                  "the legal hold is what the registry records"),
    CheckItemSpec("versions", "security", "无额外版本、删除标记或外来对象",
                  "no extra version, delete marker or foreign object"),
    CheckItemSpec("bucket", "security", "存储桶配置：Object Lock 默认规则、版本控制、无公开策略、无过期规则",
                  "bucket configuration: default Object Lock rule, versioning, no public policy, "
                  "no expiring lifecycle rule"),
)

_BY_CODE = {i.code: i for i in CHECK_ITEMS}

#: ``services.integrity`` finding code → the item it fails.
FINDING_ITEMS: Mapping[str, str] = {
    "archive_missing": "parts_present",
    "archive_corrupt": "fixity",
    "manifest_unverified": "manifest_seal",
    "manifest_unsigned": "manifest_seal",
    "content_mismatch": "metadata_matches_content",
    "archive_versions": "versions",
    "lock_weakened": "lock",
    "legal_hold_changed": "legal_hold",
}

#: DA/T 46-2009 core metadata a record must carry: element (zh) → the record's field holding it.
DAT46_CORE: Mapping[str, str] = {
    "电子文件号": "id",
    "题名": "title",
    "文种": "type",
    "立档单位名称": "tenant",
    "日期": "created_at",
    "归档时间": "archived_at",
    "保管期限": "retention_years",
    "保存期限至": "retain_until",
    "格式信息": "parts",
    "数字摘要": "content_sha256",
    "模板版本": "template_version",
}


#: A B-LTA record's archive time stamp must be renewed before its certificate ends: warn this
#: long before (PAdES: the next document time stamp while the last one can still be validated).
RENEW_BEFORE = dt.timedelta(days=365)


def evidence_outcome(evidence_until: dt.datetime | None,
                     now: dt.datetime) -> tuple[Outcome, str] | None:
    """A warning when the seal's long-term evidence (its last document time stamp) ends within
    :data:`RENEW_BEFORE`, a failure when it has ended; None otherwise (or when not B-LTA)."""
    if evidence_until is None:
        return None
    day = evidence_until.date().isoformat()
    if evidence_until <= now:
        return ("failed", f"归档时间戳证据已于 {day} 到期，未续加时间戳")
    if evidence_until - now <= RENEW_BEFORE:
        return ("warning", f"归档时间戳证据将于 {day} 到期，应在此前续加时间戳")
    return None


def item_spec(code: str) -> CheckItemSpec:
    return _BY_CODE[code]


def missing_metadata(values: Mapping[str, object]) -> list[str]:
    """The DA/T 46 core elements (zh) whose field is absent or empty in ``values``."""
    return [zh for zh, key in DAT46_CORE.items() if values.get(key) in (None, "", [], {})]


class CheckItem(Model):
    """One item's outcome for one record."""

    code: ShortText
    property: Property
    title_zh: Text
    title_en: Text
    outcome: Outcome
    detail: Text | None = None


class PropertyVerdict(Model):
    property: Property
    name_zh: ShortText
    passed: bool
    warnings: int = 0


class RecordFourProperties(Model):
    """The 四性 of one record: every item, each property's verdict and the record's."""

    record_id: ShortText
    title: ShortText
    type: ShortText
    checked_at: dt.datetime
    passed: bool
    properties: list[PropertyVerdict]
    items: list[CheckItem]


def judge(record_id: str, title: str, doc_type: str, checked_at: dt.datetime,
          outcomes: Mapping[str, tuple[Outcome, str | None]]) -> RecordFourProperties:
    """The record's verdict from each item's outcome (an item not given: passed)."""
    items = [CheckItem(code=s.code, property=s.property, title_zh=s.title_zh,
                       title_en=s.title_en, outcome=outcomes.get(s.code, ("passed", None))[0],
                       detail=_short(outcomes.get(s.code, ("passed", None))[1]))
             for s in CHECK_ITEMS]
    verdicts = [PropertyVerdict(
        property=p, name_zh=PROPERTY_ZH[p],
        passed=not any(i.outcome == "failed" for i in items if i.property == p),
        warnings=sum(i.outcome == "warning" for i in items if i.property == p))
        for p in PROPERTIES]
    return RecordFourProperties(record_id=record_id, title=title, type=doc_type,
                                checked_at=checked_at, passed=all(v.passed for v in verdicts),
                                properties=verdicts, items=items)


def _short(detail: str | None) -> str | None:
    if detail is None:
        return None
    return detail if len(detail) <= 1_900 else detail[:1_899] + "…"


# -- the printed 四性检测报告 -----------------------------------------------------------------


class ReportRecordRow(Model):
    record_id: ShortText = Field(title="记录编号")
    title: ShortText = Field(title="文书")
    authenticity: ShortText = Field(title="真实性")
    integrity: ShortText = Field(title="完整性")
    usability: ShortText = Field(title="可用性")
    security: ShortText = Field(title="安全性")
    warnings: int = Field(title="警告项")
    result: ShortText = Field(title="结论")


class ReportProblemRow(Model):
    record_id: ShortText = Field(title="记录编号")
    property: ShortText = Field(title="性")
    item: Text = Field(title="检测项目")
    outcome: ShortText = Field(title="结果")
    detail: Text = Field(title="说明")


class FourPropertiesReportData(Model):
    """The printed 电子档案四性检测报告 of a set of records (templates/annex/national/
    four_properties.yaml)."""

    scope: Text = Field(title="检测范围")
    tenant: ShortText = Field(title="立档单位")
    checked_at: dt.datetime = Field(title="检测时间")
    total: int = Field(title="检测记录数")
    passed: int = Field(title="四性全部通过")
    failed: int = Field(title="未通过")
    conclusion: Text = Field(title="检测结论")
    records: list[ReportRecordRow] = Field(default_factory=list, title="检测结果")
    problems: list[ReportProblemRow] = Field(default_factory=list, title="不通过和警告项")
    items: list[ReportProblemRow] = Field(default_factory=list, title="检测项目")


def _verdict_text(v: PropertyVerdict) -> str:
    return "通过" if v.passed else "不通过"


def report_data(results: Iterable[RecordFourProperties], *, scope: str, tenant: str,
                checked_at: dt.datetime) -> FourPropertiesReportData:
    """What the 四性检测报告 prints for ``results``."""
    results = list(results)
    rows, problems = [], []
    for r in results:
        by = {v.property: v for v in r.properties}
        rows.append(ReportRecordRow(
            record_id=r.record_id, title=r.title,
            **{p: _verdict_text(by[p]) for p in PROPERTIES},
            warnings=sum(v.warnings for v in r.properties), result="通过" if r.passed else "不通过"))
        problems += [ReportProblemRow(record_id=r.record_id, property=PROPERTY_ZH[i.property],
                                      item=i.title_zh, outcome=OUTCOME_ZH[i.outcome],
                                      detail=i.detail or "")
                     for i in r.items if i.outcome in ("failed", "warning")]
    failed = sum(not r.passed for r in results)
    if not results:
        conclusion = "检测范围内没有已归档的记录。"
    elif failed:
        conclusion = f"{failed} 条记录未通过四性检测，见“不通过和警告项”；应查明原因并处置。"
    else:
        conclusion = f"检测的 {len(results)} 条记录真实性、完整性、可用性、安全性检测全部通过。"
    items = [ReportProblemRow(record_id="", property=PROPERTY_ZH[s.property], item=s.title_zh,
                              outcome="", detail="") for s in CHECK_ITEMS]
    return FourPropertiesReportData(
        scope=scope, tenant=tenant, checked_at=checked_at, total=len(results),
        passed=len(results) - failed, failed=failed, conclusion=conclusion, records=rows,
        problems=problems, items=items)
