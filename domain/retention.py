"""Retention rules: how long a record is kept under lock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

__all__ = ["MIN_YEARS", "add_years", "retention_years"]

# AQ 9010-2019 7.4 / AQ 9010.1-2025 7.4 / Shandong 7.3: archives are kept at least 5 years.
MIN_YEARS = 5


def add_years(when: dt.datetime, years: int) -> dt.datetime:
    """``when`` plus whole calendar years; 29 February becomes 1 March, never earlier."""
    try:
        return when.replace(year=when.year + years)
    except ValueError:  # 29 Feb in a non-leap target year
        return when.replace(year=when.year + years, month=3, day=1)


def retention_years(default: int, overrides: Mapping[str, int], tenant: str, doc_type: str) -> int:
    """Years for a record: the most specific override (``tenant:type``, ``tenant``, ``:type``),
    never below the default nor the legal minimum."""
    years = default
    for key in (f":{doc_type}", tenant, f"{tenant}:{doc_type}"):
        if key in overrides:
            years = max(years, overrides[key])
    return max(years, MIN_YEARS)
