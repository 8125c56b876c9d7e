"""Indicators and briefings over real HTTP: the JSON contract, by child and month, drill-down,
scope, and errors that are never a silent zero."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import requests
from docx import Document

from zuofeng.dashboard.tests.test_indicators import _problem
from zuofeng.orgs import services as org_services
from zuofeng.orgs.tests.factories import build_small_district, make_user

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
D = dt.date
Q2 = {"from": "2025-04-01", "to": "2025-06-30"}


def _session(user) -> requests.Session:
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {org_services.token_create(actor=None, user=user)}"
    return http


@pytest.fixture
def world(live_server):
    d = build_small_district()
    _problem(d.v1, D(2025, 4, 1), closed=D(2025, 5, 1), deadline=D(2025, 4, 30))
    _problem(d.v2, D(2025, 5, 5), closed=D(2025, 6, 30), deadline=D(2025, 7, 31))
    _problem(d.w1, D(2025, 6, 1), deadline=D(2025, 6, 15), source="信访反映")
    lead = _session(make_user("lead", ("lead_office", d.root)))
    unit = _session(make_user("unit", ("unit_admin", d.town)))
    yield d, lead, unit, live_server.url + "/api/v1"
    lead.close()
    unit.close()


def test_values_follow_the_command_contract(world):
    _d, lead, _unit, api = world
    r = lead.get(f"{api}/indicators/values", params={**Q2, "key": ["rectify.problems_found"]})
    assert r.status_code == 200
    assert r.json() == {
        "scope": {"code": "D", "name": "测试区委"},
        "from": "2025-04-01",
        "to": "2025-06-30",
        "indicators": [
            {"key": "rectify.problems_found", "label": "发现问题数", "unit": "个", "value": 3}
        ],
    }
    r = lead.get(
        f"{api}/indicators/values",
        params={**Q2, "key": "rectify.problems_found", "filter": "source=信访反映", "scope": "U"},
    )
    assert r.json()["indicators"][0]["value"] == 1
    keys = {i["key"] for i in lead.get(f"{api}/indicators").json()}
    assert {"rectify.problems_found", "orgs.grassroots"} <= keys


def test_by_child_by_month_and_records(world):
    _d, lead, _unit, api = world
    rows = lead.get(f"{api}/indicators/rectify.problems_found/by-child", params=Q2).json()["rows"]
    assert {r["code"]: r["value"] for r in rows} == {"DA": 0, "T": 2, "U": 1}
    months = lead.get(f"{api}/indicators/rectify.problems_found/by-month", params=Q2).json()
    assert [m["value"] for m in months["rows"]] == [1, 1, 1]
    page = lead.get(
        f"{api}/indicators/rectify.problems_found/records",
        params={**Q2, "scope": "T", "limit": 1},
    ).json()
    assert page["count"] == 2 and len(page["items"]) == 1
    assert page["items"][0]["unit"] == "新村社区党支部"


def test_errors_and_scope(world):
    _d, lead, unit, api = world
    r = lead.get(f"{api}/indicators/values", params={**Q2, "key": "no.such"})
    assert r.status_code == 422 and "unknown indicator" in str(r.json())
    r = lead.get(f"{api}/indicators/values", params={**Q2, "filter": "colour=red"})
    assert r.status_code == 422
    r = lead.get(f"{api}/indicators/values", params={**Q2, "filter": "nonsense"})
    assert r.status_code == 422
    r = lead.get(f"{api}/indicators/values", params={"from": "2025-06-30", "to": "2025-04-01"})
    assert r.status_code == 422
    assert unit.get(f"{api}/indicators/values", params={**Q2, "scope": "U"}).status_code == 404
    assert unit.get(f"{api}/indicators/values", params=Q2).json()["scope"]["code"] == "T"
    assert requests.get(f"{api}/indicators/values", params=Q2, timeout=10).status_code == 401


def test_briefing_over_http(world):
    _d, lead, unit, api = world
    r = lead.post(f"{api}/briefings", json={**Q2, "number": 9})
    assert r.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(r.content)).paragraphs)
    assert "第9期" in text and "发现问题3个" in text
    r = lead.post(f"{api}/briefings", json={**Q2, "template": "没有"})
    assert r.status_code == 422
    assert unit.post(f"{api}/briefings", json={**Q2, "scope": "U"}).status_code == 404
