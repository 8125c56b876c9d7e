import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from zuofeng.core.models import AuditEntry
from zuofeng.study import services
from zuofeng.study.models import Activity, Attendance, Channel, Delivery, YouthGroup
from zuofeng.study.services import Attendee
from zuofeng.study.tests.helpers import kind, person

D = dt.date(2025, 4, 10)


@pytest.fixture
def branch(district):
    return district.w1


def test_named_attendance_counts_present_and_is_audited(district, make_user):
    sec = make_user("sec", ("branch_secretary", district.w1))
    a, b, c = (person(district.w1, n) for n in ("甲", "乙", "丙"))
    act = services.activity_record(
        actor=sec,
        org=district.w1,
        kind=kind("主题党日"),
        topic="学习八项规定",
        date=D,
        attendees=[Attendee(a), Attendee(b), Attendee(c, present=False, absence_reason="病假")],
    )
    act.refresh_from_db()
    assert (act.named, act.expected_count, act.present_count) == (True, 3, 2)
    assert list(
        Attendance.objects.filter(present=False).values_list("absence_reason", flat=True)
    ) == ["病假"]
    entry = AuditEntry.objects.filter(action="study.activity.record").get()
    assert entry.after["present"] == 2 and entry.org_path == district.w1.path


def test_counts_only_and_present_above_expected_refused(district):
    act = services.activity_record(
        actor=None,
        org=district.v1,
        kind=kind("走村入户宣讲"),
        topic="宣讲",
        date=D,
        expected_count=80,
        present_count=75,
    )
    assert (act.named, act.expected_count, act.present_count) == (False, 80, 75)
    with pytest.raises(ValidationError) as err:
        services.activity_record(
            actor=None,
            org=district.v1,
            kind=kind("党课"),
            topic="党课",
            date=D,
            expected_count=10,
            present_count=11,
        )
    assert "present_count" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        services.activity_record(actor=None, org=district.v1, kind=kind("党课"), topic="x", date=D)
    assert "present_count" in err.value.message_dict
    assert Activity.objects.count() == 1


def test_attendees_must_belong_to_the_org_and_match_the_count(district):
    inside = person(district.w1, "内")
    outside = person(district.v1, "外")
    with pytest.raises(ValidationError) as err:
        services.activity_record(
            actor=None,
            org=district.w1,
            kind=kind("党小组会"),
            topic="t",
            date=D,
            attendees=[Attendee(inside), Attendee(outside)],
        )
    assert "外" in err.value.message_dict["attendees"][0]
    with pytest.raises(ValidationError) as err:
        services.activity_record(
            actor=None,
            org=district.w1,
            kind=kind("党小组会"),
            topic="t",
            date=D,
            attendees=[Attendee(inside)],
            present_count=5,
        )
    assert "present_count" in err.value.message_dict
    assert not Activity.objects.exists() and not Attendance.objects.exists()


def test_future_date_and_empty_topic_refused(district):
    with pytest.raises(ValidationError) as err:
        services.activity_record(
            actor=None,
            org=district.w1,
            kind=kind("党课"),
            topic=" ",
            date=dt.date.today() + dt.timedelta(days=1),
            present_count=3,
        )
    assert {"topic", "date"} <= set(err.value.message_dict)


def test_recording_out_of_scope_is_404_and_without_the_action_403(district, make_user):
    sec = make_user("sec", ("branch_secretary", district.w1))
    with pytest.raises(Http404):
        services.activity_record(
            actor=sec, org=district.v1, kind=kind("党课"), topic="t", date=D, present_count=1
        )
    leader = make_user("leader", ("leader", district.root))
    with pytest.raises(PermissionDenied):
        services.activity_record(
            actor=leader, org=district.v1, kind=kind("党课"), topic="t", date=D, present_count=1
        )
    assert not Activity.objects.exists()


def test_youth_membership_refuses_over_35_and_non_cadres(district, settings):
    settings.YOUNG_CADRE_MAX_AGE = 35
    group = YouthGroup.objects.create(name="虞青一社", org=district.root)
    young = person(district.dept_branch, "青", born=dt.date(1995, 5, 1), cadre="general")
    turns36 = person(district.dept_branch, "满", born=dt.date(1989, 4, 11), cadre="general")
    not_cadre = person(district.dept_branch, "群", born=dt.date(1998, 1, 1))
    services.youth_member_add(actor=None, group=group, person=young, on=D)
    # 35 on 2025-04-10 (birthday the next day): still young that day.
    services.youth_member_add(actor=None, group=group, person=turns36, on=D)
    with pytest.raises(ValidationError) as err:
        services.youth_member_add(actor=None, group=group, person=turns36, on=dt.date(2025, 4, 11))
    with pytest.raises(ValidationError) as err:
        services.youth_member_add(actor=None, group=group, person=not_cadre, on=D)
    assert "年轻干部" in err.value.message_dict["person"][0]
    assert group.members.count() == 2


def test_youth_activity_needs_a_five_kind_and_young_attendees(district):
    group = YouthGroup.objects.create(name="虞青一社", org=district.dept)
    young = person(district.dept_branch, "青", born=dt.date(1995, 5, 1), cadre="general")
    old = person(district.dept_branch, "老", born=dt.date(1980, 5, 1), cadre="general")
    with pytest.raises(ValidationError) as err:
        services.activity_record(
            actor=None,
            org=district.dept,
            kind=kind("党课"),
            topic="t",
            date=D,
            present_count=5,
            youth_group=group,
        )
    assert "五个一" in err.value.message_dict["kind"][0]
    with pytest.raises(ValidationError) as err:
        services.activity_record(
            actor=None,
            org=district.dept,
            kind=kind("大讲堂"),
            topic="t",
            date=D,
            attendees=[Attendee(young), Attendee(old)],
            youth_group=group,
        )
    assert "老" in err.value.message_dict["attendees"][0]
    act = services.activity_record(
        actor=None,
        org=district.dept,
        kind=kind("大讲堂"),
        topic="t",
        date=D,
        attendees=[Attendee(young), Attendee(old, present=False)],
        youth_group=group,
    )
    assert act.present_count == 1


MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\x00" * 2000


def test_publish_delivers_once_and_completion_counts_once(district):
    members = [person(district.w1, f"员{i}") for i in range(3)]
    person(district.v1, "别处")
    item = services.item_create(
        actor=None,
        channel=Channel.objects.get(name="红色收音机"),
        publisher=district.root,
        title="乡音说政策",
        audio=SimpleUploadedFile("a.mp3", MP3),
        duration_seconds=100,
    )
    assert item.audio_content_type == "audio/mpeg"
    assert services.item_publish(actor=None, item=item, targets=[district.w1], on=D) == 3
    assert services.item_publish(actor=None, item=item, targets=[district.town2], on=D) == 0
    m = members[0]
    services.delivery_progress(person=m, item=item, seconds=50)
    d = Delivery.objects.get(person=m)
    assert d.opened_at is not None and d.completed_at is None and d.listened_seconds == 50
    services.delivery_progress(person=m, item=item, seconds=95)
    first = Delivery.objects.get(person=m).completed_at
    services.delivery_progress(person=m, item=item, seconds=100)
    services.delivery_progress(person=m, item=item, seconds=10)
    d = Delivery.objects.get(person=m)
    assert d.completed_at == first and d.listened_seconds == 100
    assert Delivery.objects.filter(completed_at__isnull=False).count() == 1
    with pytest.raises(Http404):
        services.delivery_progress(person=person(district.v1, "没收到"), item=item, seconds=99)


def test_audio_checked_by_content(district):
    with pytest.raises(ValidationError) as err:
        services.item_create(
            actor=None,
            channel=Channel.objects.get(name="组工播报"),
            publisher=district.root,
            title="x",
            audio=SimpleUploadedFile("a.mp3", b"<html>not audio</html>"),
            duration_seconds=10,
        )
    assert "audio" in err.value.message_dict


def test_attachment_type_by_content(district):
    act = services.activity_record(
        actor=None, org=district.w1, kind=kind("党课"), topic="t", date=D, present_count=3
    )
    with pytest.raises(ValidationError):
        services.attachment_add(
            actor=None, activity=act, kind="photo", upload=SimpleUploadedFile("x.jpg", b"MZ\x90")
        )
    att = services.attachment_add(
        actor=None,
        activity=act,
        kind="sign_in",
        upload=SimpleUploadedFile("签到表.pdf", b"%PDF-1.4 test"),
    )
    assert att.content_type == "application/pdf" and att.file.read() == b"%PDF-1.4 test"


def test_changing_a_kinds_category_moves_its_activities(district):
    from zuofeng.core.indicators import Period, get

    services.activity_record(
        actor=None, org=district.w1, kind=kind("研讨交流"), topic="t", date=D, present_count=4
    )
    p, root = Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31)), district.root.path
    assert (get("study.sessions").value(root, p), get("practice.activities").value(root, p)) == (
        1,
        0,
    )
    services.kind_save(actor=None, name="研讨交流", category="practice")
    assert Activity.objects.get().category == "practice"
    assert (get("study.sessions").value(root, p), get("practice.activities").value(root, p)) == (
        0,
        1,
    )
    assert AuditEntry.objects.filter(action="study.kind.save").count() == 1
