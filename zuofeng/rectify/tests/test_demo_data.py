import datetime as dt

from django.utils import timezone

from zuofeng.core.indicators import Period
from zuofeng.dashboard.selectors import figures
from zuofeng.rectify import demo_data
from zuofeng.rectify.models import Problem

DAY = dt.date(2026, 11, 30)
CAMPAIGN = Period(demo_data.START, demo_data.END)


def value(scope, key, **filters):
    (figure,) = figures(scope, CAMPAIGN, [key], filters)
    return figure.value


def test_demo_ledger_rows_are_deterministic(district):
    rows = demo_data.rows(DAY)
    assert rows == demo_data.rows(DAY)
    assert len([r for r in rows if r["问题来源"] == "正风肃纪检查"]) == 115
    assert all(demo_data.START <= r["发现日期"] <= demo_data.END for r in rows)


def test_demo_ledger_reproduces_the_reports_figures(district):
    """The report: 区领导领衔推进整治项目43个, 正风肃纪检查57次, 下发通报3期,
    发现并推动问题整改115个, 完成三轮问题动态更新."""
    from zuofeng.core import demo

    builders = [b for b in demo.builders() if b.build.__module__ == demo_data.__name__]
    assert [b.exists() for b in builders] == [False] * 4
    for builder in builders:
        builder.build()
    assert [b.exists() for b in builders] == [True] * 4
    root = district.root
    assert Problem.objects.count() == len(demo_data.rows(timezone.localdate()))
    assert value(root, "rectify.problems_found", source="正风肃纪检查") == 115
    assert value(root, "rectify.inspections") == 57
    assert value(root, "rectify.circulars") == 3
    assert value(root, "rectify.rounds_closed") == 3
    assert value(root, "rectify.leader_projects") == 43
    assert Problem.objects.filter(source__name="正风肃纪检查", inspection__isnull=True).count() == 0
