"""The annual evaluation computed from the archive (POST /v1/evaluations): 山东 附件6.

Whom the insurer served and how (its Shandong policies of the year and the reports, callbacks and
complaints filed under them: the latest version of each), what the customers said, what it cost
(the fee ledger, ``services.fees``) — computed by ``domain.evaluation`` and archived as an
``annual_evaluation`` record that lists every record it summarises with its SHA-256. The parts
only a person can write (经验总结, 问题与不足剖析, 下一阶段计划) come with the request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Final, Literal

from pydantic import Field
from sqlalchemy import Engine, and_, select

from domain.access import Action, Caller, require
from domain.catalog import TYPES
from domain.common import LongText, Model, ShortText
from domain.documents.annual import NextPlanRow
from domain.documents.wenzhou import ASPECTS, AspectKey, AspectScore
from domain.errors import DomainValidationError, Problem
from domain.evaluation import (
    CHENGDU_FROM_ARCHIVE,
    CallbackSummary,
    ComplaintSummary,
    ObligationFact,
    ReportSummary,
    ServedPolicy,
    chengdu_findings,
    shandong_annual,
    wenzhou_archive_text,
)
from domain.evaluation_charts import chengdu_charts, shandong_charts, wenzhou_charts
from domain.fees import floors, totals
from domain.obligations import record_facts
from domain.scoring import APPENDIX_E, Finding, score
from domain.validation import parse_model
from services.archive import ArchiveService, IdempotencyKey
from services.fees import FeeService
from services.obligations import ObligationService
from services.record_source import read_source
from storage.objectstore import ObjectStore
from storage.tables import policies, records

__all__ = ["ChengduEvaluationRequest", "EvaluationRequest", "EvaluationService",
           "WenzhouEvaluationRequest"]

CHINA: Final = dt.timezone(dt.timedelta(hours=8), "CST")
_KINDS: Final = ("report", "callback", "complaint")


class EvaluationRequest(Model):
    """POST /v1/evaluations: which form and year; what only a person can write."""

    profile: Literal["shandong"] = Field(
        title="适用标准（版本）", description="山东 附件6（成都 附录E、温州 第二十三–二十五条 见各自的请求）")
    year: int = Field(ge=2000, le=2100, title="评估年度")
    insurer: ShortText = Field(min_length=1, title="安责险承保机构")
    date: dt.date | None = Field(None, title="报告日期", description="缺省为今天（北京时间）")
    experience: LongText | None = Field(None, title="经验总结")
    problems: LongText | None = Field(None, title="问题与不足剖析")
    next_plan: list[NextPlanRow] = Field(default_factory=list, max_length=500,
                                         title="四、下一阶段事故预防技术服务计划")
    responsible: ShortText | None = Field(None, title="安责险承保机构分管负责人")
    pooled_by_broker: bool = Field(False, title="统筹委托")
    broker: ShortText | None = Field(None, title="保险经纪机构")


class ChengduEvaluationRequest(Model):
    """POST /v1/evaluations for 成都 附录E: the indicators the archive cannot decide, if a person
    has scored them (the others are computed; those left out are marked for a person)."""

    profile: Literal["chengdu"] = Field(title="适用标准（版本）")
    year: int = Field(ge=2000, le=2100, title="评估年度")
    insurer: ShortText = Field(min_length=1, title="保险公司（评价对象）")
    evaluator: ShortText = Field("自评", min_length=1, title="评估方")
    date: dt.date | None = Field(None, title="评估日期", description="缺省为今天（北京时间）")
    findings: dict[str, Finding] = Field(
        default_factory=dict, title="人工评分情况",
        description="档案不能判定的指标（" + "、".join(
            r.key for r in APPENDIX_E if r.key not in CHENGDU_FROM_ARCHIVE.values()) + "）")
    summary: LongText | None = Field(None, title="评估结论")


class WenzhouEvaluationRequest(Model):
    """POST /v1/evaluations for 温州 半年度自评报告 (第二十三–二十五条): the archive writes what it
    proves into 服务方案实施情况; the aspects' scores are given (第二十四条 does not split the points)."""

    profile: Literal["wenzhou"] = Field(title="适用标准（版本）")
    year: int = Field(ge=2020, le=2100, title="年度")
    half: Literal["上半年", "下半年"] = Field(title="半年度")
    insurer: ShortText = Field(min_length=1, title="保险机构")
    provider: ShortText = Field(min_length=1, title="第三方服务机构")
    date: dt.date | None = Field(None, title="报告日期", description="缺省为今天（北京时间）")
    implementation: LongText | None = Field(None, title="服务方案实施情况及效果（人工补充）")
    capability: LongText = Field(min_length=1, title="提供事故预防技术服务的机构和人员的专业能力")
    problems: LongText = Field(min_length=1, title="存在的问题和改进措施")
    scores: dict[AspectKey, AspectScore] = Field(default_factory=dict,
                                                 title="考核评价指标自评得分（第二十四条）")


def _day(v: Any) -> dt.date | None:
    if not isinstance(v, str):
        return None
    try:
        return dt.date.fromisoformat(v[:10])
    except ValueError:
        return None


class EvaluationService:
    def __init__(self, *, engine: Engine, store: ObjectStore, archive: ArchiveService,
                 fees: FeeService, obligations: ObligationService | None = None,
                 clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)) -> None:
        self.engine = engine
        self.store = store
        self.archive = archive
        self.fees = fees
        self.obligations = obligations
        self.clock = clock

    def create(self, caller: Caller, body: Any) -> dict[str, Any]:
        require(caller, Action.LEDGER)
        profile = body.get("profile") if isinstance(body, dict) else None
        if profile == "chengdu" and self.obligations is not None:
            return self._chengdu(caller, parse_model(ChengduEvaluationRequest, body, ()))
        if profile == "wenzhou" and self.obligations is not None:
            return self._wenzhou(caller, parse_model(WenzhouEvaluationRequest, body, ()))
        req = parse_model(EvaluationRequest, body, ())
        year = req.year
        first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
        with self.engine.connect() as conn:
            pols = conn.execute(select(policies.c.policy_no, policies.c.insured).where(and_(
                policies.c.tenant == caller.tenant, policies.c.profile == "shandong",
                policies.c.period_start <= last, policies.c.period_end >= first))).all()
            numbers = [p.policy_no for p in pols]
            rows = [dict(r) for r in conn.execute(select(
                records.c.id, records.c.doc_type, records.c.policy_no, records.c.status,
                records.c.parts, records.c.content_sha256).where(and_(
                    records.c.tenant == caller.tenant, records.c.doc_type.in_(_KINDS),
                    records.c.policy_no.in_(numbers), records.c.status != "failed",
                    records.c.superseded_by.is_(None))).order_by(records.c.id)).mappings()]
        reports: list[ReportSummary] = []
        callbacks: list[CallbackSummary] = []
        complaints: list[ComplaintSummary] = []
        used: list[dict[str, Any]] = []
        unread: list[str] = []
        for r in rows:
            source = read_source(self.engine, self.store, r)
            data = source.get("data") if source else None
            if not isinstance(data, dict):
                unread.append(r["id"])
                continue
            if self._summarise(r, data, first, last, reports, callbacks, complaints):
                used.append(r)
        entries, fee_unread = self.fees.entries(caller.tenant)
        fee_rows = [(rid, f) for rid, f in entries
                    if f.get("profile") == "shandong" and f.get("year") == year]
        figures = totals((str(f.get("kind")), Decimal(str(f.get("amount") or 0)),
                          Decimal(str(f["premium"])) if f.get("premium") else None)
                         for _, f in fee_rows)
        spent: dict[str, Decimal] = {}
        for _, f in fee_rows:
            if f.get("kind") == "expenditure" and f.get("policy_no"):
                spent[f["policy_no"]] = spent.get(f["policy_no"], Decimal(0)) + Decimal(
                    str(f.get("amount") or 0))
        computed = shandong_annual(
            year=year, policies=[ServedPolicy(p.policy_no, p.insured) for p in pols],
            reports=reports, callbacks=callbacks, complaints=complaints, fees=figures,
            spent_by_policy=spent)
        sources = self._sources(used, [rid for rid, _ in fee_rows])
        today = self.clock().astimezone(CHINA).date()
        data = {"insurer": {"name": req.insurer}, "date": (req.date or today).isoformat(),
                **computed,
                "analysis": {**computed["analysis"],
                             **({"experience": req.experience} if req.experience else {}),
                             **({"problems": req.problems} if req.problems else {})},
                "next_plan": [r.model_dump(mode="json", exclude_none=True)
                              for r in req.next_plan],
                "pooled_by_broker": req.pooled_by_broker, "sources": sources}
        charts = shandong_charts(reports, callbacks, complaints, figures)
        if charts:  # the figures of 附件6, from the same counts as the tables (domain/charts.py)
            data["charts"] = charts
        for k in ("responsible", "broker"):
            if getattr(req, k):
                data[k] = getattr(req, k)
        record = self._archive(caller, req.profile, data)
        return {"profile": req.profile, "year": year, "evaluation": data,
                "incomplete": bool(unread or fee_unread),
                "unread_records": unread + fee_unread, "record": record}

    def _archive(self, caller: Caller, profile: str, data: dict[str, Any]) -> dict[str, Any]:
        request = {"type": "annual_evaluation", "profile": profile, "data": data}
        digest = hashlib.sha256(json.dumps(request, sort_keys=True, ensure_ascii=False)
                                .encode()).hexdigest()[:32]
        return self.archive.create(caller, request, key=IdempotencyKey(
            f"evaluation:{digest}", "ledger"))

    # -- 成都 附录E and 温州 第二十三–二十五条 ----------------------------------------------------
    def _judged(self, tenant: str, profile: str, first: dt.date, last: dt.date
                ) -> tuple[int, list[ObligationFact], list[str]]:
        """The tenant's policies of ``profile`` in force in [first, last]: their number, the
        obligations falling due in it (or counted over the policy period), unread records."""
        assert self.obligations is not None
        with self.engine.connect() as conn:
            rows = [dict(r) for r in conn.execute(select(policies).where(and_(
                policies.c.tenant == tenant, policies.c.profile == profile,
                policies.c.period_start <= last, policies.c.period_end >= first))
                .order_by(policies.c.policy_no)).mappings()]
        as_of = min(last, self.clock().astimezone(CHINA).date())
        facts: list[ObligationFact] = []
        unread: list[str] = []
        for j in self.obligations.judge(tenant, rows, as_of):
            unread += j.unread
            for o in j.items:
                if o.state == "not_applicable":
                    continue
                if o.window is not None:  # counted over the policy period: progress so far
                    if not (o.window[0] <= last and o.window[1] >= first):
                        continue
                elif o.due is not None and not first <= o.due <= last:
                    continue
                facts.append(ObligationFact(j.policy_no, o.kind, o.clause, o.state,
                                            o.count_required, o.count_done, o.records))
        return len(rows), facts, unread

    def _record_sources(self, tenant: str, ids: set[str]) -> list[dict[str, Any]]:
        if not ids:
            return []
        with self.engine.connect() as conn:
            rows = [dict(r) for r in conn.execute(select(
                records.c.id, records.c.doc_type, records.c.content_sha256).where(and_(
                    records.c.tenant == tenant, records.c.id.in_(sorted(ids)))).order_by(
                records.c.id)).mappings()]
        return [{"id": r["id"], "type": TYPES.get(r["doc_type"], r["doc_type"]),
                 "sha256": r["content_sha256"]} for r in rows]

    def _chengdu(self, caller: Caller, req: ChengduEvaluationRequest) -> dict[str, Any]:
        computed_keys = set(CHENGDU_FROM_ARCHIVE.values())
        known = {r.key for r in APPENDIX_E}
        problems = [Problem(("findings", k), "computed_from_archive",
                            f"指标「{k}」由档案计算（{c}），不接受人工评分",
                            f"indicator {k!r} is computed from the archive ({c})")
                    for c, k in CHENGDU_FROM_ARCHIVE.items() if k in req.findings]
        problems += [Problem(("findings", k), "unknown_indicator", f"未知的评分指标「{k}」",
                             f"unknown indicator {k!r}") for k in req.findings if k not in known]
        if problems:
            raise DomainValidationError(problems)
        first, last = dt.date(req.year, 1, 1), dt.date(req.year, 12, 31)
        n, facts, unread = self._judged(caller.tenant, "chengdu", first, last)
        used = [f for f in facts if f.clause in CHENGDU_FROM_ARCHIVE]
        person = {k: v.model_dump(mode="json", exclude_defaults=True)
                  for k, v in req.findings.items() if k not in computed_keys}
        findings, computed, pending = chengdu_findings(used, person)
        note = (f"【系统补充】本表由档案生成：{n} 份保单；{len(computed)} 项由档案计算"
                f"（{'、'.join(CHENGDU_FROM_ARCHIVE)}），{len(person)} 项人工评分，"
                f"{len(pending)} 项待人工评分" + ("，总得分为暂计。" if pending else "。"))
        today = self.clock().astimezone(CHINA).date()
        data: dict[str, Any] = {
            "insurer": {"name": req.insurer}, "year": req.year, "evaluator": req.evaluator,
            "date": (req.date or today).isoformat(), "findings": findings,
            "summary": note + (f"\n{req.summary}" if req.summary else ""),
            "sources": self._record_sources(caller.tenant, {r for f in used for r in f.records})}
        sheet = score(APPENDIX_E, {k: Finding.model_validate(v) for k, v in findings.items()},
                      ("findings",))
        data["charts"] = chengdu_charts(used, sheet)  # 附录E's figures (domain/charts.py)
        record = self._archive(caller, "chengdu", data)
        return {"profile": "chengdu", "year": req.year, "evaluation": data,
                "totals": {"base": f"{sheet.base_total:f}", "bonus": f"{sheet.bonus_total:f}",
                           "total": f"{sheet.total:f}", "provisional": bool(pending)},
                "computed": computed, "scored_by_person": sorted(person), "to_score": pending,
                "incomplete": bool(unread), "unread_records": unread, "record": record}

    def _wenzhou(self, caller: Caller, req: WenzhouEvaluationRequest) -> dict[str, Any]:
        first = dt.date(req.year, 1 if req.half == "上半年" else 7, 1)
        last = dt.date(req.year, 6, 30) if req.half == "上半年" else dt.date(req.year, 12, 31)
        n, facts, unread = self._judged(caller.tenant, "wenzhou", first, last)
        entries, fee_unread = self.fees.entries(caller.tenant)
        fee_rows = [(rid, f) for rid, f in entries
                    if f.get("profile") == "wenzhou" and f.get("year") == req.year]
        fee_line = None
        fig = None
        if fee_rows:
            fig = totals((str(f.get("kind")), Decimal(str(f.get("amount") or 0)),
                          Decimal(str(f["premium"])) if f.get("premium") else None)
                         for _, f in fee_rows)
            (floor,) = floors("wenzhou", fig)
            fee_line = (f"费用（{req.year} 年度累计）：计提所依保费 {fig.premium:.2f} 元，计提 "
                        f"{fig.accrued:.2f} 元，支出 {fig.spent:.2f} 元；不低于保费 35% 即 "
                        f"{floor.required:.2f} 元，{'已达到' if floor.met else '未达到'}"
                        f"（{floor.clause}）。")
        text = wenzhou_archive_text(facts, n, fee_line)
        today = self.clock().astimezone(CHINA).date()
        data: dict[str, Any] = {
            "insurer": req.insurer, "provider": req.provider, "year": req.year,
            "half": req.half, "date": (req.date or today).isoformat(),
            "implementation": text + (f"\n{req.implementation}" if req.implementation else ""),
            "capability": req.capability, "problems": req.problems,
            "scores": {k: v.model_dump(mode="json", exclude_none=True)
                       for k, v in req.scores.items()},
            "sources": self._record_sources(
                caller.tenant, {r for f in facts for r in f.records} | {rid for rid, _ in fee_rows})}
        charts = wenzhou_charts(facts, fig)  # the figures of 第二十三条（一）and 第六条
        if charts:
            data["charts"] = charts
        record = self._archive(caller, "wenzhou", data)
        return {"profile": "wenzhou", "year": req.year, "half": req.half, "evaluation": data,
                "to_score": [k for k, _ in ASPECTS if k not in req.scores],
                "incomplete": bool(unread or fee_unread),
                "unread_records": unread + fee_unread, "record": record}

    @staticmethod
    def _summarise(r: dict[str, Any], data: dict[str, Any], first: dt.date, last: dt.date,
                   reports: list[ReportSummary], callbacks: list[CallbackSummary],
                   complaints: list[ComplaintSummary]) -> bool:
        """Add the record's facts if they fall in the year; True when they did."""
        rid, no = r["id"], r["policy_no"]
        if r["doc_type"] == "report":
            day = _day((data.get("visit") or {}).get("date"))
            if day is None or not first <= day <= last:
                return False
            techs = [t for t in data.get("technicians") or [] if isinstance(t, dict)]
            reports.append(ReportSummary(
                rid, no, day, tuple(str(t.get("name")) for t in techs if t.get("name")),
                tuple(str(t.get("name")) for t in techs if t.get("name") and "专家" in (
                    f"{t.get('title') or ''}{t.get('role') or ''}")),
                frozenset(record_facts("report", data).get("items") or ()),
                tuple((str(h.get("description")), str(h.get("grade")))
                      for h in data.get("hazards") or [] if isinstance(h, dict))))
            return True
        if r["doc_type"] == "callback":
            day = _day(data.get("callback_time") or data.get("callback_date"))
            if day is None or not first <= day <= last:
                return False
            callbacks.append(CallbackSummary(rid, no, day, data.get("overall"),
                                             data.get("closure")))
            return True
        day = _day(data.get("received_at"))
        if day is None or not first <= day <= last:
            return False
        complaints.append(ComplaintSummary(rid, day, _day(data.get("answered_at"))))
        return True

    def _sources(self, used: list[dict[str, Any]], fee_ids: list[str]) -> list[dict[str, Any]]:
        rows = list(used)
        if fee_ids:
            with self.engine.connect() as conn:
                rows += [dict(r) for r in conn.execute(select(
                    records.c.id, records.c.doc_type, records.c.content_sha256).where(
                    records.c.id.in_(fee_ids))).mappings()]
        return [{"id": r["id"], "type": TYPES.get(r["doc_type"], r["doc_type"]),
                 "sha256": r["content_sha256"]} for r in sorted(rows, key=lambda r: r["id"])]
