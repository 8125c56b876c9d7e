import datetime as dt

from zuofeng.core.indicators import Period
from zuofeng.core.sheets import run_import
from zuofeng.dashboard.selectors import figures
from zuofeng.rectify import demo_data
from zuofeng.rectify.models import Problem

DAY = dt.date(2026, 11, 30)


def test_demo_ledger_is_deterministic_and_carries_the_reports_figure(district):
    rows = demo_data.rows(DAY)
    assert rows == demo_data.rows(DAY)
    inspections = [r for r in rows if r["问题来源"] == "正风肃纪检查"]
    assert len(inspections) == 115
    assert all(demo_data.START <= r["发现日期"] <= demo_data.END for r in rows)
    assert run_import("problems", rows).created == len(rows) == Problem.objects.count()
    (found,) = figures(
        district.root,
        Period(demo_data.START, demo_data.END),
        ["rectify.problems_found"],
        {"source": "正风肃纪检查"},
    )
    assert found.value == 115
