"""The dashboard pages: tiles, drill-down, exports, period and scope handling, permissions."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from python_calamine import CalamineWorkbook

from zuofeng.core.models import Warning
from zuofeng.dashboard import periods
from zuofeng.dashboard.tests.test_indicators import _problem
from zuofeng.orgs.choices import Role
from zuofeng.rectify.models import Problem

D = dt.date
Q2 = {"period": "quarter", "value": "2025-Q2"}


@pytest.fixture
def ledger(district):
    d = district
    _problem(d.v1, D(2025, 4, 1), closed=D(2025, 5, 1), deadline=D(2025, 4, 30))
    _problem(d.v2, D(2025, 5, 5), closed=D(2025, 6, 30), deadline=D(2025, 7, 31))
    late = _problem(d.w1, D(2025, 6, 1), deadline=D(2025, 6, 15))
    Problem.objects.filter(pk=late.pk).update(warning=Warning.RED, overdue_since=D(2025, 6, 16))
    _problem(d.w1, D(2025, 1, 10), closed=D(2025, 2, 1))  # the quarter before
    return d


def _sheet(content: bytes) -> list[list]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    return book.get_sheet_by_index(0).to_python()


def test_root_dashboard_tiles_compare_with_the_previous_quarter(client, ledger, make_user):
    client.force_login(make_user("lead", (Role.LEAD_OFFICE, ledger.root)))
    r = client.get("/dashboard/", Q2)
    assert r.status_code == 200
    html = r.content.decode()
    assert "2025年第2季度" in html
    tile = html.split('data-key="rectify.problems_found"')[1].split("</a>")[0]
    assert ">3<small>" in tile  # found in Q2 at the root
    assert "上期 1" in tile  # found in Q1
    assert "▲" in tile
    assert "/dashboard/records/rectify.problems_found/?scope=D&amp;period=quarter" in html
    data = r.context["charts"]
    assert data["trend"]["months"] == ["2025-04", "2025-05", "2025-06"]
    (funnel,) = [f for f in data["funnels"] if f["title"] == "问题整改"]
    assert [n for _label, n in funnel["data"]] == [3, 3, 3, 2, 2]
    (warnings,) = [w for w in data["warnings"] if w["title"] == "问题整改"]
    assert warnings["data"][0] == ("red", "红灯", 1)
    assert "陈家岙村党支部" in html  # the overdue list names the unit


def test_switching_scope_and_bar_by_child(client, ledger, make_user):
    client.force_login(make_user("lead", (Role.LEAD_OFFICE, ledger.root)))
    r = client.get("/dashboard/", {**Q2, "bar": "rectify.problems_found"})
    rows = {code: v for _name, code, v in r.context["charts"]["bar"]["rows"]}
    assert rows == {"T": 2, "U": 1, "DA": 0}
    r = client.get("/dashboard/", {**Q2, "scope": "T"})
    assert r.status_code == 200
    assert r.context["org"].code == "T"
    assert [c.code for c in r.context["crumbs"]] == ["D", "T"]


def test_a_unit_sees_its_subtree_only(client, ledger, make_user):
    client.force_login(make_user("unit", (Role.UNIT_ADMIN, ledger.town)))
    assert client.get("/dashboard/", Q2).context["org"].code == "T"
    assert client.get("/dashboard/", {**Q2, "scope": "U"}).status_code == 404
    assert client.get("/dashboard/", {**Q2, "scope": "D"}).status_code == 404
    assert (
        client.get("/dashboard/records/rectify.problems_found/", {"scope": "U"}).status_code == 404
    )


def test_administrators_have_no_dashboard(client, ledger, make_user):
    client.force_login(make_user("sys", (Role.SYSTEM_ADMIN, ledger.root)))
    assert client.get("/dashboard/").status_code == 403


def test_drill_down_lists_the_records_behind_the_tile_and_exports_them(client, ledger, make_user):
    client.force_login(make_user("lead", (Role.LEAD_OFFICE, ledger.root)))
    url = "/dashboard/records/rectify.problems_closed/"
    r = client.get(url, {**Q2, "scope": "T"})
    assert r.status_code == 200
    assert r.context["page"].paginator.count == 2
    assert r.context["value"] == "2"
    r = client.get(url, {**Q2, "scope": "T", "f.source": "正风肃纪检查", "format": "xlsx"})
    rows = _sheet(r.content)
    assert rows[0] == ["问题", "单位"]
    assert len(rows) == 3
    assert {row[1] for row in rows[1:]} == {"东关村党支部", "新村社区党支部"}


def test_unknown_filter_or_key_is_not_a_silent_zero(client, ledger, make_user):
    client.force_login(make_user("lead", (Role.LEAD_OFFICE, ledger.root)))
    url = "/dashboard/records/rectify.problems_closed/"
    assert client.get(url, {**Q2, "f.colour": "red"}).status_code == 404
    assert client.get("/dashboard/records/no.such/", Q2).status_code == 404
    assert client.get("/dashboard/", {**Q2, "bar": "no.such"}).status_code == 404


def test_bad_period_says_so_and_falls_back(client, ledger, make_user):
    client.force_login(make_user("lead", (Role.LEAD_OFFICE, ledger.root)))
    r = client.get("/dashboard/", {"period": "quarter", "value": "2025-Q5"}, follow=True)
    assert r.status_code == 200
    assert "季度应为 1–4" in r.content.decode()
    r = client.get("/dashboard/", {"period": "custom", "from": "2025-06-01", "to": "2025-05-01"})
    assert "结束日期早于开始日期" in r.content.decode()


def test_indicator_tables_export(client, ledger, make_user):
    client.force_login(make_user("lead", (Role.LEAD_OFFICE, ledger.root)))
    rows = _sheet(client.get("/dashboard/export.xlsx", {**Q2, "table": "children"}).content)
    assert rows[0][0] == "下级单位"
    header = rows[0].index("发现问题数（个）")
    assert {r[0]: r[header] for r in rows[1:]} == {
        "区财政局": 0.0,
        "东关街道": 2.0,
        "陈溪乡": 1.0,
    }
    rows = _sheet(client.get("/dashboard/export.xlsx", Q2).content)
    assert len(rows) == 2 and rows[1][0] == "测试区委"


def test_dashboard_query_count_does_not_grow_with_records(
    client, ledger, make_user, django_assert_max_num_queries
):
    client.force_login(make_user("lead", (Role.LEAD_OFFICE, ledger.root)))
    client.get("/dashboard/", Q2)  # warm the registry and the session
    with django_assert_max_num_queries(150) as before:
        client.get("/dashboard/", Q2)
    for i in range(30):
        _problem(ledger.v1, D(2025, 4, 2 + i % 20), deadline=D(2025, 5, 30))
    with django_assert_max_num_queries(len(before.captured_queries)):
        client.get("/dashboard/", Q2)


@pytest.mark.parametrize(
    ("params", "start", "end", "prev_start", "prev_end"),
    [
        (
            {"period": "month", "value": "2025-03"},
            D(2025, 3, 1),
            D(2025, 3, 31),
            D(2025, 2, 1),
            D(2025, 2, 28),
        ),
        (
            {"period": "quarter", "value": "2025-q1"},
            D(2025, 1, 1),
            D(2025, 3, 31),
            D(2024, 10, 1),
            D(2024, 12, 31),
        ),
        (
            {"period": "year", "value": "2024"},
            D(2024, 1, 1),
            D(2024, 12, 31),
            D(2023, 1, 1),
            D(2023, 12, 31),
        ),
        (
            {"period": "custom", "from": "2025-03-01", "to": "2025-09-30"},
            D(2025, 3, 1),
            D(2025, 9, 30),
            D(2024, 7, 30),
            D(2025, 2, 28),
        ),
    ],
)
def test_periods_and_the_period_before(db, params, start, end, prev_start, prev_end):
    c = periods.parse(params, D(2026, 1, 1))
    assert (c.period.start, c.period.end) == (start, end)
    assert (c.previous.start, c.previous.end) == (prev_start, prev_end)
    assert (c.period.end - c.period.start) == (c.previous.end - c.previous.start) or params[
        "period"
    ] != "custom"


def test_campaign_period_and_default(db):
    from zuofeng.rectify.models import Campaign

    assert periods.default(D(2026, 1, 1)).label == "2026年"
    c = Campaign.objects.create(name="学习教育", start_date=D(2025, 3, 1), end_date=D(2025, 9, 30))
    choice = periods.default(D(2026, 1, 1))
    assert (choice.kind, choice.value, choice.label) == ("campaign", str(c.pk), "学习教育")
    assert choice.period.end == D(2025, 9, 30)
    with pytest.raises(periods.PeriodError):
        periods.parse({"period": "campaign", "value": "99999"}, D(2026, 1, 1))


def test_out_of_range_period_is_refused(db):
    with pytest.raises(periods.PeriodError, match="统计期超出范围"):
        periods.parse({"period": "year", "value": "1"}, D(2026, 1, 1))
