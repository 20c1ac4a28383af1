"""What each standard obliges an insurer to do for a policy, and whether it was done in time.

Pure rules (no database, no clock): :func:`evaluate` takes a policy's terms, the facts of its
archived records (services, callbacks, complaints) and the day to judge on, and returns one
:class:`Obligation` per duty, each with the clause it comes from. Deadlines count working days on
the Chinese calendar (``domain.calendar``); "within N working days of X" ends on the N-th
working day after X.

Matching (by policy and date): a service is a record that names a service date (the report's
``visit.date``, Chengdu 表 10 ``service_date``); a callback is matched to the service whose date
it names (山东 附件5 ``service_time``), otherwise to the earliest service on or before its date
that has no callback yet. A record's filing day is the day (China time) the service accepted it;
a correction keeps the filing day of the record it corrects.

States: ``done`` (in time), ``done_late`` (with the working days over), ``due`` (not yet, still
in time), ``overdue`` (not done and the deadline has passed), ``not_applicable`` (the rule does
not apply to this policy). ``due_soon`` marks a ``due`` obligation whose deadline is within the
lead time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from domain.calendar import CALENDAR, Dated, WorkCalendar
from domain.policies import AQ2019, AQ2025, WENZHOU_HIGH_RISK, PolicyTerms, Standard

__all__ = [
    "CallbackFact",
    "ComplaintFact",
    "ComplaintRule",
    "Obligation",
    "RuleSet",
    "ServiceFact",
    "State",
    "complaint_deadline",
    "evaluate",
    "obligation_id",
    "record_facts",
    "rules_for",
]

State = Literal["done", "done_late", "due", "overdue", "not_applicable"]
STATES: tuple[State, ...] = ("done", "done_late", "due", "overdue", "not_applicable")
STATE_ZH: dict[str, str] = {"done": "已完成", "done_late": "逾期完成", "due": "待完成",
                            "overdue": "已逾期", "not_applicable": "不适用"}

# -- the rule sets ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ComplaintRule:
    """How long an answer to a complaint may take."""

    days: int  # working days
    verify_days: int  # working days when it needs verification (or is complex)
    clause: str
    extension_days: int | None = None  # calendar days it may be extended by (None: no extension)
    extension_by: Literal["agreement", "approval"] | None = None
    appraisal_excluded: bool = False  # outside appraisal time not counted

    def describe(self) -> str:
        text = (f"{self.clause}：{self.days} 个工作日内答复；需进一步核实与处理（情况复杂）的 "
                f"{self.verify_days} 个工作日内")
        if self.extension_days is not None:
            how = "经与投诉人协商一致" if self.extension_by == "agreement" else "经上级机构或总公司高级管理人员审批"
            text += f"；{how}可延长，不超过 {self.extension_days} 日"
        if self.appraisal_excluded:
            text += "；外部机构鉴定、检测、评估期间不计入"
        return text


@dataclass(frozen=True)
class RuleSet:
    """The deadlines of one standard (each with its clause)."""

    name: str
    report_days: int | None  # record of the service, from the service day
    report_clause: str | None
    callback_days: int
    callback_clause: str
    callback_from: Literal["service", "delivery"]  # delivery: of the service's results
    archive_days: int
    archive_clause: str
    archive_from: Literal["service", "callback"]
    complaint: ComplaintRule
    report_what: str = "出具服务报告"


# 山东 6.2 e) report 5, 6.3 callback 10 and archive 20 working days; 6.4 complaints 10/30 (+30 日).
SHANDONG = RuleSet(
    "山东", 5, "山东 6.2 e)", 10, "山东 6.3", "service", 20, "山东 6.3", "service",
    ComplaintRule(10, 30, "山东 6.4", extension_days=30, extension_by="agreement"))
# 成都 5.3.3 record 7; 5.3.4.1 callback 7 after the results are fed back; 5.3.4.2 archive 7 after
# the callback; 5.4.2.1 complaints 7/30 working days.
CHENGDU = RuleSet(
    "成都", 7, "成都 5.3.3", 7, "成都 5.3.4.1", "delivery", 7, "成都 5.3.4.2", "callback",
    ComplaintRule(7, 30, "成都 5.4.2.1"), report_what="整理形成服务记录")
# AQ 9010-2019 6.3 callback 5, archive 10 working days; 6.4 complaints 5/10.
NATIONAL_2019 = RuleSet(
    AQ2019, None, None, 5, f"{AQ2019} 6.3", "service", 10, f"{AQ2019} 6.3", "service",
    ComplaintRule(5, 10, f"{AQ2019} 6.4"))
# AQ 9010.1-2025 6.3 callback 10, archive 20; 6.4 decision 15, complex 30, +30 日 with approval,
# outside appraisal not counted.
NATIONAL_2025 = RuleSet(
    AQ2025, None, None, 10, f"{AQ2025} 6.3", "service", 20, f"{AQ2025} 6.3", "service",
    ComplaintRule(15, 30, f"{AQ2025} 6.4", extension_days=30, extension_by="approval",
                  appraisal_excluded=True))
# 温州 第十九条 callback 10, archive 20 working days. 第二十二条 sets no complaint deadline; the
# standard is made under AQ 9010-2019 (第一条), whose 6.4 applies.
WENZHOU = RuleSet(
    "温州", None, None, 10, "温州 第十九条", "service", 20, "温州 第十九条", "service",
    ComplaintRule(5, 10, f"{AQ2019} 6.4（温州 第二十二条 未定时限，按第一条所依据的 AQ 9010-2019）"))


def rules_for(profile: str, standard: Standard | None = None) -> RuleSet:
    if profile == "shandong":
        return SHANDONG
    if profile == "chengdu":
        return CHENGDU
    if profile == "wenzhou":
        return WENZHOU
    return NATIONAL_2025 if standard == AQ2025 else NATIONAL_2019


# -- facts of archived records ------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceFact:
    """A service (visit) as its record tells it."""

    record_id: str  # the latest version
    date: dt.date
    filed_on: dt.date  # when the first version was accepted (China time)
    record_ids: tuple[str, ...] = ()  # every version, oldest first
    items: frozenset[str] = frozenset()  # service items a)–g) (AQ 9010 5.1 / 山东 第5章)
    training: bool = False
    cost: Decimal = Decimal(0)

    @property
    def ids(self) -> tuple[str, ...]:
        return self.record_ids or (self.record_id,)


@dataclass(frozen=True)
class CallbackFact:
    record_id: str
    date: dt.date
    filed_on: dt.date
    service_date: dt.date | None = None
    record_ids: tuple[str, ...] = ()

    @property
    def ids(self) -> tuple[str, ...]:
        return self.record_ids or (self.record_id,)


@dataclass(frozen=True)
class ComplaintFact:
    record_id: str  # the latest version
    profile: str
    received_on: dt.date
    filed_on: dt.date
    needs_verification: bool = False
    appraisals: tuple[tuple[dt.date, dt.date], ...] = ()
    extension_days: int | None = None
    answered_on: dt.date | None = None
    standard: Standard | None = None
    record_ids: tuple[str, ...] = ()

    @property
    def ids(self) -> tuple[str, ...]:
        return self.record_ids or (self.record_id,)


_DATE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


def _date(v: Any) -> dt.date | None:
    """A date from a JSON value: ISO date or time (China day), or 2026年3月2日."""
    if not isinstance(v, str):
        return None
    try:
        if "T" in v or " " in v.strip():
            from domain.documents.complaint import china_date

            return china_date(dt.datetime.fromisoformat(v.strip()))
        return dt.date.fromisoformat(v.strip())
    except ValueError:
        pass
    m = _DATE.match(v)
    if m is None:
        return None
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


_REPORT_ITEMS = (("training", "a"), ("risk_assessment", "b"), ("risks", "b"), ("hazards", "d"),
                 ("hazard_scope", "d"), ("credit_system", "d"), ("emergency", "e"),
                 ("technology", "f"), ("other", "g"))


def record_facts(doc_type: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """What the obligations need from a record's posted ``data`` (JSON values), or {} when the
    record is neither a service, a callback nor a complaint."""
    if doc_type == "report":
        visit = data.get("visit") or {}
        day = _date(visit.get("date"))
        if day is None:
            return {}
        items = sorted({code for name, code in _REPORT_ITEMS if data.get(name)})
        cost = Decimal(0)
        for v in (data.get("costs") or {}).values():
            try:
                cost += Decimal(str(v))
            except (InvalidOperation, ValueError):
                continue
        return {"service_date": day.isoformat(), "items": items,
                "training": bool(data.get("training")), "cost": str(cost)}
    if doc_type == "chengdu_table_10":  # 安全生产标准化技术服务过程记录表: a visit, item c)
        day = _date(data.get("service_date"))
        return {"service_date": day.isoformat(), "items": ["c"], "training": False,
                "cost": "0"} if day else {}
    if doc_type == "callback":
        day = _date(data.get("callback_time") or data.get("callback_date"))
        if day is None:
            return {}
        served = _date(data.get("service_time"))
        return {"callback_date": day.isoformat(),
                "service_date": served.isoformat() if served else None}
    if doc_type == "complaint":
        received = _date(data.get("received_at"))
        if received is None:
            return {}
        ext = data.get("extension") or {}
        return {
            "received_on": received.isoformat(),
            "needs_verification": bool(data.get("needs_verification")),
            "appraisals": [[a.get("start"), a.get("end")] for a in data.get("appraisals") or []
                           if isinstance(a, dict)],
            "extension_days": ext.get("days") if isinstance(ext, dict) else None,
            "answered_on": data.get("answered_at"),
            "standard": data.get("standard"),
        }
    return {}


# -- complaint deadlines -------------------------------------------------------------------------


@dataclass(frozen=True)
class ComplaintDeadline:
    due: Dated
    base_days: int
    extension_days: int
    clause: str
    rule_text: str


def complaint_deadline(rule: ComplaintRule, received_on: dt.date, *, needs_verification: bool,
                       extension_days: int | None = None,
                       appraisals: Sequence[tuple[dt.date, dt.date]] = (),
                       calendar: WorkCalendar = CALENDAR) -> ComplaintDeadline:
    """The last day to answer a complaint received on ``received_on``."""
    days = rule.verify_days if needs_verification else rule.days
    if rule.appraisal_excluded and appraisals:
        # AQ 9010.1-2025 6.4: time for an outside appraisal is not counted
        due = calendar.add_working_days_skipping(received_on, days, list(appraisals))
    else:
        due = calendar.add_working_days(received_on, days)
    extra = 0
    if extension_days and rule.extension_days is not None:
        # 山东 6.4 / AQ 9010.1-2025 6.4: extended by at most 30 (calendar) days
        extra = min(extension_days, rule.extension_days)
        due = Dated(due.date + dt.timedelta(days=extra), due.estimated)
    return ComplaintDeadline(due, days, extra, rule.clause, rule.describe())


# -- obligations --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Obligation:
    key: str  # stable within the policy: kind + what it is about
    kind: str
    clause: str
    title_zh: str
    title_en: str
    state: State
    due: dt.date | None = None
    window: tuple[dt.date, dt.date] | None = None
    count_required: int | None = None
    count_done: int | None = None
    amount_required: Decimal | None = None
    amount_done: Decimal | None = None
    records: tuple[str, ...] = ()
    done_on: dt.date | None = None
    working_days_over: int | None = None
    estimated: bool = False
    due_soon: bool = False
    note: str | None = None
    subject: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key, "kind": self.kind, "clause": self.clause,
            "title_zh": self.title_zh, "title_en": self.title_en,
            "state": self.state, "state_zh": STATE_ZH[self.state], "due_soon": self.due_soon,
            "due": self.due.isoformat() if self.due else None,
            "window": ({"from": self.window[0].isoformat(), "to": self.window[1].isoformat()}
                       if self.window else None),
            "count_required": self.count_required, "count_done": self.count_done,
            "amount_required": _money(self.amount_required),
            "amount_done": _money(self.amount_done),
            "done_on": self.done_on.isoformat() if self.done_on else None,
            "working_days_over": self.working_days_over,
            "records": list(self.records), "estimated": self.estimated,
            "note": self.note, "subject": self.subject,
        }


def _money(v: Decimal | None) -> str | None:
    return None if v is None else f"{v.quantize(Decimal('0.01')):f}"


def obligation_id(tenant: str, policy_no: str, key: str) -> str:
    """A stable identifier of an obligation across evaluations (events are kept per ID)."""
    digest = hashlib.sha256("\x00".join((tenant, policy_no, key)).encode("utf-8")).hexdigest()
    return f"obl_{digest[:24]}"


@dataclass
class _Judge:
    today: dt.date
    calendar: WorkCalendar
    lead: int

    def deadline(self, key: str, kind: str, clause: str, zh: str, en: str, due: Dated,
                 done_on: dt.date | None, records: tuple[str, ...],
                 subject: dict[str, Any], note: str | None = None) -> Obligation:
        """A duty with one deadline: done (in time or late), due or overdue."""
        estimated = due.estimated
        over: int | None = None
        if done_on is not None:
            if done_on <= due.date:
                state: State = "done"
            else:
                state = "done_late"
                count = self.calendar.working_days(due.date, done_on)
                over, estimated = count.days, estimated or count.estimated
        elif self.today > due.date:
            state = "overdue"
            count = self.calendar.working_days(due.date, self.today)
            over, estimated = count.days, estimated or count.estimated
        else:
            state = "due"
        return Obligation(
            key, kind, clause, zh, en, state, due=due.date, count_required=1,
            count_done=0 if done_on is None else 1, records=records, done_on=done_on,
            working_days_over=over, estimated=estimated,
            due_soon=self.soon(state, due.date), note=note, subject=subject)

    def soon(self, state: State, due: dt.date | None) -> bool:
        if state != "due" or due is None:
            return False
        return self.calendar.add_working_days(self.today, self.lead).date >= due

    def count(self, key: str, kind: str, clause: str, zh: str, en: str,
              window: tuple[dt.date, dt.date], required: int, done: Sequence[ServiceFact],
              note: str | None = None) -> Obligation:
        """A number of services to give within a window (the policy period or year)."""
        if required <= 0:
            return Obligation(key, kind, clause, zh, en, "not_applicable", window=window,
                              count_required=0, count_done=len(done), note=note)
        if len(done) >= required:
            state: State = "done"
            done_on: dt.date | None = sorted(s.date for s in done)[required - 1]
        else:
            state = "overdue" if self.today > window[1] else "due"
            done_on = None
        return Obligation(
            key, kind, clause, zh, en, state, due=window[1], window=window,
            count_required=required, count_done=len(done),
            records=tuple(s.record_id for s in done), done_on=done_on,
            estimated=False, due_soon=self.soon(state, window[1]), note=note)


def _years(start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """Policy years: [start, start + 1 year - 1 day], … cut at ``end``."""
    out: list[tuple[dt.date, dt.date]] = []
    first = start
    while first <= end and len(out) < 11:
        nxt = _add_months(first, 12)
        out.append((first, min(end, nxt - dt.timedelta(days=1))))
        first = nxt
    return out


def _add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus whole months; the 31st becomes the month's last day."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover


def _within(services: Sequence[ServiceFact], window: tuple[dt.date, dt.date],
            items: frozenset[str] | None = None) -> list[ServiceFact]:
    return [s for s in services if window[0] <= s.date <= window[1]
            and (items is None or s.items & items)]


def _match(services: Sequence[ServiceFact],
           callbacks: Sequence[CallbackFact]) -> dict[str, CallbackFact]:
    """service record id → its callback (see the module docstring)."""
    out: dict[str, CallbackFact] = {}
    free = list(services)
    rest: list[CallbackFact] = []
    for cb in sorted(callbacks, key=lambda c: (c.date, c.record_id)):
        named = next((s for s in free if cb.service_date is not None and s.date == cb.service_date),
                     None)
        if named is not None:
            out[named.record_id] = cb
            free.remove(named)
        else:
            rest.append(cb)
    for cb in rest:
        earlier = next((s for s in free if s.date <= cb.date), None)
        if earlier is not None:
            out[earlier.record_id] = cb
            free.remove(earlier)
    return out


def evaluate(policy: PolicyTerms, *, services: Sequence[ServiceFact] = (),
             callbacks: Sequence[CallbackFact] = (), complaints: Sequence[ComplaintFact] = (),
             today: dt.date, lead: int = 2, calendar: WorkCalendar = CALENDAR) -> list[Obligation]:
    """Every obligation the policy's profile gives it, judged as of ``today``."""
    judge = _Judge(today, calendar, lead)
    rules = rules_for(policy.profile, policy.national_standard)
    services = sorted(services, key=lambda s: (s.date, s.filed_on, s.record_id))
    out = _counts(policy, services, judge)
    matched = _match(services, callbacks)
    for s in services:
        out += _per_service(rules, s, matched.get(s.record_id), judge)
    for c in sorted(complaints, key=lambda c: (c.received_on, c.record_id)):
        out.append(_complaint(c, judge))
    return out


def _per_service(rules: RuleSet, s: ServiceFact, cb: CallbackFact | None,
                 judge: _Judge) -> list[Obligation]:
    cal = judge.calendar
    subject = {"service_date": s.date.isoformat(), "service_record": s.record_id}
    if cb is not None:
        subject["callback_record"] = cb.record_id
        subject["callback_date"] = cb.date.isoformat()
    anchor = s.ids[0]
    out: list[Obligation] = []
    if rules.report_days is not None and rules.report_clause is not None:
        out.append(judge.deadline(
            f"report:{anchor}", "report", rules.report_clause,
            f"服务完成后 {rules.report_days} 个工作日内{rules.report_what}",
            f"service record within {rules.report_days} working days of the service",
            cal.add_working_days(s.date, rules.report_days), s.filed_on, s.ids, subject))
    if rules.callback_from == "delivery":
        # 成都 5.3.4.1: 7 working days after the results were fed back (the record's filing day)
        start, zh = s.filed_on, f"反馈服务成果后 {rules.callback_days} 个工作日内回访"
        en = f"callback within {rules.callback_days} working days of delivering the results"
    else:
        start, zh = s.date, f"服务完成后 {rules.callback_days} 个工作日内回访"
        en = f"callback within {rules.callback_days} working days of the service"
    callback_due = cal.add_working_days(start, rules.callback_days)
    out.append(judge.deadline(
        f"callback:{anchor}", "callback", rules.callback_clause, zh, en, callback_due,
        cb.date if cb else None, cb.ids if cb else (), subject))
    if rules.archive_from == "callback":
        # 成都 5.3.4.2: archived within 7 working days after the callback (before it: the latest
        # day the callback could be, plus 7)
        base = cb.date if cb is not None else callback_due.date
        due = cal.add_working_days(base, rules.archive_days)
        due = Dated(due.date, due.estimated or (cb is None and callback_due.estimated))
        zh = f"回访结束后 {rules.archive_days} 个工作日内整理归档"
        en = f"archived within {rules.archive_days} working days after the callback"
    else:
        due = cal.add_working_days(s.date, rules.archive_days)
        zh = f"服务完成后 {rules.archive_days} 个工作日内整理完毕并归档"
        en = f"service and callback records archived within {rules.archive_days} working days"
    filed = max(s.filed_on, cb.filed_on) if cb is not None else None
    out.append(judge.deadline(f"archive:{anchor}", "archive", rules.archive_clause, zh, en, due,
                              filed, s.ids + (cb.ids if cb else ()), subject))
    return out


def _complaint(c: ComplaintFact, judge: _Judge) -> Obligation:
    rule = rules_for(c.profile, c.standard).complaint
    deadline = complaint_deadline(rule, c.received_on, needs_verification=c.needs_verification,
                                  extension_days=c.extension_days, appraisals=c.appraisals,
                                  calendar=judge.calendar)
    subject = {"received_on": c.received_on.isoformat(), "complaint_record": c.record_id,
               "needs_verification": c.needs_verification,
               "extension_days": deadline.extension_days or None}
    zh = f"投诉 {deadline.base_days} 个工作日内答复" + (
        f"（延长 {deadline.extension_days} 日）" if deadline.extension_days else "")
    en = f"complaint answered within {deadline.base_days} working days" + (
        f" (extended by {deadline.extension_days} days)" if deadline.extension_days else "")
    return judge.deadline(f"complaint:{c.ids[0]}", "complaint", deadline.clause, zh, en,
                          deadline.due, c.answered_on, c.ids, subject)


_B_OR_D = frozenset({"b", "d"})


def _counts(p: PolicyTerms, services: Sequence[ServiceFact], judge: _Judge) -> list[Obligation]:
    period = (p.period_start, p.period_end)
    if p.profile == "shandong":
        return _shandong_counts(p, services, judge, period)
    if p.profile == "chengdu":
        # 成都 5.1.2: every insured is given the services the contract and the standard require
        return [judge.count("services:period", "services", "成都 5.1.2",
                            "保险期间内为投保单位提供事故预防服务（至少 1 次）",
                            "at least one prevention service in the policy period", period, 1,
                            _within(services, period))]
    if p.profile == "wenzhou":
        return _wenzhou_counts(p, services, judge, period)
    out: list[Obligation] = []
    for i, year in enumerate(_years(*period)):
        if p.national_standard == AQ2025:
            # AQ 9010.1-2025 第4章: 大中型被保险人 each policy year ≥ 1 service b) or d)
            required, clause = (1 if p.large_or_medium else 0), f"{AQ2025} 第4章"
            zh = "每个保单年度为大中型被保险人提供至少 1 次安全风险辨识评估评价或隐患排查服务"
        else:
            # AQ 9010-2019 5.1: high-risk industries' 规模以上 units ≥ 1 a year, b) or d)
            high = p.high_risk_industry is not None and p.high_risk_industry != "海洋渔业"
            required, clause = (1 if high and p.above_scale else 0), f"{AQ2019} 5.1"
            zh = "高危行业规模以上投保单位每年至少 1 次安全风险辨识评估评价或隐患排查服务"
        out.append(judge.count(f"risk_service:{i}", "risk_service", clause, zh,
                               "at least one risk assessment or hazard screening a policy year",
                               year, required, _within(services, year, _B_OR_D)))
    return out


def _shandong_counts(p: PolicyTerms, services: Sequence[ServiceFact], judge: _Judge,
                     period: tuple[dt.date, dt.date]) -> list[Obligation]:
    out: list[Obligation] = []
    # 山东 第5章: 保费 1.5 万元以上 ≥ 1 on-site service in the period, 10 万元以上 ≥ 2 (以上 includes
    # the number); every policy year at least one service a)–d) for every insured.
    if p.premium >= 100_000:
        required, zh = 2, "保费 10 万元以上：承保期内至少 2 次现场服务"
    elif p.premium >= 15_000:
        required, zh = 1, "保费 1.5 万元以上：承保期内至少 1 次现场服务"
    else:
        required, zh = 0, "保费 1.5 万元以下：无现场服务次数要求"
    out.append(judge.count("visits:period", "visits", "山东 第5章", zh,
                           f"on-site services in the policy period: at least {required}",
                           period, required, _within(services, period)))
    if required == 0:
        for i, year in enumerate(_years(*period)):
            out.append(judge.count(
                f"services:{i}", "services", "山东 第5章", "每个保单年度至少 1 次 a)–d) 项服务",
                "at least one service a)–d) each policy year", year, 1,
                _within(services, year, frozenset("abcd"))))
    # 山东 第5章: ≥ 10 万: the first service within 3 months of the start (pooled: ≤ 6 months)
    months = 6 if p.pooled else 3
    key, clause = "first_visit", "山东 第5章"
    zh = f"起保 {months} 个月内完成第 1 次服务" + ("（统筹委托）" if p.pooled else "")
    en = f"first service within {months} months of the start"
    if p.premium < 100_000:
        out.append(Obligation(key, "first_visit", clause, zh, en, "not_applicable",
                              note="保费不足 10 万元 / premium below 100,000"))
        return out
    due = _add_months(p.period_start, months) - dt.timedelta(days=1)
    first = next((s for s in services if s.date >= p.period_start), None)
    out.append(judge.deadline(key, "first_visit", clause, zh, en, Dated(due, False),
                              first.date if first else None, first.ids if first else (),
                              {"period_start": p.period_start.isoformat()}))
    return out


def _wenzhou_counts(p: PolicyTerms, services: Sequence[ServiceFact], judge: _Judge,
                    period: tuple[dt.date, dt.date]) -> list[Obligation]:
    # 温州 第十四条 第一档: ≥ 10 万 4, 6–10 万 3, 3–6 万 2, < 3 万 1 off-line services a year
    if p.premium >= 100_000:
        tier1 = 4
    elif p.premium >= 60_000:
        tier1 = 3
    elif p.premium >= 30_000:
        tier1 = 2
    else:
        tier1 = 1
    clauses = [f"温州 第十四条 第一档（{tier1} 次）"]
    required = tier1
    # 第二档: the eight high-risk industries at least 2 whatever their size
    if p.high_risk_industry in WENZHOU_HIGH_RISK:
        required = max(required, 2)
        clauses.append("第二档（八大高危行业 ≥ 2 次）")
    # 第三档: last year a death or ≥ 3 injured in one accident, a blacklist entry, > 5 claims or
    # a loss ratio > 200 %: at least 2
    ly = p.last_year
    if (ly.fatal_accident or ly.max_injured_in_one_accident >= 3 or ly.blacklisted
            or ly.claims > 5 or ly.loss_ratio_percent > 200):
        required = max(required, 2)
        clauses.append("第三档（上年度事故、失信或赔付 ≥ 2 次）")
    clause = "；".join(clauses)
    out: list[Obligation] = []
    for i, year in enumerate(_years(*period)):
        out.append(judge.count(f"visits:{i}", "visits", clause,
                               f"每年线下事故预防服务不少于 {required} 次",
                               f"at least {required} off-line services a year", year, required,
                               _within(services, year)))
        # 温州 第十五条: collective trainings at least 4 a year
        out.append(judge.count(f"training:{i}", "training", "温州 第十五条",
                               "每年集中式安全培训和交流活动不少于 4 次",
                               "at least 4 collective trainings a year", year, 4,
                               [s for s in _within(services, year) if s.training],
                               note="按本保单服务记录中的培训计 / counted from this policy's "
                                    "service records with training"))
    # 温州 第六条: prevention fees at least 35 % of the premium
    required_fee = (p.premium * Decimal("0.35")).quantize(Decimal("0.01"))
    spent = sum((s.cost for s in _within(services, period)), Decimal(0))
    if spent >= required_fee:
        state: State = "done"
    else:
        state = "overdue" if judge.today > period[1] else "due"
    out.append(Obligation(
        "fee:period", "fee", "温州 第六条", "事故预防服务费用不低于保费的 35%",
        "prevention fees at least 35 % of the premium", state, due=period[1], window=period,
        amount_required=required_fee, amount_done=spent,
        records=tuple(s.record_id for s in _within(services, period) if s.cost),
        due_soon=judge.soon(state, period[1]),
        note="第六条按保险机构总保费计提；此处按本保单服务报告所载实际支出对照 / the rule is on the "
             "insurer's total premium; shown against this policy's reported spending"))
    return out
