"""Demo races: 四季比拼、五榜赛马 among the 20 towns/streets, and among the 69 departments.

Five boards each. 作风效能榜, 项目攻坚榜 and 基层治理榜 read the platform's indicators, computed
from the other apps' demo records (this builder runs after theirs: races is last in
INSTALLED_APPS); 招商引资榜 and 拔钉清障榜 have no platform data and take approved manual
entries, seeded deterministically. A leaf whose indicator is not registered is skipped with a
warning, and its board's full points shrink to what remains. Seasons 2025-Q1 to Q4: Q1 and Q2
published, Q3 computed (a few entries still awaiting approval), Q4 open.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from decimal import Decimal

from django.utils import timezone

from zuofeng.core import demo
from zuofeng.core import indicators as registry
from zuofeng.orgs.models import Org

SEED = 20250401
TOWN_RACE = "2025年乡镇（街道）四季比拼、五榜赛马"
DEPT_RACE = "2025年区级部门四季比拼、五榜赛马"
APPROVER = "区作风办（演示）"


def _rate_linear(name, key, points, target="1", k="1", filters=None):
    return {
        "name": name,
        "points": points,
        "source": "indicator",
        "key": key,
        "filters": filters or {},
        "method": "linear",
        "params": {"target": target, "k": k, "step": "0.01", "floor": "0"},
        "unit": "%",
    }


BOARDS = {
    "招商引资榜": [
        {
            "name": "招商引资到位资金",
            "points": 60,
            "source": "manual",
            "method": "ratio_to_top",
            "unit": "亿元",
        },
        {
            "name": "新签约亿元以上项目",
            "points": 40,
            "source": "manual",
            "method": "rank_points",
            "params": {"step": 2},
            "unit": "个",
        },
    ],
    "项目攻坚榜": [
        {
            "name": "完成项目数",
            "points": 40,
            "source": "indicator",
            "key": "projects.completed",
            "method": "ratio_to_top",
            "unit": "个",
        },
        _rate_linear("项目按期完成率", "projects.on_time_rate", 60, k="2"),
    ],
    "基层治理榜": [
        _rate_linear("问题整改完成率", "rectify.closure_rate", 40, target="0.9"),
        {
            "name": "逾期未销号问题",
            "points": 30,
            "source": "indicator",
            "key": "rectify.problems_overdue",
            "method": "deduction",
            "direction": "lower",
            "params": {"k": "3", "floor": "0"},
            "unit": "个",
        },
        {
            "name": "办结诉求数",
            "points": 30,
            "source": "indicator",
            "key": ("service.requests_resolved", "service.citizen_requests_resolved"),
            "method": "ratio_to_top",
            "unit": "个",
        },
    ],
    "拔钉清障榜": [
        {
            "name": "拔钉清障完成数",
            "points": 60,
            "source": "manual",
            "method": "rank_points",
            "params": {"table": [60, 57, 54, 51, 48, 45, 42, 39, 36, 33, 30, 27, 24, 21, 18]},
            "unit": "处",
        },
        {
            "name": "攻坚难度评价",
            "points": 40,
            "source": "manual",
            "method": "direct",
            "unit": "分",
        },
    ],
    # The municipal rule for on-time handling: 25 points at 100%, −1 per point below, floor 0.
    "作风效能榜": [
        _rate_linear("问题按期销号率", "rectify.on_time_rate", 25),
        _rate_linear("诉求按期办结率", "service.on_time_rate", 25),
        _rate_linear("诉求满意率", "service.satisfaction_rate", 25, target="0.95"),
        # Few branches meet every month's and quarter's minimum yet: scored relative to the best.
        {
            "name": "“三会一课”落实率",
            "points": 25,
            "source": "indicator",
            "key": "study.cadence_compliance_rate",
            "method": "ratio_to_top",
            "unit": "%",
        },
    ],
}
SEASONS = ("2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4")


def _available(nodes: list[dict], board: str, known: set[str]) -> list[dict]:
    kept = []
    for node in nodes:
        if node["source"] != "indicator":
            kept.append(node)
            continue
        keys = node["key"] if isinstance(node["key"], tuple) else (node["key"],)
        key = next((k for k in keys if k in known), None)
        if key is None:
            print(
                f"warning: demo races: {board}/{node['name']} skipped, "
                f"indicator {keys[0]} is not registered",
                file=sys.stderr,
            )
            continue
        kept.append({**node, "key": key})
    return kept


def _entries(race, seasons, rng: random.Random) -> list:
    """Approved manual values per participant and season: a steady strength per participant
    plus seasonal noise, and the last participant trailing on 拔钉清障 every season."""
    from zuofeng.races.models import ManualEntry, Node

    participants = list(race.participants.order_by("code"))
    strength = {p.pk: rng.uniform(0.4, 1.0) for p in participants}
    nodes = {n.name: n for n in Node.objects.filter(board__race=race, source="manual")}
    decided = timezone.make_aware(dt.datetime(2025, 7, 5, 10, 0))
    rows = []
    for season in seasons:
        for i, p in enumerate(participants):
            s = strength[p.pk] * rng.uniform(0.8, 1.2)
            last = i == len(participants) - 1
            values = {
                "招商引资到位资金": Decimal(str(round(s * 12, 2))),
                "新签约亿元以上项目": Decimal(int(s * 8)),
                "拔钉清障完成数": Decimal(1 if last else int(s * 30) + 2),
                "攻坚难度评价": Decimal(str(round(20 if last else 24 + s * 14, 1))),
            }
            for name, value in values.items():
                if name not in nodes:
                    continue
                pending = season.code == "2025-Q3" and name == "攻坚难度评价" and i < 2
                rows.append(
                    ManualEntry(
                        season=season,
                        node=nodes[name],
                        participant=p,
                        value=value,
                        evidence=f"{p.name}{season.name}{name}台账及佐证材料（演示）",
                        state="submitted" if pending else "approved",
                        entered_name=f"{p.code}联络员（演示）",
                        approver_name="" if pending else APPROVER,
                        decided_at=None if pending else decided,
                    )
                )
    ManualEntry.objects.bulk_create(rows, batch_size=1000)
    return rows


def _build_race(name: str, kind: str, missing: str, known: set[str], rng: random.Random) -> str:
    from zuofeng.races import services
    from zuofeng.races.models import Season

    root = Org.objects.filter(parent__isnull=True).order_by("path").first()
    participants = list(Org.objects.filter(kind__code=kind, parent=root).order_by("code"))
    race = services.race_create(
        actor=None, name=name, lead_org=root, participants=participants, boards=tuple(BOARDS)
    )
    for board in race.boards.order_by("sort_order"):
        nodes = _available(BOARDS[board.name], board.name, known)
        total = sum(Decimal(n["points"]) for n in nodes)
        services.board_save(
            actor=None, board=board, nodes=nodes, total_points=total, missing_rule=missing
        )
    seasons = [services.season_add(actor=None, race=race, code=c) for c in SEASONS]
    entries = _entries(race, seasons, rng)
    for season in seasons[:3]:
        services.season_compute(actor=None, season=season)
    for season in seasons[:2]:
        services.season_publish(actor=None, season=Season.objects.get(pk=season.pk))
    # The demo plays the seasons out as the district would have: each computed and published
    # in the first days after the quarter, not all on the day the demo is built.
    for season in seasons[:3]:
        day = timezone.make_aware(dt.datetime.combine(season.end, dt.time(10)))
        Season.objects.filter(pk=season.pk).update(
            computed_at=day + dt.timedelta(days=5),
            published_at=None if season.code == "2025-Q3" else day + dt.timedelta(days=8),
        )
    return f"{name}: {len(participants)} participants, {len(entries)} manual entries"


def _build() -> str:
    known = set(registry.registry())
    rng = random.Random(SEED)
    # A town without data on a leaf scores 0 there; a department without data (most handle
    # no citizen requests) is scored on the leaves it has, scaled to the board's full points.
    towns = _build_race(TOWN_RACE, "town", "zero", known, rng)
    depts = _build_race(DEPT_RACE, "department", "exclude", known, rng)
    return f"{towns}; {depts}; seasons 2025-Q1..Q4 (Q1, Q2 published, Q3 computed, Q4 open)"


def _exists() -> bool:
    from zuofeng.races.models import Race

    return Race.objects.exists()


demo.register("races", exists=_exists, build=_build)
