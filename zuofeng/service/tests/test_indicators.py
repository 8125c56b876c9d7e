"""Service indicators, hand-computed over a few requests and visits."""

from __future__ import annotations

import datetime as dt

import pytest

from zuofeng.core.indicators import IndicatorError, Period, get
from zuofeng.service import services
from zuofeng.service.models import ServiceRequest
from zuofeng.service.tests.conftest import submit
from zuofeng.service.tests.test_loop import go

P = Period(dt.date(2025, 3, 1), dt.date(2025, 9, 30))


def value(key, org, **filters):
    return get(key).value(org.path, P, filters)


@pytest.fixture
def data(svc):
    """Three requests led by the town (T), one by the other town (U):
    r1 enterprise, grid, 审批服务: resolved 2 Jun on time, funds 500, satisfied.
    r2 citizen, online, 民生服务: resolved 16 Jun, late (due 9 Jun), unsatisfied.
    r3 enterprise, grid, 政策兑现: resolved 3 Jun, funds 2500.50, basic; signed late.
    r4 (U) enterprise, self, 政策兑现: open. r5 resolved in October (outside)."""
    u = svc.u
    d = svc.d

    def through(r, unit, resolve_day, funds="0", rating=None, sign_day=None):
        r = go(svc, r, "accept", u.desk)
        r = go(svc, r, "assign", u.desk, unit=unit)
        r = go(svc, r, "sign", None, today=sign_day or dt.date(2025, 6, 2))
        r = go(svc, r, "resolve", None, today=resolve_day, resolution="ok", funds=funds)
        if rating:
            r = go(svc, r, "rate", None, today=resolve_day, satisfaction=rating)
        return r

    r1 = through(submit(svc), d.town, dt.date(2025, 6, 2), "500", "satisfied")
    r2 = through(
        submit(svc, citizen=True, category="民生服务"),
        d.town,
        dt.date(2025, 6, 16),
        "0",
        "unsatisfied",
    )
    r3 = through(
        submit(svc, category="政策兑现"),
        d.town,
        dt.date(2025, 6, 3),
        "2500.50",
        "basic",
        sign_day=dt.date(2025, 6, 4),
    )
    r4 = go(
        svc,
        go(svc, submit(svc, category="政策兑现"), "accept", u.desk),
        "assign",
        u.desk,
        unit=d.town2,
    )
    r5 = through(submit(svc), d.town, dt.date(2025, 10, 9), "9999")
    for day, unit in [
        (dt.date(2025, 5, 1), d.town),
        (dt.date(2025, 5, 2), d.town),
        (dt.date(2025, 10, 1), d.town),
        (dt.date(2025, 5, 3), d.town2),
    ]:
        services.visit_create(actor=None, date=day, enterprise=svc.enterprise, unit=unit)
    return r1, r2, r3, r4, r5


def test_counts_sums_and_rates(svc, data):
    t, root = svc.d.town, svc.d.root
    assert value("service.requests_received", root) == 5
    assert value("service.requests_received", t) == 4
    assert value("service.requests_resolved", t) == 3
    assert value("service.enterprise_requests_resolved", t) == 2
    assert value("service.citizen_requests_resolved", t) == 1
    assert value("service.funds_delivered", t) == pytest.approx(3000.50)
    assert value("service.funds_enterprise_times", t) == 2
    assert value("service.on_time_rate", t) == round(2 / 3, 4)
    assert value("service.sign_on_time_rate", t) == round(3 / 4, 4)  # r5 signed 2 Jun too
    assert value("service.satisfaction_rate", t) == round(2 / 3, 4)
    assert value("service.visits", t) == 2
    assert value("service.visits", root) == 3
    assert value("service.enterprises_visited", root) == 1
    assert value("service.requests_received", svc.d.town2) == 1


def test_filters_by_chinese_names(svc, data):
    t = svc.d.town
    assert value("service.requests_resolved", t, category="政策兑现") == 1
    assert value("service.enterprise_requests_resolved", t, channel="网格员上报") == 2
    assert value("service.requests_resolved", t, channel="网上") == 1
    assert value("service.funds_delivered", t, category="审批服务") == 500
    with pytest.raises(IndicatorError):
        value("service.requests_resolved", t, category="不存在")
    with pytest.raises(IndicatorError):
        value("service.requests_resolved", t, channel="飞鸽")


def test_by_child_in_one_query(svc, data, django_assert_num_queries):
    ind = get("service.requests_received")
    with django_assert_num_queries(1):
        rows = ind.by_child(svc.d.root.path, len(svc.d.town.path), P)
    assert rows == {svc.d.town.path: 4, svc.d.town2.path: 1}


def test_dashboard_panel_funnel_warnings_and_overdue(svc, data):
    """The requests panel of the dashboard: how far the period's requests got (cumulative, in
    loop order), the warning colours of the open ones and the red ones listed."""
    from zuofeng.core.models import Warning
    from zuofeng.dashboard import panels

    (panel,) = [p for p in panels.panels() if p.key == "requests"]
    assert panel.funnel(svc.d.root, P) == [
        ("已提交", 5),
        ("已受理", 5),
        ("已交办", 5),
        ("已签收", 4),
        ("办理中", 4),
        ("已办结", 4),
        ("已评价", 3),
        ("已关闭", 0),
    ]
    r4 = data[3]
    ServiceRequest.objects.filter(pk=r4.pk).update(warning=Warning.RED)
    assert [r.pk for r in panel.overdue(svc.d.root)] == [r4.pk]
    assert panel.overdue(svc.d.town) == []
    assert panel.warnings(svc.d.root)[0] == ("red", "红灯", 1)
