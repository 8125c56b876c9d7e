"""Writes of the study module: activities with attendance and attachments, youth groups,
channel items and their per-person receipts. Each is atomic and audited."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zuofeng.core import audit
from zuofeng.orgs import scope
from zuofeng.orgs.models import Org, Person, subtrees_q
from zuofeng.study.choices import AttachmentKind, Mode
from zuofeng.study.models import (
    Activity,
    ActivityKind,
    Attachment,
    Attendance,
    ChannelItem,
    Delivery,
    YouthGroup,
    YouthMember,
)
from zuofeng.study.permissions import STUDY_MANAGE, STUDY_RECORD

ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
ATTACHMENT_TYPES = {
    b"%PDF": "application/pdf",
    b"\x89PNG": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"PK\x03\x04": "application/zip",  # docx / xlsx are zip containers
}
AUDIO_MAX_BYTES = 50 * 1024 * 1024
COMPLETED_SHARE = 0.9  # listened ≥ 90% of the item's duration counts as completed


def _actor(actor):
    return actor if actor is not None else "cli"


def _user_id(actor):
    return actor.pk if actor is not None and not isinstance(actor, str) else None


def _authorize(actor, action: str, path: str) -> None:
    """403 when the action is held nowhere, 404 when held but not over this org."""
    if actor is None or isinstance(actor, str):
        return
    scope.require(actor, action)
    scope.require_at(actor, action, path)


@dataclass(frozen=True)
class Attendee:
    person: Person
    present: bool = True
    absence_reason: str = ""


def activity_snapshot(a: Activity) -> dict:
    return {
        "org": a.org.code,
        "kind": a.kind.name,
        "topic": a.topic,
        "date": a.date,
        "mode": a.mode,
        "expected": a.expected_count,
        "present": a.present_count,
        "named": a.named,
        "youth_group": a.youth_group.name if a.youth_group_id else None,
    }


def _young_refusals(people, day: dt.date) -> list[str]:
    limit = settings.YOUNG_CADRE_MAX_AGE
    return [
        _("%(name)s在%(day)s不是%(age)s周岁以下的年轻干部，不能计入青年学习活动")
        % {"name": p.name, "day": day.isoformat(), "age": limit}
        for p in people
        if not p.is_young_cadre(day)
    ]


def check_activity(
    *,
    org: Org,
    kind: ActivityKind,
    topic: str,
    date: dt.date,
    mode: str,
    attendees: list[Attendee] | None,
    expected_count: int | None,
    present_count: int | None,
    youth_group: YouthGroup | None,
) -> tuple[int | None, int]:
    """The attendance rules; returns (应到, 实到) or raises ValidationError naming each field."""
    errors: dict[str, list[str]] = {}

    def err(field, message):
        errors.setdefault(field, []).append(message)

    if not kind.active:
        err("kind", _("活动类型“%(k)s”已停用") % {"k": kind.name})
    if not (topic or "").strip():
        err("topic", _("请填写活动主题"))
    if date > timezone.localdate():
        err("date", _("活动日期不能晚于今天"))
    if mode not in Mode.values:
        err("mode", _("形式只能是线下或线上"))
    if youth_group is not None and not kind.youth:
        err("kind", _("青年学习小组的活动须为“五个一”类型之一"))
    for field, value in (("expected_count", expected_count), ("present_count", present_count)):
        if value is not None and value < 0:
            err(field, _("人数不能为负数"))
    if attendees:
        outside = [a.person.name for a in attendees if not a.person.org.path.startswith(org.path)]
        if outside:
            err("attendees", _("参加人员不属于本组织：%(n)s") % {"n": "、".join(outside)})
        inactive = [a.person.name for a in attendees if not a.person.active]
        if inactive:
            err("attendees", _("参加人员已不在册：%(n)s") % {"n": "、".join(inactive)})
        if len({a.person.pk for a in attendees}) != len(attendees):
            err("attendees", _("参加人员重复"))
        present = sum(1 for a in attendees if a.present)
        if present_count is not None and present_count != present:
            err(
                "present_count",
                _("实到人数（%(n)s）与签到的参加人员数（%(m)s）不一致")
                % {"n": present_count, "m": present},
            )
        expected = len(attendees) if expected_count is None else expected_count
        if youth_group is not None:
            refusals = _young_refusals([a.person for a in attendees if a.present], date)
            if refusals:
                errors.setdefault("attendees", []).extend(refusals)
    else:
        if present_count is None:
            err("present_count", _("请勾选参加人员，或填写实到人数"))
        present, expected = present_count or 0, expected_count
    if expected is not None and present > expected:
        err("present_count", _("实到人数不能超过应到人数"))
    if errors:
        raise ValidationError(errors)
    return expected, present


@transaction.atomic
def activity_record(
    *,
    actor,
    org: Org,
    kind: ActivityKind,
    topic: str,
    date: dt.date,
    mode: str = Mode.OFFLINE,
    place: str = "",
    host: str = "",
    recorder: str = "",
    minutes: str = "",
    attendees: list[Attendee] | None = None,
    expected_count: int | None = None,
    present_count: int | None = None,
    youth_group: YouthGroup | None = None,
) -> Activity:
    """Record an activity and its attendance (named list or counts) in one transaction."""
    _authorize(actor, STUDY_RECORD, org.path)
    expected, present = check_activity(
        org=org,
        kind=kind,
        topic=topic,
        date=date,
        mode=mode,
        attendees=attendees,
        expected_count=expected_count,
        present_count=present_count,
        youth_group=youth_group,
    )
    activity = Activity(
        org=org,
        kind=kind,
        category=kind.category,
        topic=topic.strip(),
        date=date,
        mode=mode,
        place=place,
        host=host,
        recorder=recorder,
        minutes=minutes,
        named=bool(attendees),
        expected_count=expected,
        present_count=present,
        youth_group=youth_group,
        created_by_id=_user_id(actor),
    )
    activity.full_clean()
    activity.save()
    if attendees:
        Attendance.objects.bulk_create(
            Attendance(
                activity=activity,
                person=a.person,
                present=a.present,
                absence_reason="" if a.present else (a.absence_reason or "")[:100],
            )
            for a in attendees
        )
    audit.record(
        actor=_actor(actor),
        action="study.activity.record",
        obj=activity,
        org_path=org.path,
        after=activity_snapshot(activity),
    )
    return activity


@transaction.atomic
def activity_delete(*, actor, activity: Activity) -> None:
    """Remove a wrongly recorded activity (its attendance and attachments go with it)."""
    _authorize(actor, STUDY_RECORD, activity.org.path)
    before = activity_snapshot(activity)
    path = activity.org.path
    for attachment in activity.attachments.all():
        attachment.file.delete(save=False)
    audit.record(
        actor=_actor(actor),
        action="study.activity.delete",
        obj=activity,
        org_path=path,
        before=before,
    )
    activity.delete()


def _sniff(head: bytes, table: dict[bytes, str]) -> str | None:
    for magic, content_type in table.items():
        if head.startswith(magic):
            return content_type
    return None


def _sha256(upload) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


@transaction.atomic
def attachment_add(*, actor, activity: Activity, kind: str, upload) -> Attachment:
    """Attach a file (通知/纪要/签到表/照片); the type is judged by content, not by name."""
    _authorize(actor, STUDY_RECORD, activity.org.path)
    if kind not in AttachmentKind.values:
        raise ValidationError({"kind": _("请选择材料类型")})
    if upload.size > ATTACHMENT_MAX_BYTES:
        raise ValidationError({"file": _("文件不能超过20MB")})
    head = upload.read(8)
    upload.seek(0)
    content_type = _sniff(head, ATTACHMENT_TYPES)
    if content_type is None:
        raise ValidationError({"file": _("只接受PDF、图片（PNG/JPEG）或Office文档")})
    name = (getattr(upload, "name", "") or "file")[-200:]
    attachment = Attachment(
        activity=activity,
        kind=kind,
        name=name,
        content_type=content_type,
        size=upload.size,
        sha256=_sha256(upload),
        uploaded_by_id=_user_id(actor),
    )
    attachment.file.save(name, upload, save=False)
    attachment.save()
    audit.record(
        actor=_actor(actor),
        action="study.attachment.add",
        obj=activity,
        org_path=activity.org.path,
        after={"file": name, "kind": kind, "sha256": attachment.sha256, "size": attachment.size},
    )
    return attachment


# --- the youth study society ---------------------------------------------------------------


@transaction.atomic
def youth_group_create(*, actor, name: str, org: Org, description: str = "") -> YouthGroup:
    """A new group (分社) of the youth study society."""
    _authorize(actor, STUDY_MANAGE, org.path)
    group = YouthGroup(name=(name or "").strip(), org=org, description=description)
    group.full_clean()
    group.save()
    audit.record(
        actor=_actor(actor),
        action="study.youth_group.create",
        obj=group,
        org_path=org.path,
        after={"name": group.name, "org": org.code},
    )
    return group


@transaction.atomic
def youth_member_add(
    *, actor, group: YouthGroup, person: Person, on: dt.date | None = None
) -> YouthMember:
    """Admit a young cadre (≤ YOUNG_CADRE_MAX_AGE on the joining day) to a group."""
    _authorize(actor, STUDY_MANAGE, group.org.path)
    on = on or timezone.localdate()
    refusals = _young_refusals([person], on)
    if refusals:
        raise ValidationError({"person": refusals})
    if YouthMember.objects.filter(group=group, person=person).exists():
        raise ValidationError({"person": _("%(n)s已是该小组成员") % {"n": person.name}})
    member = YouthMember.objects.create(group=group, person=person, joined_on=on)
    audit.record(
        actor=_actor(actor),
        action="study.youth_member.add",
        obj=group,
        org_path=group.org.path,
        after={"person": person.person_no or person.pk, "joined_on": on},
    )
    return member


# --- content channels ------------------------------------------------------------------------

AUDIO_TYPES = {
    b"ID3": "audio/mpeg",
    b"\xff\xfb": "audio/mpeg",
    b"\xff\xf3": "audio/mpeg",
    b"\xff\xf2": "audio/mpeg",
    b"OggS": "audio/ogg",
    b"RIFF": "audio/wav",
}


def _audio_type(head: bytes) -> str | None:
    if head[4:8] == b"ftyp":  # MPEG-4 audio (m4a): the box type sits after the box size
        return "audio/mp4"
    if head.startswith(b"RIFF") and head[8:12] != b"WAVE":
        return None
    return _sniff(head, AUDIO_TYPES)


@transaction.atomic
def item_create(
    *,
    actor,
    channel,
    publisher: Org,
    title: str,
    body: str = "",
    kind: ActivityKind | None = None,
    audio=None,
    duration_seconds: int = 0,
) -> ChannelItem:
    """A channel item (text, or an audio file checked by content); not yet published."""
    _authorize(actor, STUDY_MANAGE, publisher.path)
    errors: dict[str, list[str]] = {}
    if not (title or "").strip():
        errors["title"] = [_("请填写标题")]
    if audio is None and not (body or "").strip():
        errors["body"] = [_("请填写正文或上传音频")]
    content_type = ""
    if audio is not None:
        head = audio.read(12)
        audio.seek(0)
        content_type = _audio_type(head) or ""
        if audio.size > AUDIO_MAX_BYTES:
            errors["audio"] = [_("音频不能超过50MB")]
        elif not content_type:
            errors["audio"] = [_("只接受MP3、M4A、OGG或WAV音频")]
        if duration_seconds <= 0:
            errors["duration_seconds"] = [_("请填写音频时长（秒）")]
    if errors:
        raise ValidationError(errors)
    item = ChannelItem(
        channel=channel,
        publisher=publisher,
        title=title.strip(),
        body=body,
        kind=kind,
        duration_seconds=duration_seconds if audio is not None else 0,
        created_by_id=_user_id(actor),
    )
    if audio is not None:
        item.audio_content_type = content_type
        item.audio_size = audio.size
        item.audio.save("audio", audio, save=False)
    item.save()
    audit.record(
        actor=_actor(actor),
        action="study.item.create",
        obj=item,
        org_path=publisher.path,
        after={"channel": channel.name, "title": item.title, "audio": bool(audio)},
    )
    return item


@transaction.atomic
def item_publish(*, actor, item: ChannelItem, targets: list[Org], on: dt.date | None = None) -> int:
    """Publish an item to target orgs: one receipt per active member of their subtrees (a
    member already reached is not delivered twice). Returns the number of new receipts."""
    item = ChannelItem.objects.select_for_update().get(pk=item.pk)
    if not targets:
        raise ValidationError({"targets": _("请选择推送对象")})
    for org in targets:
        _authorize(actor, STUDY_MANAGE, org.path)
    on = on or item.published_on or timezone.localdate()
    if item.published_on is None:
        item.published_on = on
        item.save(update_fields=["published_on"])
    item.targets.add(*targets)
    people = (
        Person.objects.filter(subtrees_q([o.path for o in targets], "org__path"), active=True)
        .exclude(pk__in=Delivery.objects.filter(item=item).values("person_id"))
        .values_list("pk", "org_id")
    )
    rows = [
        Delivery(item=item, person_id=pk, org_id=org_id, published_on=item.published_on)
        for pk, org_id in people
    ]
    Delivery.objects.bulk_create(rows, batch_size=1000)
    audit.record(
        actor=_actor(actor),
        action="study.item.publish",
        obj=item,
        org_path=item.publisher.path,
        after={"targets": [o.code for o in targets], "delivered": len(rows)},
    )
    return len(rows)


def _delivery(person: Person, item: ChannelItem) -> Delivery:
    from django.http import Http404

    delivery = Delivery.objects.select_for_update().filter(item=item, person=person).first()
    if delivery is None:
        raise Http404
    return delivery


@transaction.atomic
def delivery_open(*, person: Person, item: ChannelItem) -> Delivery:
    """Record that a member opened an item (a text item is then completed); the first opening
    counts, later ones change nothing."""
    delivery = _delivery(person, item)
    changed = []
    now = timezone.now()
    if delivery.opened_at is None:
        delivery.opened_at = now
        changed.append("opened_at")
    if not item.duration_seconds and delivery.completed_at is None:
        delivery.completed_at = now  # a text item is read once opened
        changed.append("completed_at")
    if changed:
        delivery.save(update_fields=changed)
    return delivery


@transaction.atomic
def delivery_progress(*, person: Person, item: ChannelItem, seconds: int) -> Delivery:
    """What the player reports: the furthest second listened. Completed once it reaches 90% of
    the item's duration; reporting again (or less) never counts twice or undoes it."""
    if seconds < 0:
        raise ValidationError({"seconds": _("收听时长不能为负数")})
    if not item.duration_seconds:
        raise ValidationError({"seconds": _("该内容没有音频")})
    delivery = _delivery(person, item)
    seconds = min(seconds, item.duration_seconds)
    now = timezone.now()
    changed = []
    if delivery.opened_at is None:
        delivery.opened_at = now
        changed.append("opened_at")
    if seconds > delivery.listened_seconds:
        delivery.listened_seconds = seconds
        changed.append("listened_seconds")
    if delivery.completed_at is None and seconds >= COMPLETED_SHARE * item.duration_seconds:
        delivery.completed_at = now
        changed.append("completed_at")
    if changed:
        Delivery.objects.filter(pk=delivery.pk).update(**{f: getattr(delivery, f) for f in changed})
    return delivery


def require_manage(actor) -> None:
    if actor is not None and not isinstance(actor, str) and not scope.can(actor, STUDY_MANAGE):
        raise PermissionDenied


# --- configuration (the lead office) ----------------------------------------------------------


def _require_manage_somewhere(actor) -> None:
    if actor is not None and not isinstance(actor, str):
        scope.require(actor, STUDY_MANAGE)


@transaction.atomic
def kind_save(
    *, actor, name: str, category: str, youth: bool = False, active: bool = True
) -> ActivityKind:
    """Add a kind, or change the category / 五个一 flag / active flag of one by name."""
    _require_manage_somewhere(actor)
    name = (name or "").strip()
    kind = ActivityKind.objects.filter(name=name).first()
    before = (
        {"category": kind.category, "youth": kind.youth, "active": kind.active} if kind else None
    )
    if kind is None:
        kind = ActivityKind(name=name, sort_order=ActivityKind.objects.count() * 10)
    kind.category, kind.youth, kind.active = category, youth, active
    kind.full_clean()
    kind.save()
    # Activities carry their kind's category (it leads their index): move them along.
    Activity.objects.filter(kind=kind).exclude(category=category).update(category=category)
    audit.record(
        actor=_actor(actor),
        action="study.kind.save",
        obj=kind,
        before=before,
        after={"name": kind.name, "category": category, "youth": youth, "active": active},
    )
    return kind


@transaction.atomic
def cadence_rule_save(*, actor, org_kind, kind: ActivityKind, cadence: str, minimum: int):
    """Set the minimum of (org kind, activity kind, cadence); a minimum of 0 retires the rule."""
    from zuofeng.study.models import CadenceRule

    _require_manage_somewhere(actor)
    if minimum < 0 or minimum > 100:
        raise ValidationError({"minimum": _("最少次数应在0到100之间")})
    rule, created = CadenceRule.objects.get_or_create(
        org_kind=org_kind,
        kind=kind,
        cadence=cadence,
        defaults={"minimum": max(minimum, 1), "active": minimum > 0},
    )
    before = None if created else {"minimum": rule.minimum, "active": rule.active}
    rule.minimum, rule.active = max(minimum, 1), minimum > 0
    rule.full_clean()
    rule.save()
    audit.record(
        actor=_actor(actor),
        action="study.cadence_rule.save",
        obj=rule,
        before=before,
        after={
            "org_kind": org_kind.name,
            "kind": kind.name,
            "cadence": cadence,
            "minimum": minimum,
        },
    )
    return rule
