"""The problem loop: every (state, action, role) triple, the verifier rule, the sweeper."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import Http404

from zuofeng.core.errors import Conflict
from zuofeng.core.loops import TransitionNotAllowed, events_for
from zuofeng.core.models import AuditEntry, TimelineEvent
from zuofeng.orgs.choices import Role
from zuofeng.rectify import services, sweeps
from zuofeng.rectify.choices import ProblemState as S
from zuofeng.rectify.models import Problem, ProblemSource
from zuofeng.rectify.transitions import PROBLEM_LOOP

TODAY = dt.date(2025, 6, 2)  # a Monday
PDF = b"%PDF-1.4 evidence"


@pytest.fixture
def frozen():
    with time_machine.travel(dt.datetime(2025, 6, 2, 9, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def people(district, make_user):
    return {
        Role.LEAD_OFFICE: make_user("lead", (Role.LEAD_OFFICE, district.root)),
        Role.INSPECTOR: make_user("insp", (Role.INSPECTOR, district.root)),
        Role.UNIT_ADMIN: make_user("unit", (Role.UNIT_ADMIN, district.town)),
        Role.BRANCH_SECRETARY: make_user("sec", (Role.BRANCH_SECRETARY, district.v1)),
        Role.LEADER: make_user("leader", (Role.LEADER, district.root)),
        Role.GRID_CADRE: make_user("grid", (Role.GRID_CADRE, district.town)),
    }


def _problem(district, state=S.REGISTERED, found=TODAY, **extra) -> Problem:
    p = services.problem_register(
        actor=None,
        description="公车私用",
        found_date=found,
        source=ProblemSource.objects.get(name="正风肃纪检查"),
        unit=district.v1,
    )
    fields = {"state": state, **extra}
    if state in (S.ASSIGNED, S.RECTIFYING, S.SUBMITTED, S.LONG_TERM):
        fields.setdefault("deadline", TODAY + dt.timedelta(days=30))
    if state == S.CLOSED:
        fields["closed_date"] = TODAY
    if state == S.LONG_TERM:
        fields["review_date"] = TODAY + dt.timedelta(days=90)
    Problem.objects.filter(pk=p.pk).update(**fields)
    p.refresh_from_db()
    return p


DATA = {
    "assign": {"deadline_workdays": 10, "person": "张三"},
    "sign": {},
    "submit": {"result": "已整改到位"},
    "close": {},
    "return": {"reason": "佐证不足"},
    "long_term": {"review_date": TODAY + dt.timedelta(days=60)},
}

ROLES = [
    Role.LEAD_OFFICE,
    Role.INSPECTOR,
    Role.UNIT_ADMIN,
    Role.BRANCH_SECRETARY,
    Role.LEADER,
    Role.GRID_CADRE,
]
TRIPLES = [
    (state, action, role)
    for state in S
    for action in sorted(PROBLEM_LOOP.actions)
    for role in ROLES
]


@pytest.mark.parametrize(("state", "action", "role"), TRIPLES)
def test_every_state_action_role(frozen, district, people, state, action, role):
    """Given a problem in `state`, when `role` applies `action`, then it moves exactly as the
    table says — or nothing changes and nothing is audited."""
    problem = _problem(district, state)
    if action == "submit":
        problem.evidence.create(
            name="a.pdf", content_type="application/pdf", size=3, sha256="0" * 64, file="evidence/x"
        )
    t = PROBLEM_LOOP.transition(state, action)
    before = (AuditEntry.objects.count(), TimelineEvent.objects.count())
    if t is not None and role in t.roles:
        done = services.problem_transition(
            actor=people[role], problem=problem, action=action, **DATA[action]
        )
        assert done.state == t.target
        assert done.version == problem.version + 1
        entry = AuditEntry.objects.order_by("-seq").first()
        assert entry.action == f"problem.{action}"
        assert entry.before["state"] == state and entry.after["state"] == t.target
        event = events_for(done).order_by("-id").first()
        assert (event.action, event.from_state, event.to_state) == (action, state, t.target)
    else:
        expected = TransitionNotAllowed if t is None else PermissionDenied
        with pytest.raises(expected):
            services.problem_transition(
                actor=people[role], problem=problem, action=action, **DATA[action]
            )
        problem.refresh_from_db()
        assert problem.state == state
        assert (AuditEntry.objects.count(), TimelineEvent.objects.count()) == before


def test_assign_sets_deadline_in_working_days_across_holidays(district, people):
    with time_machine.travel(dt.datetime(2025, 9, 30, 9, 0, tzinfo=dt.UTC), tick=False):
        problem = _problem(district)
        done = services.problem_transition(
            actor=people[Role.LEAD_OFFICE], problem=problem, action="assign", deadline_workdays=2
        )
    # 2025-10-01..08 is the National Day holiday; 10-09 and 10-10 are the two working days.
    assert done.deadline == dt.date(2025, 10, 10)
    assert done.assigned_date == dt.date(2025, 9, 30)


def test_submit_needs_evidence(frozen, district, people):
    problem = _problem(district, S.RECTIFYING)
    with pytest.raises(ValidationError) as exc:
        services.problem_transition(
            actor=people[Role.UNIT_ADMIN], problem=problem, action="submit", result="done"
        )
    assert "evidence" in exc.value.message_dict
    problem.refresh_from_db()
    assert problem.state == S.RECTIFYING


def test_return_needs_a_reason(frozen, district, people):
    problem = _problem(district, S.SUBMITTED)
    with pytest.raises(ValidationError):
        services.problem_transition(
            actor=people[Role.LEAD_OFFICE], problem=problem, action="return"
        )
    assert Problem.objects.get(pk=problem.pk).state == S.SUBMITTED


def test_verifier_from_the_responsible_unit_is_refused(frozen, district, make_user):
    unit_lead = make_user("unit_lead", (Role.LEAD_OFFICE, district.v1))
    problem = _problem(district, S.SUBMITTED)
    with pytest.raises(PermissionDenied):
        services.problem_transition(actor=unit_lead, problem=problem, action="close")
    assert Problem.objects.get(pk=problem.pk).state == S.SUBMITTED


def test_out_of_scope_actor_gets_404(frozen, district, make_user):
    other = make_user("other", (Role.UNIT_ADMIN, district.town2))
    problem = _problem(district, S.ASSIGNED)
    with pytest.raises(Http404):
        services.problem_transition(actor=other, problem=problem, action="sign")


def test_stale_version_conflicts(frozen, district, people):
    problem = _problem(district, S.ASSIGNED)
    services.problem_transition(
        actor=people[Role.UNIT_ADMIN], problem=problem, action="sign", version=problem.version
    )
    with pytest.raises(TransitionNotAllowed):
        services.problem_transition(
            actor=people[Role.UNIT_ADMIN], problem=problem, action="sign", version=problem.version
        )
    fresh = Problem.objects.get(pk=problem.pk)
    with pytest.raises(Conflict):
        services.problem_transition(
            actor=people[Role.UNIT_ADMIN],
            problem=fresh,
            action="submit",
            version=problem.version,
            result="x",
        )


def test_deadline_before_found_date_is_refused(frozen, district, people):
    problem = _problem(district)
    with pytest.raises(ValidationError):
        services.problem_transition(
            actor=people[Role.LEAD_OFFICE],
            problem=problem,
            action="assign",
            deadline=TODAY - dt.timedelta(days=1),
        )
    assert Problem.objects.get(pk=problem.pk).state == S.REGISTERED


def test_full_loop_with_evidence_upload(frozen, district, people):
    problem = _problem(district)
    lead, unit = people[Role.LEAD_OFFICE], people[Role.UNIT_ADMIN]
    problem = services.problem_transition(
        actor=lead, problem=problem, action="assign", deadline_workdays=5
    )
    problem = services.problem_transition(actor=unit, problem=problem, action="sign")
    services.evidence_add(
        actor=unit, problem=problem, upload=SimpleUploadedFile("整改报告.pdf", PDF)
    )
    problem = services.problem_transition(
        actor=unit, problem=problem, action="submit", result="已退回车辆"
    )
    problem = services.problem_transition(actor=lead, problem=problem, action="close")
    assert (problem.state, problem.closed_date, problem.verifier) == (S.CLOSED, TODAY, lead)
    actions = list(events_for(problem).values_list("action", flat=True))
    assert actions == ["register", "assign", "sign", "evidence", "submit", "close"]


def test_evidence_type_is_checked_by_content(frozen, district, people):
    problem = _problem(district, S.RECTIFYING)
    with pytest.raises(ValidationError):
        services.evidence_add(
            actor=people[Role.UNIT_ADMIN],
            problem=problem,
            upload=SimpleUploadedFile("report.pdf", b"MZ\x90 not a pdf"),
        )
    assert problem.evidence.count() == 0


def test_generated_numbers(frozen, district):
    first, second = _problem(district), _problem(district)
    assert (first.number, second.number) == ("ZG-2025-00001", "ZG-2025-00002")


def test_sweep_colours_and_breaches_idempotently(district):
    base, found = dt.date(2025, 6, 2), dt.date(2025, 4, 1)
    far = _problem(district, S.RECTIFYING, found=found, deadline=base + dt.timedelta(days=30))
    green = _problem(district, S.RECTIFYING, found=found, deadline=base + dt.timedelta(days=15))
    yellow = _problem(district, S.ASSIGNED, found=found, deadline=base + dt.timedelta(days=10))
    red = _problem(district, S.SUBMITTED, found=found, deadline=base - dt.timedelta(days=1))
    closed = _problem(district, S.CLOSED, found=found, deadline=base - dt.timedelta(days=5))
    first = sweeps.sweep(base)
    colours = dict(Problem.objects.values_list("pk", "warning"))
    assert colours == {
        far.pk: "",
        green.pk: "green",
        yellow.pk: "yellow",
        red.pk: "red",
        closed.pk: "",
    }
    assert first.breached == [red.pk]
    assert Problem.objects.get(pk=red.pk).overdue_since == base
    events = TimelineEvent.objects.filter(action="overdue").count()
    second = sweeps.sweep(base)
    assert sum(second.recoloured.values()) == 0 and second.breached == []
    assert TimelineEvent.objects.filter(action="overdue").count() == events == 1


# SQLite's in-memory test database is shared-cache: its table locks fail at once instead of
# waiting (busy_timeout does not apply), so two writers cannot meet there. A deployment's file
# database with WAL queues them; PostgreSQL runs this test in `make test`.
@pytest.mark.skipif(
    connection.vendor == "sqlite", reason="concurrent writers need PostgreSQL or a file database"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sweepers_at_once_record_each_breach_once():
    """Two workers sweep at the same moment: every colour set once, every breach recorded
    once (the per-row compare-and-swap), whichever worker gets there first."""
    import threading

    from zuofeng.orgs.tests.factories import build_small_district

    d = build_small_district()
    base, found = dt.date(2025, 6, 2), dt.date(2025, 4, 1)
    late = [
        _problem(d, S.RECTIFYING, found=found, deadline=base - dt.timedelta(days=n))
        for n in range(1, 9)
    ]
    _problem(d, S.ASSIGNED, found=found, deadline=base + dt.timedelta(days=5))
    barrier = threading.Barrier(2)
    results, errors = [], []

    def worker():
        try:
            barrier.wait(10)
            results.append(sweeps.sweep(base))
        except Exception as exc:  # a failure in a thread must fail the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sorted(pk for r in results for pk in r.breached) == sorted(p.pk for p in late)
    assert TimelineEvent.objects.filter(action="overdue").count() == len(late)
    assert set(
        Problem.objects.filter(pk__in=[p.pk for p in late]).values_list("warning", flat=True)
    ) == {"red"}
    assert sweeps.sweep(base).breached == []


def test_warning_thresholds_are_settings(district, settings):
    settings.WARNING_GREEN_DAYS, settings.WARNING_YELLOW_DAYS = 40, 30
    base = dt.date(2025, 6, 2)
    p = _problem(
        district, S.RECTIFYING, found=dt.date(2025, 4, 1), deadline=base + dt.timedelta(days=25)
    )
    sweeps.sweep(base)
    assert Problem.objects.get(pk=p.pk).warning == "yellow"
