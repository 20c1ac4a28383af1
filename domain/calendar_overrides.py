"""Working-day data for years the ``chinesecalendar`` package does not (yet) cover.

The State Council's General Office publishes each year's holiday arrangement (国务院办公厅关于
<year>年部分节假日安排的通知) in the autumn of the year before. Until a ``chinesecalendar`` release
carries a year, enter it here from the notice: every statutory rest day that falls on a weekday
(``holidays``) and every weekend day that is a 调休 make-up working day (``workdays``). A year
listed here replaces the library's data for that year entirely.

A date in a year that neither the library nor this table covers is computed with weekends only
and every answer that depends on it says ``estimated: true`` (see ``domain.calendar``).

No entry yet: the 2027 arrangement was not available to check when this table was written
(2026-12). Add it with the notice's number as a comment, e.g.::

    2027: YearDays(
        source="国办发明电〔2026〕N号",
        holidays=frozenset({date(2027, 1, 1), ...}),
        workdays=frozenset({...}),
    ),
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["OVERRIDES", "YearDays"]


@dataclass(frozen=True)
class YearDays:
    """One year's holiday arrangement as published by the State Council."""

    source: str  # the notice, e.g. 国办发明电〔2025〕7号
    holidays: frozenset[dt.date]  # rest days on weekdays (the weekend days of a break need no entry)
    workdays: frozenset[dt.date]  # 调休: Saturdays and Sundays that are working days


OVERRIDES: Mapping[int, YearDays] = MappingProxyType({})
