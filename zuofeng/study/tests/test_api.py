"""The study API: record with named attendees, list in scope, compliance, coverage, progress."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from zuofeng.core.models import AuditEntry
from zuofeng.orgs import services as org_services
from zuofeng.study import services
from zuofeng.study.models import Activity, Channel, Learner
from zuofeng.study.tests.helpers import activity, person

D = dt.date(2025, 4, 10)


@pytest.fixture
def world(district, make_user):
    d = district
    users = {
        "lead": make_user("lead", ("lead_office", d.root)),
        "sec": make_user("sec", ("branch_secretary", d.w1)),
        "other": make_user("other", ("branch_secretary", d.v1)),
        "norole": make_user("norole"),
    }
    tokens = {k: org_services.token_create(actor=None, user=u) for k, u in users.items()}
    return d, tokens


def call(client, token, method, url, **kw):
    return getattr(client, method)(
        f"/api/v1{url}", HTTP_AUTHORIZATION=f"Bearer {token}", content_type="application/json", **kw
    )


def test_record_with_named_attendees_and_scope(client, world):
    d, t = world
    person(d.w1, "甲", no="P1")
    person(d.w1, "乙", no="P2")
    person(d.v1, "丙", no="P3")
    body = {
        "org": "U1",
        "kind": "主题党日",
        "topic": "重温入党誓词",
        "date": "2025-05-08",
        "attendees": [
            {"person_no": "P1"},
            {"person_no": "P2", "present": False, "absence_reason": "病假"},
        ],
    }
    before = AuditEntry.objects.count()
    r = call(client, t["sec"], "post", "/study/activities", data={**body, "kind": "不存在"})
    assert r.status_code == 422 and "kind" in r.json()["errors"]
    bad = {**body, "attendees": [{"person_no": "P3"}]}
    r = call(client, t["sec"], "post", "/study/activities", data=bad)
    assert r.status_code == 422 and "丙" in r.json()["errors"]["attendees"][0]
    assert call(client, t["other"], "post", "/study/activities", data=body).status_code == 404
    assert call(client, t["norole"], "post", "/study/activities", data=body).status_code == 403
    assert Activity.objects.count() == 0 and AuditEntry.objects.count() == before
    r = call(client, t["sec"], "post", "/study/activities", data=body)
    assert r.status_code == 201, r.content
    out = r.json()
    assert (out["expected_count"], out["present_count"], out["named"]) == (2, 1, True)
    assert out["attendance"][1] == {
        "person_no": "P2",
        "name": "乙",
        "present": False,
        "absence_reason": "病假",
    }
    listed = call(client, t["other"], "get", "/study/activities").json()
    assert listed["count"] == 0
    assert call(client, t["other"], "get", f"/study/activities/{out['id']}").status_code == 404
    assert call(client, t["lead"], "get", "/study/activities?kind=主题党日").json()["count"] == 1


def test_compliance_and_coverage_endpoints(client, world, django_assert_max_num_queries):
    d, t = world
    activity(d.v1, "主题党日", D)
    activity(d.dept_branch, "党课", D)
    with django_assert_max_num_queries(12):
        r = call(client, t["lead"], "get", "/study/coverage?org=D")
    c = r.json()
    assert (c["total"], c["covered"], c["rate"]) == (8, 2, 0.25)
    assert sorted(o["code"] for o in c["idle"]) == ["D", "DA", "T", "T2", "U", "U1"]
    assert [o["code"] for o in c["children"]] == ["DA", "T", "U"]
    assert c["counts"][1][1] == 1 and len(c["months"]) == 7
    r = call(client, t["lead"], "get", "/study/compliance?org=D").json()
    assert r["total"] == 1 and r["met"] == 0 and r["orgs"][0]["code"] == "DA1"
    assert any(m["kind"] == "支部委员会" for m in r["orgs"][0]["missing"])
    assert call(client, t["sec"], "get", "/study/coverage?org=D").status_code == 404
    r = call(client, t["lead"], "get", "/study/coverage?start=2025-09-01&end=2025-03-01")
    assert r.status_code == 422


def test_progress_endpoint_is_idempotent(client, world):
    d, t = world
    member = person(d.w1, "甲")
    Learner.objects.create(username="sec", person=member)
    item = services.item_create(
        actor=None,
        channel=Channel.objects.get(name="红色收音机"),
        publisher=d.root,
        title="t",
        audio=SimpleUploadedFile("a.mp3", b"ID3" + b"\0" * 64),
        duration_seconds=200,
    )
    services.item_publish(actor=None, item=item, targets=[d.w1], on=D)
    url = f"/study/my/items/{item.pk}/progress"
    r = call(client, t["sec"], "post", url, data={"seconds": 179})
    assert r.json() == {"listened_seconds": 179, "completed": False}
    for _ in range(2):
        r = call(client, t["sec"], "post", url, data={"seconds": 180})
        assert r.json() == {"listened_seconds": 180, "completed": True}
    assert call(client, t["other"], "post", url, data={"seconds": 180}).status_code == 404
    listed = call(client, t["lead"], "get", "/study/items").json()
    assert listed["items"][0]["completed"] == 1 and listed["items"][0]["delivered"] == 1


ENDPOINTS = [
    ("get", "/study/activities"),
    ("get", "/study/compliance"),
    ("get", "/study/coverage"),
    ("get", "/study/items"),
    ("get", "/study/youth-groups"),
]


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
def test_api_permission_matrix(client, world, method, url):
    _d, t = world
    assert getattr(client, method)(f"/api/v1{url}").status_code == 401
    assert call(client, "not-a-token", method, url).status_code == 401
    assert call(client, t["norole"], method, url).status_code == 403
    assert call(client, t["sec"], method, url).status_code == 200
    assert call(client, t["lead"], method, url).status_code == 200
    if url != "/study/items":
        assert call(client, t["sec"], method, f"{url}?org=T1").status_code == 404


def test_attachment_upload_checked_by_content(client, world):
    d, t = world
    act = activity(d.w1, "党课", D)
    url = f"/api/v1/study/activities/{act.pk}/attachments"
    auth = {"HTTP_AUTHORIZATION": f"Bearer {t['sec']}"}
    bad = SimpleUploadedFile("签到表.pdf", b"MZ not a pdf")
    r = client.post(url, {"kind": "sign_in", "file": bad}, **auth)
    assert r.status_code == 422 and "file" in r.json()["errors"]
    good = SimpleUploadedFile("签到表.pdf", b"%PDF-1.4 sign-in sheet")
    r = client.post(url, {"kind": "sign_in", "file": good}, **auth)
    assert r.status_code == 201, r.content
    (att,) = r.json()["attachments"]
    assert (att["kind"], att["name"], att["content_type"]) == (
        "sign_in",
        "签到表.pdf",
        "application/pdf",
    )
    other = {"HTTP_AUTHORIZATION": f"Bearer {t['other']}"}
    again = SimpleUploadedFile("x.pdf", b"%PDF-1.4")
    assert client.post(url, {"kind": "photo", "file": again}, **other).status_code == 404
    assert act.attachments.count() == 1
