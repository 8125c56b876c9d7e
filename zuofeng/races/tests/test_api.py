"""The races API over real HTTP: board save with refusals, compute, manual entry and approval,
publish, breakdown with records, history, and who may do what."""

from __future__ import annotations

import datetime as dt

import pytest
import requests

from zuofeng.orgs import services as org_services
from zuofeng.orgs.tests.factories import build_small_district, make_user
from zuofeng.races.models import BoardScore, Season
from zuofeng.races.tests.factories import EFFICIENCY, build_race, problem

D = dt.date
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _session(user) -> requests.Session:
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {org_services.token_create(actor=None, user=user)}"
    return http


@pytest.fixture
def world(live_server):
    d = build_small_district()
    race = build_race(d)
    problem(d.v1, closed=D(2025, 5, 1), deadline=D(2025, 5, 10))
    problem(d.town, closed=D(2025, 5, 20), deadline=D(2025, 5, 10))
    problem(d.w1, closed=D(2025, 6, 1), deadline=D(2025, 6, 1))
    sessions = {
        "lead": _session(make_user("lead", ("lead_office", d.root))),
        "lead2": _session(make_user("lead2", ("lead_office", d.root))),
        "unit": _session(make_user("unit", ("unit_admin", d.town))),
        "norole": _session(make_user("norole")),
    }
    yield d, race, sessions, f"{live_server.url}/api/v1/races/{race.pk}"
    for http in sessions.values():
        http.close()


def test_race_over_http(world):
    _d, race, s, api = world
    lead, lead2, unit = s["lead"], s["lead2"], s["unit"]
    board = race.boards.get(name="作风效能榜")

    # A board whose weights do not add up: 422 with the reason, nothing changed.
    bad = lead.put(
        f"{api}/boards/{board.pk}", json={"nodes": [{**EFFICIENCY[0], "points": 10}, EFFICIENCY[1]]}
    )
    assert bad.status_code == 422
    assert bad.json()["errors"] == {"__all__": ["榜单各项分值之和为50，应等于100"]}
    assert unit.put(f"{api}/boards/{board.pk}", json={"nodes": EFFICIENCY}).status_code == 403
    ok = lead.put(f"{api}/boards/{board.pk}", json={"nodes": EFFICIENCY})
    assert ok.status_code == 200 and ok.json()["nodes"][1]["key"] == "rectify.on_time_rate"

    assert lead.post(f"{api}/seasons", json={"code": "2025-Q2"}).status_code == 201
    assert lead.post(f"{api}/seasons", json={"code": "2025-Q2"}).status_code == 422

    # A manual value from the town's liaison, approved by the lead office.
    leaf = race.boards.get(name="招商引资榜").nodes.get().pk
    entry = unit.post(
        f"{api}/seasons/2025-Q2/entries",
        json={"leaf": leaf, "participant": "T", "value": "4.2", "evidence": "签约清单"},
    )
    assert entry.status_code == 201, entry.text
    refused = unit.post(
        f"{api}/seasons/2025-Q2/entries",
        json={"leaf": leaf, "participant": "U", "value": "9", "evidence": "x"},
    )
    assert refused.status_code == 403
    outside = lead.post(
        f"{api}/seasons/2025-Q2/entries",
        json={"leaf": leaf, "participant": "T1", "value": "9", "evidence": "x"},
    )
    assert outside.status_code == 422
    assert outside.json()["errors"] == {"participant": ["T1不是本比拼的参赛单位"]}
    entry_id = entry.json()["id"]
    evidence = f"{api}/seasons/2025-Q2/entries/{entry_id}/evidence"
    not_pdf = unit.post(evidence, files={"file": ("x.pdf", b"<html>", "application/pdf")})
    assert not_pdf.status_code == 422
    attached = unit.post(evidence, files={"file": ("签约.pdf", b"%PDF-1.4 x", "application/pdf")})
    assert attached.json()["evidence_file"] == "签约.pdf"
    assert attached.json()["version"] == 2
    assert unit.post(f"{api}/seasons/2025-Q2/entries/{entry_id}/approve").status_code == 403
    stale = lead.post(f"{api}/seasons/2025-Q2/entries/{entry_id}/approve", json={"version": 1})
    assert stale.status_code == 409
    approved = lead.post(f"{api}/seasons/2025-Q2/entries/{entry_id}/approve", json={"version": 2})
    assert approved.json()["state"] == "approved"

    assert unit.post(f"{api}/seasons/2025-Q2/compute").status_code == 403
    result = lead2.post(f"{api}/seasons/2025-Q2/compute").json()
    efficiency = next(b for b in result["boards"] if b["name"] == "作风效能榜")
    assert [(x["participant"], x["total"], x["rank"]) for x in efficiency["scores"]] == [
        ("U", "90.00", 1),
        ("T", "60.00", 2),
        ("DA", "50.00", 3),
    ]
    assert (efficiency["red"], efficiency["black"]) == (["U"], ["DA"])
    assert efficiency["rules"][1]["rule"] == (
        "线性计分：达到100%得满分40分，每低于1个百分点扣1分，最低0分"
    )

    # The town's liaison sees its own breakdown and the records behind a value, not others'.
    mine = unit.get(f"{api}/seasons/2025-Q2/participants/T")
    assert mine.status_code == 200
    leaves = {x["label"]: x for b in mine.json()["boards"] for x in b["leaves"]}
    assert (leaves["按期销号率"]["value"], leaves["招商引资额"]["points"]) == ("0.5000", "100.00")
    records = unit.get(api.split("/api/v1")[0] + leaves["按期销号率"]["records"])
    assert records.status_code == 200 and records.json()["count"] == 2
    assert unit.get(f"{api}/seasons/2025-Q2/participants/U").status_code == 404

    published = lead.post(f"{api}/seasons/2025-Q2/publish")
    assert published.json()["state"] == "published"
    again = lead.post(f"{api}/seasons/2025-Q2/compute")
    assert again.status_code == 422
    assert again.json()["errors"] == {"__all__": ["2025年第二季度已发布，不能重新计算"]}
    assert Season.objects.get().state == "published"
    assert BoardScore.objects.filter(season__code="2025-Q2").count() == 6

    history = lead.get(f"{api}/history", params={"board": board.pk}).json()
    assert history == {
        "board": "作风效能榜",
        "seasons": ["2025-Q2"],
        "ranks": {"东关街道": [2], "区财政局": [3], "陈溪乡": [1]},
    }


def test_api_permission_matrix(world):
    _d, _race, s, api = world
    root = api.rsplit("/races/", 1)[0]
    anonymous = requests.get(f"{api}")
    assert anonymous.status_code == 401
    assert s["norole"].get(f"{root}/races").status_code == 403
    assert s["unit"].get(f"{root}/races").json()[0]["name"] == "测试赛马"
    assert s["unit"].get(f"{root}/races/999999").status_code == 404
    assert s["unit"].post(f"{api}/seasons", json={"code": "2025-Q3"}).status_code == 403
    assert s["unit"].get(f"{api}/seasons/2099-Q1").status_code == 404
