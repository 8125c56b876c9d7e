"""Inspections (正风肃纪检查): recorded against target units, findings pushed into the ledger."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from zuofeng.core.indicators import Period
from zuofeng.core.models import AuditEntry
from zuofeng.dashboard.selectors import figures
from zuofeng.rectify import services
from zuofeng.rectify.models import Campaign, Inspection, Problem

D = dt.date


@pytest.fixture
def people(district, make_user):
    return {
        "lead": make_user("lead", ("lead_office", district.root)),
        "insp": make_user("insp", ("inspector", district.town)),
        "unit": make_user("unit", ("unit_admin", district.town)),
    }


def test_inspection_and_its_findings(district, people):
    d = district
    campaign = Campaign.objects.get(name="校园餐")
    inspection = services.inspection_create(
        actor=people["lead"],
        date=D(2025, 5, 8),
        team="区纪委第二检查组",
        method="covert",
        targets=[d.town, d.dept],
        campaign=campaign,
    )
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.action == "inspection.create" and entry.after["targets"] == ["DA", "T"]
    problem = services.inspection_add_finding(
        actor=people["lead"], inspection=inspection, unit=d.v1, description="食堂账目不清"
    )
    assert (problem.source.name, problem.found_date, problem.campaign, problem.inspection) == (
        "正风肃纪检查",
        D(2025, 5, 8),
        campaign,
        inspection,
    )
    with pytest.raises(ValidationError):  # not an inspected unit, nor below one
        services.inspection_add_finding(
            actor=people["lead"], inspection=inspection, unit=d.w1, description="x"
        )
    assert Problem.objects.count() == 1


def test_scope_and_roles(district, people):
    d = district
    before = (Inspection.objects.count(), AuditEntry.objects.count())
    with pytest.raises(Http404):  # the town's inspector cannot reach the other town
        services.inspection_create(
            actor=people["insp"], date=D(2025, 5, 8), team="t", method="open", targets=[d.town2]
        )
    with pytest.raises(PermissionDenied):  # a unit administrator does not inspect
        services.inspection_create(
            actor=people["unit"], date=D(2025, 5, 8), team="t", method="open", targets=[d.town]
        )
    with pytest.raises(ValidationError):
        services.inspection_create(
            actor=people["insp"], date=D(2025, 5, 8), team="t", method="open", targets=[]
        )
    assert (Inspection.objects.count(), AuditEntry.objects.count()) == before


def test_inspections_indicator_counts_each_inspection_once(district):
    d = district
    for day, targets in (
        (D(2025, 4, 1), [d.v1, d.v2]),
        (D(2025, 5, 1), [d.w1]),
        (D(2025, 7, 1), [d.v1]),
    ):
        services.inspection_create(actor=None, date=day, team="组", method="open", targets=targets)
    q2 = Period(D(2025, 4, 1), D(2025, 6, 30))

    def n(scope):
        (figure,) = figures(scope, q2, ["rectify.inspections"])
        return figure.value

    assert (n(d.root), n(d.town), n(d.town2), n(d.dept)) == (2, 1, 1, 0)


def test_inspection_pages(client, district, people):
    client.force_login(people["lead"])
    response = client.post(
        "/inspections/new/",
        {"date": "2025-05-08", "team": "第一检查组", "method": "open", "targets": "T、U"},
    )
    inspection = Inspection.objects.get()
    assert response.status_code == 302 and response.url == f"/inspections/{inspection.pk}/"
    client.post(f"/inspections/{inspection.pk}/", {"unit": "U1", "description": "村务公开滞后"})
    assert inspection.problems.get().unit.code == "U1"
    assert "村务公开滞后" in client.get(f"/inspections/{inspection.pk}/").content.decode()
    bad = client.post(
        "/inspections/new/",
        {"date": "2025-05-08", "team": "x", "method": "open", "targets": "T、NOPE"},
    )
    assert bad.status_code == 200 and Inspection.objects.count() == 1
    client.logout()
    client.force_login(people["unit"])
    assert client.get(f"/inspections/{inspection.pk}/").status_code == 200
    assert (
        client.post(
            f"/inspections/{inspection.pk}/", {"unit": "T1", "description": "x"}
        ).status_code
        == 403
    )
    assert client.get("/inspections/new/").status_code == 403


def test_campaign_page_counts(client, district, people, django_assert_max_num_queries):
    d = district
    campaign = Campaign.objects.get(name="校园餐")
    inspection = services.inspection_create(
        actor=None,
        date=D(2025, 5, 8),
        team="组",
        method="open",
        targets=[d.town],
        campaign=campaign,
    )
    services.inspection_add_finding(
        actor=None, inspection=inspection, unit=d.v1, description="食堂账目不清"
    )
    client.force_login(people["unit"])
    client.get("/campaigns/")
    with django_assert_max_num_queries(10):
        page = client.get("/campaigns/").content.decode()
    link = f'<a href="/problems/?campaign={campaign.pk}">校园餐</a>'
    row = f'{link}</td><td></td><td class="num">1</td>'
    assert row in page
