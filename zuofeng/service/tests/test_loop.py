"""The request loop: every (state, action) pair, roles, limits, SLA across holidays, sweeps."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from zuofeng.core.calendar import WorkCalendar
from zuofeng.core.loops import TransitionNotAllowed, events_for
from zuofeng.core.models import AuditEntry
from zuofeng.service import services, sweeps
from zuofeng.service.choices import RequestState as S
from zuofeng.service.models import RequestAssignment, ServiceRequest
from zuofeng.service.services import deadlines, sla_for
from zuofeng.service.tests.conftest import submit
from zuofeng.service.transitions import REQUEST_LOOP

MON = dt.date(2025, 6, 2)


def go(svc, r, action, actor=None, today=MON, **data):
    return services.request_transition(actor=actor, request=r, action=action, today=today, **data)


def walk_to(svc, state, **kw):
    """A request moved through the loop by the right people up to `state`."""
    r = submit(svc, **kw)
    u = svc.u
    steps = [
        ("accept", u.desk, {}),
        ("assign", u.desk, {"unit": svc.d.town}),
        ("sign", u.unit, {}),
        ("start", u.unit, {}),
        ("resolve", u.unit, {"resolution": "已解决", "funds": "1000"}),
        ("rate", u.grid, {"satisfaction": "satisfied"}),
        ("close", u.desk, {}),
    ]
    order = [s.value for s in S]
    for action, actor, data in steps:
        if r.state == state:
            break
        r = go(svc, r, action, actor, **data)
    assert r.state == state or order.index(state) == 0
    return r


EXPECTED = {
    (S.SUBMITTED, "accept"): S.ACCEPTED,
    (S.ACCEPTED, "assign"): S.ASSIGNED,
    (S.ASSIGNED, "sign"): S.SIGNED,
    (S.ASSIGNED, "return"): S.ACCEPTED,
    (S.ASSIGNED, "supervise"): S.ASSIGNED,
    (S.SIGNED, "start"): S.HANDLING,
    (S.SIGNED, "extend"): S.SIGNED,
    (S.SIGNED, "approve_extension"): S.SIGNED,
    (S.SIGNED, "resolve"): S.RESOLVED,
    (S.SIGNED, "supervise"): S.SIGNED,
    (S.HANDLING, "extend"): S.HANDLING,
    (S.HANDLING, "approve_extension"): S.HANDLING,
    (S.HANDLING, "resolve"): S.RESOLVED,
    (S.HANDLING, "supervise"): S.HANDLING,
    (S.RESOLVED, "rate"): S.RATED,
    (S.RESOLVED, "close"): S.CLOSED,
    (S.RATED, "redo"): S.HANDLING,
    (S.RATED, "close"): S.CLOSED,
}


def test_loop_table_is_exactly_the_expected_one():
    table = {(s, t.action): t.target for t in REQUEST_LOOP.transitions for s in t.sources}
    assert table == EXPECTED


@pytest.mark.parametrize("state", [s.value for s in S])
@pytest.mark.parametrize("action", sorted({a for _s, a in EXPECTED}))
def test_every_pair_outside_the_table_is_refused(svc, state, action):
    if (state, action) in EXPECTED:
        pytest.skip("allowed pair: covered by the walk tests")
    r = walk_to(svc, state)
    with pytest.raises(TransitionNotAllowed):
        go(
            svc,
            r,
            action,
            None,
            reason="x",
            note="x",
            days=1,
            unit=svc.d.town,
            resolution="x",
            satisfaction="satisfied",
        )
    assert ServiceRequest.objects.get(pk=r.pk).state == state


def test_full_walk_records_dates_history_timeline_and_audit(svc):
    r = walk_to(svc, S.CLOSED)
    assert (r.assigned_date, r.sign_deadline, r.deadline) == (
        MON,
        dt.date(2025, 6, 3),
        dt.date(2025, 6, 9),
    )
    assert r.signed_date == r.resolved_date == r.closed_date == MON
    assert str(r.funds) == "1000.00" and r.satisfaction == "satisfied"
    assert r.rated_by == "callback"
    actions = [e.action for e in events_for(r)]
    assert actions == ["submit", "accept", "assign", "sign", "start", "resolve", "rate", "close"]
    assert (
        AuditEntry.objects.filter(action="service_request.close", object_id=str(r.pk)).count() == 1
    )
    assert list(RequestAssignment.objects.filter(request=r).values_list("unit", "role")) == [
        (svc.d.town.pk, "lead")
    ]


def test_roles_front_desk_and_unit(svc):
    r = walk_to(svc, S.SUBMITTED)
    with pytest.raises(Http404):
        go(svc, r, "accept", svc.u.unit)  # not yet the town's: out of its view
    with pytest.raises(PermissionDenied):
        go(svc, r, "accept", svc.u.leader)  # in view, without the role
    r = walk_to(svc, S.ASSIGNED)
    with pytest.raises(PermissionDenied):
        go(svc, r, "sign", svc.u.desk)  # the front desk cannot sign for the unit
    with pytest.raises(Http404):
        go(svc, r, "sign", svc.u.other)  # another town does not see it
    with pytest.raises(PermissionDenied):
        go(svc, r, "sign", svc.u.leader)
    assert ServiceRequest.objects.get(pk=r.pk).state == S.ASSIGNED


def test_return_within_limit_then_reassign_keeps_history(svc):
    r = walk_to(svc, S.ASSIGNED)
    with pytest.raises(ValidationError):
        go(svc, r, "return", svc.u.unit, today=dt.date(2025, 6, 5), reason="非本单位职责")
    r = go(svc, r, "return", svc.u.unit, today=dt.date(2025, 6, 4), reason="非本单位职责")
    assert (r.state, r.unit, r.returns, r.deadline) == (S.ACCEPTED, svc.d.dept, 1, None)
    r = go(svc, r, "assign", svc.u.desk, unit=svc.d.town2, co_units=[svc.d.town])
    rows = list(
        RequestAssignment.objects.filter(request=r).values_list("unit", "role", "end_reason")
    )
    assert rows == [
        (svc.d.town.pk, "lead", "非本单位职责"),
        (svc.d.town2.pk, "lead", ""),
        (svc.d.town.pk, "co", ""),
    ]
    with pytest.raises(ValidationError):
        go(svc, r, "return", svc.u.other)  # a reason is required
    # The co-handler still sees it.
    assert ServiceRequest.objects.within([svc.d.town.path]).filter(pk=r.pk).exists()


def test_within_holder_front_desk_and_co_handler(svc):
    """`within` is an OR of three indexed conditions; each one alone brings a request in."""
    d = svc.d
    submitted = submit(svc)  # held by its front desk (the department) until assigned
    r = go(svc, go(svc, submit(svc), "accept", svc.u.desk), "assign", svc.u.desk, unit=d.town2)
    co = walk_to(svc, S.ACCEPTED)
    co = go(svc, co, "assign", svc.u.desk, unit=d.town2, co_units=[d.v1])

    def seen(path):
        return set(ServiceRequest.objects.within([path]).values_list("pk", flat=True))

    assert {submitted.pk, r.pk, co.pk} <= seen(d.dept.path)  # holder, or its front desk
    assert {r.pk, co.pk} <= seen(d.town2.path) and submitted.pk not in seen(d.town2.path)
    assert seen(d.v1.path) == {co.pk}  # a co-handler only
    assert seen(d.dept_branch.path) == set()
    assert seen(d.root.path) == set(ServiceRequest.objects.values_list("pk", flat=True))


def test_extension_before_deadline_within_limit_approved_by_front_desk(svc):
    r = walk_to(svc, S.HANDLING)  # deadline 2025-06-09
    with pytest.raises(ValidationError):
        go(svc, r, "extend", svc.u.unit, today=dt.date(2025, 6, 10), days=3, reason="需现场踏勘")
    with pytest.raises(ValidationError):
        go(svc, r, "extend", svc.u.unit, days=11, reason="需现场踏勘")
    r = go(svc, r, "extend", svc.u.unit, days=6, reason="需现场踏勘")
    assert r.extension_pending == 6 and r.deadline == dt.date(2025, 6, 9)
    with pytest.raises(PermissionDenied):
        go(svc, r, "approve_extension", svc.u.unit)
    r = go(svc, r, "approve_extension", svc.u.desk)
    # 6 working days after Mon 9 June: 10, 11, 12, 13, 16, 17.
    assert (r.deadline, r.extension_days, r.extension_pending) == (dt.date(2025, 6, 17), 6, 0)
    with pytest.raises(ValidationError):
        go(svc, r, "extend", svc.u.unit, days=5, reason="再延")  # 6 + 5 > 10
    with pytest.raises(ValidationError):
        go(svc, r, "approve_extension", svc.u.desk)  # nothing pending


def test_redo_once_after_unsatisfied(svc):
    r = walk_to(svc, S.RESOLVED)
    r = go(svc, r, "rate", svc.u.grid, satisfaction="unsatisfied")
    r = go(svc, r, "redo", svc.u.desk, reason="群众不满意", today=dt.date(2025, 6, 3))
    assert (r.state, r.redo_count, r.resolved_date, r.satisfaction) == (S.HANDLING, 1, None, "")
    assert r.deadline == dt.date(2025, 6, 10)
    r = go(svc, r, "resolve", svc.u.unit, resolution="再次办理")
    r = go(svc, r, "rate", svc.u.grid, satisfaction="unsatisfied")
    with pytest.raises(ValidationError):
        go(svc, r, "redo", svc.u.desk, reason="仍不满意")
    assert ServiceRequest.objects.get(pk=r.pk).redo_count == 1


def test_redo_needs_unsatisfied(svc):
    r = walk_to(svc, S.RATED)
    with pytest.raises(ValidationError):
        go(svc, r, "redo", svc.u.desk, reason="x")


def test_supervise_only_when_late(svc):
    r = walk_to(svc, S.HANDLING)
    with pytest.raises(ValidationError):
        go(svc, r, "supervise", svc.u.inspector, note="请加快")
    r = go(svc, r, "supervise", svc.u.inspector, today=dt.date(2025, 6, 10), note="请加快")
    assert r.supervised_count == 1 and r.state == S.HANDLING


def test_negative_funds_refused(svc):
    r = walk_to(svc, S.HANDLING)
    with pytest.raises(ValidationError):
        go(svc, r, "resolve", svc.u.unit, resolution="x", funds="-1")
    assert ServiceRequest.objects.get(pk=r.pk).state == S.HANDLING


def test_requester_both_or_neither_refused(svc):
    with pytest.raises(ValidationError):
        submit(svc, citizen=True, enterprise=svc.enterprise)
    with pytest.raises(ValidationError):
        services.request_submit(
            actor=None, channel="hotline", category=svc.cat["其他"], content="x"
        )
    assert ServiceRequest.objects.count() == 0


def test_citizen_contact_encrypted_and_masked(svc):
    r = submit(svc, citizen=True)
    assert "13812345678" not in r.contact_phone_enc and r.contact_phone == "13812345678"
    assert (r.contact_phone_masked, r.contact_name_masked) == ("138****5678", "张*")


def test_sla_across_national_day_2025(db):
    cal = WorkCalendar({})
    normal, urgent, critical = (sla_for(None, u) for u in ("normal", "urgent", "critical"))
    # Tue 30 Sep 2025: 1-8 Oct off, Sat 11 Oct a working day.
    assert deadlines(cal, dt.date(2025, 9, 30), normal) == (
        dt.date(2025, 10, 9),
        dt.date(2025, 10, 14),
    )
    assert deadlines(cal, dt.date(2025, 9, 30), urgent)[1] == dt.date(2025, 10, 11)
    assert deadlines(cal, dt.date(2025, 9, 30), critical)[1] == dt.date(2025, 9, 30)
    # Assigned on the Sunday 28 Sep working day itself: same day for 特急.
    assert deadlines(cal, dt.date(2025, 9, 28), critical)[1] == dt.date(2025, 9, 28)
    # Assigned during the holiday: counted from the next working day.
    assert deadlines(cal, dt.date(2025, 10, 3), critical)[1] == dt.date(2025, 10, 9)
    assert deadlines(cal, dt.date(2025, 10, 3), normal) == (
        dt.date(2025, 10, 9),
        dt.date(2025, 10, 14),
    )


def test_category_sla_overrides_default(svc):
    from zuofeng.service.models import SlaPolicy

    SlaPolicy.objects.create(category=svc.cat["环评"], urgency="normal", resolve_days=10)
    assert sla_for(svc.cat["环评"], "normal").resolve_days == 10
    assert sla_for(svc.cat["融资"], "normal").resolve_days == 5


def test_sweep_colours_breaches_once_and_is_idempotent(svc):
    late = walk_to(svc, S.HANDLING)  # due 9 June
    fresh = walk_to(svc, S.ASSIGNED)
    ServiceRequest.objects.filter(pk=fresh.pk).update(deadline=dt.date(2025, 6, 12))
    done = walk_to(svc, S.CLOSED)
    first = sweeps.sweep(dt.date(2025, 6, 10))
    assert first.breached == [late.pk]
    colours = dict(ServiceRequest.objects.values_list("pk", "warning"))
    assert colours == {late.pk: "red", fresh.pk: "green", done.pk: ""}
    second = sweeps.sweep(dt.date(2025, 6, 10))
    assert second.breached == [] and sum(second.recoloured.values()) == 0
    assert [e.action for e in events_for(late)].count("overdue") == 1
    sweeps.sweep(dt.date(2025, 6, 11))
    assert ServiceRequest.objects.get(pk=fresh.pk).warning == "yellow"
