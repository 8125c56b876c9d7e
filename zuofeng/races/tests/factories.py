"""A small race over the test district, with an indicator registered here (orgs per subtree)
and rectify.on_time_rate from problems made through the ledger's own service."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from zuofeng.core.indicators import CountIndicator, register, registry
from zuofeng.orgs.models import Org

ORG_COUNT = "test_races.orgs"

if ORG_COUNT not in registry():
    register(
        CountIndicator(
            ORG_COUNT,
            "下属组织数",
            "个",
            "path",
            {},
            "范围内的组织（测试用）",
            records_fn=lambda p: Org.objects.all(),
        )
    )


def problem(unit, *, closed: dt.date, deadline: dt.date):
    from zuofeng.rectify import services
    from zuofeng.rectify.models import Problem, ProblemSource

    p = services.problem_register(
        actor=None,
        description="测试问题",
        found_date=dt.date(2025, 1, 2),
        unit=unit,
        source=ProblemSource.objects.get(name="正风肃纪检查"),
    )
    Problem.objects.filter(pk=p.pk).update(state="closed", closed_date=closed, deadline=deadline)
    return p


EFFICIENCY = [
    {
        "name": "组织覆盖",
        "points": 60,
        "source": "indicator",
        "key": ORG_COUNT,
        "method": "rank_points",
        "params": {"table": [60, 50, 40]},
        "unit": "个",
    },
    {
        "name": "按期销号率",
        "points": 40,
        "source": "indicator",
        "key": "rectify.on_time_rate",
        "method": "linear",
        "params": {"target": "1", "k": "1", "step": "0.01", "floor": "0"},
        "unit": "%",
    },
]
INVESTMENT = [
    {
        "name": "招商引资额",
        "points": 100,
        "source": "manual",
        "method": "ratio_to_top",
        "unit": "亿元",
    }
]


def build_race(district, *, list_size: int = 1):
    from zuofeng.races import services

    race = services.race_create(
        actor=None,
        name="测试赛马",
        lead_org=district.root,
        participants=[district.dept, district.town, district.town2],
        list_size=list_size,
        boards=("作风效能榜", "招商引资榜"),
    )
    efficiency, investment = race.boards.order_by("sort_order")
    services.board_save(actor=None, board=efficiency, nodes=EFFICIENCY)
    services.board_save(actor=None, board=investment, nodes=INVESTMENT)
    return race


def d(x) -> Decimal:
    return Decimal(str(x))
