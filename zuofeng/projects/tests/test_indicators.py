"""Indicators on hand-built records, each value computed by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from zuofeng.core import indicators as registry
from zuofeng.core.indicators import IndicatorError, Period
from zuofeng.orgs.models import SEGMENT
from zuofeng.projects import approvals, services
from zuofeng.projects.models import LedgerCategory, Milestone, Project

D = dt.date
P = Period(D(2025, 3, 1), D(2025, 9, 30))
KEYS = {
    "projects.started",
    "projects.completed",
    "projects.on_time_rate",
    "projects.beneficiaries",
    "projects.progress_avg",
    "programmes.enrolments",
    "approvals.cases",
    "approvals.avg_working_days",
    "approvals.cycle_reduction_rate",
    "approvals.days_saved",
    "approvals.parallel_steps",
    "village.collective_income",
    "village.income_growth",
}


def v(key, org, **filters):
    return registry.get(key).value(org.path, P, filters)


def test_exactly_the_issue_keys_are_registered(db):
    mine = {
        k
        for k in registry.registry()
        if k.split(".")[0] in ("projects", "programmes", "approvals", "village")
    }
    assert mine == KEYS


@pytest.fixture
def projects(district, kinds):
    def make(title, owner, start, due, kind="民生实事项目", **kw):
        return services.project_create(
            actor=None,
            kind=kinds[kind],
            title=title,
            owner=owner,
            start_date=start,
            due_date=due,
            **kw,
        )

    d = district
    a = make("A", d.town, D(2025, 3, 5), D(2025, 6, 30), beneficiaries=100)
    b = make("B", d.v1, D(2025, 4, 1), D(2025, 5, 31), beneficiaries=40)
    c = make("C", d.town2, D(2025, 5, 1), D(2025, 12, 31), kind="机关效能项目")
    old = make("old", d.town, D(2024, 3, 1), D(2024, 6, 30))
    Project.objects.filter(pk=old.pk).update(state="accepted", completed_date=D(2024, 6, 20))
    # A completed on time, B late (after an extension: still late), C running.
    Project.objects.filter(pk=a.pk).update(state="completed", completed_date=D(2025, 6, 20))
    Project.objects.filter(pk=b.pk).update(
        state="accepted", completed_date=D(2025, 7, 10), deadline=D(2025, 7, 31)
    )
    m = services.milestone_add(actor=None, project=c, name="一", deadline=D(2025, 6, 1), weight=1)
    services.milestone_add(actor=None, project=c, name="二", deadline=D(2025, 11, 1), weight=3)
    Milestone.objects.filter(pk=m.pk).update(state="done", done_date=D(2025, 6, 1))
    return a, b, c


def test_project_indicators(district, projects):
    root, town = district.root, district.town
    assert v("projects.started", root) == 3
    assert v("projects.started", root, kind="机关效能项目") == 1
    assert v("projects.started", town) == 2  # A, and B in its village
    assert v("projects.completed", root) == 2
    assert v("projects.on_time_rate", root) == 0.5
    assert v("projects.beneficiaries", root) == 140
    # A and B have no milestones and are done (1, 1); C has 1 of 4 weight done by 30 Sept.
    assert v("projects.progress_avg", root) == round((1 + 1 + 0.25) / 3, 4)
    assert v("projects.progress_avg", root, kind="机关效能项目") == 0.25
    width = len(root.path) + SEGMENT
    assert registry.get("projects.started").by_child(root.path, width, P) == {
        town.path: 2,
        district.town2.path: 1,
    }
    with pytest.raises(IndicatorError):
        v("projects.started", root, kind="没有这种")


def test_enrolments_and_capacity(district):
    from django.core.exceptions import ValidationError

    prog = services.programme_create(
        actor=None,
        code="P1",
        name="暑期托班",
        unit=district.dept,
        start_date=D(2025, 7, 1),
        end_date=D(2025, 7, 31),
        capacity=2,
        category="托班",
    )
    services.enrol(
        actor=None,
        programme=prog,
        name="小明",
        age=6,
        phone="13812345678",
        enrolled_on=D(2025, 6, 20),
    )
    services.enrol(actor=None, programme=prog, name="小红", enrolled_on=D(2025, 2, 20))
    with pytest.raises(ValidationError) as e:
        services.enrol(actor=None, programme=prog, name="小刚", enrolled_on=D(2025, 6, 21))
    assert "名额已满" in str(e.value)
    e1 = prog.enrolments.get(name="小明")
    assert e1.phone_masked == "138****5678" and "13812345678" not in e1.phone_enc
    assert v("programmes.enrolments", district.dept) == 1
    assert v("programmes.enrolments", district.town) == 0


def test_approval_indicators(district):
    d = district
    m = approvals.matter_create(actor=None, name="开工一件事", owner=d.dept, groups=[])

    def case(number, steps, submitted=D(2025, 6, 2)):
        c = approvals.case_create(
            actor=None, number=number, matter=m, applicant="甲", submitted_date=submitted
        )
        for name, dept, group, start, end, statute in steps:
            approvals.step_add(
                actor=None,
                case=c,
                name=name,
                department=dept,
                parallel_group=group,
                start_date=start,
                end_date=end,
                statutory_days=statute,
            )
        return approvals.case_close(actor=None, case=c)

    # Mon 2 June → Fri 6 June = 4 working days; 9 → 13 June = 4; 9 → 11 June = 2.
    c1 = case(
        "K1",
        [
            ("受理", d.dept, None, D(2025, 6, 2), D(2025, 6, 6), 5),
            ("规划", d.town, 1, D(2025, 6, 9), D(2025, 6, 13), 20),
            ("施工", d.v1, 1, D(2025, 6, 9), D(2025, 6, 11), 15),
        ],
    )
    assert (c1.actual_days, c1.baseline_days) == (8, 40)
    c2 = case("K2", [("受理", d.town2, None, D(2025, 6, 2), D(2025, 6, 6), 10)])
    assert (c2.actual_days, c2.baseline_days) == (4, 10)
    case(
        "K3", [("受理", d.dept, None, D(2025, 10, 9), D(2025, 10, 10), 5)], submitted=D(2025, 10, 9)
    )  # finished after the period
    root = d.root
    assert v("approvals.cases", root) == 2
    assert v("approvals.cases", d.town) == 1
    assert v("approvals.avg_working_days", root) == 6.0
    assert v("approvals.cycle_reduction_rate", root) == round(1 - 12 / 50, 4)
    assert v("approvals.days_saved", root) == 38
    assert v("approvals.days_saved", d.town2) == 6
    assert v("approvals.parallel_steps", root) == 2
    assert v("approvals.parallel_steps", d.dept) == 2  # K1 passed through it
    assert v("approvals.parallel_steps", d.town2) == 0
    assert v("approvals.cases", root, matter="开工一件事") == 2
    width = len(root.path) + SEGMENT
    assert registry.get("approvals.days_saved").by_child(root.path, width, P) == {
        d.dept.path: 32,
        d.town.path: 32,
        d.town2.path: 6,
    }
    assert registry.get("approvals.parallel_steps").by_child(root.path, width, P) == {
        d.dept.path: 2,
        d.town.path: 2,
    }


def test_village_income_and_growth(district):
    cat = LedgerCategory.objects.get(name="项目分红")
    add = services.ledger_add
    add(
        actor=None,
        village=district.v1,
        date=D(2024, 5, 1),
        direction="income",
        category=cat,
        amount=Decimal("50000"),
    )
    add(
        actor=None,
        village=district.v1,
        date=D(2025, 5, 1),
        direction="income",
        category=cat,
        amount=Decimal("180000"),
    )
    add(
        actor=None,
        village=district.v1,
        date=D(2025, 8, 1),
        direction="income",
        category=cat,
        amount=Decimal("70000"),
    )
    add(
        actor=None,
        village=district.v1,
        date=D(2025, 8, 2),
        direction="expense",
        category=cat,
        amount=Decimal("9000"),
    )
    add(
        actor=None,
        village=district.v1,
        date=D(2025, 11, 2),
        direction="income",
        category=cat,
        amount=Decimal("1000"),
    )
    assert v("village.collective_income", district.v1) == Decimal("250000")
    assert v("village.income_growth", district.v1) == Decimal("200000")
    assert v("village.income_growth", district.town) == Decimal("200000")
    assert v("village.income_growth", district.town2) == 0
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as e:
        add(
            actor=None,
            village=district.v1,
            date=D(2025, 8, 1),
            direction="income",
            category=cat,
            amount=Decimal("-5"),
        )
    assert "金额须大于0" in str(e.value)
