"""Pages: permission matrix, query counts, the forms' writes and refusals."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from zuofeng.projects import approvals, services
from zuofeng.projects.models import LedgerCategory, Milestone

D = dt.date


@pytest.fixture
def world(district, kinds, users):
    d = district
    p = services.project_create(
        actor=None,
        kind=kinds["民生实事项目"],
        title="东关村道硬化",
        owner=d.town,
        start_date=D(2025, 3, 1),
        due_date=D(2025, 9, 30),
        village=d.v1,
    )
    m = services.milestone_add(actor=None, project=p, name="招标", deadline=D(2025, 5, 1))
    pairing = services.pairing_create(
        actor=None, unit=d.dept, village=d.v1, start_date=D(2025, 3, 1)
    )
    prog = services.programme_create(
        actor=None,
        code="P1",
        name="暑期托班",
        unit=d.town,
        start_date=D(2025, 7, 1),
        end_date=D(2025, 7, 31),
        capacity=1,
    )
    matter = approvals.matter_create(actor=None, name="一件事", owner=d.town, groups=[])
    case = approvals.case_create(
        actor=None, number="C1", matter=matter, applicant="甲", submitted_date=D(2025, 6, 2)
    )
    approvals.step_add(
        actor=None,
        case=case,
        name="受理",
        department=d.v1,
        start_date=D(2025, 6, 2),
        end_date=D(2025, 6, 4),
        statutory_days=5,
    )
    services.ledger_add(
        actor=None,
        village=d.v1,
        date=D(2025, 5, 1),
        direction="income",
        category=LedgerCategory.objects.first(),
        amount=100,
    )
    return {"project": p, "milestone": m, "pairing": pairing, "programme": prog, "case": case}


def _urls(w, d):
    return [
        reverse("project_list"),
        reverse("project_detail", args=[w["project"].pk]),
        reverse("pairing_list"),
        reverse("pairing_detail", args=[w["pairing"].pk]),
        reverse("programme_list"),
        reverse("programme_detail", args=[w["programme"].pk]),
        reverse("case_list"),
        reverse("case_detail", args=[w["case"].pk]),
        reverse("village_list"),
        reverse("village_detail", args=[d.v1.code]),
    ]


def test_permission_matrix(client, district, users, world):
    urls = _urls(world, district)
    for url in urls:
        assert client.get(url).status_code == 302, url  # anonymous → login
    client.force_login(users["norole"])
    for url in urls:
        assert client.get(url).status_code in (403, 404), url
    client.force_login(users["other"])  # 陈溪乡: out of scope of every record
    for url in urls[1::2]:
        assert client.get(url).status_code == 404, url
    for url in urls[::2]:
        assert client.get(url).status_code == 200, url
    for who in ("unit", "lead", "leader"):
        client.force_login(users[who])
        for url in urls:
            assert client.get(url).status_code == 200, (who, url)


def test_list_query_count_does_not_grow(
    client, district, kinds, users, world, django_assert_max_num_queries
):
    for i in range(30):
        p = services.project_create(
            actor=None,
            kind=kinds["机关效能项目"],
            title=f"项目{i}",
            owner=district.v1,
            start_date=D(2025, 3, 1),
            due_date=D(2025, 9, 30),
        )
        services.milestone_add(actor=None, project=p, name="一", deadline=D(2025, 4, 1))
    client.force_login(users["lead"])
    with django_assert_max_num_queries(12):
        r = client.get(reverse("project_list"))
    assert r.status_code == 200 and "项目29" in r.content.decode()


def test_milestone_done_and_refusals(client, district, users, world):
    m = world["milestone"]
    url = reverse("milestone_done", args=[world["project"].pk, m.pk])
    client.force_login(users["leader"])
    assert client.post(url, {"done_date": "2025-04-20"}).status_code == 403
    client.force_login(users["unit"])
    r = client.post(url, {"done_date": "2999-01-01"}, follow=True)
    assert "完成日期不能晚于今天" in r.content.decode()
    assert Milestone.objects.get(pk=m.pk).state == "open"
    client.post(url, {"done_date": "2025-04-20", "evidence": "中标公告"})
    assert Milestone.objects.get(pk=m.pk).done_date == D(2025, 4, 20)
    r = client.post(
        reverse("milestone_add", args=[world["project"].pk]),
        {"name": "x", "deadline": "2025-06-01", "weight": "0"},
        follow=True,
    )
    assert "权重须为正整数" in r.content.decode()


def test_enrolment_page_masks_and_enforces_capacity(client, district, users, world):
    url = reverse("programme_detail", args=[world["programme"].pk])
    client.force_login(users["unit"])
    client.post(url, {"name": "小明", "age": "6", "phone": "13812345678"})
    r = client.post(url, {"name": "小红", "age": "7"}, follow=True)
    body = r.content.decode()
    assert "名额已满" in body and "138****5678" in body and "13812345678" not in body
    assert world["programme"].enrolments.count() == 1


def test_project_transition_form(client, district, users, world):
    p = world["project"]
    client.force_login(users["unit"])
    client.post(reverse("project_transition", args=[p.pk, "start"]), {"version": p.version})
    p.refresh_from_db()
    assert p.state == "in_progress"
    r = client.post(reverse("project_transition", args=[p.pk, "stop"]), {"reason": "x"})
    assert r.status_code == 403
    p.refresh_from_db()
    assert p.state == "in_progress"  # the unit may not stop its own project


def test_project_new_page(client, district, kinds, users):
    from zuofeng.projects.models import Project

    url = reverse("project_new")
    client.force_login(users["leader"])
    assert client.get(url).status_code == 403
    client.force_login(users["unit"])
    form = {
        "kind": kinds["领办项目"].pk,
        "title": "东关村白芨种植",
        "owner": "T1",
        "start_date": "2025-03-01",
        "due_date": "2025-02-01",
    }
    r = client.post(url, form)
    assert "计划完成日期不能早于开始日期" in r.content.decode()
    r = client.post(url, dict(form, owner="U1", due_date="2025-12-31"))
    assert "不在您的管理范围内" in r.content.decode()
    assert Project.objects.count() == 0
    r = client.post(url, dict(form, due_date="2025-12-31"))
    p = Project.objects.get()
    assert r.status_code == 302 and r.url == reverse("project_detail", args=[p.pk])
    assert (p.owner.code, p.kind.name, p.state) == ("T1", "领办项目", "approved")


def test_matter_summary(district, users):
    from zuofeng.projects import selectors

    m = approvals.matter_create(actor=None, name="开工", owner=district.dept, groups=[])
    c = approvals.case_create(
        actor=None, number="K1", matter=m, applicant="甲", submitted_date=D(2025, 6, 2)
    )
    for name, group, end, statute in (
        ("受理", None, D(2025, 6, 3), 5),
        ("规划", 1, D(2025, 6, 6), 20),
        ("施工", 1, D(2025, 6, 4), 15),
    ):
        approvals.step_add(
            actor=None,
            case=c,
            name=name,
            department=district.dept,
            parallel_group=group,
            start_date=D(2025, 6, 2),
            end_date=end,
            statutory_days=statute,
        )
    approvals.case_close(actor=None, case=c)
    (row,) = selectors.matter_summary(selectors.cases_visible_to(users["lead"]))
    # 受理 1 day; the group's longest (规划) 4 days; baseline 40.
    assert row == {
        "matter": "开工",
        "cases": 1,
        "avg_days": 5.0,
        "reduction": 0.875,
        "saved": 35,
        "parallel": 2,
    }
