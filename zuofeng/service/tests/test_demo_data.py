"""The demo reproduces the figures of the report's fourth paragraph from its records."""

from __future__ import annotations

import datetime as dt

import pytest

from zuofeng.core.indicators import Period, get
from zuofeng.orgs.models import Org
from zuofeng.service import demo_data
from zuofeng.service.models import ServiceRequest

P = Period(dt.date(2025, 3, 1), dt.date(2025, 9, 30))


@pytest.fixture
def demo_db(db):
    """The demo district (orgs and people through the import), then this app's builder; all
    inside the test's transaction."""
    from zuofeng.core import demo as hooks
    from zuofeng.core.sheets import run_import
    from zuofeng.orgs import demo

    rows = demo.district()
    run_import("orgs", rows.orgs)
    run_import("people", rows.people)
    (builder,) = [b for b in hooks.builders() if b.build.__module__ == demo_data.__name__]
    assert builder.exists() is False
    builder.build()
    assert builder.exists() is True


def v(key, short, **filters):
    org = Org.objects.get(code=demo_data.dept(short))
    return get(key).value(org.path, P, filters)


def test_report_figures(demo_db):
    zone = "杭州湾上虞经开区"
    assert v("service.enterprise_requests_resolved", zone, channel="网格员上报") == 314
    assert v("service.funds_delivered", zone) == 165_000_000
    assert v("service.funds_enterprise_times", zone) == 402
    assert v("service.visits", "生态环境分局") == 146
    assert v("service.enterprise_requests_resolved", "生态环境分局", category="环评") == 97
    assert v("service.enterprise_requests_resolved", "区公安分局", category="涉法涉企") == 52
    police = get("service.enterprise_requests_resolved").records(
        Org.objects.get(code=demo_data.dept("区公安分局")).path, P, {"category": "涉法涉企"}
    )
    assert police.values("enterprise").distinct().count() == 52
    assert v("service.requests_resolved", "区企服中心") == 351
    # The grid cadre's zone has open requests in its queue, some overdue.
    zone_org = Org.objects.get(code=demo_data.dept(zone))
    open_zone = ServiceRequest.objects.filter(
        unit=zone_org, state__in=["assigned", "signed", "handling"]
    )
    assert open_zone.exists()
    assert ServiceRequest.objects.filter(warning="red").exists()
