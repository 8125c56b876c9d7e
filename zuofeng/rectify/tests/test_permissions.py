"""Permission matrix of the rectification pages and endpoints, generated from one table:
anonymous → login (API 401), no role → 403, out of scope → 404 (object pages), allowed → 200."""

from __future__ import annotations

import datetime as dt

import pytest

from zuofeng.core.sheets import run_import
from zuofeng.orgs import services as org_services
from zuofeng.rectify import circulars, rounds, services
from zuofeng.rectify.models import ChecklistSet, ProblemSource

D = dt.date


@pytest.fixture
def world(district, make_user):
    d = district
    problem = services.problem_register(
        actor=None,
        description="x",
        found_date=D(2025, 5, 1),
        unit=d.v1,
        source=ProblemSource.objects.get(name="自查"),
    )
    inspection = services.inspection_create(
        actor=None, date=D(2025, 5, 1), team="组", method="open", targets=[d.town]
    )
    circular = circulars.circular_issue(
        actor=None, issuer=d.town, title="通报", date=D(2025, 6, 1), problems=[problem]
    )
    r = rounds.round_close(actor=None, round_=rounds.round_open(actor=None, org=d.root))
    rounds.round_close(actor=None, round_=rounds.round_open(actor=None, org=d.root))
    run_import("checklists", [{"清单集": "清单", "清单名称": "负面清单", "条目内容": "公车私用"}])
    users = {
        "norole": make_user("norole"),
        "admin": make_user("sysadmin", ("system_admin", d.root)),
        "outside": make_user("outside", ("unit_admin", d.town2)),
        "allowed": make_user("allowed", ("lead_office", d.root)),
    }
    ids = {
        "problem": problem.pk,
        "inspection": inspection.pk,
        "circular": circular.pk,
        "round": r.pk,
        "set": ChecklistSet.objects.get().pk,
    }
    return users, ids


# (url, what a unit administrator of another town gets): 404 for another town's records, 403
# for the lead office's and inspectors' work, 200 for lists (which show only their own rows).
PAGES = [
    ("/problems/", 200),
    ("/problems/new/", 200),
    ("/problems/todo/", 200),
    ("/problems/{problem}/", 404),
    ("/inspections/", 200),
    ("/inspections/new/", 403),
    ("/inspections/{inspection}/", 404),
    ("/rounds/", 200),
    ("/circulars/", 200),
    ("/circulars/new/", 403),
    ("/circulars/{circular}/", 404),
    ("/leader-projects/", 200),
    ("/campaigns/", 200),
    ("/checklists/", 200),
    ("/checklists/{set}/", 200),
]
API = [
    ("/api/v1/problems", 200),
    ("/api/v1/problems/{problem}", 404),
    ("/api/v1/inspections", 200),
    ("/api/v1/inspections/{inspection}", 404),
    ("/api/v1/rounds", 200),
    ("/api/v1/circulars", 200),
    ("/api/v1/circulars/{circular}", 404),
    ("/api/v1/leader-projects", 200),
    ("/api/v1/checklists", 200),
]


@pytest.mark.parametrize(("url", "outside"), PAGES)
def test_page_matrix(client, world, url, outside):
    users, ids = world
    path = url.format(**ids)
    response = client.get(path)
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    for who in ("norole", "admin"):
        client.force_login(users[who])
        assert client.get(path).status_code == 403, who
    client.force_login(users["outside"])
    assert client.get(path).status_code == outside
    client.force_login(users["allowed"])
    assert client.get(path).status_code == 200


@pytest.mark.parametrize(("url", "outside"), API)
def test_api_matrix(client, world, url, outside):
    users, ids = world
    path = url.format(**ids)
    assert client.get(path).status_code == 401

    def get(who):
        token = org_services.token_create(actor=None, user=users[who])
        return client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}").status_code

    assert get("norole") == 403
    assert get("admin") == 403
    assert get("outside") == outside
    assert get("allowed") == 200
