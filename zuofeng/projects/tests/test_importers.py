"""Imports: good files apply whole, bad files write nothing and name every bad cell."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from zuofeng.core.sheets import ImportFailed, export_file, run_import
from zuofeng.core.sheets.reader import iter_sheet
from zuofeng.projects import approvals, services
from zuofeng.projects.models import ApprovalCase, Enrolment, LedgerEntry, Project

D = dt.date


def _project_row(**kw):
    row = {
        "项目编号": "XM-2025-00901",
        "项目类型": "民生实事项目",
        "项目名称": "东关村路灯亮化",
        "责任单位编码": "T",
        "牵头领导": "副区长",
        "结对村社编码": "T1",
        "开始日期": "2025-03-01",
        "计划完成日期": "2025-08-31",
        "状态": "已验收",
        "完成日期": "2025-08-20",
        "受益人数": 1200,
        "预算（元）": "350,000",
    }
    row.update(kw)
    return row


def test_projects_import_and_reimport(district, users):
    report = run_import(
        "projects",
        [
            _project_row(),
            _project_row(**{"项目编号": "", "项目名称": "新项目", "状态": "", "完成日期": ""}),
        ],
        actor=users["unit"],
    )
    assert (report.created, report.unchanged) == (2, 0)
    p = Project.objects.get(number="XM-2025-00901")
    assert (p.state, p.completed_date, p.budget, p.village.code) == (
        "accepted",
        D(2025, 8, 20),
        350000,
        "T1",
    )
    assert Project.objects.get(title="新项目").state == "approved"
    again = run_import("projects", [_project_row()], actor=users["unit"])
    assert (again.created, again.unchanged) == (0, 1)


def test_projects_bad_rows_write_nothing(district, users):
    rows = [
        _project_row(**{"项目类型": "不存在", "计划完成日期": "2025-01-01"}),
        _project_row(**{"项目编号": "X2", "状态": "已完成", "完成日期": ""}),
        _project_row(**{"项目编号": "X3", "责任单位编码": "U", "结对村社编码": "DA"}),
        _project_row(**{"项目编号": "X4", "预算（元）": "-5"}),
    ]
    with pytest.raises(ImportFailed) as e:
        run_import("projects", rows, actor=users["unit"])
    assert e.value.lines() == [
        "第2行 项目类型: 未知的项目类型“不存在”",
        "第2行 计划完成日期: 计划完成日期不能早于开始日期",
        "第3行 完成日期: 状态为已完成或已验收时必填",
        "第4行 责任单位编码: 组织编码不存在或不在您的管理范围内",
        "第4行 结对村社编码: 不是村或社区党组织的编码",
        "第5行 预算（元）: 不能为负数",
    ]
    assert Project.objects.count() == 0


def _step(case, step, dept, start, end, group=None, statute=10, matter="开工一件事"):
    return {
        "案件编号": case,
        "事项名称": matter,
        "申请人": "某公司",
        "项目名称": "厂房",
        "环节名称": step,
        "办理部门编码": dept,
        "并联组": group,
        "开始日期": start,
        "结束日期": end,
        "法定时限（工作日）": statute,
    }


def test_approvals_import_computes_the_critical_path(district):
    approvals.matter_create(actor=None, name="开工一件事", owner=district.root, groups=[])
    approvals.matter_create(
        actor=None, name="串联事项", owner=district.root, groups=[], serial_only=True
    )
    rows = [
        _step("K1", "受理", "DA", "2025-06-02", "2025-06-04"),
        _step("K1", "规划", "T", "2025-06-04", "2025-06-11", 1, 20),
        _step("K1", "施工", "U", "2025-06-04", "2025-06-06", 1, 15),
        _step("K2", "受理", "DA", "2025-06-02", ""),
    ]
    assert run_import("approvals", rows).created == 2
    k1 = ApprovalCase.objects.get(number="K1")
    assert (k1.state, k1.actual_days, k1.baseline_days, k1.finished_date) == (
        "closed",
        2 + 5,
        45,
        D(2025, 6, 11),
    )
    assert ApprovalCase.objects.get(number="K2").state == "open"
    assert run_import("approvals", rows).unchanged == 2
    bad = [
        _step("K3", "受理", "DA", "2025-06-05", "2025-06-04"),
        _step("K4", "受理", "DA", "2025-06-02", "2025-06-04", 1, matter="串联事项"),
        _step("K5", "受理", "ZZ", "2025-06-02", "2025-06-04", matter="无此事项"),
    ]
    with pytest.raises(ImportFailed) as e:
        run_import("approvals", bad)
    assert e.value.lines() == [
        "第2行 结束日期: 结束日期不能早于开始日期",
        "第3行 并联组: 该事项仅限串联办理，不能设置并联组",
        "第4行 事项名称: 未知的一件事“无此事项”",
        "第4行 办理部门编码: 组织编码不存在或不在您的管理范围内",
    ]
    assert ApprovalCase.objects.count() == 2


def test_ledger_and_enrolment_imports(district, users, tmp_path):
    rows = [
        {
            "村社编码": "T1",
            "日期": "2025-05-01",
            "收支": "收入",
            "类别": "项目分红",
            "金额（元）": "120000",
            "摘要": "白芨分红",
            "项目编号": "",
        },
        {
            "村社编码": "T1",
            "日期": "2025-05-02",
            "收支": "支出",
            "类别": "集体经营",
            "金额（元）": "3000",
            "摘要": "",
            "项目编号": "",
        },
    ]
    assert run_import("ledger", rows, actor=users["unit"]).created == 2
    assert run_import("ledger", rows, actor=users["unit"]).unchanged == 2
    bad = [dict(rows[0], **{"金额（元）": "-1", "收支": "借"}), dict(rows[0], 村社编码="DA")]
    with pytest.raises(ImportFailed) as e:
        run_import("ledger", bad, actor=users["unit"])
    assert e.value.lines() == [
        "第2行 收支: 收支须为收入或支出",
        "第2行 金额（元）: 金额须大于0",
        "第3行 村社编码: 不是您管理范围内的村或社区党组织编码",
    ]
    assert LedgerEntry.objects.count() == 2
    services.programme_create(
        actor=None,
        code="TB-1",
        name="托班",
        unit=district.town,
        start_date=D(2025, 7, 1),
        end_date=D(2025, 7, 31),
        capacity=2,
    )
    people = [
        {"活动编号": "TB-1", "姓名": n, "年龄": 6, "监护人电话": "138 1234 5678"}
        for n in ("甲", "乙", "丙")
    ]
    with pytest.raises(ImportFailed) as e:
        run_import("enrolments", people, actor=users["unit"])
    assert e.value.lines() == ["第4行 活动编号: “托班”名额已满（共2个）"]
    assert Enrolment.objects.count() == 0
    assert run_import("enrolments", people[:2], actor=users["unit"]).created == 2
    # The export masks the guardian's phone.
    target = tmp_path / "enrolments.xlsx"
    assert export_file("enrolments", target, actor=users["unit"]) == 2
    cells = [row for _n, row in iter_sheet(target)]
    assert cells[1][3] == "138****5678"


def test_import_command_on_an_xlsx(district, tmp_path, capsys):
    from zuofeng.core.sheets.writer import SheetSpec, write_workbook

    target = tmp_path / "projects.xlsx"
    row = _project_row()
    write_workbook(
        str(target), [SheetSpec(name="项目", headers=list(row), rows=[list(row.values())])]
    )
    call_command("import", "projects", str(target))
    assert Project.objects.filter(number="XM-2025-00901").exists()
