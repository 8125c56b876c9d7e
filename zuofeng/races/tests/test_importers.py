"""`zuofeng import race_entries`: all or nothing, every bad row reported, the same service."""

from __future__ import annotations

import pytest

from zuofeng.core.sheets import ImportFailed, run_import
from zuofeng.races import services
from zuofeng.races.models import ManualEntry
from zuofeng.races.tests.factories import build_race

pytestmark = pytest.mark.django_db


def _row(**extra):
    return {
        "比拼名称": "测试赛马",
        "赛季": "2025-Q2",
        "榜单": "招商引资榜",
        "指标": "招商引资额",
        "单位编码": "T",
        "数值": "6.5",
        "佐证说明": "签约清单",
        **extra,
    }


@pytest.fixture
def race(district):
    race = build_race(district)
    services.season_add(actor=None, race=race, code="2025-Q2")
    return race


def test_import_submits_every_row(race, make_user, district):
    lead = make_user("lead", ("lead_office", district.root))
    report = run_import("race_entries", [_row(), _row(单位编码="U", 数值="3")], actor=lead)
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    assert sorted(ManualEntry.objects.values_list("participant__code", "state")) == [
        ("T", "submitted"),
        ("U", "submitted"),
    ]
    again = run_import("race_entries", [_row(), _row(单位编码="U", 数值="4")], actor=lead)
    assert (again.created, again.updated, again.unchanged) == (0, 1, 1)


def test_bad_rows_reported_nothing_written(race, make_user, district):
    unit = make_user("unit", ("unit_admin", district.town))
    rows = [
        _row(),
        _row(比拼名称="无此比拼"),
        _row(赛季="2025-Q3"),
        _row(指标="无此指标"),
        _row(单位编码="T1"),
        _row(单位编码="U"),
        _row(数值="-2"),
        _row(数值="abc"),
    ]
    with pytest.raises(ImportFailed) as exc:
        run_import("race_entries", rows, actor=unit)
    assert exc.value.errors == [
        (3, "比拼名称", "没有这个赛马比拼：无此比拼"),
        (4, "赛季", "没有这个赛季：2025-Q3"),
        (5, "指标", "该榜单没有这个手工填报指标：无此指标"),
        (6, "单位编码", "T1不是本比拼的参赛单位"),
        (7, "单位编码", "无权为该单位填报：U"),
        (8, "数值", "数值不能为负数"),
        (9, "数值", "请填写数字"),
    ]
    assert not ManualEntry.objects.exists()


def test_export_round_trip(race, tmp_path):
    from python_calamine import CalamineWorkbook

    from zuofeng.core.sheets.exports import export_file

    run_import("race_entries", [_row()], actor=None)
    path = tmp_path / "entries.xlsx"
    assert export_file("race_entries", path) == 1
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert rows[1] == [
        "测试赛马",
        "2025-Q2",
        "招商引资榜",
        "招商引资额",
        "T",
        6.5,
        "签约清单",
        "待审核",
    ]
