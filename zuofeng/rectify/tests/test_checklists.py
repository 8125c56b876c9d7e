"""Self-examination against checklists: every item answered, each 存在问题 a ledger problem,
progress per subtree, import of items, indicator."""

from __future__ import annotations

import datetime as dt

import pytest
import requests
from django.core.exceptions import PermissionDenied, ValidationError

from zuofeng.core.indicators import Period
from zuofeng.core.models import AuditEntry
from zuofeng.core.sheets import ImportFailed, run_import
from zuofeng.dashboard.selectors import figures
from zuofeng.orgs import services as org_services
from zuofeng.rectify import checklists
from zuofeng.rectify.models import ChecklistItem, ChecklistSet, Problem, SelfCheck

ROWS = [
    {
        "清单集": "2025年作风建设对照清单",
        "清单名称": "负面清单",
        "清单类型": "负面清单",
        "类别": "公务接待",
        "条目内容": "超标准接待、无公函接待",
        "依据": "《党政机关国内公务接待管理规定》",
    },
    {"清单集": "2025年作风建设对照清单", "清单名称": "负面清单", "条目内容": "公车私用"},
    {
        "清单集": "2025年作风建设对照清单",
        "清单名称": "问题清单",
        "清单类型": "问题清单",
        "条目内容": "学习流于形式、以会代学",
    },
]


@pytest.fixture
def checklist_set(district):
    assert run_import("checklists", ROWS).created == 3
    return ChecklistSet.objects.get()


def test_import_is_idempotent_and_checked(checklist_set):
    assert run_import("checklists", ROWS).unchanged == 3
    assert ChecklistItem.objects.count() == 3
    assert checklist_set.lists.count() == 2
    with pytest.raises(ImportFailed):
        run_import("checklists", [dict(ROWS[0], 清单类型="随便清单")])


def test_selfcheck_opens_problems_and_counts(district, checklist_set, make_user):
    d = district
    secretary = make_user("sec", ("branch_secretary", d.v1))
    member = org_services.person_create(actor=None, org=d.v1, name="张三", person_no="P1")
    org_services.person_create(actor=None, org=d.v1, name="李四", person_no="P2")
    items = list(ChecklistItem.objects.order_by("id"))
    answers = {
        items[0].pk: ("problem", "去年一次接待超标"),
        items[1].pk: ("ok", ""),
        items[2].pk: ("ok", ""),
    }
    with pytest.raises(ValidationError):  # every item must be answered
        checklists.selfcheck_submit(
            actor=secretary,
            checklist_set=checklist_set,
            unit=d.v1,
            person=member,
            answers=dict(list(answers.items())[:2]),
        )
    check = checklists.selfcheck_submit(
        actor=secretary, checklist_set=checklist_set, unit=d.v1, person=member, answers=answers
    )
    problem = Problem.objects.get()
    assert (problem.source.name, problem.unit, problem.description) == (
        "自查",
        d.v1,
        "超标准接待、无公函接待（张三）：去年一次接待超标",
    )
    assert check.answers.get(item=items[0]).problem == problem
    with pytest.raises(ValidationError):  # once per person and set
        checklists.selfcheck_submit(
            actor=secretary, checklist_set=checklist_set, unit=d.v1, person=member, answers=answers
        )
    other = make_user("other", ("branch_secretary", d.w1))
    leader = make_user("leader", ("leader", d.root))
    before = (SelfCheck.objects.count(), AuditEntry.objects.count())
    with pytest.raises(Exception) as exc:  # out of scope
        checklists.selfcheck_submit(
            actor=other, checklist_set=checklist_set, unit=d.v1, answers=answers
        )
    assert exc.type.__name__ == "Http404"
    with pytest.raises(PermissionDenied):
        checklists.selfcheck_submit(
            actor=leader, checklist_set=checklist_set, unit=d.v1, answers=answers
        )
    assert (SelfCheck.objects.count(), AuditEntry.objects.count()) == before

    checklists.selfcheck_submit(
        actor=secretary,
        checklist_set=checklist_set,
        unit=d.v1,
        answers={i.pk: ("ok", "") for i in items},
    )
    rows = checklists.progress(checklist_set, d.town)
    assert [(r.org.code, r.people, r.people_done, r.unit_done) for r in rows] == [
        ("T1", 2, 1, True),
        ("T2", 0, 0, False),
    ]
    today = dt.date.today()
    (n,) = figures(d.root, Period(today, today), ["rectify.selfcheck_people"])
    assert n.value == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_selfcheck_over_http_and_pages(live_server, client):
    from zuofeng.orgs.tests.factories import build_small_district, make_user

    d = build_small_district()
    run_import("checklists", ROWS)
    checklist_set = ChecklistSet.objects.get()
    secretary = make_user("sec", ("branch_secretary", d.v1))
    http = requests.Session()
    http.headers["Authorization"] = (
        f"Bearer {org_services.token_create(actor=None, user=secretary)}"
    )
    api = f"{live_server.url}/api/v1/checklists"
    sets = http.get(api, timeout=10).json()
    items = [i["id"] for lst in sets[0]["lists"] for i in lst["items"]]
    body = {"unit": "T1", "answers": [{"item": i, "answer": "ok"} for i in items]}
    body["answers"][2] = {"item": items[2], "answer": "problem", "note": "以会代学"}
    r = http.post(f"{api}/{checklist_set.pk}/selfchecks", json=body, timeout=10)
    assert r.status_code == 201, r.text
    assert len(r.json()["problems"]) == 1
    assert (
        http.post(f"{api}/{checklist_set.pk}/selfchecks", json=body, timeout=10).status_code == 422
    )
    progress = http.get(f"{api}/{checklist_set.pk}/progress", timeout=10).json()
    assert progress == []  # T1 has no children
    http.close()
    client.force_login(secretary)
    page = client.get(f"/checklists/{checklist_set.pk}/check/").content.decode()
    assert "公车私用" in page
    assert client.get("/checklists/").status_code == 200
