"""Hazard ledger (Chengdu 表 9): transitions, overdue and the duty to report."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from domain.errors import DomainValidationError, InvalidTransitionError
from domain.hazards import (
    Hazard,
    HazardGrade,
    HazardState,
    HazardStatus,
    accept,
    is_overdue,
    must_report_to_authority,
    plan_rectification,
    rectify,
    state_on,
)

FOUND = dt.date(2026, 3, 2)
DEADLINE = dt.date(2026, 3, 31)
CJK = re.compile(r"[\u4e00-\u9fff]")


def hazard(**over: Any) -> Hazard:
    data: dict[str, Any] = {
        "found_on": FOUND,
        "inspectors": ["张工", "李工"],
        "category": "设备设施",
        "subcategory": "防护装置",
        "description": "冲床光电保护装置失效",
        "grade": "一般",
        "measures": "更换光电保护装置",
        "deadline": DEADLINE,
        "responsible": "王主任",
        "funds": "1200.00",
    }
    return Hazard.model_validate(data | over)


def rules(exc: DomainValidationError) -> list[str]:
    return [p.rule for p in exc.problems]


def assert_bilingual(exc: DomainValidationError) -> None:
    for p in exc.problems:
        assert CJK.search(p.message_zh), p
        assert re.search(r"[A-Za-z]+ [a-z]+", p.message_en), p


# --- Happy path ---------------------------------------------------------------------------------


def test_open_rectified_accepted() -> None:
    h = hazard()
    assert h.status is HazardStatus.OPEN
    r = rectify(h, note="已更换并调试合格", on=dt.date(2026, 3, 20))
    assert r.status is HazardStatus.RECTIFIED and r.rectification_note == "已更换并调试合格"
    a = accept(r, on=dt.date(2026, 3, 25), acceptors=["赵验收"], remarks="复查合格")
    assert a.status is HazardStatus.ACCEPTED
    assert a.accepted_on == dt.date(2026, 3, 25) and a.acceptors == ["赵验收"]
    assert a.remarks == "复查合格"
    # pure: the earlier objects are unchanged
    assert h.status is HazardStatus.OPEN and r.status is HazardStatus.RECTIFIED
    assert h.rectification_note is None and r.accepted_on is None


def test_plan_rectification() -> None:
    h = hazard(measures=None, deadline=None, responsible=None, funds=None)
    p = plan_rectification(h, measures="加装护栏", deadline=dt.date(2026, 4, 1),
                           responsible="王主任", funds=None)
    assert (p.measures, p.deadline, p.responsible) == ("加装护栏", dt.date(2026, 4, 1), "王主任")
    assert h.deadline is None


def test_rectified_date_optional() -> None:
    r = rectify(hazard(), note="已整改")
    assert r.rectified_on is None
    accept(r, on=FOUND, acceptors=["赵"])  # same day as discovery is allowed


def test_frozen() -> None:
    h = hazard()
    with pytest.raises(ValidationError):
        h.status = HazardStatus.ACCEPTED  # type: ignore[misc]


# --- Refused transitions ------------------------------------------------------------------------


def test_accept_before_rectify() -> None:
    with pytest.raises(InvalidTransitionError) as info:
        accept(hazard(), on=dt.date(2026, 3, 25), acceptors=["赵"], path=("hazards", 4))
    assert rules(info.value) == ["hazard.transition.accept_before_rectify"]
    assert info.value.problems[0].path == ("hazards", 4, "status")
    assert_bilingual(info.value)


@pytest.mark.parametrize("note", [None, "", "   "])
def test_rectify_needs_description(note: str | None) -> None:
    with pytest.raises(InvalidTransitionError) as info:
        rectify(hazard(), note=note)
    assert rules(info.value) == ["hazard.rectify.note_required"]
    assert "治理情况描述" in info.value.problems[0].message_zh
    assert_bilingual(info.value)


def test_rectify_twice() -> None:
    r = rectify(hazard(), note="已整改")
    with pytest.raises(InvalidTransitionError) as info:
        rectify(r, note="再次")
    assert rules(info.value) == ["hazard.transition.already_rectified"]


def test_rectified_before_found() -> None:
    with pytest.raises(InvalidTransitionError) as info:
        rectify(hazard(), note="x", on=FOUND - dt.timedelta(days=1))
    assert rules(info.value) == ["hazard.rectify.before_discovery"]


def test_accept_needs_date_and_acceptors() -> None:
    r = rectify(hazard(), note="已整改")
    with pytest.raises(InvalidTransitionError) as info:
        accept(r, on=None, acceptors=[" "])
    assert rules(info.value) == ["hazard.accept.date_required", "hazard.accept.acceptors_required"]
    assert "验收时间" in info.value.problems[0].message_zh
    assert "验收人员" in info.value.problems[1].message_zh
    assert_bilingual(info.value)


def test_accept_not_before_discovery_or_rectification() -> None:
    r = rectify(hazard(), note="已整改", on=dt.date(2026, 3, 10))
    with pytest.raises(InvalidTransitionError) as info:
        accept(r, on=FOUND - dt.timedelta(days=1), acceptors=["赵"])
    assert rules(info.value) == ["hazard.accept.before_discovery"]
    with pytest.raises(InvalidTransitionError) as info:
        accept(r, on=dt.date(2026, 3, 9), acceptors=["赵"])
    assert rules(info.value) == ["hazard.accept.before_rectification"]


def test_accept_twice() -> None:
    a = accept(rectify(hazard(), note="x"), on=DEADLINE, acceptors=["赵"])
    with pytest.raises(InvalidTransitionError) as info:
        accept(a, on=DEADLINE, acceptors=["赵"])
    assert rules(info.value) == ["hazard.transition.already_accepted"]


def test_plan_refused() -> None:
    r = rectify(hazard(), note="x")
    with pytest.raises(InvalidTransitionError) as info:
        plan_rectification(r, measures="", deadline=FOUND - dt.timedelta(days=1), responsible="")
    assert rules(info.value) == [
        "hazard.transition.plan_after_rectify",
        "hazard.plan.measures_required",
        "hazard.plan.responsible_required",
        "hazard.plan.deadline_before_discovery",
    ]
    assert_bilingual(info.value)


def test_field_limits_surface_as_domain_problems() -> None:
    with pytest.raises(InvalidTransitionError) as info:
        rectify(hazard(), note="长" * 2001, path=("hazards", 0))
    assert info.value.problems[0].path == ("hazards", 0, "rectification_note")
    assert info.value.problems[0].rule == "string_too_long"


# --- Consistency of stored rows -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("over", "kind"),
    [
        ({"deadline": FOUND - dt.timedelta(days=1)}, "deadline_before_discovery"),
        ({"status": "rectified"}, "rectification_note_required"),
        ({"status": "accepted", "rectification_note": "x"}, "acceptance_incomplete"),
        ({"accepted_on": DEADLINE, "acceptors": ["赵"]}, "status_inconsistent"),
        ({"rectified_on": DEADLINE}, "status_inconsistent"),
        ({"status": "accepted", "rectification_note": "x", "acceptors": ["赵"],
          "accepted_on": FOUND - dt.timedelta(days=1)}, "accepted_too_early"),
        ({"inspectors": []}, "too_short"),
        ({"grade": "较大"}, "enum"),
        ({"funds": "-1"}, "greater_than_equal"),
    ],
)
def test_inconsistent_rows_rejected(over: dict[str, Any], kind: str) -> None:
    with pytest.raises(ValidationError) as info:
        hazard(**over)
    assert info.value.errors()[0]["type"] == kind


def test_json_round_trip() -> None:
    a = accept(rectify(hazard(grade="重大"), note="x", on=DEADLINE), on=DEADLINE, acceptors=["赵"])
    assert Hazard.model_validate_json(a.model_dump_json()) == a
    assert a.grade.full == "重大事故隐患"


# --- Overdue and reporting ----------------------------------------------------------------------


def test_overdue_day_by_day() -> None:
    h = hazard(grade="重大")
    assert state_on(h, DEADLINE) is HazardState.OPEN  # the deadline day is still in time
    assert not must_report_to_authority(h, DEADLINE)
    nxt = DEADLINE + dt.timedelta(days=1)
    assert state_on(h, nxt) is HazardState.OVERDUE and state_on(h, nxt).zh == "逾期未治理"
    assert must_report_to_authority(h, nxt)
    r = rectify(h, note="x", on=nxt)  # rectified late: no longer unrectified
    assert state_on(r, nxt) is HazardState.RECTIFIED
    assert not must_report_to_authority(r, nxt)


def test_general_hazard_overdue_is_not_reported() -> None:
    h = hazard(grade="一般")
    assert is_overdue(h, DEADLINE + dt.timedelta(days=30))
    assert not must_report_to_authority(h, DEADLINE + dt.timedelta(days=30))


def test_no_deadline_never_overdue() -> None:
    h = hazard(grade="重大", deadline=None)
    assert not is_overdue(h, dt.date(2030, 1, 1))


@given(
    grade=st.sampled_from(list(HazardGrade)),
    deadline_days=st.integers(0, 400),
    today_days=st.integers(-30, 800),
    progress=st.sampled_from(["open", "rectified", "accepted"]),
)
def test_overdue_and_report_property(
    grade: HazardGrade, deadline_days: int, today_days: int, progress: str
) -> None:
    deadline = FOUND + dt.timedelta(days=deadline_days)
    today = FOUND + dt.timedelta(days=today_days)
    h = hazard(grade=grade, deadline=deadline)
    if progress != "open":
        h = rectify(h, note="已整改")
    if progress == "accepted":
        h = accept(h, on=FOUND, acceptors=["赵"])
    late = progress == "open" and today > deadline
    assert is_overdue(h, today) is late
    assert (state_on(h, today) is HazardState.OVERDUE) is late
    assert must_report_to_authority(h, today) is (late and grade is HazardGrade.MAJOR)
    if not late:
        assert state_on(h, today).value == progress
