import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from zuofeng.core.indicators import Period
from zuofeng.dashboard.selectors import figures
from zuofeng.rectify import projects, services
from zuofeng.rectify.models import LeaderProject, Problem, ProblemSource

D = dt.date


def _problem(unit, closed=False) -> Problem:
    p = services.problem_register(
        actor=None,
        description="x",
        found_date=D(2025, 4, 1),
        unit=unit,
        source=ProblemSource.objects.get(name="自查"),
    )
    if closed:
        Problem.objects.filter(pk=p.pk).update(state="closed", closed_date=D(2025, 5, 1))
    return p


def test_projects_progress_scope_and_indicator(district, make_user, client):
    d = district
    lead = make_user("lead", ("lead_office", d.root))
    a, b, c = _problem(d.v1, closed=True), _problem(d.v2), _problem(d.w1)
    project = projects.project_create(
        actor=lead,
        title="村级工程项目规范管理",
        leader="区长",
        owner=d.town,
        started_on=D(2025, 4, 10),
        problems=[a, b],
    )
    with pytest.raises(ValidationError):  # U1's problem is not the town's
        projects.project_create(
            actor=lead, title="x", leader="y", owner=d.town, started_on=D(2025, 4, 10), problems=[c]
        )
    with pytest.raises(ValidationError):  # due before start
        projects.project_create(
            actor=lead,
            title="x",
            leader="y",
            owner=d.town,
            started_on=D(2025, 4, 10),
            due_on=D(2025, 4, 1),
            problems=[],
        )
    unit = make_user("unit", ("unit_admin", d.town))
    with pytest.raises(PermissionDenied):
        projects.project_create(
            actor=unit, title="x", leader="y", owner=d.town, started_on=D(2025, 4, 10), problems=[]
        )
    assert LeaderProject.objects.count() == 1
    row = projects.projects_visible_to(unit).get()
    assert (row.pk, row.total, row.closed) == (project.pk, 2, 1)
    (n,) = figures(d.root, Period(D(2025, 4, 1), D(2025, 4, 30)), ["rectify.leader_projects"])
    assert n.value == 1
    client.force_login(lead)
    response = client.post(
        "/leader-projects/",
        {
            "title": "校园餐突出问题整治",
            "leader": "副区长",
            "owner": "U",
            "started_on": "2025-05-01",
            "problems": c.number,
        },
    )
    assert response.status_code == 302 and LeaderProject.objects.count() == 2
    assert "校园餐突出问题整治" in client.get("/leader-projects/").content.decode()
