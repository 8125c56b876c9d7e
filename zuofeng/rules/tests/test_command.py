"""`zuofeng import expenses|budget|powercases FILE.xlsx` on real files."""

import datetime as dt

import pytest
import xlsxwriter
from django.core.management import CommandError, call_command

from zuofeng.rules.models import BudgetLine, Expense, Hit

HEADERS = [
    "凭证号",
    "日期",
    "单位编码",
    "经济分类编码",
    "金额（元）",
    "摘要",
    "收款方",
    "人数",
    "附件",
]


def write(path, headers, rows):
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, headers)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date)
            else:
                sheet.write(r, c, value)
    book.close()
    return path


def test_import_expenses_from_an_xlsx_twice(neg_list, tmp_path, capsys):
    rows = [
        [
            "记-001",
            dt.date(2025, 5, 10),
            "T1",
            "30217",
            3744,
            "接待工作餐",
            "东关饭店",
            12,
            "公函、发票",
        ],
        ["记-002", "2025/5/11", "DA", "30201", "1,200.50", "办公用品", "", "", ""],
    ]
    path = write(tmp_path / "支出.xlsx", HEADERS, rows)
    call_command("import", "expenses", str(path))
    assert "created 2" in capsys.readouterr().out
    assert Expense.objects.get(voucher_no="记-002").amount == 1200.5
    assert sorted(Hit.objects.values_list("item__text", flat=True)) == ["工作餐超标准"]
    call_command("import", "expenses", str(path))
    assert "created 0, updated 0, unchanged 2" in capsys.readouterr().out
    assert Hit.objects.count() == 1


def test_a_bad_file_exits_with_every_bad_row_and_writes_nothing(neg_list, tmp_path, capsys):
    rows = [
        ["记-001", "2025-05-10", "ZZ", "30217", 100, "x", "", "", ""],
        ["记-002", "2025-05-10", "DA", "39999", -1, "x", "", "", ""],
    ]
    path = write(tmp_path / "支出.xlsx", HEADERS, rows)
    with pytest.raises(CommandError):
        call_command("import", "expenses", str(path))
    assert capsys.readouterr().err.splitlines() == [
        "第2行 单位编码: 单位编码“ZZ”不存在",
        "第3行 经济分类编码: 经济分类编码“39999”不存在",
        "第3行 金额（元）: 金额不能为负数",
    ]
    assert Expense.objects.count() == 0


def test_import_budget_with_the_issue_header(district, tmp_path):
    headers = [
        "单位编码",
        "年度",
        "经济分类编码",
        "科目名称",
        "刚性 (是/否)",
        "上年执行数（元）",
        "本年预算数（元）",
    ]
    path = write(
        tmp_path / "预算.xlsx", headers, [["DA", 2025, "30217", "公务接待费", "否", 100000, 85000]]
    )
    call_command("import", "budget", str(path))
    line = BudgetLine.objects.get()
    assert (line.rigid, line.prior_actual, line.budget) == (False, 100000, 85000)
