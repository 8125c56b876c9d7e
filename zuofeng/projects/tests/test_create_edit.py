"""Create and edit forms and endpoints: pairings, programmes, editing a project after 立项
(with its version), outcome figures, catalogue items and bundled matters. Each write is
audited, bad input writes nothing, and a unit outside the user's subtree answers 404/403."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from zuofeng.core.models import AuditEntry, TimelineEvent
from zuofeng.orgs import services as org_services
from zuofeng.projects import approvals, services
from zuofeng.projects.models import (
    Matter,
    MatterGroup,
    OutcomeFigure,
    Pairing,
    Programme,
    Project,
    ServiceItem,
)

D = dt.date
API = "/api/v1"


def audits(action: str) -> int:
    return AuditEntry.objects.filter(action=action).count()


@pytest.fixture
def project(district, kinds):
    return services.project_create(
        actor=None,
        kind=kinds["民生实事项目"],
        title="东关村道硬化",
        owner=district.v1,
        start_date=D(2025, 3, 1),
        due_date=D(2025, 9, 30),
        leader="张三",
        budget=Decimal("100000"),
    )


@pytest.fixture
def api(client, users):
    tokens = {k: org_services.token_create(actor=None, user=u) for k, u in users.items()}

    def call(who, method, path, **body):
        kw = {"HTTP_AUTHORIZATION": f"Bearer {tokens[who]}"}
        if method == "get":
            return client.get(API + path, body, **kw)
        send = client.patch if method == "patch" else client.post
        return send(API + path, body, content_type="application/json", **kw)

    return call


# --- pairings ---------------------------------------------------------------------------------


def test_pairing_form_creates_and_audits(client, district, users):
    client.force_login(users["unit"])
    assert "新增结对" in client.get(reverse("pairing_list")).content.decode()
    assert client.get(reverse("pairing_new")).status_code == 200
    r = client.post(
        reverse("pairing_new"),
        {"unit": "T", "village": "T1", "start_date": "2025-03-01", "end_date": "2025-12-31"},
    )
    pairing = Pairing.objects.get()
    assert r.status_code == 302 and r.url == reverse("pairing_detail", args=[pairing.pk])
    assert (pairing.unit, pairing.village, pairing.end_date) == (
        district.town,
        district.v1,
        D(2025, 12, 31),
    )
    entry = AuditEntry.objects.get(action="pairing.create")
    assert entry.actor == users["unit"] and entry.object_id == str(pairing.pk)


@pytest.mark.parametrize(
    "data, message",
    [
        ({"unit": "T", "village": "U1", "start_date": "2025-03-01"}, "不在您的管理范围内"),
        ({"unit": "U", "village": "T1", "start_date": "2025-03-01"}, "不在您的管理范围内"),
        ({"unit": "T", "village": "T", "start_date": "2025-03-01"}, "结对对象须为村或社区"),
        ({"unit": "T", "village": "T1", "start_date": "2025-13-01"}, "请填写有效日期"),
        (
            {"unit": "T", "village": "T1", "start_date": "2025-03-01", "end_date": "2025-01-01"},
            "结束日期不能早于开始日期",
        ),
    ],
)
def test_pairing_form_refuses_bad_input(client, district, users, data, message):
    client.force_login(users["unit"])
    r = client.post(reverse("pairing_new"), data)
    assert r.status_code == 200 and message in r.content.decode()
    assert not Pairing.objects.exists() and audits("pairing.create") == 0


def test_create_pages_need_the_manage_action(client, district, users):
    client.force_login(users["leader"])  # may view, may not manage
    for name in ("pairing_new", "programme_new", "item_new", "matter_new"):
        assert client.get(reverse(name)).status_code == 403, name
    assert "新增结对" not in client.get(reverse("pairing_list")).content.decode()
    assert "新增活动" not in client.get(reverse("programme_list")).content.decode()
    assert "新增服务事项" not in client.get(reverse("case_list")).content.decode()


def test_pairing_api(api, district):
    body = {"unit": "T", "village": "T2", "start_date": "2025-03-01"}
    r = api("unit", "post", "/pairings", **body)
    assert r.status_code == 201 and r.json()["village"] == "T2" and r.json()["total"] == 0
    assert audits("pairing.create") == 1
    assert api("other", "post", "/pairings", **body).status_code == 404
    r = api("unit", "post", "/pairings", **{**body, "end_date": "2025-01-01"})
    assert r.status_code == 422 and "结束日期不能早于开始日期" in str(r.json())
    assert Pairing.objects.count() == 1 and audits("pairing.create") == 1


# --- programmes -------------------------------------------------------------------------------


PROGRAMME = {
    "code": "HD-2025-01",
    "name": "暑期托班",
    "unit": "T",
    "start_date": "2025-07-01",
    "end_date": "2025-07-31",
    "capacity": "30",
    "category": "托育",
    "audience": "小学生",
}


def test_programme_form_creates_and_audits(client, district, users):
    client.force_login(users["unit"])
    assert "新增活动" in client.get(reverse("programme_list")).content.decode()
    r = client.post(reverse("programme_new"), PROGRAMME)
    p = Programme.objects.get()
    assert r.status_code == 302 and r.url == reverse("programme_detail", args=[p.pk])
    assert (p.unit, p.capacity, p.audience) == (district.town, 30, "小学生")
    assert AuditEntry.objects.get(action="programme.create").object_id == str(p.pk)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"capacity": "0"}, "名额须为正整数"),
        ({"capacity": "三十"}, "名额须为正整数"),
        ({"end_date": "2025-06-01"}, "结束日期不能早于开始日期"),
        ({"unit": "U"}, "不在您的管理范围内"),
        ({"end_date": ""}, "请填写有效日期"),
    ],
)
def test_programme_form_refuses_bad_input(client, district, users, change, message):
    client.force_login(users["unit"])
    r = client.post(reverse("programme_new"), {**PROGRAMME, **change})
    assert r.status_code == 200 and message in r.content.decode()
    assert not Programme.objects.exists() and audits("programme.create") == 0


def test_programme_api(api, district):
    body = {**PROGRAMME, "capacity": 30}
    r = api("unit", "post", "/programmes", **body)
    assert r.status_code == 201 and r.json()["enrolled"] == 0 and r.json()["unit"] == "T"
    assert api("other", "post", "/programmes", **{**body, "code": "X"}).status_code == 404
    r = api("unit", "post", "/programmes", **{**body, "code": "X", "capacity": 0})
    assert r.status_code == 422
    r = api("unit", "post", "/programmes", **body)  # the code is taken
    assert r.status_code == 422
    assert Programme.objects.count() == 1 and audits("programme.create") == 1


# --- editing a project ------------------------------------------------------------------------


def edit_form(project, **change):
    data = {
        "version": project.version,
        "title": project.title,
        "owner": project.owner.code,
        "leader": project.leader,
        "start_date": project.start_date.isoformat(),
        "due_date": project.deadline.isoformat(),
        "budget": str(project.budget or ""),
        "beneficiaries": "",
        "beneficiary_note": "",
    }
    return {**data, **change}


def test_edit_form_changes_the_project_and_audits(client, district, users, project):
    client.force_login(users["unit"])
    detail = client.get(reverse("project_detail", args=[project.pk])).content.decode()
    assert reverse("project_edit", args=[project.pk]) in detail
    r = client.get(reverse("project_edit", args=[project.pk]))
    assert r.status_code == 200 and 'value="东关村道硬化"' in r.content.decode()
    r = client.post(
        reverse("project_edit", args=[project.pk]),
        edit_form(
            project,
            title="东关村道路硬化提升",
            owner="T2",
            leader="李四",
            due_date="2025-10-31",
            budget="120000.50",
            beneficiaries="800",
        ),
    )
    assert r.status_code == 302
    p = Project.objects.get()
    assert (p.title, p.owner, p.leader, p.deadline, p.original_due) == (
        "东关村道路硬化提升",
        district.v2,
        "李四",
        D(2025, 10, 31),
        D(2025, 10, 31),
    )
    assert (p.budget, p.beneficiaries, p.version) == (Decimal("120000.50"), 800, 2)
    entry = AuditEntry.objects.get(action="project.update")
    assert set(entry.before) == {
        "title",
        "owner",
        "leader",
        "deadline",
        "original_due",
        "budget",
        "beneficiaries",
    }
    assert entry.before["owner"] == "T1" and entry.after["owner"] == "T2"
    assert TimelineEvent.objects.filter(action="edit", object_id=str(p.pk)).count() == 1


def test_edit_refuses_a_stale_version_and_bad_input(client, district, users, project):
    client.force_login(users["unit"])
    url = reverse("project_edit", args=[project.pk])
    cases = [
        (edit_form(project, version=project.version + 5, title="新名称"), "已被他人修改"),
        (edit_form(project, due_date="2025-01-01"), "计划完成日期不能早于开始日期"),
        (edit_form(project, owner="U1"), "不在您的管理范围内"),
        (edit_form(project, budget="很多"), "预算须为数字"),
        (edit_form(project, beneficiaries="-3"), "受益人数须为非负整数"),
        (edit_form(project, title="  "), "请填写项目名称"),
    ]
    for data, message in cases:
        r = client.post(url, data, follow=True)
        assert message in r.content.decode(), message
    p = Project.objects.get()
    assert (p.title, p.owner, p.deadline, p.version) == (
        "东关村道硬化",
        district.v1,
        D(2025, 9, 30),
        1,
    )
    assert audits("project.update") == 0


def test_edit_after_extension_keeps_the_extended_due_date(district, users, project):
    services.project_transition(
        actor=None, project=project, action="extend", due_date=D(2025, 12, 1), reason="延期"
    )
    project.refresh_from_db()
    with pytest.raises(Exception, match="只能通过延期调整"):
        services.project_update(actor=users["unit"], project=project, due_date=D(2026, 1, 1))
    p = services.project_update(actor=users["unit"], project=project, title="改名")
    assert (p.title, p.deadline, p.original_due) == ("改名", D(2025, 12, 1), D(2025, 9, 30))


def test_edit_out_of_scope_is_404_and_viewer_is_403(client, users, project):
    client.force_login(users["other"])
    assert client.get(reverse("project_edit", args=[project.pk])).status_code == 404
    assert client.post(reverse("outcome_add", args=[project.pk]), {}).status_code == 404
    client.force_login(users["leader"])
    assert client.get(reverse("project_edit", args=[project.pk])).status_code == 403
    assert audits("project.update") == 0


def test_closed_project_cannot_be_edited(users, project):
    services.project_transition(actor=None, project=project, action="stop", reason="撤销")
    project.refresh_from_db()
    with pytest.raises(Exception, match="只有立项或实施中的项目可以修改"):
        services.project_update(actor=users["unit"], project=project, title="改名")
    assert audits("project.update") == 0


def test_edit_api_with_version(api, district, project):
    path = f"/projects/{project.pk}"
    r = api("unit", "patch", path, version=1, title="新名称", beneficiaries=120)
    assert r.status_code == 200 and r.json()["title"] == "新名称"
    assert r.json()["version"] == 2 and r.json()["beneficiaries"] == 120
    r = api("unit", "patch", path, version=1, title="再改")
    assert r.status_code == 409
    r = api("unit", "patch", path, version=2, start_date="2025-10-01")
    assert r.status_code == 422 and "计划完成日期不能早于开始日期" in str(r.json())
    assert api("other", "patch", path, version=2, title="越权").status_code == 404
    assert api("unit", "patch", path, version=2, owner="U1").status_code == 404
    p = Project.objects.get()
    assert (p.title, p.version, p.start_date) == ("新名称", 2, D(2025, 3, 1))
    assert audits("project.update") == 1


# --- outcome figures --------------------------------------------------------------------------


def test_outcome_form_and_api(client, api, users, project):
    client.force_login(users["unit"])
    url = reverse("outcome_add", args=[project.pk])
    r = client.post(url, {"name": "村集体年增收", "value": "200000", "unit": "元"})
    assert r.status_code == 302
    r = client.post(url, {"name": "村集体年增收", "value": "二十万"}, follow=True)
    assert "数值须为数字" in r.content.decode()
    r = client.post(url, {"name": "", "value": "5"}, follow=True)
    assert OutcomeFigure.objects.count() == 1 and audits("project.outcome") == 1
    r = api(
        "unit", "post", f"/projects/{project.pk}/outcomes", name="受益户数", value=35, unit="户"
    )
    assert r.status_code == 201 and r.json()["unit"] == "户"
    r = api("other", "post", f"/projects/{project.pk}/outcomes", name="越权", value=1)
    assert r.status_code == 404
    assert [(o.name, o.value) for o in OutcomeFigure.objects.order_by("id")] == [
        ("村集体年增收", Decimal("200000")),
        ("受益户数", Decimal("35")),
    ]
    assert audits("project.outcome") == 2
    page = client.get(reverse("project_detail", args=[project.pk])).content.decode()
    assert "村集体年增收" in page and "添加成效" in page


# --- catalogue items and bundled matters ------------------------------------------------------


ITEM = {
    "name": "建设工程规划许可",
    "department": "T",
    "statutory_days": "20",
    "promised_days": "5",
    "visits": "1",
    "materials": "申请表\n设计方案",
}


def test_item_form_creates_and_refuses(client, district, users):
    client.force_login(users["unit"])
    assert "新增服务事项" in client.get(reverse("case_list")).content.decode()
    r = client.post(reverse("item_new"), ITEM)
    assert r.status_code == 302
    item = ServiceItem.objects.get()
    assert (item.department, item.statutory_days, item.promised_days, item.visits) == (
        district.town,
        20,
        5,
        1,
    )
    assert AuditEntry.objects.get(action="approval.item").object_id == str(item.pk)
    for change, message in [
        ({"promised_days": "30"}, "承诺时限不能超过法定时限"),
        ({"statutory_days": "二十"}, "时限和跑动次数须为非负整数"),
        ({"department": "DA"}, "不在您的管理范围内"),
        ({"name": "另一事项", "department": "U"}, "不在您的管理范围内"),
    ]:
        r = client.post(reverse("item_new"), {**ITEM, **change})
        assert r.status_code == 200 and message in r.content.decode(), message
    assert ServiceItem.objects.count() == 1 and audits("approval.item") == 1


@pytest.fixture
def items(district):
    return [
        approvals.item_create(
            actor=None, name=name, department=district.town, statutory_days=10, promised_days=3
        )
        for name in ("立项备案", "施工许可", "消防审验")
    ]


def test_matter_form_creates_groups_and_refuses(client, district, users, items):
    client.force_login(users["unit"])
    page = client.get(reverse("matter_new")).content.decode()
    assert "施工许可" in page and "并联" in page
    a, b, c = items
    data = {
        "name": "开办餐馆一件事",
        "owner": "T",
        "mode_1": "serial",
        "items_1": [str(a.pk)],
        "mode_2": "parallel",
        "items_2": [str(b.pk), str(c.pk)],
    }
    r = client.post(reverse("matter_new"), data)
    assert r.status_code == 302
    matter = Matter.objects.get()
    groups = [(g.seq, g.mode, sorted(i.name for i in g.items.all())) for g in matter.groups.all()]
    assert groups == [(1, "serial", ["立项备案"]), (2, "parallel", ["施工许可", "消防审验"])]
    assert AuditEntry.objects.get(action="approval.matter").object_id == str(matter.pk)
    for change, message in [
        ({"name": "串联一件事", "serial_only": "1"}, "该事项仅限串联办理"),
        ({"name": "空组", "items_2": []}, "每组至少包含一个事项"),
        ({"name": "未知事项", "items_1": ["999999"]}, "所选事项不存在"),
        ({"name": "越权", "owner": "U"}, "不在您的管理范围内"),
        ({"name": "无组", "mode_1": "", "items_1": [], "mode_2": "", "items_2": []}, "请至少"),
        ({"name": "乱填", "mode_1": "random"}, "办理方式须为串联或并联"),
    ]:
        r = client.post(reverse("matter_new"), {**data, **change})
        assert r.status_code == 200 and message in r.content.decode(), message
    assert Matter.objects.count() == 1 and MatterGroup.objects.count() == 2
    assert audits("approval.matter") == 1


def test_item_and_matter_api(api, district, items):
    r = api("unit", "post", "/service-items", **{**ITEM, "statutory_days": 20, "promised_days": 5})
    assert r.status_code == 201 and r.json()["department"] == "T"
    r = api("unit", "post", "/service-items", **{**ITEM, "name": "X", "promised_days": 30})
    assert r.status_code == 422 and "承诺时限不能超过法定时限" in str(r.json())
    assert api("other", "post", "/service-items", **{**ITEM, "name": "Y"}).status_code == 404
    a, b, c = items
    body = {
        "name": "开办餐馆一件事",
        "owner": "T",
        "groups": [
            {"mode": "serial", "items": [a.pk]},
            {"mode": "parallel", "items": [b.pk, c.pk]},
        ],
    }
    r = api("unit", "post", "/matters", **body)
    assert r.status_code == 201
    assert r.json()["groups"] == [
        {"seq": 1, "mode": "serial", "items": [a.pk]},
        {"seq": 2, "mode": "parallel", "items": sorted([b.pk, c.pk])},
    ]
    r = api("unit", "post", "/matters", **{**body, "name": "二", "serial_only": True})
    assert r.status_code == 422 and "仅限串联" in str(r.json())
    bad = {**body, "name": "三", "groups": [{"mode": "serial", "items": [999999]}]}
    r = api("unit", "post", "/matters", **bad)
    assert r.status_code == 422 and "所选事项不存在" in str(r.json())
    r = api("unit", "post", "/matters", **{**body, "name": "四", "groups": []})
    assert r.status_code == 422
    assert api("other", "post", "/matters", **{**body, "name": "五"}).status_code == 404
    assert Matter.objects.count() == 1 and audits("approval.matter") == 1
    assert ServiceItem.objects.count() == 4 and audits("approval.item") == 4  # 3 + 1


# --- on a phone -------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_edit_and_create_forms_on_a_phone(browser, artifacts, live_server):
    from zuofeng.core.tests.browser import VENDOR
    from zuofeng.orgs.tests.factories import build_small_district, make_user
    from zuofeng.projects.models import ProjectKind

    assert VENDOR.exists(), "static assets missing: run `make assets`"
    d = build_small_district()
    make_user("unit", ("unit_admin", d.town))
    p = services.project_create(
        actor=None,
        kind=ProjectKind.objects.get(name="民生实事项目"),
        title="东关村道硬化",
        owner=d.v1,
        start_date=D(2025, 3, 1),
        due_date=D(2025, 9, 30),
    )
    approvals.item_create(
        actor=None, name="施工许可", department=d.town, statutory_days=10, promised_days=3
    )
    seen = browser.run(lambda chromium: phone_walk(chromium, live_server.url, artifacts, p.pk))
    assert seen == []
    p.refresh_from_db()
    assert (p.title, p.leader, p.version) == ("东关村道路硬化提升", "王五", 2)
    pairing = Pairing.objects.get()
    assert (pairing.unit.code, pairing.village.code) == ("T", "T2")


def phone_walk(chromium, base: str, shots, pk: int) -> list[str]:
    from zuofeng.orgs.tests.factories import PASSWORD

    failures: list[str] = []
    context = chromium.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.on("response", lambda r: r.status >= 500 and failures.append(f"{r.url} {r.status}"))

    def fits(name: str) -> None:
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 400:
            failures.append(f"{name} is {width}px wide on a 390px screen")
        page.screenshot(path=str(shots / f"projects-{name}-phone.png"), full_page=True)

    try:
        page.goto(f"{base}/accounts/login/")
        page.get_by_label("用户名").fill("unit")
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{base}/")
        page.goto(f"{base}/projects/{pk}/")
        page.get_by_role("button", name="修改项目").click()
        page.wait_for_url(f"**/projects/{pk}/edit/")
        fits("edit")
        page.get_by_label("项目名称").fill("东关村道路硬化提升")
        page.get_by_label("牵头领导").fill("王五")
        page.get_by_role("button", name="保存").click()
        page.wait_for_url(f"**/projects/{pk}/")
        assert "项目已修改" in page.content()
        page.goto(f"{base}/pairings/")
        page.get_by_role("button", name="新增结对").click()
        page.wait_for_url("**/pairings/new/")
        page.get_by_label("结对单位编码").fill("T")
        page.get_by_label("结对村社编码").fill("T2")
        page.get_by_label("开始日期").fill("2025-03-01")
        page.get_by_role("button", name="保存").click()
        page.wait_for_url("**/pairings/*/")
        assert "已建立结对" in page.content()
        page.goto(f"{base}/approvals/matters/new/")
        fits("matter")
    finally:
        context.close()
    return failures


def test_edit_keeps_a_paired_project_under_its_pairing_unit(district, kinds, users):
    pairing = services.pairing_create(
        actor=None, unit=district.town, village=district.v1, start_date=D(2025, 3, 1)
    )
    p = services.project_create(
        actor=None,
        kind=kinds["民生实事项目"],
        title="结对项目",
        owner=district.v1,
        pairing=pairing,
        start_date=D(2025, 3, 1),
        due_date=D(2025, 9, 30),
    )
    lead = users["lead"]
    with pytest.raises(Exception, match="结对关系不属于责任单位"):
        services.project_update(actor=lead, project=p, owner=district.w1)
    services.project_update(actor=lead, project=p, owner=district.v2)
    p.refresh_from_db()
    assert p.owner == district.v2 and audits("project.update") == 1
