"""Ledger pages: the permission matrix, the loop driven through the forms, pinned query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zuofeng.core.models import AuditEntry
from zuofeng.rectify import services
from zuofeng.rectify.models import Problem, ProblemSource


def _problem(unit, n: int = 0) -> Problem:
    return services.problem_register(
        actor=None,
        description=f"问题{n}",
        found_date=dt.date(2025, 5, 1),
        unit=unit,
        source=ProblemSource.objects.get(name="自查"),
    )


def _client(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def users(district, make_user):
    return {
        "lead": make_user("lead", ("lead_office", district.root)),
        "unit": make_user("unit", ("unit_admin", district.town)),
        "other": make_user("other", ("unit_admin", district.town2)),
        "norole": make_user("norole"),
        "sysadmin": make_user("sysadmin", ("system_admin", district.root)),
    }


PAGES = ["/problems/", "/problems/new/", "/problems/todo/"]


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_is_sent_to_login(client, db, url):
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("who", ["norole", "sysadmin"])
def test_no_business_role_is_forbidden(client, users, url, who):
    assert _client(client, users[who]).get(url).status_code == 403


def test_detail_matrix(client, district, users):
    problem = _problem(district.v1)
    url = f"/problems/{problem.pk}/"
    assert client.get(url).status_code == 302
    assert _client(client, users["norole"]).get(url).status_code == 403
    client.logout()
    assert _client(client, users["other"]).get(url).status_code == 404
    client.logout()
    assert _client(client, users["unit"]).get(url).status_code == 200


def test_out_of_scope_transition_changes_nothing(client, district, users):
    problem = _problem(district.v1)
    before = AuditEntry.objects.count()
    response = _client(client, users["other"]).post(
        f"/problems/{problem.pk}/assign/", {"deadline_workdays": 5}
    )
    assert response.status_code == 404
    assert Problem.objects.get(pk=problem.pk).state == "registered"
    assert AuditEntry.objects.count() == before


def test_loop_through_the_forms(client, district, users):
    lead = _client(client, users["lead"])
    response = lead.post(
        "/problems/new/",
        {
            "description": "会议室长期空置",
            "source": ProblemSource.objects.get(name="自查").pk,
            "found_date": "2025-05-06",
            "unit": "T1",
            "key_areas": ["resources"],
        },
    )
    problem = Problem.objects.get()
    assert response.status_code == 302 and response.url == f"/problems/{problem.pk}/"
    lead.post(
        f"/problems/{problem.pk}/assign/", {"deadline_workdays": 10, "version": problem.version}
    )
    client.logout()
    unit = _client(client, users["unit"])
    unit.post(f"/problems/{problem.pk}/sign/", {})
    unit.post(
        f"/problems/{problem.pk}/evidence/",
        {"file": SimpleUploadedFile("台账.pdf", b"%PDF-1.7 ...")},
    )
    unit.post(f"/problems/{problem.pk}/submit/", {"result": "已盘活使用"})
    page = unit.get(f"/problems/{problem.pk}/").content.decode()
    assert "申请销号" in page and "台账.pdf" in page
    client.logout()
    lead = _client(client, users["lead"])
    lead.post(f"/problems/{problem.pk}/close/", {})
    problem.refresh_from_db()
    assert (problem.state, problem.key_resources) == ("closed", True)


def test_bad_form_input_shows_an_error_and_writes_nothing(client, district, users):
    problem = _problem(district.v1)
    response = _client(client, users["lead"]).post(
        f"/problems/{problem.pk}/assign/", {"deadline": "2025-01-01"}, follow=True
    )
    assert "整改时限不能早于发现日期" in response.content.decode()
    assert Problem.objects.get(pk=problem.pk).state == "registered"


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_ledger_query_count_does_not_grow_with_rows(client, district, users):
    lead = _client(client, users["lead"])
    for n in range(5):
        _problem(district.v1, n)
    lead.get("/problems/")  # the first request of a session also writes the session
    few = _queries(lead, "/problems/")
    for n in range(55):
        _problem(district.w1, n)
    assert _queries(lead, "/problems/") == few
    # A unit filter costs one lookup of the org, whatever the rows.
    assert _queries(lead, "/problems/?state=registered&unit=T") == few + 1
