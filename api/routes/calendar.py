"""The Chinese working-day calendar the deadlines are counted on (weekends, statutory holidays,
调休 make-up days; ``estimated`` when a year's arrangement is not known)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Query

from api.deps import CurrentCaller
from domain.calendar import CALENDAR, MAX_DAYS

router = APIRouter(prefix="/v1/calendar", tags=["calendar"])


@router.get("/add-working-days",
            summary="第 N 个工作日 / the N-th working day after a date (the date never counts)")
def add_working_days(
    caller: CurrentCaller,
    date: dt.date = Query(..., description="起算日（不计入），YYYY-MM-DD"),
    days: int = Query(..., ge=0, le=MAX_DAYS, description="工作日数 N"),
) -> dict[str, Any]:
    return CALENDAR.add_working_days(date, days).as_dict()


@router.get("/working-days",
            summary="工作日数 / working days after `from` up to and including `to`")
def working_days(
    caller: CurrentCaller,
    start: dt.date = Query(..., alias="from", description="起（不计入），YYYY-MM-DD"),
    end: dt.date = Query(..., alias="to", description="止（计入），YYYY-MM-DD"),
) -> dict[str, Any]:
    return CALENDAR.working_days(start, end).as_dict()
