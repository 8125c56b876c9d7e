"""Workbench pages and the public side over the test client: permissions, query counts,
the public form's honeypot, rate limit and status lookup."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from zuofeng.core.models import AuditEntry
from zuofeng.service.models import PublicHit, ServiceRequest
from zuofeng.service.tests.conftest import submit
from zuofeng.service.tests.test_loop import go, walk_to


def login(user):
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def assigned(svc):
    return walk_to(svc, "assigned")


PAGES = [
    ("service_queue", False),
    ("service_requests", False),
    ("service_enterprises", False),
    ("service_grids", False),
    ("service_visits", False),
    ("service_request", True),
    ("service_enterprise", "enterprise"),
]


@pytest.mark.parametrize("name,arg", PAGES)
def test_permission_matrix(svc, assigned, name, arg):
    args = [assigned.pk] if arg is True else [svc.enterprise.pk] if arg else []
    url = reverse(name, args=args)
    assert Client().get(url).status_code == 302  # anonymous → login
    assert login(svc.u.sysadmin).get(url).status_code == 403  # no business role
    if args:
        assert login(svc.u.other).get(url).status_code == 404  # out of scope
    for user in (svc.u.unit, svc.u.lead, svc.u.grid):
        assert login(user).get(url).status_code == 200


def test_routing_page_needs_the_front_desk_role(svc, assigned):
    url = reverse("service_routing")
    assert login(svc.u.grid).get(url).status_code == 403
    submit(svc)
    page = login(svc.u.desk).get(url)
    assert page.status_code == 200 and "SQ-2025-000002" in page.content.decode()


def test_queue_ordered_by_due_with_colours_and_pinned_queries(svc, django_assert_max_num_queries):
    import datetime as dt

    from django.utils import timezone

    today = timezone.localdate()
    for days in (5, -2, 1):
        r = walk_to(svc, "handling")
        ServiceRequest.objects.filter(pk=r.pk).update(deadline=today + dt.timedelta(days=days))
    c = login(svc.u.unit)
    with django_assert_max_num_queries(8):
        html = c.get(reverse("service_queue")).content.decode()
    assert html.index("light-red") < html.index("light-yellow")
    assert html.count("due-none") == 1


def test_transition_from_the_detail_page(svc, assigned):
    c = login(svc.u.unit)
    url = reverse("service_transition", args=[assigned.pk, "sign"])
    c.post(url, {"version": assigned.version})
    assert ServiceRequest.objects.get(pk=assigned.pk).state == "signed"
    # A wrong role changes nothing.
    login(svc.u.grid).post(reverse("service_transition", args=[assigned.pk, "close"]), {})
    assert ServiceRequest.objects.get(pk=assigned.pk).state == "signed"


def _post(client, **extra):
    from zuofeng.service.models import RequestCategory

    data = {
        "name": "李四",
        "phone": "13900001234",
        "category": RequestCategory.objects.get(name="民生服务").pk,
        "content": "小区路灯不亮",
        "website": "",
    } | extra
    return client.post(reverse("service_public_submit"), data)


def test_public_submit_track_and_rate(svc):
    c = Client()
    page = _post(c)
    assert page.status_code == 200
    r = ServiceRequest.objects.get()
    assert r.tracking_code in page.content.decode() and r.kind == "citizen"
    track = reverse("service_public_track")
    wrong = c.post(track, {"code": r.tracking_code, "last4": "0000"})
    unknown = c.post(track, {"code": "NOSUCHCODE", "last4": "1234"})
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.content.decode().count("未找到对应的诉求") == 1
    ok = c.post(track, {"code": r.tracking_code.lower(), "last4": "1234"})
    assert ok.status_code == 200 and "已提交" in ok.content.decode()
    rate = reverse("service_public_rate")
    refused = c.post(rate, {"code": r.tracking_code, "last4": "1234", "satisfaction": "satisfied"})
    assert refused.status_code == 400 and ServiceRequest.objects.get().satisfaction == ""
    r = go(svc, r, "accept", svc.u.desk)
    r = go(svc, r, "assign", svc.u.desk, unit=svc.d.town)
    r = go(svc, r, "sign", svc.u.unit)
    r = go(svc, r, "resolve", svc.u.unit, resolution="已修复")
    done = c.post(rate, {"code": r.tracking_code, "last4": "1234", "satisfaction": "basic"})
    assert done.status_code == 200
    r.refresh_from_db()
    assert (r.state, r.satisfaction, r.rated_by) == ("rated", "basic", "requester")


def test_public_honeypot_and_bad_input_write_nothing(svc):
    c = Client()
    assert _post(c, website="http://spam").status_code == 400
    assert _post(c, phone="12345").status_code == 400
    assert _post(c, content="长" * 4001).status_code == 400
    assert ServiceRequest.objects.count() == 0


def test_public_rate_limit_per_address(svc, settings):
    settings.SERVICE_PUBLIC_LIMITS = {"submit": (2, 3600), "lookup": (20, 3600)}
    c = Client(REMOTE_ADDR="10.0.0.7")
    assert _post(c).status_code == 200
    assert _post(c).status_code == 200
    assert _post(c).status_code == 429
    assert ServiceRequest.objects.count() == 2
    other = Client(REMOTE_ADDR="10.0.0.8")
    assert _post(other).status_code == 200
    assert PublicHit.objects.count() == 4
    assert not AuditEntry.objects.filter(after__icontains="13900001234").exists()


def test_grid_team_through_the_api(svc):
    import json

    from zuofeng.orgs import services as org_services
    from zuofeng.orgs.models import Person
    from zuofeng.service.models import GridMember

    Person.objects.create(name="赵六", org=svc.d.town, person_no="P100")
    Person.objects.create(name="钱七", org=svc.d.town, person_no="P101")
    token = org_services.token_create(actor=None, user=svc.u.unit)
    c = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    post = lambda url, body: c.post(url, json.dumps(body), content_type="application/json")  # noqa: E731
    r = post("/api/v1/service/grids", {"code": "G1", "name": "东关一网格", "org": "T"})
    assert r.status_code == 201, r.content
    gid = r.json()["id"]
    assert post("/api/v1/service/grids", {"code": "G2", "name": "x", "org": "U"}).status_code == 404
    url = f"/api/v1/service/grids/{gid}/members"
    assert post(url, {"person_no": "P100", "role": "网格长"}).status_code == 201
    # 网格长 is one person: the second is refused and nothing is written.
    assert post(url, {"person_no": "P101", "role": "网格长"}).status_code == 422
    r = post(url, {"person_no": "P101", "role": "联企干部"})
    assert [m["role"] for m in r.json()] == ["网格长", "联企干部"]
    assert GridMember.objects.count() == 2


def test_visit_page_records_a_visit(svc):
    from zuofeng.service.models import Visit
    from zuofeng.service.tests.conftest import credit

    url = reverse("service_visit_new")
    c = login(svc.u.grid)
    assert login(svc.u.leader).get(url).status_code == 403
    bad = c.post(url, {"date": "2025-05-06", "credit_code": credit(1), "unit": "U"})
    assert bad.status_code == 404 and Visit.objects.count() == 0  # another town: out of scope
    ok = c.post(url, {"date": "2025-05-06", "credit_code": credit(1), "unit": "T", "notes": "回访"})
    assert ok.status_code == 302
    assert list(Visit.objects.values_list("unit__code", "notes")) == [("T", "回访")]
