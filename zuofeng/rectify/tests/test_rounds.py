"""Rounds of the ledger: closing freezes a snapshot; two rounds compare per unit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from zuofeng.core.indicators import Period
from zuofeng.core.models import AuditEntry
from zuofeng.dashboard.selectors import by_child, figures
from zuofeng.rectify import rounds, services
from zuofeng.rectify.models import Problem, ProblemSource, Round

D = dt.date


def _problem(unit, text="x") -> Problem:
    return services.problem_register(
        actor=None,
        description=text,
        found_date=D(2025, 4, 1),
        unit=unit,
        source=ProblemSource.objects.get(name="自查"),
    )


def _set(problem: Problem, **fields) -> None:
    Problem.objects.filter(pk=problem.pk).update(**fields)


@pytest.fixture
def lead(district, make_user):
    return make_user("lead", ("lead_office", district.root))


def test_round_diff_on_a_crafted_ledger(district, lead):
    d = district
    stays = _problem(d.v1, "延续且不变")
    edited = _problem(d.v1, "延续但改了措施")
    to_close = _problem(d.w1, "将销号")
    closed_before = _problem(d.w1, "已销号")
    _set(closed_before, state="closed", closed_date=D(2025, 4, 20))
    first = rounds.round_open(actor=lead, org=d.root, opened_on=D(2025, 4, 1))
    first = rounds.round_close(actor=lead, round_=first, closed_on=D(2025, 5, 1))
    assert first.entries.count() == 4

    second = rounds.round_open(actor=lead, org=d.root, opened_on=D(2025, 5, 2))
    _set(edited, measures="建立台账每月公示")
    _set(to_close, state="closed", closed_date=D(2025, 5, 20))
    fresh = _problem(d.dept_branch, "新发现")
    second = rounds.round_close(actor=lead, round_=second, closed_on=D(2025, 6, 1))

    # Later edits do not reach a closed round's snapshot.
    _set(stays, measures="之后才改")
    diff = rounds.round_diff(lead, first, second)
    assert diff.new == [fresh.pk]
    assert diff.closed == [to_close.pk]
    assert diff.carried_over == [stays.pk, edited.pk]
    assert diff.changed == [edited.pk]
    assert [(u.unit.code, u.new, u.closed, u.carried_over, u.changed) for u in diff.by_unit] == [
        ("DA1", 1, 0, 0, 0),
        ("T1", 0, 0, 2, 1),
        ("U1", 0, 1, 0, 0),
    ]


def test_one_open_round_and_who_may(district, lead, make_user):
    d = district
    r = rounds.round_open(actor=lead, org=d.root)
    assert (r.number, r.name) == (1, "第1轮")
    with pytest.raises(ValidationError):
        rounds.round_open(actor=lead, org=d.root)
    unit = make_user("unit", ("unit_admin", d.town))
    before = (Round.objects.count(), AuditEntry.objects.count())
    with pytest.raises(Http404):  # the district's round is outside the town's scope
        rounds.round_close(actor=unit, round_=Round.objects.get())
    with pytest.raises(PermissionDenied):
        rounds.round_open(actor=unit, org=d.town)
    assert (Round.objects.count(), AuditEntry.objects.count()) == before
    rounds.round_close(actor=lead, round_=r)
    with pytest.raises(ValidationError):
        rounds.round_close(actor=lead, round_=r)


def test_rounds_closed_indicator_counts_rounds_above_and_below(district, lead):
    d = district
    for org, day in ((d.root, D(2025, 4, 30)), (d.town, D(2025, 5, 31)), (d.root, D(2025, 8, 1))):
        r = rounds.round_open(actor=lead, org=org, opened_on=D(2025, 4, 1))
        rounds.round_close(actor=lead, round_=r, closed_on=day)
    period = Period(D(2025, 3, 1), D(2025, 6, 30))

    def n(scope):
        (figure,) = figures(scope, period, ["rectify.rounds_closed"])
        return figure.value

    assert (n(d.root), n(d.town), n(d.v1), n(d.town2)) == (2, 2, 2, 1)
    assert [(o.code, v) for o, v in by_child(d.root, "rectify.rounds_closed", period)] == [
        ("DA", 1),
        ("T", 2),
        ("U", 1),
    ]


def test_round_pages(client, district, lead):
    client.force_login(lead)
    client.post("/rounds/", {"op": "open", "org": "D"})
    r = Round.objects.get()
    client.post("/rounds/", {"op": "close", "id": r.pk})
    client.post("/rounds/", {"op": "open", "org": "D"})
    client.post("/rounds/", {"op": "close", "id": Round.objects.get(number=2).pk})
    page = client.get("/rounds/").content.decode()
    assert "第1轮" in page and "第2轮" in page
    a, b = Round.objects.order_by("number")
    assert client.get(f"/rounds/diff/?a={a.pk}&b={b.pk}").status_code == 200
    assert client.get("/rounds/diff/?a=x&b=1").status_code == 404


def test_ledger_filtered_by_round(client, district, lead):
    d = district
    kept = _problem(d.v1, "第一轮已有")
    r = rounds.round_open(actor=lead, org=d.root)
    r = rounds.round_close(actor=lead, round_=r)
    _problem(d.v1, "之后才登记")
    client.force_login(lead)
    page = client.get(f"/problems/?round={r.pk}").content.decode()
    assert kept.number in page and "ZG-2025-00002" not in page
