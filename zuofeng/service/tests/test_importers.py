"""`zuofeng import enterprises|visits|requests`: exact columns, all or nothing, errors by row."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from zuofeng.core.sheets import ImportFailed, run_import
from zuofeng.orgs.models import Person
from zuofeng.service.models import Enterprise, RequestAssignment, ServiceRequest, Visit
from zuofeng.service.tests.conftest import credit


def test_enterprises_import_validates_credit_codes_and_is_idempotent(svc):
    rows = [
        {"统一社会信用代码": credit(2), "企业名称": "甲公司", "所在乡镇编码": "T", "行业": "化工"},
        {
            "统一社会信用代码": credit(3)[:-1] + ("0" if credit(3)[-1] != "0" else "1"),
            "企业名称": "乙公司",
        },
        {"统一社会信用代码": credit(4), "企业名称": "丙公司", "所在乡镇编码": "NOPE"},
    ]
    with pytest.raises(ImportFailed) as exc:
        run_import("enterprises", rows)
    assert [(r, c) for r, c, _m in exc.value.errors] == [
        (3, "统一社会信用代码"),
        (4, "所在乡镇编码"),
    ]
    assert "校验位" in exc.value.errors[0][2]
    assert Enterprise.objects.count() == 1  # only the fixture's
    good = [rows[0], {"统一社会信用代码": credit(4), "企业名称": "丙公司"}]
    assert run_import("enterprises", good).created == 2
    again = run_import("enterprises", good)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert Enterprise.objects.get(credit_code=credit(2)).town.code == "T"


def test_visits_import(svc):
    Person.objects.create(name="王五", org=svc.d.town, person_no="P001")
    rows = [
        {
            "走访日期": "2025-05-06",
            "统一社会信用代码": credit(1),
            "走访单位编码": "T",
            "走访人员": "P001",
            "走访内容": "了解用工",
        },
        {"走访日期": "2025-05-07", "统一社会信用代码": credit(9), "走访单位编码": "T"},
        {
            "走访日期": "2025-05-08",
            "统一社会信用代码": credit(1),
            "走访单位编码": "T",
            "走访人员": "P001、P404",
        },
    ]
    with pytest.raises(ImportFailed) as exc:
        run_import("visits", rows)
    assert [(r, c) for r, c, _m in exc.value.errors] == [(3, "统一社会信用代码"), (4, "走访人员")]
    assert Visit.objects.count() == 0
    report = run_import("visits", [rows[0]])
    assert report.created == 1
    assert list(Visit.objects.get().cadres.values_list("person_no", flat=True)) == ["P001"]
    assert run_import("visits", [rows[0]]).unchanged == 1


def test_requests_import_rules(svc, make_user):
    base = {"提出日期": "2025-06-02", "诉求类别": "融资", "诉求内容": "续贷", "承办单位编码": "T"}
    rows = [
        {
            **base,
            "诉求编号": "R-1",
            "统一社会信用代码": credit(1),
            "状态": "已关闭",
            "办结日期": "2025-06-05",
            "兑现资金（元）": "12,000.5",
            "满意度": "满意",
            "协办单位编码": "U、DA",
        },
        {**base, "诉求编号": "R-2", "诉求人": "张三", "联系电话": "13812345678"},
        {
            **base,
            "诉求编号": "R-3",
            "统一社会信用代码": credit(1),
            "诉求人": "张三",
            "联系电话": "13812345678",
        },
        {**base, "诉求编号": "R-4"},
        {**base, "诉求编号": "R-5", "统一社会信用代码": credit(1), "状态": "已办结"},
        {
            **base,
            "诉求编号": "R-6",
            "统一社会信用代码": credit(1),
            "兑现资金（元）": "-1",
            "状态": "已办结",
            "办结日期": "2025-06-03",
        },
        {**base, "诉求编号": "R-7", "统一社会信用代码": credit(1), "满意度": "满意"},
    ]
    with pytest.raises(ImportFailed) as exc:
        run_import("requests", rows)
    assert [(r, c) for r, c, _m in exc.value.errors] == [
        (4, "诉求人"),
        (5, "诉求人"),
        (6, "办结日期"),
        (7, "兑现资金（元）"),
        (8, "满意度"),
    ]
    assert ServiceRequest.objects.count() == 0
    report = run_import("requests", rows[:2])
    assert report.created == 2
    r1 = ServiceRequest.objects.get(number="R-1")
    assert (r1.state, r1.resolved_date, r1.funds, r1.satisfaction) == (
        "closed",
        dt.date(2025, 6, 5),
        Decimal("12000.50"),
        "satisfied",
    )
    assert r1.deadline == dt.date(2025, 6, 9) and r1.tracking_code
    assert sorted(RequestAssignment.objects.filter(request=r1).values_list("role", flat=True)) == [
        "co",
        "co",
        "lead",
    ]
    r2 = ServiceRequest.objects.get(number="R-2")
    assert (r2.state, r2.kind, r2.contact_phone_masked) == ("accepted", "citizen", "138****5678")
    assert run_import("requests", rows[:2]).unchanged == 2
    # Out of scope: a town's admin cannot import requests for the other town.
    other = make_user("imp", ("unit_admin", svc.d.town2))
    with pytest.raises(ImportFailed) as exc:
        run_import("requests", [{**base, "诉求人": "李四", "联系电话": "13900000000"}], actor=other)
    assert exc.value.errors[0][1] == "承办单位编码"


def test_requests_export_masks_and_reimports_unchanged(svc, tmp_path):
    from zuofeng.core.sheets import export_file, run_import_file

    base = {"提出日期": "2025-06-02", "诉求类别": "融资", "诉求内容": "续贷", "承办单位编码": "T"}
    run_import(
        "requests", [{**base, "诉求编号": "R-9", "诉求人": "张三", "联系电话": "13812345678"}]
    )
    target = tmp_path / "requests.xlsx"
    assert export_file("requests", target) == 1
    import zipfile

    with zipfile.ZipFile(target) as z:
        xml = "".join(z.read(n).decode() for n in z.namelist() if n.endswith(".xml"))
    assert "138****5678" in xml and "13812345678" not in xml
    report = run_import_file("requests", target)
    assert (report.created, report.unchanged) == (0, 1)
