import datetime as dt
import io

import pytest
import xlsxwriter
from django.core.management import call_command

from zuofeng.core.models import AuditEntry
from zuofeng.core.sheets import ImportFailed, export_file, run_import, write_template
from zuofeng.study.models import Activity, Attendance, YouthGroup
from zuofeng.study.tests.helpers import person

HEADERS = [
    "组织编码",
    "活动类型",
    "活动主题",
    "活动日期",
    "形式",
    "应到人数",
    "实到人数",
    "参加人员",
    "主持人",
    "记录人",
    "地点",
    "学习小组",
]


@pytest.fixture
def people(district):
    person(district.w1, "甲", no="P1")
    person(district.w1, "乙", no="P2")
    person(district.v1, "丙", no="P3")
    person(district.dept_branch, "青", no="Y1", born=dt.date(1996, 1, 1), cadre="general")
    person(district.dept_branch, "老", no="Y2", born=dt.date(1970, 1, 1), cadre="general")
    YouthGroup.objects.create(name="虞青一社", org=district.dept)


GOOD = [
    {
        "组织编码": "U1",
        "活动类型": "主题党日",
        "活动主题": "重温入党誓词",
        "活动日期": "2025-05-08",
        "参加人员": "P1、P2",
        "主持人": "胡建忠",
    },
    {
        "组织编码": "T1",
        "活动类型": "走村入户宣讲",
        "活动主题": "乡音土话讲政策",
        "活动日期": dt.date(2025, 6, 3),
        "形式": "线下",
        "应到人数": 120,
        "实到人数": 96,
    },
    {
        "组织编码": "DA",
        "活动类型": "大讲堂",
        "活动主题": "虞青尚学",
        "活动日期": "2025-07-01",
        "形式": "线上",
        "实到人数": 150,
        "学习小组": "虞青一社",
    },
]


def test_good_file_imports_everything_once(district, people):
    report = run_import("activities", GOOD)
    assert (report.created, report.unchanged) == (3, 0)
    named = Activity.objects.get(topic="重温入党誓词")
    assert (named.named, named.expected_count, named.present_count) == (True, 2, 2)
    assert sorted(Attendance.objects.values_list("person__person_no", flat=True)) == ["P1", "P2"]
    outreach = Activity.objects.get(topic="乡音土话讲政策")
    assert (outreach.expected_count, outreach.present_count, outreach.mode) == (120, 96, "offline")
    youth = Activity.objects.get(topic="虞青尚学")
    assert youth.youth_group.name == "虞青一社" and youth.mode == "online"
    assert AuditEntry.objects.filter(action="import.activities").count() == 1
    again = run_import("activities", GOOD)
    assert (again.created, again.unchanged) == (0, 3)
    assert Activity.objects.count() == 3


def test_bad_file_lists_every_bad_row_and_writes_nothing(district, people):
    bad = [
        {**GOOD[0], "参加人员": "P1、P3"},  # P3 is in another village
        {**GOOD[0], "活动主题": "x", "实到人数": 3},  # two attendees, 3 present
        {**GOOD[1], "实到人数": 130},  # more present than due
        {**GOOD[1], "组织编码": "NOPE"},
        {**GOOD[1], "活动类型": "不存在"},
        {**GOOD[1], "形式": "混合"},
        {**GOOD[2], "参加人员": "Y1、Y2", "实到人数": None},  # Y2 is over 35
        {**GOOD[0], "活动日期": "2025-02-30"},
        {**GOOD[1], "应到人数": None, "实到人数": None},
    ]
    with pytest.raises(ImportFailed) as failed:
        run_import("activities", bad)
    errors = [(row, col) for row, col, _m in failed.value.errors]
    assert errors == [
        (2, "参加人员"),
        (3, "实到人数"),
        (4, "实到人数"),
        (5, "组织编码"),
        (6, "活动类型"),
        (7, "形式"),
        (8, "参加人员"),
        (9, "活动日期"),
        (10, "实到人数"),
    ]
    messages = {row: m for row, _c, m in failed.value.errors}
    assert "丙" in messages[2] and "老" in messages[8]
    assert Activity.objects.count() == 0 and Attendance.objects.count() == 0


def test_branch_secretary_imports_only_into_the_own_branch(district, people, make_user):
    sec = make_user("sec", ("branch_secretary", district.w1))
    with pytest.raises(ImportFailed) as failed:
        run_import("activities", GOOD[:2], actor=sec)
    assert [(r, c) for r, c, _m in failed.value.errors] == [(3, "组织编码")]
    assert run_import("activities", GOOD[:1], actor=sec).created == 1


def _xlsx(path, rows):
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, HEADERS)
    for i, row in enumerate(rows, start=1):
        sheet.write_row(i, 0, [str(row.get(h) or "") for h in HEADERS])
    book.close()


def test_cli_import_export_and_template(district, people, tmp_path):
    path = tmp_path / "activities.xlsx"
    _xlsx(path, GOOD)
    out = io.StringIO()
    call_command("import", "activities", str(path), stdout=out)
    assert Activity.objects.count() == 3
    target = tmp_path / "out.xlsx"
    assert export_file("activities", target) == 3
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(target)).get_sheet_by_index(0).to_python()
    assert rows[0] == HEADERS
    assert rows[1][:3] == ["U1", "主题党日", "重温入党誓词"] and rows[1][7] == "P1、P2"
    write_template("activities", tmp_path / "template.xlsx")
    assert (tmp_path / "template.xlsx").stat().st_size > 0
    # The exported file imports back unchanged.
    again = run_import("activities", [dict(zip(HEADERS, r, strict=True)) for r in rows[1:]])
    assert (again.created, again.unchanged) == (0, 3)
