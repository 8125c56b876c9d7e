"""Study pages: the permission matrix, the entry form, query counts, ranged audio, export."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from zuofeng.core.models import AuditEntry
from zuofeng.study import services
from zuofeng.study.models import Activity, Channel, Delivery, Learner, YouthGroup
from zuofeng.study.tests.helpers import activity, kind, person

D = dt.date(2025, 4, 10)
AUDIO = b"ID3\x03\x00\x00\x00\x00\x00\x00" + bytes(range(256)) * 4  # 1034 bytes


@pytest.fixture
def world(district, make_user):
    d = district
    act = activity(d.w1, "主题党日", D)
    other = activity(d.v1, "党课", D)
    item = services.item_create(
        actor=None,
        channel=Channel.objects.get(name="红色收音机"),
        publisher=d.root,
        title="乡音说政策",
        audio=SimpleUploadedFile("a.mp3", AUDIO),
        duration_seconds=100,
    )
    member = person(d.w1, "党员甲", no="P001")
    services.item_publish(actor=None, item=item, targets=[d.w1], on=D)
    group = YouthGroup.objects.create(name="虞青一社", org=d.root)
    users = {
        "norole": make_user("norole"),
        "admin": make_user("sysadmin", ("system_admin", d.root)),
        "outside": make_user("outside", ("branch_secretary", d.v1)),
        "allowed": make_user("allowed", ("branch_secretary", d.w1)),
        "lead": make_user("lead", ("lead_office", d.root)),
    }
    Learner.objects.create(username="allowed", person=member)
    return d, users, {"act": act.pk, "other": other.pk, "item": item.pk, "group": group.pk}


# (url, what a branch secretary of another village gets)
PAGES = [
    ("/study/", 200),
    ("/study/new/", 200),
    ("/study/{act}/", 404),
    ("/study/compliance/", 200),
    ("/study/coverage/", 200),
    ("/study/coverage/export/", 200),
    ("/study/channels/", 200),
    ("/study/items/{item}/", 404),
    ("/study/items/{item}/audio/", 404),
    ("/study/youth/", 200),
    ("/study/youth/{group}/", 404),
]


@pytest.mark.parametrize(("url", "outside"), PAGES)
def test_permission_matrix(client, world, url, outside):
    _d, users, ids = world
    url = url.format(**ids)
    r = client.get(url)
    assert r.status_code == 302 and "/login" in r["Location"]
    for who, expected in (("norole", 403), ("admin", 403), ("outside", outside)):
        client.force_login(users[who])
        assert client.get(url).status_code == expected, who
    client.force_login(users["lead"])
    assert client.get(url).status_code == 200


def test_lists_show_only_the_scope(client, world):
    _d, users, ids = world
    client.force_login(users["allowed"])
    body = client.get("/study/").content.decode()
    assert f"/study/{ids['act']}/" in body and f"/study/{ids['other']}/" not in body
    assert client.get(f"/study/{ids['other']}/").status_code == 404


def test_list_query_count_is_flat(client, world, django_assert_max_num_queries):
    d, users, _ids = world
    for i in range(30):
        activity(d.w1, "党小组会", D - dt.timedelta(days=i))
    client.force_login(users["lead"])
    with django_assert_max_num_queries(10):
        assert client.get("/study/").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get("/study/coverage/").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get("/study/compliance/").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get("/study/channels/").status_code == 200


def test_entry_form_records_ticked_attendees(client, world):
    d, users, _ids = world
    a, b = person(d.w1, "党员乙"), person(d.w1, "党员丙")
    client.force_login(users["allowed"])
    page = client.get("/study/new/").content.decode()
    assert "党员乙" in page and 'name="present"' in page
    member = Learner.objects.get(username="allowed").person
    r = client.post(
        "/study/new/",
        {
            "org": "U1",
            "kind": kind("主题党日").pk,
            "date": "2025-05-08",
            "topic": "五月主题党日",
            "mode": "offline",
            "present": [a.pk, member.pk],
            f"reason_{b.pk}": "外出务工",
        },
    )
    assert r.status_code == 302
    act = Activity.objects.get(topic="五月主题党日")
    assert (act.named, act.expected_count, act.present_count) == (True, 3, 2)
    assert act.attendance.get(person=b).absence_reason == "外出务工"
    # Another village's code is out of scope: 404 and nothing written.
    r = client.post("/study/new/", {"org": "T1", "kind": kind("党课").pk, "date": "2025-05-08"})
    assert r.status_code == 404
    # Bad input: the form again with a Chinese message, nothing written.
    r = client.post(
        "/study/new/",
        {
            "org": "U1",
            "kind": kind("党课").pk,
            "date": "2025-05-08",
            "topic": "x",
            "mode": "offline",
            "expected_count": 3,
            "present_count": 5,
        },
    )
    assert r.status_code == 200 and "实到人数不能超过应到人数" in r.content.decode()
    assert Activity.objects.filter(topic="x").count() == 0


def test_audio_is_served_with_ranges(client, world):
    _d, users, ids = world
    client.force_login(users["allowed"])
    url = f"/study/items/{ids['item']}/audio/"
    whole = client.get(url)
    assert whole.status_code == 200 and whole["Accept-Ranges"] == "bytes"
    assert b"".join(whole.streaming_content) == AUDIO
    part = client.get(url, HTTP_RANGE="bytes=10-19")
    assert part.status_code == 206 and part.content == AUDIO[10:20]
    assert part["Content-Range"] == f"bytes 10-19/{len(AUDIO)}"
    tail = client.get(url, HTTP_RANGE="bytes=-4")
    assert tail.content == AUDIO[-4:] and tail["Content-Range"].startswith("bytes 1030-1033/")
    open_end = client.get(url, HTTP_RANGE="bytes=1000-")
    assert open_end.content == AUDIO[1000:]
    bad = client.get(url, HTTP_RANGE=f"bytes={len(AUDIO)}-")
    assert bad.status_code == 416 and bad["Content-Range"] == f"bytes */{len(AUDIO)}"


def test_my_study_open_and_progress_idempotent(client, world):
    _d, users, ids = world
    client.force_login(users["allowed"])
    assert "乡音说政策" in client.get("/study/my/").content.decode()
    assert client.get(f"/study/my/{ids['item']}/").status_code == 200
    d = Delivery.objects.get()
    assert d.opened_at is not None and d.completed_at is None
    url = f"/study/my/{ids['item']}/progress/"
    assert client.post(url, {"seconds": "90"}).json() == {"listened_seconds": 90, "completed": True}
    first = Delivery.objects.get().completed_at
    assert client.post(url, {"seconds": "95"}).json()["completed"] is True
    assert Delivery.objects.get().completed_at == first
    assert client.post(url, {"seconds": "-1"}).status_code == 422
    client.force_login(users["lead"])  # no linked member: nothing to report
    assert client.post(url, {"seconds": "90"}).status_code == 404


def test_idle_export_lists_the_idle_orgs_and_is_audited(client, world):
    from python_calamine import CalamineWorkbook

    _d, users, _ids = world
    client.force_login(users["lead"])
    r = client.get("/study/coverage/export/?org=D&start=2025-03-01&end=2025-09-30")
    assert r.status_code == 200
    rows = CalamineWorkbook.from_filelike(io.BytesIO(r.content)).get_sheet_by_index(0).to_python()
    assert rows[0][:2] == ["组织编码", "组织名称"]
    assert sorted(row[0] for row in rows[1:]) == ["D", "DA", "DA1", "T", "T2", "U"]
    assert AuditEntry.objects.filter(action="export.study_idle_orgs").count() == 1


def test_settings_configure_kinds_and_cadence(client, world):
    from zuofeng.core.indicators import Period, get
    from zuofeng.orgs.models import OrgKind
    from zuofeng.study.models import ActivityKind, CadenceRule

    d, users, _ids = world
    client.force_login(users["allowed"])
    assert client.get("/study/settings/").status_code == 403
    client.force_login(users["lead"])
    r = client.post(
        "/study/settings/",
        {"form": "kind", "k-name": "廉政教育", "k-category": "study", "k-active": "on"},
    )
    assert r.status_code == 302
    assert ActivityKind.objects.get(name="廉政教育").category == "study"
    village = OrgKind.objects.get(code="village")
    r = client.post(
        "/study/settings/",
        {
            "form": "rule",
            "r-org_kind": village.pk,
            "r-kind": kind("主题党日").pk,
            "r-cadence": "month",
            "r-minimum": 1,
        },
    )
    assert r.status_code == 302
    assert CadenceRule.objects.filter(org_kind=village, active=True).count() == 1
    # U1 held a 主题党日 in April only: April met, May missed.
    p = Period(dt.date(2025, 4, 1), dt.date(2025, 5, 31))
    rate = get("study.cadence_compliance_rate")
    assert rate.value(d.town2.path, p) == 0.0
    assert rate.value(d.town2.path, Period(dt.date(2025, 4, 1), dt.date(2025, 4, 30))) == 1.0
    assert AuditEntry.objects.filter(action="study.cadence_rule.save").count() == 1


def test_youth_group_created_and_member_refused_when_over_35(client, world):
    d, users, _ids = world
    client.force_login(users["allowed"])
    assert client.post("/study/youth/", {"name": "x", "org": "D"}).status_code == 404
    client.force_login(users["lead"])
    assert client.post("/study/youth/", {"name": "虞青二社", "org": "DA"}).status_code == 302
    group = YouthGroup.objects.get(name="虞青二社")
    person(d.dept_branch, "老干部", no="OLD1", born=dt.date(1970, 1, 1), cadre="general")
    r = client.post(f"/study/youth/{group.pk}/", {"person_no": "OLD1"})
    assert r.status_code == 200 and "年轻干部" in r.content.decode()
    assert group.members.count() == 0
    person(d.dept_branch, "青年", no="YNG1", born=dt.date(2000, 1, 1), cadre="general")
    assert client.post(f"/study/youth/{group.pk}/", {"person_no": "YNG1"}).status_code == 302
    assert group.members.count() == 1


def test_item_statistics_per_subtree(client, world):
    d, users, _ids = world
    person(d.v1, "东关党员")
    item = services.item_create(
        actor=None,
        channel=Channel.objects.get(name="组工播报"),
        publisher=d.root,
        title="文字稿",
        body="内容",
    )
    services.item_publish(actor=None, item=item, targets=[d.town, d.town2], on=D)
    services.delivery_open(person=Learner.objects.get(username="allowed").person, item=item)
    client.force_login(users["lead"])
    whole = client.get(f"/study/items/{item.pk}/").content.decode()
    assert "送达 2 人次，打开 1 人次，完成 1 人次" in whole
    town = client.get(f"/study/items/{item.pk}/?org=T").content.decode()
    assert "送达 1 人次，打开 0 人次" in town
    client.force_login(users["outside"])
    assert client.get(f"/study/items/{item.pk}/?org=U").status_code == 404
