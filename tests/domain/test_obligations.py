"""The obligations each standard gives a policy, one table per clause, with dates around the
2025 and 2026 Spring Festival, Qingming, Labour Day and National Day / Mid-Autumn breaks and their
调休 make-up days. Deadlines "within N working days of X" end on the N-th working day after X."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from domain.catalog import get_kind, parse_data
from domain.errors import DomainValidationError
from domain.obligations import (
    CallbackFact,
    ComplaintFact,
    Obligation,
    ServiceFact,
    complaint_deadline,
    evaluate,
    record_facts,
    rules_for,
)
from domain.policies import PolicyTerms
from tests.conftest import load_examples

D = dt.date.fromisoformat
LATE_2026 = D("2026-12-31")


def policy(**over: Any) -> PolicyTerms:
    data: dict[str, Any] = {"policy_no": "P-1", "profile": "shandong", "insured": "济南某运输公司",
                            "premium": "20000", "period_start": "2026-01-01",
                            "period_end": "2026-12-31"}
    return PolicyTerms.model_validate(data | over)


def service(day: str, filed: str | None = None, rid: str = "S1", items: str = "bd",
            training: bool = False, cost: str = "0") -> ServiceFact:
    return ServiceFact(rid, D(day), D(filed or day), (rid,), frozenset(items), training,
                       Decimal(cost))


def callback(day: str, filed: str | None = None, rid: str = "C1",
             service_date: str | None = None) -> CallbackFact:
    return CallbackFact(rid, D(day), D(filed or day), D(service_date) if service_date else None,
                        (rid,))


def one(items: list[Obligation], kind: str) -> Obligation:
    found = [o for o in items if o.kind == kind]
    assert len(found) == 1, [o.key for o in items]
    return found[0]


def judge(p: PolicyTerms, today: str = "2026-12-31", **facts: Any) -> list[Obligation]:
    return evaluate(p, today=D(today), **facts)


# -- 山东 (000_a04cad96e37f2d81.txt) ------------------------------------------------------------


@pytest.mark.parametrize(("served", "filed", "due", "state", "over"), [
    # Thu 2026-02-12: Fri 13, Sat 14 (调休), then 春节 Feb 15–23, Tue 24, Wed 25, Thu 26
    ("2026-02-12", "2026-02-26", "2026-02-26", "done", None),
    ("2026-02-12", "2026-02-27", "2026-02-26", "done_late", 1),
    ("2026-02-12", "2026-02-28", "2026-02-26", "done_late", 2),  # Sat Feb 28 is a working day
    # Fri 2025-09-26: Sun 28 (调休), Mon 29, Tue 30, then Oct 1–8, Thu 9, Fri 10
    ("2025-09-26", "2025-10-10", "2025-10-10", "done", None),
    ("2025-09-26", "2025-10-11", "2025-10-10", "done_late", 1),  # Sat Oct 11 (调休)
    # Wed 2025-04-30: 劳动节 May 1–5, then May 6 – 9, Mon 12
    ("2025-04-30", "2025-05-12", "2025-05-12", "done", None),
])
def test_shandong_6_2_e_the_report_within_5_working_days_of_the_service(
        served: str, filed: str, due: str, state: str, over: int | None) -> None:
    o = one(judge(policy(), services=[service(served, filed)]), "report")
    assert (o.clause, o.due, o.state, o.working_days_over) == ("山东 6.2 e)", D(due), state, over)


@pytest.mark.parametrize(("served", "called", "archived", "callback_state", "archive_state",
                          "callback_due", "archive_due"), [
    # Thu 2026-04-02: Fri 3, 清明 Apr 4–6, 7–10, 13–17 → 10th = Fri Apr 17; 20th = Wed May 6
    ("2026-04-02", "2026-04-17", "2026-05-06", "done", "done", "2026-04-17", "2026-05-06"),
    ("2026-04-02", "2026-04-20", "2026-05-07", "done_late", "done_late", "2026-04-17",
     "2026-05-06"),
    # Fri 2026-09-18: Sun Sep 20 (调休) counts; 中秋 Sep 25–27 and 国庆 Oct 1–7 do not; Sat
    # Oct 10 (调休) is the 11th
    ("2026-09-18", "2026-10-09", "2026-10-22", "done", "done", "2026-10-09", "2026-10-22"),
    ("2026-09-18", None, None, "overdue", "overdue", "2026-10-09", "2026-10-22"),
])
def test_shandong_6_3_callback_within_10_and_archived_within_20_working_days(
        served: str, called: str | None, archived: str | None, callback_state: str,
        archive_state: str, callback_due: str, archive_due: str) -> None:
    cbs = [callback(called, archived)] if called else []
    items = judge(policy(), services=[service(served)], callbacks=cbs)
    cb, ar = one(items, "callback"), one(items, "archive")
    assert (cb.clause, cb.due, cb.state) == ("山东 6.3", D(callback_due), callback_state)
    assert (ar.clause, ar.due, ar.state) == ("山东 6.3", D(archive_due), archive_state)
    if called:
        assert ar.records == ("S1", "C1") and cb.records == ("C1",)


@pytest.mark.parametrize(("received", "verify", "extension", "due"), [
    # Mon 2025-01-20: 21–24, Sun 26 (调休), Mon 27, 春节 Jan 28 – Feb 4, Feb 5–7, Sat Feb 8 (调休)
    ("2025-01-20", False, None, "2025-02-08"),
    ("2025-01-20", True, None, "2025-03-07"),  # needs verification: 30 working days
    ("2025-01-20", True, 30, "2025-04-06"),  # extended by at most 30 (calendar) days
    # Thu 2026-09-24: 中秋 and 国庆, Sat Oct 10 works → 30th working day Thu Nov 12
    ("2026-09-24", True, 10, "2026-11-22"),
])
def test_shandong_6_4_a_complaint_is_answered_within_10_or_30_working_days_plus_30_days(
        received: str, verify: bool, extension: int | None, due: str) -> None:
    got = complaint_deadline(rules_for("shandong").complaint, D(received),
                             needs_verification=verify, extension_days=extension)
    assert (got.due.date, got.clause) == (D(due), "山东 6.4")


@pytest.mark.parametrize(("premium", "required", "first_visit"), [
    ("14999.99", 0, "not_applicable"),
    ("15000", 1, "not_applicable"),  # 以上 includes the number
    ("99999.99", 1, "not_applicable"),
    ("100000", 2, "done"),
])
def test_shandong_5_on_site_visits_by_premium(premium: str, required: int,
                                              first_visit: str) -> None:
    items = judge(policy(premium=premium), "2027-01-04",
                  services=[service("2026-03-31", "2026-04-01")])
    visits = one(items, "visits")
    assert (visits.clause, visits.count_required) == ("山东 第5章", required)
    assert visits.state == ("not_applicable" if required == 0 else
                            "done" if required == 1 else "overdue")  # after the period
    assert one(items, "first_visit").state == first_visit
    if required == 0:  # still: at least one service a)–d) a policy year
        assert one(items, "services").state == "done"


@pytest.mark.parametrize(("pooled", "first", "state", "due"), [
    (False, "2026-03-31", "done", "2026-03-31"),  # within 3 months of Jan 1
    (False, "2026-04-01", "done_late", "2026-03-31"),
    (True, "2026-06-30", "done", "2026-06-30"),  # pooled projects: at most 6 months
    (True, "2026-07-01", "done_late", "2026-06-30"),
])
def test_shandong_5_the_first_visit_of_a_100k_policy_within_3_months_pooled_6(
        pooled: bool, first: str, state: str, due: str) -> None:
    o = one(judge(policy(premium="100000", pooled=pooled), services=[service(first)]),
            "first_visit")
    assert (o.state, o.due) == (state, D(due))


def test_a_100k_policy_without_a_visit_is_overdue_after_3_months_and_due_soon_before() -> None:
    p = policy(premium="128000")
    assert one(judge(p, "2026-04-01"), "first_visit").state == "overdue"
    soon = one(judge(p, "2026-03-27"), "first_visit")  # Fri; Mon 30, Tue 31: 2 working days
    assert (soon.state, soon.due_soon) == ("due", True)
    assert not one(judge(p, "2026-03-26"), "first_visit").due_soon


# -- 成都 (001_3fc616084e0abfd0.txt) -------------------------------------------------------------


@pytest.mark.parametrize(("served", "filed", "called", "archived", "states", "dues"), [
    # 5.3.3 record 7 working days: Fri 2025-01-24 → Sun 26, Mon 27, Feb 5, 6, 7, Sat 8, Mon 10
    # 5.3.4.1 callback 7 after the results (filed Feb 10) → Feb 19
    # 5.3.4.2 archive 7 after the callback (Feb 19) → Feb 28
    ("2025-01-24", "2025-02-10", "2025-02-19", "2025-02-28", ("done", "done", "done"),
     ("2025-02-10", "2025-02-19", "2025-02-28")),
    # Tue 2026-04-28: 劳动节 May 1–5, Sat May 9 works → record by Mon May 11; filed a day late,
    # the callback's 7 days run from the results (May 12) → May 21; archive by Mon Jun 1
    ("2026-04-28", "2026-05-12", "2026-05-21", "2026-06-03", ("done_late", "done", "done_late"),
     ("2026-05-11", "2026-05-21", "2026-06-01")),
])
def test_chengdu_5_3_3_and_5_3_4_record_callback_and_archive_7_working_days_each(
        served: str, filed: str, called: str, archived: str, states: tuple[str, ...],
        dues: tuple[str, ...]) -> None:
    items = judge(policy(profile="chengdu"), services=[service(served, filed)],
                  callbacks=[callback(called, archived)])
    got = [(o.clause, o.state, o.due) for o in items if o.kind in ("report", "callback", "archive")]
    assert got == [("成都 5.3.3", states[0], D(dues[0])), ("成都 5.3.4.1", states[1], D(dues[1])),
                   ("成都 5.3.4.2", states[2], D(dues[2]))]


@pytest.mark.parametrize(("received", "verify", "due"), [
    ("2026-09-30", False, "2026-10-15"),  # 国庆 Oct 1–7; Oct 8, 9, Sat 10, 12–15
    ("2026-09-30", True, "2026-11-17"),
])
def test_chengdu_5_4_2_1_a_complaint_is_answered_within_7_or_30_working_days(
        received: str, verify: bool, due: str) -> None:
    got = complaint_deadline(rules_for("chengdu").complaint, D(received),
                             needs_verification=verify)
    assert (got.due.date, got.clause) == (D(due), "成都 5.4.2.1")


# -- AQ 9010-2019 (002_84c1147c3cba8591.txt) and AQ 9010.1-2025 (004_bba49dd4fae2d316.txt) ------


@pytest.mark.parametrize(("standard", "callback_due", "archive_due", "clause"), [
    # Mon 2025-09-29: Tue 30, 国庆中秋 Oct 1–8, Oct 9, 10, Sat 11 (调休), Mon 13 → 5th; 10th Oct 20
    ("AQ 9010-2019", "2025-10-13", "2025-10-20", "AQ 9010-2019 6.3"),
    # 10 and 20 working days under the 2025 revision
    ("AQ 9010.1-2025", "2025-10-20", "2025-11-03", "AQ 9010.1-2025 6.3"),
])
def test_national_6_3_callback_and_archive(standard: str, callback_due: str, archive_due: str,
                                           clause: str) -> None:
    items = judge(policy(profile="national", standard=standard), services=[service("2025-09-29")])
    cb, ar = one(items, "callback"), one(items, "archive")
    assert (cb.clause, cb.due, ar.clause, ar.due) == (clause, D(callback_due), clause,
                                                      D(archive_due))
    assert not [o for o in items if o.kind == "report"]  # the national standards set none


@pytest.mark.parametrize(("standard", "received", "verify", "appraisal", "extension", "due"), [
    # AQ 9010-2019 6.4: 5, or 10 when it needs verification — Mon 2025-04-28: Tue 29, Wed 30,
    # 劳动节 May 1–5, May 6, 7, 8 → 5th; 9, 12–15 → 10th
    ("AQ 9010-2019", "2025-04-28", False, None, None, "2025-05-08"),
    ("AQ 9010-2019", "2025-04-28", True, None, None, "2025-05-15"),
    # AQ 9010.1-2025 6.4: 15, complex 30 (Mon 2026-09-28)
    ("AQ 9010.1-2025", "2026-09-28", False, None, None, "2026-10-23"),
    ("AQ 9010.1-2025", "2026-09-28", True, None, None, "2026-11-13"),
    # +30 days with approval
    ("AQ 9010.1-2025", "2026-09-28", True, None, 15, "2026-11-28"),
    # an outside appraisal Oct 12–23 (10 working days) is not counted
    ("AQ 9010.1-2025", "2026-09-28", False, ("2026-10-12", "2026-10-23"), None, "2026-11-06"),
])
def test_national_6_4_complaint_deadlines(standard: str, received: str, verify: bool,
                                          appraisal: tuple[str, str] | None,
                                          extension: int | None, due: str) -> None:
    rule = rules_for("national", standard)  # type: ignore[arg-type]
    got = complaint_deadline(rule.complaint, D(received), needs_verification=verify,
                             extension_days=extension,
                             appraisals=[(D(appraisal[0]), D(appraisal[1]))] if appraisal else ())
    assert got.due.date == D(due)
    assert got.clause == f"{standard} 6.4"


def test_aq_9010_2019_allows_no_extension_and_the_2025_draft_counts_no_appraisal_in_2019() -> None:
    rule = rules_for("national", "AQ 9010-2019").complaint
    plain = complaint_deadline(rule, D("2026-09-28"), needs_verification=False)
    assert complaint_deadline(rule, D("2026-09-28"), needs_verification=False,
                              extension_days=30,
                              appraisals=[(D("2026-10-08"), D("2026-10-09"))]).due == plain.due


@pytest.mark.parametrize(("standard", "over", "required", "clause"), [
    ("AQ 9010-2019", {"high_risk_industry": "危险化学品", "above_scale": True}, 1,
     "AQ 9010-2019 5.1"),
    ("AQ 9010-2019", {"high_risk_industry": "危险化学品"}, 0, "AQ 9010-2019 5.1"),
    ("AQ 9010-2019", {"above_scale": True}, 0, "AQ 9010-2019 5.1"),
    ("AQ 9010.1-2025", {"large_or_medium": True}, 1, "AQ 9010.1-2025 第4章"),
    ("AQ 9010.1-2025", {}, 0, "AQ 9010.1-2025 第4章"),
])
def test_national_a_risk_assessment_or_hazard_screening_each_policy_year(
        standard: str, over: dict[str, Any], required: int, clause: str) -> None:
    items = judge(policy(profile="national", standard=standard, **over), "2027-01-04",
                  services=[service("2026-05-06", items="a")])  # training only: not b) or d)
    o = one(items, "risk_service")
    assert (o.clause, o.count_required, o.count_done) == (clause, required, 0)
    assert o.state == ("overdue" if required else "not_applicable")


# -- 温州 (003_1c9e57a8db7131ab.txt) -------------------------------------------------------------


@pytest.mark.parametrize(("premium", "over", "required"), [
    ("100000", {}, 4),  # 第十四条 第一档: 10 万元以上 4
    ("99999.99", {}, 3),  # 6–10 万（不含 10 万）3
    ("60000", {}, 3),
    ("59999", {}, 2),  # 3–6 万（不含 6 万）2
    ("30000", {}, 2),
    ("29999", {}, 1),  # 3 万以下 1
    ("5000", {"high_risk_industry": "烟花爆竹"}, 2),  # 第二档: eight high-risk industries ≥ 2
    ("5000", {"high_risk_industry": "煤矿"}, 1),  # not one of Wenzhou's eight
    ("5000", {"last_year": {"fatal_accident": True}}, 2),  # 第三档
    ("5000", {"last_year": {"max_injured_in_one_accident": 3}}, 2),  # 3 人（含）以上受伤
    ("5000", {"last_year": {"max_injured_in_one_accident": 2}}, 1),
    ("5000", {"last_year": {"blacklisted": True}}, 2),
    ("5000", {"last_year": {"claims": 6}}, 2),  # 超过 5 宗
    ("5000", {"last_year": {"claims": 5}}, 1),
    ("5000", {"last_year": {"loss_ratio_percent": "200.01"}}, 2),  # 赔付超过 200%
    ("5000", {"last_year": {"loss_ratio_percent": "200"}}, 1),
    ("150000", {"high_risk_industry": "建筑施工"}, 4),  # the larger requirement holds
])
def test_wenzhou_14_off_line_visits_a_year_by_tier(premium: str, over: dict[str, Any],
                                                   required: int) -> None:
    o = one(judge(policy(profile="wenzhou", premium=premium, **over)), "visits")
    assert o.count_required == required
    assert o.clause.startswith("温州 第十四条")


@pytest.mark.parametrize(("served", "called", "archived", "callback_due", "archive_due"), [
    # Fri 2026-05-08: Sat May 9 (调休) → 10th working day Thu May 21, 20th Thu Jun 4
    ("2026-05-08", "2026-05-21", "2026-06-04", "2026-05-21", "2026-06-04"),
    # Tue 2025-05-06 → 20th working day Wed Jun 4 (端午 May 31 – Jun 2)
    ("2025-05-06", "2025-05-20", "2025-06-04", "2025-05-20", "2025-06-04"),
])
def test_wenzhou_19_callback_within_10_and_archived_within_20_working_days(
        served: str, called: str, archived: str, callback_due: str, archive_due: str) -> None:
    items = judge(policy(profile="wenzhou", period_start="2025-01-01"),
                  services=[service(served)], callbacks=[callback(called, archived)])
    cb, ar = one(items, "callback"), one(items, "archive")
    assert (cb.clause, cb.due, cb.state) == ("温州 第十九条", D(callback_due), "done")
    assert (ar.clause, ar.due, ar.state) == ("温州 第十九条", D(archive_due), "done")


def test_wenzhou_15_four_collective_trainings_and_6_fees_of_35_percent() -> None:
    services = [service(f"2026-0{m}-10", rid=f"S{m}", items="a", training=True, cost="9000")
                for m in range(3, 7)]
    items = judge(policy(profile="wenzhou", premium="100000"), "2026-07-01", services=services)
    training, fee = one(items, "training"), one(items, "fee")
    assert (training.clause, training.count_required, training.count_done, training.state) == (
        "温州 第十五条", 4, 4, "done")
    assert (fee.clause, fee.amount_required, fee.amount_done, fee.state) == (
        "温州 第六条", Decimal("35000.00"), Decimal("36000"), "done")
    short = judge(policy(profile="wenzhou", premium="100000"), "2027-01-05",
                  services=services[:3])
    assert one(short, "fee").state == "overdue" and one(short, "training").state == "overdue"


def test_wenzhou_complaints_follow_aq_9010_2019_as_its_first_article_cites() -> None:
    rule = rules_for("wenzhou").complaint
    assert (rule.days, rule.verify_days, rule.extension_days) == (5, 10, None)
    assert rule.clause.startswith("AQ 9010-2019 6.4")


# -- matching, corrections, complaints on a policy, estimates ------------------------------------


def test_a_callback_goes_to_the_service_it_names_else_the_earliest_without_one() -> None:
    services = [service("2026-03-02", rid="S1"), service("2026-03-09", rid="S2"),
                service("2026-03-16", rid="S3")]
    callbacks = [callback("2026-03-18", rid="C-named", service_date="2026-03-09"),
                 callback("2026-03-12", rid="C-first")]
    items = judge(policy(), "2026-03-20", services=services, callbacks=callbacks)
    got = {o.subject["service_record"]: o.records for o in items if o.kind == "callback"}
    assert got == {"S1": ("C-first",), "S2": ("C-named",), "S3": ()}


def test_a_complaint_on_the_policy_is_due_then_done_or_late() -> None:
    c = ComplaintFact("K2", "shandong", D("2026-09-24"), D("2026-09-24"), True, (), 10,
                      D("2026-11-23"), None, ("K1", "K2"))
    o = one(judge(policy(), complaints=[c]), "complaint")
    assert (o.clause, o.due, o.state, o.working_days_over, o.records) == (
        "山东 6.4", D("2026-11-22"), "done_late", 1, ("K1", "K2"))
    open_ = ComplaintFact("K1", "chengdu", D("2026-09-30"), D("2026-09-30"))
    o = one(judge(policy(), "2026-10-14", complaints=[open_]), "complaint")
    assert (o.clause, o.state, o.due_soon) == ("成都 5.4.2.1", "due", True)


def test_a_deadline_that_crosses_into_an_unpublished_year_is_estimated() -> None:
    items = judge(policy(period_end="2026-12-31"), "2026-12-28",
                  services=[service("2026-12-24")])
    cb = one(items, "callback")
    assert cb.due == D("2027-01-07") and cb.estimated
    assert not one(items, "report").estimated  # Dec 31 is in 2026


# -- facts read from archived data; complaint and policy validation -----------------------------


def test_the_facts_of_every_example_record_are_read() -> None:
    ex = load_examples()
    report = record_facts("report", ex["report-shandong"]["data"])
    assert report["service_date"] == ex["report-shandong"]["data"]["visit"]["date"]
    assert set(report["items"]) >= {"b", "d"}
    assert "callback_date" in record_facts("callback", ex["callback-shandong"]["data"])
    assert "callback_date" in record_facts("callback", ex["callback-chengdu"]["data"])
    assert record_facts("complaint", ex["complaint-national"]["data"])["extension_days"] == 15
    assert record_facts("chengdu_table_10", ex["chengdu_table_10-chengdu"]["data"])
    assert record_facts("plan", ex["plan-shandong"]["data"]) == {}


@pytest.mark.parametrize(("profile", "extension", "rule"), [
    ("chengdu", {"days": 5, "reason": "需调查"}, "extra_forbidden"),  # 成都 5.4.2.1: none
    ("wenzhou", {"days": 5, "reason": "需调查"}, "extra_forbidden"),  # AQ 9010-2019 6.4: none
    ("shandong", {"days": 5, "reason": "需调查"}, "extension_agreement"),  # 山东 6.4: agreed
    ("national", {"days": 5, "reason": "需调查"}, "extension_not_allowed"),  # 2019 default
])
def test_an_extension_the_profile_does_not_allow_is_refused(
        profile: str, extension: dict[str, Any], rule: str) -> None:
    data = {"received_at": "2026-05-06", "channel": "电话", "complainant": "王某",
            "content": "未按时回访", "extension": extension}
    with pytest.raises(DomainValidationError) as exc:
        parse_data(get_kind("complaint", profile), data)
    assert [p.rule for p in exc.value.problems] == [rule]
    if profile == "national":  # AQ 9010.1-2025 6.4: with a named approver
        data["standard"] = "AQ 9010.1-2025"
        with pytest.raises(DomainValidationError) as exc:
            parse_data(get_kind("complaint", profile), data)
        assert [p.rule for p in exc.value.problems] == ["extension_approval"]
        data["extension"] = extension | {"approved_by": "总公司风险管理部"}
        assert parse_data(get_kind("complaint", profile), data)


def test_a_policy_names_a_national_standard_only_when_national() -> None:
    with pytest.raises(ValidationError):
        policy(standard="AQ 9010.1-2025")
    with pytest.raises(ValidationError):
        policy(period_end="2025-12-31")
    assert policy(profile="national").national_standard == "AQ 9010-2019"
