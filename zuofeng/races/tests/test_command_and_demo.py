"""`zuofeng race compute|publish`, the demo builder, and a board where everyone ties."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from zuofeng.core.models import AuditEntry
from zuofeng.races import demo_data, services
from zuofeng.races.models import BoardScore, ManualEntry, Race, Season
from zuofeng.races.tests.factories import EFFICIENCY, ORG_COUNT, build_race

pytestmark = pytest.mark.django_db


def test_command_computes_and_publishes(district, capsys):
    race = build_race(district)
    services.season_add(actor=None, race=race, code="2025-Q2")
    call_command("race", "compute", "测试赛马", "2025-Q2")
    out = capsys.readouterr().out
    assert "测试赛马 2025-Q2: computed — 6 board scores, 1 on red lists, 2 on black lists" in out
    call_command("race", "publish", str(race.pk), "2025-Q2")
    assert Season.objects.get().state == "published"
    assert AuditEntry.objects.filter(action="race.publish", actor_name="cli").count() == 1
    with pytest.raises(CommandError, match="2025年第二季度已发布，不能重新计算"):
        call_command("race", "compute", str(race.pk), "2025-Q2")
    with pytest.raises(CommandError, match=r"unknown season: 2025-Q9 \(seasons: 2025-Q2\)"):
        call_command("race", "compute", str(race.pk), "2025-Q9")
    with pytest.raises(CommandError, match="unknown race: 无此比拼"):
        call_command("race", "compute", "无此比拼", "2025-Q2")


def test_everyone_tied_is_on_neither_list(district):
    race = build_race(district, list_size=1)
    board = race.boards.get(name="作风效能榜")
    # Every participant scores the same (no problems → on-time rate missing → 0 for all).
    services.board_save(
        actor=None, board=board, nodes=[{**EFFICIENCY[1], "points": 100}], missing_rule="zero"
    )
    season = services.season_add(actor=None, race=race, code="2025-Q2")
    services.season_compute(actor=None, season=season)
    scores = BoardScore.objects.filter(season=season, board=board)
    assert {(s.rank, s.red, s.black) for s in scores} == {(1, False, False)}


def test_unregistered_indicator_is_skipped_with_a_warning(capsys):
    nodes = [
        {"name": "a", "points": 10, "source": "manual", "method": "direct"},
        {"name": "b", "points": 10, "source": "indicator", "key": "study.nope", "method": "x"},
        {"name": "c", "points": 5, "source": "indicator", "key": ("x.y", ORG_COUNT)},
    ]
    kept = demo_data._available(nodes, "作风效能榜", {ORG_COUNT})
    assert [(n["name"], n.get("key")) for n in kept] == [("a", None), ("c", ORG_COUNT)]
    assert capsys.readouterr().err == (
        "warning: demo races: 作风效能榜/b skipped, indicator study.nope is not registered\n"
    )


def test_demo_builder(district):
    from zuofeng.core import demo

    (builder,) = [b for b in demo.builders() if b.build.__module__ == demo_data.__name__]
    assert not builder.exists()
    summary = builder.build()
    assert builder.exists()
    towns = Race.objects.get(name=demo_data.TOWN_RACE)
    assert [p.code for p in towns.participants.order_by("code")] == ["T", "U"]
    assert [(s.code, s.state) for s in towns.seasons.order_by("start")] == [
        ("2025-Q1", "published"),
        ("2025-Q2", "published"),
        ("2025-Q3", "computed"),
        ("2025-Q4", "open"),
    ]
    assert [b.name for b in towns.boards.all()] == list(demo_data.BOARDS)
    q2 = towns.seasons.get(code="2025-Q2")
    assert timezone.localtime(q2.published_at).date() == dt.date(2025, 7, 8)
    # 4 manual leaves × 2 towns × 4 seasons; two 攻坚难度评价 entries in Q3 await approval.
    assert ManualEntry.objects.filter(season__race=towns).count() == 32
    assert ManualEntry.objects.filter(season__race=towns, state="submitted").count() == 2
    assert BoardScore.objects.filter(season__race=towns).count() == 3 * 5 * 2
    assert "1 participants" in summary  # the small district has one department
    # The last participant trails on 拔钉清障 every season: black in Q1–Q3 (list size 3 of 2
    # towns: everyone would be on both lists, so nobody is on either).
    assert not BoardScore.objects.filter(season__race=towns, red=True).exists()
