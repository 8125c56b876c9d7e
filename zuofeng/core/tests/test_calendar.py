import datetime as dt

import pytest
from django.core.management import call_command

from zuofeng.core.calendar import WorkCalendar
from zuofeng.core.models import CalendarOverride

D = dt.date


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (D(2025, 9, 30), 1, D(2025, 10, 9)),  # National Day + Mid-Autumn 10-1..10-8
        (D(2025, 9, 26), 1, D(2025, 9, 28)),  # Sunday 9-28 is a 调休 working day
        (D(2025, 10, 10), 1, D(2025, 10, 11)),  # Saturday 10-11 is a 调休 working day
        (D(2025, 1, 27), 1, D(2025, 2, 5)),  # Spring Festival 1-28..2-4
        (D(2025, 4, 30), 1, D(2025, 5, 6)),  # Labour Day 5-1..5-5
        (D(2026, 2, 13), 1, D(2026, 2, 14)),  # Saturday 2026-2-14 is a 调休 working day
        (D(2026, 9, 30), 1, D(2026, 10, 8)),  # National Day 2026: 10-1..10-7
        (D(2025, 3, 3), 5, D(2025, 3, 10)),  # an ordinary week
        (D(2025, 10, 9), -1, D(2025, 9, 30)),
    ],
)
def test_add_workdays_over_official_holidays(db, start, n, expected):
    assert WorkCalendar().add_workdays(start, n) == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (D(2025, 9, 30), D(2025, 10, 9), 1),
        # 9-28 (Sunday, at work), 9-29, 9-30, 10-9, 10-10, 10-11 (Saturday, at work)
        (D(2025, 9, 26), D(2025, 10, 12), 6),
        (D(2025, 3, 3), D(2025, 3, 3), 0),
        (D(2025, 3, 10), D(2025, 3, 3), -5),
    ],
)
def test_workdays_between(db, a, b, expected):
    assert WorkCalendar().workdays_between(a, b) == expected


def test_override_table_wins_over_the_package(db):
    CalendarOverride.objects.create(day=D(2025, 3, 4), kind="holiday", note="测试")
    CalendarOverride.objects.create(day=D(2025, 3, 8), kind="workday", note="测试")
    cal = WorkCalendar()
    assert cal.is_workday(D(2025, 3, 4)) is False
    assert cal.is_workday(D(2025, 3, 8)) is True
    assert cal.add_workdays(D(2025, 3, 3), 1) == D(2025, 3, 5)


def test_calendar_command(db, capsys):
    call_command("calendar", "add", "2025-09-30", "1")
    call_command("calendar", "between", "2025-09-30", "2025-10-09")
    assert capsys.readouterr().out.split() == ["2025-10-09", "1"]
