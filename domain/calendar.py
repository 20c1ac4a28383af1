"""China's working days: weekends and statutory holidays off, 调休 make-up weekend days on.

Sources, in order: the committed override table (``domain.calendar_overrides``, for years the
State Council has published but the library does not carry yet), then the ``chinesecalendar``
package (2004–2026 in release 1.11). A date in a year neither covers counts with weekends only,
and every answer that looked at such a date says ``estimated``.

Counting follows how the standards word their deadlines: "within N working days of the service"
(服务完成后 N 个工作日内) ends on the N-th working day *after* the service day; the day itself never
counts (:meth:`WorkCalendar.add_working_days`). :meth:`WorkCalendar.working_days` counts the
working days after ``start`` up to and including ``end``, so that
``working_days(d, add_working_days(d, n).date).days == n`` for every n ≥ 0.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from domain.calendar_overrides import OVERRIDES, YearDays
from domain.errors import DomainValidationError

__all__ = ["CALENDAR", "MAX_DAYS", "MAX_SPAN_DAYS", "Count", "Dated", "WorkCalendar"]

#: Largest N for add_working_days (about four years of working days); deadlines are ≤ 30.
MAX_DAYS = 1000
#: Longest stretch working_days counts (ten years).
MAX_SPAN_DAYS = 3660


@dataclass(frozen=True)
class Dated:
    """A date and whether it rests on a year whose holidays are not known (weekends only)."""

    date: dt.date
    estimated: bool

    def as_dict(self) -> dict[str, Any]:
        return {"date": self.date.isoformat(), "estimated": self.estimated}


@dataclass(frozen=True)
class Count:
    days: int
    estimated: bool

    def as_dict(self) -> dict[str, Any]:
        return {"days": self.days, "estimated": self.estimated}


class WorkCalendar:
    """Working days from the override table and ``chinesecalendar`` (weekends only elsewhere)."""

    def __init__(self, overrides: Mapping[int, YearDays] = OVERRIDES) -> None:
        self.overrides = overrides

    @cached_property
    def _library(self) -> tuple[Mapping[dt.date, Any], Mapping[dt.date, Any], int, int]:
        from chinese_calendar import constants

        years = [d.year for d in constants.holidays]
        return constants.holidays, constants.workdays, min(years), max(years)

    def covered(self, year: int) -> bool:
        """Whether the year's holidays and 调休 days are known (not an estimate)."""
        _, _, first, last = self._library
        return year in self.overrides or first <= year <= last

    @property
    def library_years(self) -> tuple[int, int]:
        _, _, first, last = self._library
        return first, last

    def is_working_day(self, day: dt.date) -> tuple[bool, bool]:
        """(working day, estimated)."""
        weekday = day.weekday() < 5
        override = self.overrides.get(day.year)
        if override is not None:
            return (day in override.workdays or (weekday and day not in override.holidays)), False
        holidays, workdays, first, last = self._library
        if first <= day.year <= last:
            return (day in workdays or (weekday and day not in holidays)), False
        return weekday, True

    def add_working_days(self, start: dt.date, days: int) -> Dated:
        """The ``days``-th working day after ``start`` (``start`` itself never counts; 0 gives
        ``start``): the last day of a deadline "within ``days`` working days of ``start``"."""
        _check_days(days)
        current, estimated, left = start, False, days
        while left > 0:
            current = _next(current)
            working, guessed = self.is_working_day(current)
            estimated |= guessed
            if working:
                left -= 1
        return Dated(current, estimated)

    def add_working_days_skipping(self, start: dt.date, days: int,
                                  paused: list[tuple[dt.date, dt.date]]) -> Dated:
        """As :meth:`add_working_days`, but working days inside the ``paused`` ranges (inclusive)
        are not counted (AQ 9010.1-2025 6.4: time for an outside appraisal is not counted)."""
        _check_days(days)
        current, estimated, left = start, False, days
        steps = 0
        while left > 0:
            current = _next(current)
            steps += 1
            if steps > MAX_SPAN_DAYS:
                raise _too_far(("days",))
            working, guessed = self.is_working_day(current)
            estimated |= guessed
            if working and not any(a <= current <= b for a, b in paused):
                left -= 1
        return Dated(current, estimated)

    def working_days(self, start: dt.date, end: dt.date) -> Count:
        """Working days after ``start`` up to and including ``end`` (negative when ``end`` is
        before ``start``: the same count, backwards)."""
        if end < start:
            back = self.working_days(end, start)
            return Count(-back.days, back.estimated)
        if (end - start).days > MAX_SPAN_DAYS:
            raise _too_far(("to",))
        count, estimated, current = 0, False, start
        while current < end:
            current = current + dt.timedelta(days=1)
            working, guessed = self.is_working_day(current)
            estimated |= guessed
            count += working
        return Count(count, estimated)

    def next_working_day_on_or_after(self, day: dt.date) -> Dated:
        """``day`` if it is a working day, else the next one."""
        working, estimated = self.is_working_day(day)
        if working:
            return Dated(day, estimated)
        found = self.add_working_days(day, 1)
        return Dated(found.date, found.estimated or estimated)


def _next(day: dt.date) -> dt.date:
    try:
        return day + dt.timedelta(days=1)
    except OverflowError:
        raise _too_far(("date",)) from None


def _check_days(days: int) -> None:
    if not 0 <= days <= MAX_DAYS:
        raise DomainValidationError.single(
            ("days",), "days_range", f"工作日数须在 0–{MAX_DAYS} 之间",
            f"the number of working days must be 0–{MAX_DAYS}")


def _too_far(path: tuple[str, ...]) -> DomainValidationError:
    return DomainValidationError.single(
        path, "span_range", f"日期跨度超过 {MAX_SPAN_DAYS} 天（或超出可表示的日期）",
        f"the dates span more than {MAX_SPAN_DAYS} days (or leave the calendar)")


#: The calendar in force: the committed override table and the library (immutable data).
CALENDAR = WorkCalendar()
