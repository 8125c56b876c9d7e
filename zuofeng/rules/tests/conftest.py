import datetime as dt

import pytest

from zuofeng.core.sheets import run_import
from zuofeng.rules import services
from zuofeng.rules.models import NegativeCategory
from zuofeng.rules.tests.factories import budget, full


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


@pytest.fixture
def world(imported, district):
    imported([expense_row("V1", "T1"), expense_row("V2", "DA", **{"附件": ""})])
    services.power_items_seed(actor=None, org=district.root)
    rows = [r for r in full("C1") if r["步骤名称"] != "决议公开"]
    run_import("powercases", [{**r, "村社编码": "T1"} for r in rows])
    run_import(
        "budget",
        [budget("T1", "30217", "否", "100", "95"), budget("DA", "30217", "否", "100", "80")],
    )
    return district


@pytest.fixture
def users(world, make_user):
    d = world
    return {
        "lead": make_user("lead", ("lead_office", d.root)),
        "unit": make_user("unit", ("unit_admin", d.v1)),
        "out": make_user("out", ("unit_admin", d.town2)),
        "none": make_user("none"),
        "leader": make_user("leader", ("leader", d.root)),
    }
