"""The problem ledger over real HTTP: the loop driven through the API with two tokens, filters,
validation errors, conflicts and scope."""

from __future__ import annotations

import datetime as dt

import pytest
import requests
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from zuofeng.core.models import AuditEntry
from zuofeng.orgs import services as org_services
from zuofeng.orgs.tests.factories import build_small_district, make_user
from zuofeng.rectify.models import Problem

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _session(user) -> requests.Session:
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {org_services.token_create(actor=None, user=user)}"
    return http


@pytest.fixture
def world(live_server):
    d = build_small_district()
    lead = _session(make_user("lead", ("lead_office", d.root)))
    unit = _session(make_user("unit", ("unit_admin", d.town)))
    other = _session(make_user("other", ("unit_admin", d.town2)))
    yield d, lead, unit, other, live_server.url + "/api/v1"
    for http in (lead, unit, other):
        http.close()


def test_problem_loop_over_http(world, subtests):
    _d, lead, unit, other, api = world
    body = {
        "description": "村务公开不及时",
        "source": "正风肃纪检查",
        "found_date": "2025-05-06",
        "unit": "T1",
        "category": "不作为",
        "key_areas": ["power"],
        "campaign": "农村集体“三资”",
    }

    with subtests.test("bad input is 422 with field messages and writes nothing"):
        before = AuditEntry.objects.count()
        r = lead.post(f"{api}/problems", json={**body, "source": "不存在"}, timeout=10)
        assert r.status_code == 422 and "source" in r.json()["errors"]
        r = lead.post(f"{api}/problems", json={**body, "found_date": "2025-13-01"}, timeout=10)
        assert r.status_code == 422
        assert Problem.objects.count() == 0 and AuditEntry.objects.count() == before

    with subtests.test("a unit outside the actor's scope is 404"):
        r = other.post(f"{api}/problems", json=body, timeout=10)
        assert r.status_code == 404 and Problem.objects.count() == 0

    r = lead.post(f"{api}/problems", json=body, timeout=10)
    assert r.status_code == 201, r.text
    problem = r.json()
    pid = problem["id"]
    assert problem["number"] == "ZG-2025-00001"
    assert (problem["state"], problem["key_areas"], problem["actions"]) == (
        "registered",
        ["power"],
        ["assign"],
    )

    with subtests.test("the other town cannot see it"):
        assert other.get(f"{api}/problems/{pid}", timeout=10).status_code == 404
        assert other.get(f"{api}/problems", timeout=10).json()["count"] == 0

    r = lead.post(
        f"{api}/problems/{pid}/transitions",
        json={"action": "assign", "deadline": "2025-06-30", "person": "张三"},
        timeout=10,
    )
    assert r.status_code == 200, r.text
    assert (r.json()["state"], r.json()["deadline"]) == ("assigned", "2025-06-30")
    version = r.json()["version"]

    with subtests.test("a step the state does not allow is refused"):
        r = lead.post(f"{api}/problems/{pid}/transitions", json={"action": "close"}, timeout=10)
        assert r.status_code == 422

    with subtests.test("the lead office cannot sign for the unit"):
        r = lead.post(f"{api}/problems/{pid}/transitions", json={"action": "sign"}, timeout=10)
        assert r.status_code == 403

    r = unit.post(
        f"{api}/problems/{pid}/transitions", json={"action": "sign", "version": version}, timeout=10
    )
    assert r.json()["state"] == "rectifying"

    with subtests.test("a stale version is a 409 conflict"):
        r = unit.post(
            f"{api}/problems/{pid}/transitions",
            json={"action": "submit", "result": "已公开", "version": version},
            timeout=10,
        )
        assert r.status_code == 409

    with subtests.test("submitting without evidence is refused"):
        r = unit.post(
            f"{api}/problems/{pid}/transitions",
            json={"action": "submit", "result": "已公开"},
            timeout=10,
        )
        assert r.status_code == 422 and "evidence" in r.json()["errors"]

    with subtests.test("evidence is checked by content"):
        r = unit.post(
            f"{api}/problems/{pid}/evidence", files={"file": ("x.pdf", b"MZ not a pdf")}, timeout=10
        )
        assert r.status_code == 422
    r = unit.post(
        f"{api}/problems/{pid}/evidence",
        files={"file": ("公开栏照片.png", b"\x89PNG\r\n\x1a\n....")},
        timeout=10,
    )
    assert r.status_code == 201, r.text
    r = unit.post(
        f"{api}/problems/{pid}/transitions",
        json={"action": "submit", "result": "已公开"},
        timeout=10,
    )
    assert r.json()["state"] == "submitted"
    r = lead.post(f"{api}/problems/{pid}/transitions", json={"action": "close"}, timeout=10)
    done = r.json()
    assert done["state"] == "closed" and done["closed_date"] == dt.date.today().isoformat()
    assert [e["action"] for e in done["timeline"]] == [
        "register",
        "assign",
        "sign",
        "evidence",
        "submit",
        "close",
    ]

    with subtests.test("ledger filters"):
        rows = lead.get(
            f"{api}/problems",
            params={
                "state": "closed",
                "unit": "T",
                "key_area": "power",
                "campaign": "农村集体“三资”",
            },
            timeout=10,
        ).json()
        assert [p["number"] for p in rows["items"]] == ["ZG-2025-00001"]
        assert (
            lead.get(f"{api}/problems", params={"state": "registered"}, timeout=10).json()["count"]
            == 0
        )
        assert lead.get(f"{api}/problems", params={"unit": "U"}, timeout=10).json()["count"] == 0
        assert lead.get(f"{api}/problems", params={"sort": "bogus"}, timeout=10).status_code == 422


def test_list_items_are_what_the_schema_makes_of_the_records(world):
    """The list is served from rows (core.api.Rows): each item must be exactly what ProblemOut
    makes of the model instance, and what the detail endpoint shows of it."""
    from zuofeng.core.sheets import run_import
    from zuofeng.rectify.api import ProblemOut
    from zuofeng.rectify.tests.test_importers import GOOD

    _d, lead, _unit, _other, api = world
    run_import("problems", [*GOOD, dict(GOOD[1], 问题描述="另一问题", 重点领域="", 所属专项="")])
    page = lead.get(f"{api}/problems", params={"limit": 10}, timeout=10).json()
    assert page["count"] == 3 and len(page["items"]) == 3
    records = {p.pk: p for p in Problem.objects.select_related("unit", "source", "category")}
    for item in page["items"]:
        assert item == ProblemOut.from_orm(records[item["id"]]).model_dump(mode="json")
        detail = lead.get(f"{api}/problems/{item['id']}", timeout=10).json()
        assert item == {k: detail[k] for k in item}
    assert {tuple(i["key_areas"]) for i in page["items"]} == {
        ("funds",),
        ("power", "resources"),
        (),
    }
    second = lead.get(f"{api}/problems", params={"limit": 1, "offset": 1}, timeout=10).json()
    assert second == {"items": page["items"][1:2], "count": 3}
    # Token, scope, the count and the page: the count reads the problems alone, no join.
    with CaptureQueriesContext(connection) as ctx:
        r = Client().get(
            "/api/v1/problems?limit=10", HTTP_AUTHORIZATION=lead.headers["Authorization"]
        )
    assert r.status_code == 200 and r.json() == page
    assert len(ctx.captured_queries) == 4
    (count,) = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
    assert "JOIN" not in count.upper()


def test_anonymous_and_admin_roles_are_refused(world):
    d, _lead, _unit, _other, api = world
    assert requests.get(f"{api}/problems", timeout=10).status_code == 401
    admin = _session(make_user("sys", ("system_admin", d.root)))
    assert admin.get(f"{api}/problems", timeout=10).status_code == 403
    admin.close()


def test_inspections_over_http(world):
    _d, lead, unit, other, api = world
    body = {
        "date": "2025-05-08",
        "team": "第一检查组",
        "method": "cross",
        "targets": ["T", "U"],
        "campaign": "校园餐",
    }
    assert unit.post(f"{api}/inspections", json=body, timeout=10).status_code == 403
    assert (
        lead.post(f"{api}/inspections", json={**body, "method": "x"}, timeout=10).status_code == 422
    )
    r = lead.post(f"{api}/inspections", json=body, timeout=10)
    assert r.status_code == 201, r.text
    inspection = r.json()
    assert (inspection["targets"], inspection["campaign"]) == (["T", "U"], "校园餐")
    r = lead.post(
        f"{api}/inspections/{inspection['id']}/findings",
        json={"unit": "U1", "description": "食堂账目不清"},
        timeout=10,
    )
    assert r.status_code == 201 and r.json()["source"] == "正风肃纪检查"
    assert [i["id"] for i in other.get(f"{api}/inspections", timeout=10).json()["items"]] == [
        inspection["id"]
    ]
    assert unit.get(f"{api}/inspections/{inspection['id']}", timeout=10).status_code == 200


def test_rounds_over_http(world):
    _d, lead, unit, _other, api = world
    assert unit.post(f"{api}/rounds", json={"org": "D"}, timeout=10).status_code == 403
    ids = []
    for _ in range(2):
        r = lead.post(f"{api}/rounds", json={"org": "D"}, timeout=10)
        assert r.status_code == 201, r.text
        assert lead.post(f"{api}/rounds", json={"org": "D"}, timeout=10).status_code == 422
        closed = lead.post(f"{api}/rounds/{r.json()['id']}/close", timeout=10).json()
        assert closed["closed_on"] is not None
        ids.append(closed["id"])
    diff = lead.get(f"{api}/rounds/diff", params={"a": ids[0], "b": ids[1]}, timeout=10).json()
    assert diff == {
        "a": ids[0],
        "b": ids[1],
        "new": [],
        "closed": [],
        "carried_over": [],
        "changed": [],
        "by_unit": [],
    }
    assert [r["name"] for r in unit.get(f"{api}/rounds", timeout=10).json()] == ["第1轮", "第2轮"]
    assert (
        lead.get(f"{api}/rounds/diff", params={"a": 999, "b": ids[1]}, timeout=10).status_code
        == 404
    )


def test_circulars_over_http(world):
    _d, lead, unit, other, api = world
    body = {
        "description": "公车私用",
        "source": "正风肃纪检查",
        "found_date": "2025-05-06",
        "unit": "T1",
    }
    number = lead.post(f"{api}/problems", json=body, timeout=10).json()["number"]
    circular = {
        "title": "关于公车私用问题的通报",
        "date": "2025-06-01",
        "issuer": "D",
        "problems": [number],
    }
    assert unit.post(f"{api}/circulars", json=circular, timeout=10).status_code == 403
    bad = lead.post(f"{api}/circulars", json={**circular, "problems": ["ZG-NOPE"]}, timeout=10)
    assert bad.status_code == 422 and "problems" in bad.json()["errors"]
    r = lead.post(f"{api}/circulars", json=circular, timeout=10)
    assert r.status_code == 201, r.text
    assert (r.json()["year"], r.json()["number"], r.json()["problems"]) == (2025, 1, [number])
    assert other.get(f"{api}/circulars", timeout=10).json()["count"] == 1  # issued above it
    assert unit.get(f"{api}/circulars/{r.json()['id']}", timeout=10).status_code == 200


def test_leader_projects_over_http(world):
    _d, lead, unit, other, api = world
    number = lead.post(
        f"{api}/problems",
        json={"description": "x", "source": "自查", "found_date": "2025-05-06", "unit": "T1"},
        timeout=10,
    ).json()["number"]
    body = {
        "title": "村级工程规范",
        "leader": "区长",
        "owner": "T",
        "started_on": "2025-05-01",
        "problems": [number],
    }
    assert unit.post(f"{api}/leader-projects", json=body, timeout=10).status_code == 403
    r = lead.post(f"{api}/leader-projects", json=body, timeout=10)
    assert r.status_code == 201, r.text
    assert (r.json()["total"], r.json()["closed"]) == (1, 0)
    assert other.get(f"{api}/leader-projects", timeout=10).json()["count"] == 0
    assert unit.get(f"{api}/leader-projects", timeout=10).json()["count"] == 1
