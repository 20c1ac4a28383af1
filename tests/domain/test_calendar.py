"""Working days on China's calendar: weekends and statutory holidays off, 调休 weekend days on
(State Council notices for 2025 and 2026, as carried by ``chinesecalendar``); years nobody has
published are weekends only and say ``estimated``."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.calendar import CALENDAR, MAX_DAYS, WorkCalendar
from domain.calendar_overrides import YearDays
from domain.errors import DomainValidationError

D = dt.date.fromisoformat


@pytest.mark.parametrize(("day", "working", "why"), [
    # 2025 春节 Jan 28 (除夕) – Feb 4; 调休 Sun Jan 26 and Sat Feb 8
    ("2025-01-26", True, "2025 春节调休（星期日上班）"),
    ("2025-01-28", False, "2025 除夕（自 2025 年起为法定假日）"),
    ("2025-02-04", False, "2025 春节假期最后一天"),
    ("2025-02-05", True, "2025 春节后首个工作日"),
    ("2025-02-08", True, "2025 春节调休（星期六上班）"),
    # 2025 清明 Apr 4–6, no make-up day
    ("2025-04-04", False, "2025 清明节"),
    ("2025-04-07", True, "2025 清明后"),
    # 2025 劳动节 May 1–5; 调休 Sun Apr 27
    ("2025-04-27", True, "2025 劳动节调休（星期日上班）"),
    ("2025-05-02", False, "2025 劳动节（自 2025 年起 5 月 2 日为法定假日）"),
    ("2025-05-05", False, "2025 劳动节假期最后一天"),
    # 2025 国庆 + 中秋 Oct 1–8; 调休 Sun Sep 28 and Sat Oct 11
    ("2025-09-28", True, "2025 国庆调休（星期日上班）"),
    ("2025-10-06", False, "2025 中秋节"),
    ("2025-10-08", False, "2025 国庆中秋假期最后一天"),
    ("2025-10-11", True, "2025 国庆调休（星期六上班）"),
    # 2026 元旦 Jan 1–3, 调休 Sun Jan 4; 春节 Feb 15–23, 调休 Sat Feb 14 and Sat Feb 28
    ("2026-01-04", True, "2026 元旦调休（星期日上班）"),
    ("2026-02-14", True, "2026 春节调休（星期六上班）"),
    ("2026-02-16", False, "2026 除夕"),
    ("2026-02-23", False, "2026 春节假期最后一天（星期一）"),
    ("2026-02-24", True, "2026 春节后首个工作日"),
    ("2026-02-28", True, "2026 春节调休（星期六上班）"),
    # 2026 清明 Apr 4–6; 劳动节 May 1–5, 调休 Sat May 9
    ("2026-04-06", False, "2026 清明（星期一）"),
    ("2026-05-05", False, "2026 劳动节假期最后一天"),
    ("2026-05-09", True, "2026 劳动节调休（星期六上班）"),
    # 2026 中秋 Sep 25–27; 国庆 Oct 1–7, 调休 Sun Sep 20 and Sat Oct 10
    ("2026-09-20", True, "2026 国庆调休（星期日上班）"),
    ("2026-09-25", False, "2026 中秋节（星期五）"),
    ("2026-10-07", False, "2026 国庆假期最后一天"),
    ("2026-10-08", True, "2026 国庆后首个工作日"),
    ("2026-10-10", True, "2026 国庆调休（星期六上班）"),
])
def test_statutory_holidays_and_their_make_up_days(day: str, working: bool, why: str) -> None:
    assert CALENDAR.is_working_day(D(day)) == (working, False), why


@pytest.mark.parametrize(("start", "days", "due"), [
    ("2026-02-13", 1, "2026-02-14"),  # the 调休 Saturday is the next working day
    ("2026-02-14", 1, "2026-02-24"),  # then the whole Spring Festival break is skipped
    ("2025-01-24", 7, "2025-02-10"),  # Sun Jan 26 and Sat Feb 8 count, Jan 28 – Feb 4 do not
    ("2025-04-03", 1, "2025-04-07"),  # 清明 Fri–Sun
    ("2026-04-28", 7, "2026-05-11"),  # 劳动节 May 1–5, Sat May 9 works
    ("2025-09-29", 5, "2025-10-13"),  # 国庆中秋 Oct 1–8, Sat Oct 11 works
    ("2026-09-24", 30, "2026-11-12"),  # 中秋 Sep 25–27 then 国庆 Oct 1–7, Sat Oct 10 works
    ("2026-03-02", 0, "2026-03-02"),  # zero: the day itself
])
def test_the_nth_working_day_after_a_date_never_counts_the_date(
        start: str, days: int, due: str) -> None:
    got = CALENDAR.add_working_days(D(start), days)
    assert got.date == D(due) and not got.estimated


def test_a_year_nobody_has_published_counts_weekends_only_and_says_estimated() -> None:
    first, last = CALENDAR.library_years
    assert (first, last) == (2004, 2026)  # chinesecalendar 1.11: see domain.calendar_overrides
    assert CALENDAR.is_working_day(D("2027-01-01")) == (True, True)  # 元旦 unknown: a Friday
    assert CALENDAR.is_working_day(D("2027-01-02")) == (False, True)
    got = CALENDAR.add_working_days(D("2026-12-24"), 10)
    assert got.date == D("2027-01-07") and got.estimated  # the deadline crosses into 2027
    assert not CALENDAR.add_working_days(D("2026-12-24"), 4).estimated  # stays in 2026
    assert CALENDAR.working_days(D("2026-12-30"), D("2027-01-08")).as_dict() == {
        "days": 7, "estimated": True}


def test_the_override_table_covers_a_year_once_the_notice_is_out() -> None:
    # 2027 as an administrator would enter it from a (here: invented) notice
    year = YearDays("test notice", holidays=frozenset({D("2027-01-01")}),
                    workdays=frozenset({D("2027-01-02")}))
    cal = WorkCalendar({2027: year})
    assert cal.is_working_day(D("2027-01-01")) == (False, False)
    assert cal.is_working_day(D("2027-01-02")) == (True, False)
    assert cal.is_working_day(D("2027-01-04")) == (True, False)
    assert cal.add_working_days(D("2026-12-31"), 1).as_dict() == {
        "date": "2027-01-02", "estimated": False}


def test_counting_between_two_dates() -> None:
    # after 2026-02-13 up to and including 2026-02-28: Feb 14, 24, 25, 26, 27, 28
    assert CALENDAR.working_days(D("2026-02-13"), D("2026-02-28")).days == 6
    assert CALENDAR.working_days(D("2026-02-28"), D("2026-02-13")).days == -6
    assert CALENDAR.working_days(D("2026-10-01"), D("2026-10-07")).days == 0


@pytest.mark.parametrize("days", [-1, MAX_DAYS + 1])
def test_an_impossible_count_is_refused_in_both_languages(days: int) -> None:
    with pytest.raises(DomainValidationError) as exc:
        CALENDAR.add_working_days(D("2026-01-05"), days)
    assert exc.value.problems[0].rule == "days_range"


def test_leaving_the_calendar_is_refused_not_a_crash() -> None:
    with pytest.raises(DomainValidationError):
        CALENDAR.add_working_days(dt.date.max - dt.timedelta(days=3), 10)
    with pytest.raises(DomainValidationError):
        CALENDAR.working_days(dt.date.min, dt.date.max)


@given(start=st.dates(min_value=dt.date(2003, 6, 1), max_value=dt.date(2028, 12, 31)),
       days=st.integers(min_value=0, max_value=400))
def test_adding_n_working_days_and_counting_them_back_gives_n(start: dt.date, days: int) -> None:
    end = CALENDAR.add_working_days(start, days)
    back = CALENDAR.working_days(start, end.date)
    assert back.days == days
    assert back.estimated == end.estimated
    if days:
        assert CALENDAR.is_working_day(end.date)[0]  # a deadline falls on a working day
