"""The demo district reproduces the source report: every figure listed in docs/demo.md,
computed by `zuofeng indicators --json` from the records `zuofeng demo` builds, and the
report-shaped briefing generated from them."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from docx import Document

from zuofeng.orgs.models import Org

pytestmark = [pytest.mark.slow, pytest.mark.django_db]
FROM, TO = "2025-03-01", "2025-09-30"


@pytest.fixture(scope="module")
def demo_db(django_db_setup, django_db_blocker):
    """The whole demo, built once by the command, rolled back afterwards (so the catalogues the
    migrations seed stay for the other tests)."""
    from django.db import transaction

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("demo", stdout=io.StringIO())
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def code(name: str) -> str:
    """A department by the name the report uses (its short name, or its name)."""
    from django.db.models import Q

    return Org.objects.get(Q(short_name=name) | Q(name=name), parent__code="SY").code


def indicator(key: str, scope: str = "SY", **filters) -> float:
    args = ["--scope", scope, "--from", FROM, "--to", TO, "--key", key, "--json"]
    for name, value in filters.items():
        args += ["--filter", f"{name}={value}"]
    out = io.StringIO()
    call_command("indicators", *args, stdout=out)
    data = json.loads(out.getvalue())
    assert data["scope"]["code"] == scope and (data["from"], data["to"]) == (FROM, TO)
    (item,) = data["indicators"]
    assert item["key"] == key
    return item["value"]


# (report's words, key, scope short name or None for the district, filters, check)
FIGURES = [
    ("69个部门", "orgs.departments", None, {}, 69),
    ("20个乡镇街道", "orgs.towns", None, {}, 20),
    ("3270个基层党组织", "orgs.grassroots", None, {}, 3270),
    ("1733个村(社)", "orgs.grassroots_village", None, {}, 1733),
    ("1008个两新党组织", "orgs.grassroots_two_new", None, {}, 1008),
    ("学习3500余场", "study.sessions", None, {}, range(3500, 3600)),
    ("虞青学习社活动66场次", "study.youth_activities", None, {}, 66),
    ("覆盖3500余人次", "study.youth_person_times", None, {}, range(3500, 10_000)),
    ("邻里文化活动250余次", "practice.activities", None, {"kind": "邻里文化活动"}, range(250, 300)),
    ("区领导领衔整治项目43个", "rectify.leader_projects", None, {}, 43),
    ("三轮问题动态更新", "rectify.rounds_closed", None, {}, 3),
    ("正风肃纪检查57次", "rectify.inspections", None, {}, 57),
    ("下发通报3期", "rectify.circulars", None, {}, 3),
    ("推动问题整改115个", "rectify.problems_found", None, {"source": "正风肃纪检查"}, 115),
    (
        "经开区解决企业问题314个",
        "service.enterprise_requests_resolved",
        "杭州湾上虞经开区",
        {"channel": "网格员上报"},
        314,
    ),
    ("兑现资金1.65亿元", "service.funds_delivered", "杭州湾上虞经开区", {}, 165_000_000),
    ("惠及企业402家次", "service.funds_enterprise_times", "杭州湾上虞经开区", {}, 402),
    ("走访服务企业146家次", "service.visits", "生态环境分局", {}, 146),
    (
        "指导环评审批等问题97个",
        "service.enterprise_requests_resolved",
        "生态环境分局",
        {"category": "环评"},
        97,
    ),
    (
        "为52家企业解冻账户",
        "service.enterprise_requests_resolved",
        "区公安分局",
        {"category": "涉法涉企"},
        52,
    ),
    ("协调处理企业和群众难题351个", "service.requests_resolved", "区企服中心", {}, 351),
    ("并联审批办事环节33个", "approvals.parallel_steps", "区企服中心", {}, 33),
    ("压缩办事时间48天", "approvals.days_saved", "区企服中心", {}, 48),
    ("服务各项目规划288个", "approvals.cases", "区文广旅游局", {}, 288),
    ("审批周期缩短60%以上", "approvals.cycle_reduction_rate", "区文广旅游局", {}, "> 0.6"),
    ("覆盖少儿370余人", "programmes.enrolments", "团区委", {}, range(370, 380)),
    ("完成年度民生实事项目56个", "projects.completed", None, {"kind": "民生实事项目"}, 56),
    ("领办机关效能项目62个", "projects.started", None, {"kind": "机关效能项目"}, 62),
    ("结对民生实事项目126个", "projects.started", None, {"kind": "结对民生实事项目"}, 126),
    ("“大象妈妈”文明实践项目", "projects.started", "区委宣传部", {"kind": "文明实践项目"}, 1),
    ("村集体年增收20万元", "village.income_growth", "T19-V001", {}, 200_000),
]


@pytest.mark.parametrize(
    ("words", "key", "unit", "filters", "expected"), FIGURES, ids=[f[0] for f in FIGURES]
)
def test_report_figure(demo_db, words, key, unit, filters, expected):
    scope = "SY" if unit is None else unit if unit.startswith("T") else code(unit)
    value = indicator(key, scope, **filters)
    if isinstance(expected, range):
        assert value in expected, words
    elif isinstance(expected, str):
        assert value > float(expected.split()[1]), words
    else:
        assert value == expected, words


def test_report_briefing_reproduces_the_report(demo_db):
    from zuofeng.dashboard import demo_data, services
    from zuofeng.dashboard.periods import campaigns

    (campaign,) = campaigns().filter(name=demo_data.CAMPAIGN)
    root = Org.objects.get(code="SY")
    from zuofeng.core.indicators import Period

    content, _number = services.briefing_make(
        actor=None,
        scope=root,
        period=Period(campaign.start_date, campaign.end_date),
        number=12,
        template=demo_data.TEMPLATE,
    )
    text = "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)
    assert "{{" not in text
    for words in (
        "69个区级部门、20个乡镇街道、3270个基层党组织（其中村社1733个、两新1008个）",
        "3500余场",
        "开展活动66场次",
        "邻里文化活动250余次",
        "区领导领衔整治项目43个",
        "开展正风肃纪检查57次，印发通报3期，发现并推动整改问题115个",
        "累计协调解决产业项目和企业问题314个，帮扶企业兑现资金1.65亿元，惠及企业402家次",
        "走访服务企业146家次，指导环评审批等问题97个",
        "为52家企业解冻账户",
        "协调处理企业和群众难题351个，并联审批办事环节33个，压缩办事时间48天",
        "服务各项目规划288个",
        "覆盖少儿370余人",
        "完成年度民生实事项目56个",
        "结对领办机关效能项目62个、结对民生实事项目126个",
    ):
        assert words in text


@pytest.mark.parametrize(
    ("scope", "start", "end"),
    [("SY", FROM, TO), ("SY", "2025-03-15", "2025-06-10"), ("T01", "2025-01-01", "2025-12-31")],
)
def test_monthly_series_grouped_in_one_query_equal_month_by_month(
    demo_db, django_assert_num_queries, scope, start, end
):
    """An indicator that declares its month column builds a monthly series in one grouped
    query; the series must equal the indicator computed month by month, on every such
    indicator, for months cut by the period's edges too."""
    import datetime as dt

    from zuofeng.core import indicators as reg

    path = Org.objects.get(code=scope).path
    period = reg.Period(dt.date.fromisoformat(start), dt.date.fromisoformat(end))
    grouped = [
        i for i in reg.registry().values() if getattr(i, "month_field", "") and i.groups_by_month
    ]
    assert {"study.sessions", "rectify.problems_found", "service.requests_received"} <= {
        i.key for i in grouped
    }
    nonzero = 0
    for indicator in grouped:
        with django_assert_num_queries(1):
            series = indicator.by_month(path, period)
        expected = [(m, indicator.value(path, m)) for m in reg.months(period)]
        assert series == expected, indicator.key
        nonzero += any(v for _m, v in series)
    assert nonzero >= len(grouped) // 2  # the demo dates records across the months


def test_prepared_statements_equal_the_orm_on_every_indicator(demo_db):
    """Every registered indicator, for the district, a town, a department and a branch over
    two periods, gives the same value and the same values by child through its prepared
    statements as through the ORM; and the dashboard's plain counts are in fact prepared."""
    import datetime as dt

    from zuofeng.core import indicators as reg
    from zuofeng.core import statements
    from zuofeng.orgs.models import SEGMENT

    branch = Org.objects.filter(path__startswith=Org.objects.get(code="T01").path, depth=3)
    scopes = [Org.objects.get(code=c).path for c in ("SY", "T01", code("杭州湾上虞经开区"))]
    scopes.append(branch.order_by("path").first().path)
    periods = [
        reg.Period(dt.date.fromisoformat(FROM), dt.date.fromisoformat(TO)),
        reg.Period(dt.date(2025, 4, 10), dt.date(2025, 8, 20)),
    ]
    registry = reg.registry()
    for key, ind in registry.items():
        for path in scopes:
            for period in periods:
                prepared = ind.value(path, period)
                with statements.unprepared():
                    assert ind.value(path, period) == prepared, (key, path, period)
                width = len(path) + SEGMENT
                prepared = ind.by_child(path, width, period)
                with statements.unprepared():
                    assert ind.by_child(path, width, period) == prepared, (key, path, period)
    grouped = {
        k
        for k, ind in registry.items()
        for (_vendor, _day, _width, tag), s in getattr(ind, "_statements", {}).items()
        if s is not None and tag != "value"
    }
    assert {"rectify.problems_found", "service.requests_received", "study.sessions"} <= grouped
    kept = {
        k
        for k, ind in registry.items()
        if any(s is not None for s in getattr(ind, "_statements", {}).values())
    }
    assert {"rectify.problems_found", "service.requests_received", "study.sessions"} <= kept


def test_rates_counted_in_one_pass_equal_their_parts_counted_apart(demo_db):
    """A rate whose numerator narrows its denominator's records (ShareIndicator: one pass, a
    conditional count) equals numerator / denominator counted apart — for the district, a town
    and a branch, alone and by child, prepared and through the ORM."""
    import datetime as dt

    from zuofeng.core import indicators as reg
    from zuofeng.core import statements
    from zuofeng.orgs.models import SEGMENT

    shares = [i for i in reg.registry().values() if isinstance(i, reg.ShareIndicator)]
    assert {i.key for i in shares} >= {
        "service.on_time_rate",
        "service.sign_on_time_rate",
        "service.satisfaction_rate",
        "rectify.on_time_rate",
    }
    town = Org.objects.get(code="T01")
    branch = Org.objects.filter(path__startswith=town.path, depth=3).order_by("path").first()
    scopes = [Org.objects.get(code="SY").path, town.path, branch.path]
    periods = [
        reg.Period(dt.date.fromisoformat(FROM), dt.date.fromisoformat(TO)),
        reg.Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
    ]
    between = 0
    for share in shares:
        for path in scopes:
            for period in periods:
                num = share.numerator.value(path, period)
                den = share.denominator.value(path, period)
                apart = round(num / den, 4) if den else None
                assert share.value(path, period) == apart, (share.key, path, period)
                with statements.unprepared():
                    assert share.value(path, period) == apart, (share.key, path, period)
                between += apart is not None and 0 < apart < 1
                width = len(path) + SEGMENT
                assert share.by_child(path, width, period) == reg.RatioIndicator.by_child(
                    share, path, width, period
                ), (share.key, path, period)
    assert between >= 4  # the demo has rates strictly between 0 and 1 to compare


def test_figures_by_child_read_with_the_children_equal_the_two_reads(demo_db):
    """The dashboard's figures by child: a count read joined to the children in one statement
    equals the grouped figures and the children read apart, for every indicator, at the
    district and a town."""
    import datetime as dt

    from zuofeng.core import indicators as reg
    from zuofeng.dashboard import selectors
    from zuofeng.orgs.models import SEGMENT

    period = reg.Period(dt.date.fromisoformat(FROM), dt.date.fromisoformat(TO))
    joined = 0
    for scope in (Org.objects.get(code="SY"), Org.objects.get(code="T01")):
        children = selectors.children_of(scope)
        for key, ind in reg.registry().items():
            values = ind.by_child(scope.path, len(scope.path) + SEGMENT, period, {})
            apart = [(c, values.get(c.path, 0 if ind.unit != "%" else None)) for c in children]
            assert selectors.by_child(scope, key, period) == apart, (key, scope.code)
            joined += (
                selectors._with_children(ind, scope, len(scope.path) + SEGMENT, period) is not None
            )
    assert joined >= 20  # most counts take the joined read
