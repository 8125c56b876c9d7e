import datetime as dt

import pytest

from zuofeng.core.sheets import run_import
from zuofeng.rules import services
from zuofeng.rules.models import NegativeCategory


@pytest.fixture
def neg_list(district):
    """A list of one category per check type, issued by the finance bureau for the district."""
    lst = services.negative_list_create(
        actor=None,
        name="测试清单",
        issuer=district.dept,
        applies_to=district.root,
        effective_from=dt.date(2025, 1, 1),
    )
    cat = services.category_save(actor=None, negative_list=lst, name="公务接待")
    for text, ctype, params in [
        ("工作餐超标准", "amount_over", {"codes": ["30217"], "limit": 150, "per": "person"}),
        ("无公函接待", "document_missing", {"codes": ["30217"], "documents": ["公函"]}),
        ("高档酒水", "keyword", {"codes": ["30217"], "keywords": ["茅台", "香烟"]}),
        ("会所接待", "payee_watch", {"payees": ["云庭私人会所"]}),
        (
            "节日吃喝",
            "date_window",
            {"codes": ["30217"], "windows": [{"from": "09-29", "to": "10-08", "name": "中秋国庆"}]},
        ),
        ("购置公车", "econ_code", {"codes": ["31013"]}),
        ("陪餐人数超标", "", {}),
    ]:
        services.item_save(actor=None, category=cat, text=text, check_type=ctype, params=params)
    return lst


def expense_row(voucher, unit, **kw):
    row = {
        "凭证号": voucher,
        "日期": "2025-05-10",
        "单位编码": unit,
        "经济分类编码": "30217",
        "金额（元）": "3744",
        "摘要": "接待省厅调研组工作餐",
        "收款方": "东关饭店",
        "人数": 12,
        "附件": "公函、接待清单、发票",
    }
    row.update(kw)
    return row


@pytest.fixture
def category(neg_list):
    return NegativeCategory.objects.get(negative_list=neg_list)


@pytest.fixture
def imported(neg_list):
    def load(rows, actor=None):
        return run_import("expenses", rows, actor=actor)

    return load
