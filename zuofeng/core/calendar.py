"""Working days: China's official holidays and 调休 working weekends, corrected by the
administrator's override table (for years the holidays package does not know yet)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays

from zuofeng.core.models import CalendarOverride


@lru_cache(maxsize=64)
def _official(year: int) -> tuple[frozenset[dt.date], frozenset[dt.date]]:
    """(holidays, working weekends) of one year from the holidays package."""
    cn = holidays.China(years=[year])
    return frozenset(d for d in cn if d.year == year), frozenset(
        d for d in cn.weekend_workdays if d.year == year
    )


class WorkCalendar:
    """A snapshot of the calendar: build it once per request or command, then ask freely."""

    def __init__(self, overrides: dict[dt.date, str] | None = None):
        if overrides is None:
            overrides = dict(CalendarOverride.objects.values_list("day", "kind"))
        self.overrides = overrides
        self._added: dict[tuple[dt.date, int], dt.date] = {}

    def is_workday(self, day: dt.date) -> bool:
        kind = self.overrides.get(day)
        if kind is not None:
            return kind == CalendarOverride.Kind.WORKDAY
        official_holidays, working_weekends = _official(day.year)
        if day in official_holidays:
            return False
        if day.weekday() >= 5:
            return day in working_weekends
        return True

    def add_workdays(self, start: dt.date, n: int) -> dt.date:
        """The date n working days after start (n = 0: start itself if it is a working day,
        else the next working day). Negative n counts backwards. Answers are kept: a file or a
        sweep asks for the same few deadlines again and again."""
        key = (start, n)
        if key not in self._added:
            self._added[key] = self._add(start, n)
        return self._added[key]

    def _add(self, start: dt.date, n: int) -> dt.date:
        day = start
        if n == 0:
            while not self.is_workday(day):
                day += dt.timedelta(days=1)
            return day
        step = dt.timedelta(days=1 if n > 0 else -1)
        remaining = abs(n)
        while remaining:
            day += step
            if self.is_workday(day):
                remaining -= 1
        return day

    def workdays_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after start up to and including end (negative when end < start)."""
        if end < start:
            return -self.workdays_between(end, start)
        count = 0
        day = start + dt.timedelta(days=1)
        while day <= end:
            if self.is_workday(day):
                count += 1
            day += dt.timedelta(days=1)
        return count


def add_workdays(start: dt.date, n: int) -> dt.date:
    return WorkCalendar().add_workdays(start, n)


def workdays_between(start: dt.date, end: dt.date) -> int:
    return WorkCalendar().workdays_between(start, end)
