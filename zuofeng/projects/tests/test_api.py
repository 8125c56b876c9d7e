"""The projects API through the whole request stack with bearer tokens: the loop, milestones,
enrolments, approvals, ledgers, validation errors and scope."""

from __future__ import annotations

import datetime as dt

import pytest

from zuofeng.orgs import services as org_services
from zuofeng.projects import approvals, services
from zuofeng.projects.models import Project

D = dt.date
API = "/api/v1"


@pytest.fixture
def api(client, users):
    tokens = {k: org_services.token_create(actor=None, user=u) for k, u in users.items()}

    def call(who, method, path, **body):
        kw = {"HTTP_AUTHORIZATION": f"Bearer {tokens[who]}"}
        if method == "get":
            return client.get(API + path, body, **kw)
        return client.post(API + path, body, content_type="application/json", **kw)

    return call


def test_project_loop_over_the_api(api, district, kinds):
    r = api(
        "unit",
        "post",
        "/projects",
        kind="民生实事项目",
        title="东关村道路提升",
        owner=district.v1.code,
        start_date="2025-03-01",
        due_date="2025-02-01",
    )
    assert r.status_code == 422 and "计划完成日期不能早于开始日期" in str(r.json())
    r = api(
        "unit",
        "post",
        "/projects",
        kind="民生实事项目",
        title="东关村道路提升",
        owner=district.v1.code,
        start_date="2025-03-01",
        due_date="2025-09-30",
        beneficiaries=300,
    )
    assert r.status_code == 201, r.content
    pid = r.json()["id"]
    assert r.json()["actions"] == ["start"]
    r = api(
        "unit", "post", f"/projects/{pid}/milestones", name="设计", deadline="2025-04-01", weight=0
    )
    assert r.status_code == 422
    r = api(
        "unit", "post", f"/projects/{pid}/milestones", name="设计", deadline="2025-04-01", weight=2
    )
    mid = r.json()["id"]
    api("unit", "post", f"/projects/{pid}/milestones", name="施工", deadline="2025-08-01", weight=2)
    assert api("unit", "post", f"/projects/{pid}/transitions", action="start").status_code == 200
    r = api("unit", "post", f"/projects/{pid}/milestones/{mid}/done", done_date="2025-03-25")
    assert r.status_code == 200 and r.json()["state"] == "done"
    r = api("lead", "get", f"/projects/{pid}")
    assert r.json()["progress"] == 0.5 and r.json()["state"] == "in_progress"
    r = api("unit", "post", f"/projects/{pid}/transitions", action="stop", reason="x")
    assert r.status_code == 403
    assert api("other", "get", f"/projects/{pid}").status_code == 404
    r = api(
        "lead",
        "post",
        f"/projects/{pid}/transitions",
        action="extend",
        due_date="2025-12-31",
        reason="汛期",
        version=1,
    )
    assert r.status_code == 409  # stale version
    r = api("lead", "get", "/projects", state="in_progress")
    assert r.json()["count"] == 1 and r.json()["items"][0]["progress"] == 0.5
    assert api("other", "get", "/projects").json()["count"] == 0
    assert api("norole", "get", "/projects").status_code == 403
    assert Project.objects.get(pk=pid).deadline == D(2025, 9, 30)


def test_enrolments_approvals_and_ledger(api, district, users):
    prog = services.programme_create(
        actor=None,
        code="P1",
        name="托班",
        unit=district.town,
        start_date=D(2025, 7, 1),
        end_date=D(2025, 7, 31),
        capacity=1,
    )
    r = api("unit", "post", f"/programmes/{prog.pk}/enrolments", name="小明", phone="13812345678")
    assert r.status_code == 201 and r.json()["phone"] == "138****5678"
    r = api("unit", "post", f"/programmes/{prog.pk}/enrolments", name="小红")
    assert r.status_code == 422 and "名额已满" in str(r.json())
    assert api("other", "get", f"/programmes/{prog.pk}/enrolments").status_code == 404
    matter = approvals.matter_create(actor=None, name="一件事", owner=district.town, groups=[])
    case = approvals.case_create(
        actor=None, number="C1", matter=matter, applicant="甲", submitted_date=D(2025, 6, 2)
    )
    approvals.step_add(
        actor=None,
        case=case,
        name="受理",
        department=district.v1,
        start_date=D(2025, 6, 2),
        end_date=D(2025, 6, 4),
        statutory_days=5,
    )
    r = api("unit", "get", f"/approvals/{case.pk}")
    assert r.json()["actual_days"] == 2 and r.json()["steps"][0]["working_days"] == 2
    assert api("other", "get", f"/approvals/{case.pk}").status_code == 404
    assert api("unit", "get", "/approvals/99999999999999999999").status_code in (404, 422)
    from zuofeng.projects.models import LedgerCategory

    services.ledger_add(
        actor=None,
        village=district.v1,
        date=D(2025, 5, 1),
        direction="income",
        category=LedgerCategory.objects.get(name="补助"),
        amount=1000,
    )
    r = api("unit", "get", f"/villages/{district.v1.code}/ledger")
    assert r.status_code == 200
    assert r.json()["years"] == [
        {"year": 2025, "income": "1000.00", "expense": "0.00", "growth": None}
    ]
    assert r.json()["entries"][0]["category"] == "补助"
    assert api("other", "get", f"/villages/{district.v1.code}/ledger").status_code == 404
    for path in ("/approvals", "/programmes", "/pairings", "/projects"):
        assert api("other", "get", path).json()["count"] == 0, path
        assert api("norole", "get", path).status_code == 403, path
    assert api("unit", "get", "/approvals").json()["count"] == 1
    assert api("unit", "get", "/programmes").json()["items"][0]["enrolled"] == 1
