"""Settings kept by the lead office: categories, SLA policies, front desks — pages, API,
audit, all-or-nothing validation and the permission matrix."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from zuofeng.core.models import AuditEntry
from zuofeng.orgs import services as org_services
from zuofeng.service import services
from zuofeng.service import settings as svc_settings
from zuofeng.service.models import FrontDesk, RequestCategory, ServiceRequest, SlaPolicy
from zuofeng.service.tests.conftest import submit

MON = dt.date(2025, 6, 2)


def sla_state():
    return sorted(
        SlaPolicy.objects.values_list(
            "category_id",
            "urgency",
            "sign_days",
            "resolve_days",
            "return_days",
            "extension_max_days",
        ),
        key=str,
    )


def assign(svc, r, today=MON):
    for action, actor, data in (
        ("accept", svc.u.desk, {}),
        ("assign", svc.u.desk, {"unit": svc.d.town}),
    ):
        r = services.request_transition(actor=actor, request=r, action=action, today=today, **data)
    return r


def default_row(urgency="normal", **values):
    base = dict(zip(svc_settings.SLA_FIELDS, (1, 5, 2, 10), strict=True))
    base.update(values)
    return {"category": None, "urgency": urgency, **base}


# --- services ----------------------------------------------------------------------------------


def test_category_add_rename_deactivate_is_audited(svc):
    lead = svc.u.lead
    c = svc_settings.category_create(actor=lead, name=" 用工招聘 ", description="招工难")
    assert (c.name, c.active) == ("用工招聘", True)
    assert c.sort_order > max(
        RequestCategory.objects.exclude(pk=c.pk).values_list("sort_order", flat=True)
    )
    c = svc_settings.category_update(
        actor=lead, category=c, name="用工保障", description="", sort_order=5, active=False
    )
    c.refresh_from_db()
    assert (c.name, c.sort_order, c.active) == ("用工保障", 5, False)
    entries = list(
        AuditEntry.objects.filter(action__startswith="service_category.").order_by("seq")
    )
    assert [e.action for e in entries] == ["service_category.create", "service_category.update"]
    assert entries[1].actor == lead
    assert entries[1].before["name"] == "用工招聘" and entries[1].after["active"] is False


def test_category_bad_input_writes_nothing(svc):
    lead = svc.u.lead
    taken = next(iter(svc.cat))
    before = list(
        RequestCategory.objects.values_list("name", "description", "sort_order", "active")
    )
    n_audit = AuditEntry.objects.count()
    for kwargs, message in [
        ({"name": "  "}, "请填写类别名称"),
        ({"name": "x" * 33}, "类别名称不能超过32个字符"),
        ({"name": taken}, "已有同名的诉求类别"),
        ({"name": "新类别", "sort_order": "abc"}, "排序应为整数"),
    ]:
        with pytest.raises(ValidationError) as exc:
            svc_settings.category_create(actor=lead, **kwargs)
        assert message in " ".join(exc.value.messages)
    other = svc.cat[next(n for n in svc.cat if n != taken)]
    with pytest.raises(ValidationError, match="已有同名"):
        svc_settings.category_update(actor=lead, category=other, name=taken)
    after = list(RequestCategory.objects.values_list("name", "description", "sort_order", "active"))
    assert after == before and AuditEntry.objects.count() == n_audit


def test_deactivated_category_refused_for_new_requests_old_ones_keep_it(svc):
    old = submit(svc, category="审批服务")
    c = svc.cat["审批服务"]
    svc_settings.category_update(
        actor=svc.u.lead, category=c, name=c.name, description=c.description, active=False
    )
    c.refresh_from_db()
    svc.cat["审批服务"] = c
    with pytest.raises(ValidationError, match="该诉求类别已停用"):
        submit(svc, category="审批服务")
    old = ServiceRequest.objects.get(pk=old.pk)
    assert old.category_id == c.pk
    r = assign(svc, old)  # the loop goes on for a request that already carries it
    assert r.state == "assigned"
    svc_settings.category_update(actor=svc.u.lead, category=c, name=c.name, active=True)
    c.refresh_from_db()
    svc.cat["审批服务"] = c
    assert submit(svc, category="审批服务").category_id == c.pk


def test_changed_sla_changes_the_deadline_of_a_new_request_only(svc):
    before = assign(svc, submit(svc))
    assert (before.sign_deadline, before.deadline) == (dt.date(2025, 6, 3), dt.date(2025, 6, 9))
    n = svc_settings.sla_save(
        actor=svc.u.lead,
        rows=[
            default_row(sign_days=2, resolve_days=10),
            # 审批服务 normal: its own row, overriding the default
            {
                "category": svc.cat["审批服务"],
                "urgency": "normal",
                "sign_days": 0,
                "resolve_days": 2,
                "return_days": 1,
                "extension_max_days": 3,
            },
        ],
    )
    assert n == 2
    # Jun 3..6 and 9..13 and 16 are working days (the 2nd is 端午).
    other = assign(svc, submit(svc, category="融资"))
    assert (other.sign_deadline, other.deadline) == (dt.date(2025, 6, 4), dt.date(2025, 6, 16))
    own = assign(svc, submit(svc, category="审批服务"))
    assert (own.sign_deadline, own.deadline) == (dt.date(2025, 6, 3), dt.date(2025, 6, 4))
    before.refresh_from_db()
    assert (before.sign_deadline, before.deadline) == (dt.date(2025, 6, 3), dt.date(2025, 6, 9))
    assert AuditEntry.objects.filter(action="service_sla.set").count() == 2
    e = AuditEntry.objects.filter(action="service_sla.set", object_id="*:normal").get()
    assert e.before["resolve_days"] == 5 and e.after["resolve_days"] == 10
    # Blank category row: removed, the default applies again.
    svc_settings.sla_save(
        actor=svc.u.lead,
        rows=[
            {
                "category": svc.cat["审批服务"],
                "urgency": "normal",
                "sign_days": "",
                "resolve_days": None,
                "return_days": "",
                "extension_max_days": "",
            }
        ],
    )
    assert not SlaPolicy.objects.filter(category=svc.cat["审批服务"], urgency="normal").exists()
    assert services.sla_for(svc.cat["审批服务"], "normal").resolve_days == 10


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"resolve_days": -1}, "应在0到365个工作日之间"),
        ({"sign_days": 31}, "签收时限：应在0到30个工作日之间"),
        ({"return_days": "1.5"}, "应为整数个工作日"),
        ({"extension_max_days": "十"}, "应为整数个工作日"),
        ({"extension_max_days": "１０"}, "应为整数个工作日"),
        ({"resolve_days": ""}, "办结时限：请填写天数"),
        ({"resolve_days": 366}, "应在0到365个工作日之间"),
    ],
)
def test_bad_sla_input_writes_nothing(svc, values, message):
    state, n_audit = sla_state(), AuditEntry.objects.count()
    rows = [default_row("urgent", resolve_days=7), default_row("normal", **values)]
    with pytest.raises(ValidationError) as exc:
        svc_settings.sla_save(actor=svc.u.lead, rows=rows)
    assert message in " ".join(exc.value.messages)
    assert "默认·一般" in " ".join(exc.value.messages)
    assert sla_state() == state and AuditEntry.objects.count() == n_audit


def test_default_row_cannot_be_blank_nor_twice(svc):
    state = sla_state()
    blank = {"category": None, "urgency": "normal", **dict.fromkeys(svc_settings.SLA_FIELDS, "")}
    with pytest.raises(ValidationError, match="时限不能留空"):
        svc_settings.sla_save(actor=svc.u.lead, rows=[blank])
    with pytest.raises(ValidationError, match="只能设置一次"):
        svc_settings.sla_save(actor=svc.u.lead, rows=[default_row(), default_row()])
    with pytest.raises(ValidationError, match="不是有效的紧急程度"):
        svc_settings.sla_save(actor=svc.u.lead, rows=[default_row("soon")])
    assert sla_state() == state


def test_front_desks_set_moves_the_default_and_is_audited(svc):
    d = svc.d
    desks = svc_settings.front_desks_set(actor=svc.u.lead, units=[d.dept, d.town], default=d.town)
    assert [(x.org, x.is_default) for x in desks] == [(d.town, True), (d.dept, False)]
    assert services.default_front_desk() == d.town
    r = submit(svc)
    assert r.front_desk == d.town
    e = AuditEntry.objects.get(action="service_front_desk.set")
    assert e.before == {"units": [d.dept.code], "default": d.dept.code}
    assert e.after == {"units": sorted([d.dept.code, d.town.code]), "default": d.town.code}
    svc_settings.front_desks_set(actor=svc.u.lead, units=[d.dept], default=d.dept)
    assert list(FrontDesk.objects.values_list("org", "is_default")) == [(d.dept.pk, True)]
    assert ServiceRequest.objects.get(pk=r.pk).front_desk == d.town  # stays where it is


def test_front_desks_bad_input_writes_nothing(svc):
    d = svc.d
    state = list(FrontDesk.objects.values_list("org", "is_default"))
    with pytest.raises(ValidationError, match="至少需要一个受理窗口"):
        svc_settings.front_desks_set(actor=svc.u.lead, units=[], default=d.dept)
    with pytest.raises(ValidationError, match="默认受理窗口必须是所选单位之一"):
        svc_settings.front_desks_set(actor=svc.u.lead, units=[d.town], default=d.dept)
    with pytest.raises(ValidationError, match="未找到单位编码：NOPE"):
        svc_settings.units_from_codes([d.dept.code, "NOPE"])
    assert list(FrontDesk.objects.values_list("org", "is_default")) == state


@pytest.mark.parametrize("who", ["desk", "unit", "inspector", "leader", "grid", "sysadmin"])
def test_only_the_lead_office_may_change_settings(svc, who):
    user = getattr(svc.u, who)
    c = svc.cat["审批服务"]
    state = (sla_state(), list(FrontDesk.objects.values_list("org", "is_default")))
    with pytest.raises(PermissionDenied):
        svc_settings.category_create(actor=user, name="新类别")
    with pytest.raises(PermissionDenied):
        svc_settings.category_update(actor=user, category=c, name="改名", active=False)
    with pytest.raises(PermissionDenied):
        svc_settings.sla_save(actor=user, rows=[default_row(resolve_days=9)])
    with pytest.raises(PermissionDenied):
        svc_settings.front_desks_set(actor=user, units=[svc.d.town], default=svc.d.town)
    c.refresh_from_db()
    assert (c.name, c.active) == ("审批服务", True)
    assert not RequestCategory.objects.filter(name="新类别").exists()
    assert (sla_state(), list(FrontDesk.objects.values_list("org", "is_default"))) == state


# --- pages -------------------------------------------------------------------------------------


def test_settings_page_lead_office_edits_everything(svc, client, django_assert_max_num_queries):
    submit(svc)
    client.force_login(svc.u.lead)
    with django_assert_max_num_queries(12):
        page = client.get("/service/settings/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "诉求设置" in html and "审批服务" in html and "此后交办" in html
    assert client.get("/service/routing/").status_code in (200, 403)
    assert 'href="/service/settings/"' in client.get("/service/requests/").content.decode()

    c = svc.cat["审批服务"]
    r = client.post(
        f"/service/settings/categories/{c.pk}/",
        {"name": "审批服务", "description": "", "sort_order": "3"},  # no "active": deactivate
    )
    assert r.status_code == 302
    c.refresh_from_db()
    assert (c.active, c.sort_order) == (False, 3)
    r = client.post("/service/settings/categories/", {"name": "用工招聘", "description": ""})
    assert r.status_code == 302 and RequestCategory.objects.filter(name="用工招聘").exists()

    form = {}
    for row in svc_settings.sla_table():
        key = f"{row['category'].pk if row['category'] else 'default'}-{row['urgency']}"
        for f in svc_settings.SLA_FIELDS:
            form[f"{key}-{f}"] = "" if row[f] is None else str(row[f])
    form["default-urgent-resolve_days"] = "4"
    r = client.post("/service/settings/sla/", form)
    assert r.status_code == 302
    assert SlaPolicy.objects.get(category=None, urgency="urgent").resolve_days == 4

    bad = dict(form, **{"default-normal-sign_days": "-2", "default-critical-resolve_days": "1"})
    r = client.post("/service/settings/sla/", bad)
    assert r.status_code == 400
    body = r.content.decode()
    assert "默认·一般的签收时限：应在0到30个工作日之间" in body
    assert 'value="-2"' in body  # shown back as typed
    assert SlaPolicy.objects.get(category=None, urgency="critical").resolve_days == 0

    d = svc.d
    r = client.post(
        "/service/settings/front-desks/",
        {"units": f"{d.dept.code}、{d.town.code}", "default": d.dept.code},
    )
    assert r.status_code == 302
    assert set(FrontDesk.objects.values_list("org__code", flat=True)) == {d.dept.code, d.town.code}
    r = client.post("/service/settings/front-desks/", {"units": "NOPE", "default": "NOPE"})
    assert r.status_code == 400 and "未找到单位编码：NOPE" in r.content.decode()
    assert FrontDesk.objects.count() == 2


@pytest.mark.parametrize("who", ["desk", "unit", "inspector"])
def test_settings_pages_refuse_others(svc, client, who):
    client.force_login(getattr(svc.u, who))
    assert client.get("/service/settings/").status_code == 403
    c = svc.cat["审批服务"]
    r = client.post(f"/service/settings/categories/{c.pk}/", {"name": "x"})
    assert r.status_code == 403
    assert client.post("/service/settings/sla/", {}).status_code == 403
    assert client.post("/service/settings/front-desks/", {"units": "T"}).status_code == 403
    assert 'href="/service/settings/"' not in client.get("/service/requests/").content.decode()
    c.refresh_from_db()
    assert (c.name, c.active) == ("审批服务", True)


# --- API ---------------------------------------------------------------------------------------


def _auth(user) -> dict:
    return {"Authorization": f"Bearer {org_services.token_create(actor=None, user=user)}"}


def test_settings_api(svc, client, django_assert_max_num_queries):
    lead, unit = _auth(svc.u.lead), _auth(svc.u.unit)
    base = "/api/v1/service/settings"
    for path in ("/categories", "/sla", "/front-desks"):
        assert client.get(base + path, headers=unit).status_code == 403
    with django_assert_max_num_queries(6):
        cats = client.get(base + "/categories", headers=lead)
    assert cats.status_code == 200
    assert {c["name"] for c in cats.json()} == set(svc.cat)

    c = svc.cat["融资"]
    body = {"name": "融资服务", "description": "", "sort_order": 1, "active": False}
    assert (
        client.put(f"{base}/categories/{c.pk}", body, "application/json", headers=unit).status_code
        == 403
    )
    r = client.put(f"{base}/categories/{c.pk}", body, "application/json", headers=lead)
    assert r.status_code == 200 and r.json()["name"] == "融资服务" and r.json()["active"] is False
    r = client.post(f"{base}/categories", {"name": "用工招聘"}, "application/json", headers=lead)
    assert r.status_code == 201 and r.json()["n_requests"] == 0

    sla = client.get(base + "/sla", headers=lead).json()["rows"]
    assert {
        "category": None,
        "urgency": "critical",
        "sign_days": 1,
        "resolve_days": 0,
        "return_days": 2,
        "extension_max_days": 10,
    } in sla
    rows = [
        {
            "category": "审批服务",
            "urgency": "urgent",
            "sign_days": 1,
            "resolve_days": 2,
            "return_days": 1,
            "extension_max_days": 5,
        }
    ]
    r = client.put(base + "/sla", {"rows": rows}, "application/json", headers=lead)
    assert r.status_code == 200
    assert services.sla_for(svc.cat["审批服务"], "urgent").resolve_days == 2
    state = sla_state()
    bad = [dict(rows[0], resolve_days=3), {**rows[0], "urgency": "normal", "sign_days": -1}]
    r = client.put(base + "/sla", {"rows": bad}, "application/json", headers=lead)
    assert r.status_code == 422 and "应在0到30个工作日之间" in str(r.json())
    r = client.put(
        base + "/sla",
        {"rows": [dict(rows[0], category="无此类")]},
        "application/json",
        headers=lead,
    )
    assert r.status_code == 422 and "未知诉求类别" in str(r.json())
    assert sla_state() == state
    assert (
        client.put(base + "/sla", {"rows": rows}, "application/json", headers=unit).status_code
        == 403
    )

    d = svc.d
    desks = {"units": [d.dept.code, d.town.code], "default": d.town.code}
    r = client.put(base + "/front-desks", desks, "application/json", headers=lead)
    assert r.status_code == 200
    assert r.json()[0] == {"unit": d.town.code, "unit_name": d.town.name, "is_default": True}
    r = client.put(
        base + "/front-desks",
        {"units": [d.dept.code], "default": d.town.code},
        "application/json",
        headers=lead,
    )
    assert r.status_code == 422 and "默认受理窗口必须是所选单位之一" in str(r.json())
    assert FrontDesk.objects.get(is_default=True).org == d.town
    assert (
        client.put(base + "/front-desks", desks, "application/json", headers=unit).status_code
        == 403
    )
