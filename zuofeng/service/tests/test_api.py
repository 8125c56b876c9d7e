"""The service API and Open311 GeoReport v2 over real HTTP against the running server."""

from __future__ import annotations

import pytest
import requests

from zuofeng.orgs import services as org_services
from zuofeng.orgs.tests.factories import build_small_district, make_user
from zuofeng.service import services
from zuofeng.service.models import FrontDesk, RequestCategory, ServiceRequest
from zuofeng.service.tests.conftest import credit

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _token(user) -> str:
    return org_services.token_create(actor=None, user=user)


def _session(user) -> requests.Session:
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {_token(user)}"
    return http


@pytest.fixture
def world(live_server):
    d = build_small_district()
    FrontDesk.objects.create(org=d.dept, is_default=True)
    users = {
        "desk": make_user("desk", ("unit_admin", d.dept)),
        "unit": make_user("unit", ("unit_admin", d.town)),
        "other": make_user("other", ("unit_admin", d.town2)),
        "grid": make_user("grid", ("grid_cadre", d.town)),
    }
    services.enterprise_create(actor=None, credit_code=credit(7), name="测试企业", town=d.town)
    yield d, users, live_server.url


def test_request_loop_over_the_api(world):
    _d, users, base = world
    api = base + "/api/v1/service"
    grid, desk, unit, other = (_session(users[k]) for k in ("grid", "desk", "unit", "other"))
    body = {
        "channel": "grid",
        "category": "融资",
        "content": "续贷困难",
        "credit_code": credit(7),
        "origin_unit": "T",
    }
    bad = grid.post(
        f"{api}/requests", json={**body, "credit_code": credit(7)[:-1] + "0"}, timeout=10
    )
    assert bad.status_code == 422 and ServiceRequest.objects.count() == 0
    both = grid.post(
        f"{api}/requests", json={**body, "name": "张三", "phone": "13800000000"}, timeout=10
    )
    assert both.status_code == 422 and ServiceRequest.objects.count() == 0
    created = grid.post(f"{api}/requests", json=body, timeout=10)
    assert created.status_code == 201, created.text
    pk = created.json()["id"]
    step = lambda http, **data: http.post(f"{api}/requests/{pk}/transitions", json=data, timeout=10)  # noqa: E731
    assert step(desk, action="accept").json()["state"] == "accepted"
    assert step(unit, action="sign").status_code == 404  # not the town's yet
    r = step(desk, action="assign", unit="T", co_units=["DA"])
    assert r.status_code == 200 and r.json()["unit"] == "T" and r.json()["deadline"]
    assert step(other, action="sign").status_code == 404
    assert step(unit, action="sign").json()["state"] == "signed"
    assert step(unit, action="resolve", resolution="已续贷", funds="-5").status_code == 422
    done = step(unit, action="resolve", resolution="已续贷", funds="20000")
    assert done.json()["state"] == "resolved" and done.json()["funds"] == "20000.00"
    assert step(unit, action="close").status_code == 403
    queue = unit.get(f"{api}/queue", timeout=10).json()
    assert queue["count"] == 0
    detail = desk.get(f"{api}/requests/{pk}", timeout=10).json()
    assert [e["action"] for e in detail["timeline"]] == [
        "submit",
        "accept",
        "assign",
        "sign",
        "resolve",
    ]
    assert "close" in detail["actions"]
    assert other.get(f"{api}/requests/{pk}", timeout=10).status_code == 404
    assert requests.get(f"{api}/requests", timeout=10).status_code == 401


def test_open311_round_trip(world):
    _d, users, base = world
    o = base + "/open311/v2"
    disc = requests.get(f"{o}/discovery.json", timeout=10)
    assert disc.status_code == 200 and disc.json()["endpoints"][0]["url"].endswith("/open311/v2/")
    svcs = requests.get(f"{o}/services.json", timeout=10).json()
    names = [s["service_name"] for s in svcs]
    assert names[:3] == ["政策兑现", "要素保障", "审批服务"] and len(names) == 10
    code = str(RequestCategory.objects.get(name="民生服务").pk)
    form = {
        "service_code": code,
        "description": "路灯不亮",
        "first_name": "四",
        "last_name": "李",
        "phone": "13900001234",
        "lat": "30.03",
        "long": "120.87",
        "address_string": "百官街道",
    }
    assert requests.post(f"{o}/requests.json", data=form, timeout=10).status_code == 403
    key = _token(users["desk"])
    bad = requests.post(
        f"{o}/requests.json", data={**form, "api_key": key, "service_code": "999"}, timeout=10
    )
    assert bad.status_code == 400 and ServiceRequest.objects.count() == 0
    created = requests.post(f"{o}/requests.json", data={**form, "api_key": key}, timeout=10)
    assert created.status_code == 201, created.text
    number = created.json()[0]["service_request_id"]
    public = requests.get(f"{o}/requests/{number}.json", timeout=10).json()[0]
    assert public["status"] == "open" and "description" not in public
    assert public["expected_datetime"]
    full = requests.get(f"{o}/requests/{number}.json", params={"api_key": key}, timeout=10).json()[
        0
    ]
    assert full["description"] == "路灯不亮" and full["lat"] == 30.03
    listed = requests.get(
        f"{o}/requests.json", params={"status": "open", "service_code": code}, timeout=10
    ).json()
    assert [r["service_request_id"] for r in listed] == [number]
    assert requests.get(f"{o}/requests.json", params={"status": "closed"}, timeout=10).json() == []
    assert requests.get(f"{o}/requests.json", params={"status": "x"}, timeout=10).status_code == 400
    assert requests.get(f"{o}/requests/NOPE.json", timeout=10).status_code == 404
    assert requests.get(f"{o}/services.xml", timeout=10).status_code == 400
