"""Escalation notices: proposed by the sweeper as a problem stays overdue, issued step by step."""

from __future__ import annotations

import datetime as dt

import pytest
import requests
from django.core.exceptions import PermissionDenied, ValidationError

from zuofeng.core.models import AuditEntry
from zuofeng.rectify import services, sweeps
from zuofeng.rectify.models import EscalationNotice, Problem, ProblemSource

D = dt.date


def _overdue(unit, deadline) -> Problem:
    p = services.problem_register(
        actor=None,
        description="x",
        found_date=D(2025, 3, 1),
        unit=unit,
        source=ProblemSource.objects.get(name="自查"),
    )
    Problem.objects.filter(pk=p.pk).update(state="rectifying", deadline=deadline)
    return p


def proposed(p: Problem) -> int:
    return Problem.objects.get(pk=p.pk).notice_proposed


def test_sweeper_proposes_the_next_notice_idempotently(district):
    today = D(2025, 6, 30)
    fresh = _overdue(district.v1, today - dt.timedelta(days=1))
    ten = _overdue(district.v1, today - dt.timedelta(days=11))
    month = _overdue(district.v1, today - dt.timedelta(days=31))
    not_due = _overdue(district.v1, today)
    sweeps.sweep(today)
    assert [proposed(p) for p in (fresh, ten, month, not_due)] == [1, 2, 4, 0]
    assert sweeps.sweep(today).recoloured["notices proposed"] == 0
    # Once 提醒书 is issued, a problem 10 days late is proposed nothing lower.
    services.notice_issue(actor=None, problem=ten, level=2, text="请于五日内整改到位")
    sweeps.sweep(today)
    assert proposed(ten) == 0
    sweeps.sweep(today + dt.timedelta(days=10))
    assert proposed(ten) == 3


def test_notices_go_up_one_way(district, make_user):
    lead = make_user("lead", ("lead_office", district.root))
    unit = make_user("unit", ("unit_admin", district.town))
    p = _overdue(district.v1, D(2025, 5, 1))
    services.notice_issue(actor=lead, problem=p, level=2)
    before = (EscalationNotice.objects.count(), AuditEntry.objects.count())
    with pytest.raises(ValidationError):
        services.notice_issue(actor=lead, problem=p, level=1)
    with pytest.raises(PermissionDenied):
        services.notice_issue(actor=unit, problem=p, level=3)
    Problem.objects.filter(pk=p.pk).update(state="closed", closed_date=D(2025, 6, 1))
    with pytest.raises(ValidationError):
        services.notice_issue(actor=lead, problem=p, level=3)
    assert (EscalationNotice.objects.count(), AuditEntry.objects.count()) == before
    assert AuditEntry.objects.filter(action="problem.notice").get().after["notice"] == "提醒书"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_notice_over_http_and_page(live_server, client):
    from zuofeng.orgs import services as org_services
    from zuofeng.orgs.tests.factories import build_small_district, make_user

    d = build_small_district()
    lead = make_user("lead", ("lead_office", d.root))
    p = _overdue(d.v1, D(2025, 5, 1))
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {org_services.token_create(actor=None, user=lead)}"
    url = f"{live_server.url}/api/v1/problems/{p.pk}/notices"
    r = http.post(url, json={"level": 1, "text": "督办"}, timeout=10)
    assert r.status_code == 201 and r.json()["notices"][0]["level"] == 1
    assert http.post(url, json={"level": 1}, timeout=10).status_code == 422
    assert http.post(url, json={"level": 9}, timeout=10).status_code == 422
    client.force_login(lead)
    client.post(f"/problems/{p.pk}/notice/", {"level": 3, "text": "告诫"})
    assert Problem.objects.get(pk=p.pk).notice_level == 3
    assert "告诫书" in client.get(f"/problems/{p.pk}/").content.decode()
    http.close()


def test_established_rules(district, make_user):
    lead = make_user("lead", ("lead_office", district.root))
    grid = make_user("grid", ("grid_cadre", district.town))
    p = _overdue(district.v1, D(2025, 5, 1))
    rule = services.rule_add(
        actor=lead,
        problem=p,
        title="村级小微权力清单",
        doc_number="东村委〔2025〕3号",
        issued_on=D(2025, 6, 1),
    )
    assert list(p.rules.values_list("title", flat=True)) == [rule.title]
    assert AuditEntry.objects.filter(action="problem.rule").get().after["doc_number"] == (
        "东村委〔2025〕3号"
    )
    with pytest.raises(PermissionDenied):
        services.rule_add(actor=grid, problem=p, title="x", issued_on=D(2025, 6, 1))
    with pytest.raises(ValidationError):
        services.rule_add(actor=lead, problem=p, title="x", issued_on=D(2099, 1, 1))
    assert p.rules.count() == 1
