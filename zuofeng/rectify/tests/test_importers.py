"""Importing and exporting the problem ledger: all or nothing, history kept, idempotent."""

from __future__ import annotations

import datetime as dt

import pytest
import xlsxwriter
from django.core.management import call_command
from django.core.management.base import CommandError
from python_calamine import CalamineWorkbook

from zuofeng.core.loops import events_for
from zuofeng.core.models import AuditEntry
from zuofeng.core.sheets import ImportFailed, run_import, run_import_file
from zuofeng.rectify.models import Problem

GOOD = [
    {
        "问题编号": "ZG-2025-00101",
        "问题描述": "超标准公务接待",
        "问题来源": "审计监督",
        "问题类别": "奢靡之风",
        "发现日期": "2025/4/1",
        "责任单位编码": "DA",
        "责任领导": "王局长",
        "责任人": "李科长",
        "整改方式": "逐项逐条改",
        "整改时限": "2025-05-30",
        "状态": "已销号",
        "销号日期": "2025年5月20日",
        "所属专项": "",
        "重点领域": "资金密集",
    },
    {
        "问题描述": "村级工程未经民主决策",
        "问题来源": "正风肃纪检查",
        "发现日期": "2025-05-06",
        "责任单位编码": "T1",
        "整改时限": "10",
        "状态": "整改中",
        "所属专项": "农村集体“三资”",
        "重点领域": "权力集中、资源富集",
    },
]


def test_import_keeps_history_and_is_idempotent(district):
    report = run_import("problems", GOOD)
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    closed = Problem.objects.get(number="ZG-2025-00101")
    assert (closed.state, closed.closed_date, closed.key_funds, closed.mode) == (
        "closed",
        dt.date(2025, 5, 20),
        True,
        "item",
    )
    village = Problem.objects.get(unit__code="T1")
    assert village.number == "ZG-2025-00001"
    # 10 working days from Tuesday 2025-05-06 → Tuesday 2025-05-20.
    assert village.deadline == dt.date(2025, 5, 20)
    assert (village.key_power, village.key_resources, village.campaign.name) == (
        True,
        True,
        "农村集体“三资”",
    )
    assert [e.action for e in events_for(village)] == ["imported"]
    audits = AuditEntry.objects.filter(action="import.problems").count()

    again = run_import("problems", GOOD)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert Problem.objects.count() == 2

    changed = [dict(GOOD[0], 责任人="赵科长"), GOOD[1]]
    third = run_import("problems", changed)
    assert (third.created, third.updated, third.unchanged) == (0, 1, 1)
    closed.refresh_from_db()
    assert (closed.person, closed.version) == ("赵科长", 2)
    update = list(events_for(closed))[-1]
    assert (update.action, update.data) == ("imported", {"person": "赵科长"})
    # The unchanged re-import wrote nothing at all; the changed one wrote one entry.
    assert AuditEntry.objects.filter(action="import.problems").count() == audits + 1


BAD = [
    ({"问题描述": ""}, "问题描述", "必填"),
    ({"问题来源": "道听途说"}, "问题来源", "不是可选值"),
    ({"发现日期": "2025-02-30"}, "发现日期", ""),
    ({"责任单位编码": "NOPE"}, "责任单位编码", "不存在"),
    ({"整改时限": "2025-01-01"}, "整改时限", "不能早于发现日期"),
    ({"状态": "已销号"}, "销号日期", "必须填写销号日期"),
    ({"销号日期": "2025-06-01"}, "销号日期", "只有“已销号”"),
    ({"重点领域": "权力集中、人情往来"}, "重点领域", "人情往来"),
    ({"整改方式": "随便改"}, "整改方式", "不是可选值"),
]


@pytest.mark.parametrize(("change", "column", "message"), BAD)
def test_a_bad_row_writes_nothing(district, change, column, message):
    rows = [GOOD[0], dict(GOOD[1], **change)]
    before = (Problem.objects.count(), AuditEntry.objects.count())
    with pytest.raises(ImportFailed) as exc:
        run_import("problems", rows)
    errors = exc.value.errors
    assert [(r, c) for r, c, _m in errors] == [(3, column)]
    assert message in errors[0][2]
    assert (Problem.objects.count(), AuditEntry.objects.count()) == before


def test_new_numbers_skip_those_of_the_file_and_the_ledger(district):
    from zuofeng.rectify import services

    services.next_numbers(2025, 1)  # ZG-2025-00001 drawn before (a problem registered by hand)
    rows = [
        dict(GOOD[0], 问题编号="ZG-2025-00002"),  # the file brings the counter's next number
        GOOD[1],
        dict(GOOD[1], 问题描述="另一问题"),
        dict(GOOD[1], 问题描述="去年的问题", 发现日期="2024-11-04"),
    ]
    run_import("problems", rows)
    assert sorted(Problem.objects.values_list("number", flat=True)) == [
        "ZG-2024-00001",
        "ZG-2025-00002",
        "ZG-2025-00003",
        "ZG-2025-00004",
    ]
    assert [e.action for p in Problem.objects.all() for e in events_for(p)] == ["imported"] * 4


def test_duplicate_number_in_file(district):
    with pytest.raises(ImportFailed) as exc:
        run_import("problems", [GOOD[0], GOOD[0]])
    assert [(r, c) for r, c, _m in exc.value.errors] == [(3, "问题编号")]


def test_out_of_scope_unit_for_a_web_user(district, make_user):
    unit = make_user("unit", ("unit_admin", district.town2))
    with pytest.raises(ImportFailed) as exc:
        run_import("problems", [GOOD[1]], actor=unit)
    assert exc.value.errors[0][1:] == ("责任单位编码", "不在您的管辖范围内")


def test_file_round_trip_through_the_commands(district, tmp_path, capsys):
    path = tmp_path / "台账.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet()
    headers = list(GOOD[0])
    sheet.write_row(0, 0, headers)
    for i, row in enumerate(GOOD, start=1):
        sheet.write_row(i, 0, [row.get(h, "") for h in headers])
    book.close()
    call_command("import", "problems", str(path), "--dry-run")
    assert Problem.objects.count() == 0
    report = run_import_file("problems", path)
    assert report.created == 2
    out = tmp_path / "out.xlsx"
    call_command("export", "problems", str(out), "--scope", "T")
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()
    assert rows[0][:6] == [
        "问题编号",
        "问题描述",
        "问题来源",
        "问题类别",
        "发现日期",
        "责任单位编码",
    ]
    assert len(rows) == 2 and rows[1][11] == "整改中" and rows[1][14] == "权力集中、资源富集"
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a spreadsheet")
    with pytest.raises(CommandError):
        call_command("import", "problems", str(bad))


def test_ledger_through_the_import_page(district, client, tmp_path, make_user):
    """A district office's path: a bad file lists every bad row in Chinese and writes nothing;
    the corrected file is imported whole, each problem with its path and its timeline step."""
    from zuofeng.core.models import TimelineEvent
    from zuofeng.orgs.tests.test_importers import upload, xlsx_bytes

    client.force_login(make_user("lead", ("lead_office", district.root)))
    headers = list(GOOD[1])
    bad = [dict(GOOD[1], 问题来源="道听途说", 责任单位编码="NOPE"), GOOD[1]]
    before = (Problem.objects.count(), TimelineEvent.objects.count(), AuditEntry.objects.count())
    response = upload(
        client, "problems", xlsx_bytes(tmp_path, headers, [list(r.values()) for r in bad])
    )
    assert response.status_code == 200
    assert response.context["failed"].lines() == [
        "第2行 问题来源: 不是可选值：道听途说",
        "第2行 责任单位编码: 组织编码“NOPE”不存在",
    ]
    after = (Problem.objects.count(), TimelineEvent.objects.count(), AuditEntry.objects.count())
    assert after == before
    good = [list(GOOD[1].values()), list(dict(GOOD[1], 问题描述="另一问题").values())]
    response = upload(client, "problems", xlsx_bytes(tmp_path, headers, good))
    assert response.context["report"].created == 2
    assert '<b data-count="created">2</b>' in response.content.decode()
    for problem in Problem.objects.select_related("unit"):
        assert problem.unit_path == problem.unit.path
        assert [e.action for e in events_for(problem)] == ["imported"]
    assert client.get("/import/problems/template/").status_code == 200
    exported = client.get("/export/problems/")
    assert exported.status_code == 200 and exported["Content-Disposition"].endswith(
        'filename="problems.xlsx"'
    )
    assert "/import/problems/" in client.get("/problems/").content.decode()  # the ledger links it
    client.force_login(make_user("viewer"))
    assert client.get("/import/problems/").status_code == 403
    assert client.get("/import/checklists/").status_code == 404  # no page: the command line
