"""The demo builders on a small district carrying the demo's codes: the report's figures come
out of the records, and the build is deterministic and fast."""

from __future__ import annotations

import time

from zuofeng.core import demo
from zuofeng.core.indicators import Period
from zuofeng.core.indicators import get as indicator
from zuofeng.orgs import demo as district_demo
from zuofeng.orgs.models import Org
from zuofeng.orgs.tests.factories import make_org
from zuofeng.projects import demo_data
from zuofeng.projects.models import ApprovalCase, Milestone, Project

P = Period(demo_data.START, demo_data.END)
D = demo_data


def _district():
    root = make_org("SY", "上虞区委", "district_committee", None)
    codes = {
        D.YOUTH,
        D.PUBLICITY,
        D.SERVICE_CENTRE,
        D.CULTURE,
        D.PLANNING,
        D.HOUSING,
        D.MARKET,
        D.POLICE,
        D.TAX,
        D.SOCIAL,
        district_demo.EDITORIAL,
        "D01",
        "D02",
        "D03",
    }
    for code in sorted(codes):
        make_org(code, f"部门{code}", "department", root)
    for town, n in ((district_demo.CAOE, 3), (district_demo.CHENXI, 3), ("T01", 4)):
        t = make_org(town, f"街道{town}", "town", root)
        for i in range(1, n + 1):
            make_org(f"{town}-V{i:03d}", f"{town}村{i}", "village", t)
    return root


def v(code, key, **filters):
    return indicator(key).value(Org.objects.get(code=code).path, P, filters)


def test_demo_reproduces_the_reports_figures(db):
    _district()
    builders = [b for b in demo.builders() if b.build.__module__ == demo_data.__name__]
    assert [b.exists() for b in builders] == [False, False]
    started = time.perf_counter()
    for b in builders:
        b.build()
    assert time.perf_counter() - started < 30
    assert [b.exists() for b in builders] == [True, True]
    assert v("SY", "projects.completed", kind="民生实事项目") == 56
    assert v("SY", "projects.started", kind="机关效能项目", paired="是") == 62
    assert v("SY", "projects.started", kind="机关效能项目") == 62
    assert v("SY", "projects.started", kind="结对民生实事项目") == 126
    assert 370 <= v(D.YOUTH, "programmes.enrolments") < 380
    assert v(D.PUBLICITY, "projects.started", kind="文明实践项目") == 1
    assert Project.objects.get(title__contains="大象妈妈").owner.code == D.PUBLICITY
    assert v(D.CULTURE, "approvals.cases", matter="城建+文物审批一件事") == 288
    assert v(D.CULTURE, "approvals.cycle_reduction_rate") > 0.60
    assert v(D.SERVICE_CENTRE, "approvals.parallel_steps") == 33
    assert v(D.SERVICE_CENTRE, "approvals.days_saved") == 48
    assert v(district_demo.CHENJIAAO, "village.income_growth") == 200000
    # A dashboard's worth: overdue milestones and projects relative to today.
    assert Milestone.objects.filter(warning="red").exists()
    assert Project.objects.filter(warning="red").exists()
    assert ApprovalCase.objects.filter(state="open").exists()


def test_demo_is_deterministic(db):
    _district()
    for b in demo.builders():
        if b.build.__module__ == demo_data.__name__:
            b.build()
    first = list(Project.objects.order_by("number").values_list("number", "title", "deadline"))
    steps = list(ApprovalCase.objects.order_by("number").values_list("number", "actual_days"))
    Milestone.objects.all().delete()
    from zuofeng.projects.models import (
        ApprovalStep,
        Enrolment,
        LedgerEntry,
        Matter,
        MatterGroup,
        OutcomeFigure,
        Pairing,
        Programme,
        RequiredStage,
        ServiceItem,
    )

    for model in (
        LedgerEntry,
        Enrolment,
        Programme,
        OutcomeFigure,
        RequiredStage,
        ApprovalStep,
        ApprovalCase,
        MatterGroup,
        Matter,
        ServiceItem,
    ):
        model.objects.all().delete()
    Project.objects.filter(parent__isnull=False).delete()
    Project.objects.all().delete()
    Pairing.objects.all().delete()
    for b in demo.builders():
        if b.build.__module__ == demo_data.__name__:
            b.build()
    assert first == list(
        Project.objects.order_by("number").values_list("number", "title", "deadline")
    )
    assert steps == list(
        ApprovalCase.objects.order_by("number").values_list("number", "actual_days")
    )
