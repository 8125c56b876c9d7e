import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from zuofeng.core.audit import AuditEntry
from zuofeng.core.sheets import ImportFailed
from zuofeng.rules import checks, services
from zuofeng.rules.models import Expense, Hit, NegativeItem
from zuofeng.rules.tests.conftest import expense_row


def hits_of(voucher):
    return sorted(
        (h.item.text, h.explanation, h.amount)
        for h in Hit.objects.filter(expense__voucher_no=voucher).select_related("item")
    )


def test_amount_per_person_over_the_standard_is_explained_with_the_excess(imported, district):
    imported([expense_row("V1", "DA")])
    assert hits_of("V1") == [
        ("工作餐超标准", "公务接待人均 312 元，超过标准 150 元", Decimal("1944.00"))
    ]


def test_amount_at_the_standard_is_not_a_hit(imported, district):
    imported([expense_row("V1", "DA", **{"金额（元）": "1800", "人数": 12})])
    assert hits_of("V1") == []


def test_missing_document_keyword_payee_window_and_code(imported, district):
    imported(
        [
            expense_row("V2", "DA", **{"附件": "发票", "人数": 30}),
            expense_row("V3", "DA", **{"摘要": "接待用茅台酒两瓶", "人数": 30}),
            expense_row("V4", "DA", **{"收款方": "云庭私人会所", "经济分类编码": "30201"}),
            expense_row("V5", "DA", **{"日期": "2025-10-02", "人数": 30}),
            expense_row("V6", "DA", **{"经济分类编码": "31013", "摘要": "购置公务用车"}),
        ]
    )
    assert hits_of("V2") == [("无公函接待", "公务接待缺少公函", Decimal("3744.00"))]
    assert hits_of("V3") == [("高档酒水", "摘要含“茅台”", Decimal("3744.00"))]
    assert hits_of("V4") == [("会所接待", "收款方“云庭私人会所”在关注名单中", Decimal("3744.00"))]
    assert hits_of("V5") == [
        (
            "节日吃喝",
            "支出日期 2025-10-02 在禁止期间“中秋国庆”（09-29至10-08）内",
            Decimal("3744.00"),
        )
    ]
    assert hits_of("V6") == [("购置公车", "经济分类 31013 属于本条限定的支出", Decimal("3744.00"))]


def test_sql_and_python_agree_on_every_record(imported, district):
    rows = [
        expense_row(
            f"P{i}",
            "DA",
            **{
                "金额（元）": str(100 * i),
                "人数": i % 5 or None,
                "附件": "公函" if i % 2 else "",
                "日期": f"2025-{9 + i % 2:02d}-{1 + i % 28:02d}",
            },
        )
        for i in range(1, 40)
    ]
    imported(rows)
    items = NegativeItem.objects.exclude(check_type="").select_related("category")
    python = set()
    for e in Expense.objects.all():
        for item in items:
            if checks.explain(item.check_type, item.params, checks.Record.of(e), "公务接待"):
                python.add((e.pk, item.pk))
    assert python == set(Hit.objects.values_list("expense_id", "item_id"))
    assert python


def test_reimporting_the_same_vouchers_does_not_duplicate(imported, district):
    first = imported([expense_row("V1", "DA"), expense_row("V2", "DA", **{"附件": ""})])
    entries = AuditEntry.objects.count()
    again = imported([expense_row("V1", "DA"), expense_row("V2", "DA", **{"附件": ""})])
    assert (first.created, again.created, again.unchanged) == (2, 0, 2)
    assert Expense.objects.count() == 2
    assert Hit.objects.count() == 3
    assert AuditEntry.objects.count() == entries


def test_a_changed_voucher_is_checked_again_and_reviewed_hits_stay(imported, district):
    imported([expense_row("V1", "DA")])
    hit = Hit.objects.get()
    services.finding_review(actor=None, finding=hit, decision="dismissed", reason="误报")
    imported([expense_row("V1", "DA", **{"附件": "发票"})])
    assert Expense.objects.get().documents == "、发票、"
    assert sorted(Hit.objects.values_list("item__text", "state")) == [
        ("工作餐超标准", "dismissed"),
        ("无公函接待", "pending"),
    ]


@pytest.mark.parametrize(
    "row, message",
    [
        ({"单位编码": "ZZ"}, "第2行 单位编码: 单位编码“ZZ”不存在"),
        ({"经济分类编码": "39999"}, "第2行 经济分类编码: 经济分类编码“39999”不存在"),
        ({"金额（元）": "-5"}, "第2行 金额（元）: 金额不能为负数"),
        ({"金额（元）": "abc"}, "第2行 金额（元）: 金额应为数字"),
    ],
)
def test_bad_voucher_rows_write_nothing(imported, district, row, message):
    with pytest.raises(ImportFailed) as exc:
        imported([expense_row("V1", "DA", **row)])
    assert message in exc.value.lines()
    assert Expense.objects.count() == 0 and Hit.objects.count() == 0


def test_checking_never_changes_finance_records(imported, district):
    imported([expense_row("V1", "DA")])
    before = list(Expense.objects.values())
    services.check_expenses(Expense.objects.all())
    assert list(Expense.objects.values()) == before


def test_the_list_in_force_on_the_records_date_applies(imported, district, neg_list):
    services.negative_list_create(
        actor=None,
        name="新版",
        issuer=district.dept,
        applies_to=district.root,
        effective_from=dt.date(2025, 6, 1),
    )  # an empty new version: from June nothing is checked
    imported([expense_row("V1", "DA"), expense_row("V2", "DA", **{"日期": "2025-06-02"})])
    assert len(hits_of("V1")) == 1 and hits_of("V2") == []


@pytest.mark.parametrize(
    "ctype, params, reason",
    [
        ("amount_over", {"limit": -1, "per": "person"}, "标准金额应大于0"),
        (
            "amount_over",
            {"limit": 150, "per": "day"},
            "计算口径应为 person（人均）或 occasion（单次）",
        ),
        ("keyword", {"keywords": []}, "请至少填写一项关键词"),
        ("keyword", {"keywords": ["a"], "limit": 3}, "核查类型“摘要含关键词”不接受参数：limit"),
        ("econ_code", {"codes": ["99999"]}, "未知的经济分类编码：99999"),
        ("date_window", {"windows": [{"from": "13-01", "to": "01-02"}]}, "开始不是有效日期：13-01"),
        (
            "date_window",
            {"windows": [{"from": "9月1日", "to": "01-02"}]},
            "开始应为“月-日”格式，如 09-29",
        ),
        ("nonsense", {}, "未知的核查类型：nonsense"),
        ("", {"codes": ["30217"]}, "人工核查条目不能设置核查参数"),
    ],
)
def test_parameters_that_do_not_fit_the_type_are_rejected(category, ctype, params, reason):
    count = NegativeItem.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.item_save(actor=None, category=category, text="x", check_type=ctype, params=params)
    assert exc.value.message_dict["params"] == [reason]
    assert NegativeItem.objects.count() == count


def test_preview_shows_which_sample_records_a_check_would_hit(imported, district):
    imported([expense_row("V1", "DA"), expense_row("V2", "DA", **{"人数": 30})])
    found = services.preview(
        "amount_over",
        {"codes": ["30217"], "limit": 200, "per": "person"},
        Expense.objects.order_by("voucher_no"),
        "公务接待",
    )
    assert [(e.voucher_no, why, amount) for e, why, amount in found] == [
        ("V1", "公务接待人均 312 元，超过标准 200 元", Decimal("1344.00"))
    ]
