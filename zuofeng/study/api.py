"""API of the study module: activities (list, record, detail), compliance, coverage with the
heatmap, channel items with statistics, 我的学习 progress, youth groups."""

# No `from __future__ import annotations`: ninja's @paginate needs real annotations.
import datetime as dt

from django.core.exceptions import ValidationError
from django.http import Http404
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate

from zuofeng.core.api import Input, Pagination, require_id
from zuofeng.core.indicators import Period
from zuofeng.orgs import scope
from zuofeng.orgs.models import Org, Person
from zuofeng.study import selectors, services
from zuofeng.study.choices import AttachmentKind, Category, Mode
from zuofeng.study.forms import CAMPAIGN_END, CAMPAIGN_START
from zuofeng.study.models import ActivityKind, ChannelItem, Learner, YouthGroup
from zuofeng.study.permissions import STUDY_RECORD, STUDY_VIEW
from zuofeng.study.services import Attendee

router = Router(tags=["study"])


class ActivityOut(Schema):
    id: int
    org: str = Field(..., alias="org.code")
    org_name: str = Field(..., alias="org.name")
    kind: str = Field(..., alias="kind.name")
    category: str = Field(..., alias="kind.category")
    topic: str
    date: dt.date
    mode: str
    place: str
    host: str
    recorder: str
    named: bool
    expected_count: int | None
    present_count: int
    youth_group: str | None = Field(None, alias="youth_group.name")


class AttendanceOut(Schema):
    person_no: str | None = Field(None, alias="person.person_no")
    name: str = Field(..., alias="person.name")
    present: bool
    absence_reason: str


class AttachmentOut(Schema):
    id: int
    kind: str
    name: str
    content_type: str
    size: int
    sha256: str


class ActivityDetail(ActivityOut):
    minutes: str
    attendance: list[AttendanceOut] = Field(..., alias="attendance_list")
    attachments: list[AttachmentOut] = Field(..., alias="attachment_list")


class ActivityQuery(Input):
    org: str = Field("", max_length=32, description="org code: its whole subtree")
    kind: str = Field("", max_length=32, description="activity kind (Chinese name)")
    category: Category | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    youth: bool = False


class AttendeeIn(Input):
    person_no: str = Field(..., min_length=1, max_length=32)
    present: bool = True
    absence_reason: str = Field("", max_length=100)


class ActivityIn(Input):
    org: str = Field(..., min_length=1, max_length=32)
    kind: str = Field(..., min_length=1, max_length=32)
    topic: str = Field(..., min_length=1, max_length=200)
    date: dt.date
    mode: Mode = Mode.OFFLINE
    place: str = Field("", max_length=100)
    host: str = Field("", max_length=50)
    recorder: str = Field("", max_length=50)
    minutes: str = Field("", max_length=20000)
    attendees: list[AttendeeIn] = Field([], max_length=2000)
    expected_count: int | None = Field(None, ge=0, le=1_000_000)
    present_count: int | None = Field(None, ge=0, le=1_000_000)
    youth_group: str = Field("", max_length=64)


class ScopeQuery(Input):
    org: str = Field("", max_length=32, description="org code (default: the top of your scope)")
    start: dt.date = CAMPAIGN_START
    end: dt.date = CAMPAIGN_END
    kind: str = Field("", max_length=32)


def _kind(name: str, field: str = "kind") -> ActivityKind | None:
    if not name:
        return None
    kind = ActivityKind.objects.filter(name=name).first()
    if kind is None:
        raise ValidationError({field: f"未知活动类型：{name}"})
    return kind


def _scope(request, query: ScopeQuery):
    if query.end < query.start:
        raise ValidationError({"end": "结束日期不能早于开始日期"})
    org = selectors.scope_org(request.auth, query.org or None)
    return org, Period(query.start, query.end), _kind(query.kind)


def _detail(activity):
    activity.attendance_list = list(activity.attendance.select_related("person"))
    activity.attachment_list = list(activity.attachments.all())
    return activity


@router.get("/study/activities", response=list[ActivityOut], summary="Activities in scope")
@paginate(Pagination)
def list_activities(request, query: Query[ActivityQuery]):
    scope.require(request.auth, STUDY_VIEW)
    org = selectors.scope_org(request.auth, query.org) if query.org else None
    return selectors.filter_activities(
        selectors.activities_visible_to(request.auth),
        org=org,
        kind=_kind(query.kind),
        category=query.category or "",
        start=query.start,
        end=query.end,
        youth=query.youth,
    )


@router.get("/study/activities/{activity_id}", response=ActivityDetail, summary="One activity")
def get_activity(request, activity_id: int):
    scope.require(request.auth, STUDY_VIEW)
    require_id(activity_id)
    return _detail(selectors.activity_for(request.auth, activity_id))


@router.post("/study/activities", response={201: ActivityDetail}, summary="Record an activity")
def create_activity(request, payload: ActivityIn):
    scope.require(request.auth, STUDY_RECORD)
    org = Org.objects.filter(code=payload.org).first()
    if org is None or not scope.can_at(request.auth, STUDY_RECORD, org.path):
        raise Http404
    group = None
    if payload.youth_group:
        group = YouthGroup.objects.filter(name=payload.youth_group).first()
        if group is None:
            raise ValidationError({"youth_group": f"未知学习小组：{payload.youth_group}"})
    numbers = [a.person_no for a in payload.attendees]
    people = {p.person_no: p for p in Person.objects.filter(person_no__in=numbers)}
    unknown = [n for n in numbers if n not in people]
    if unknown:
        raise ValidationError({"attendees": f"人员编号不存在：{'、'.join(unknown)}"})
    activity = services.activity_record(
        actor=request.auth,
        org=org,
        kind=_kind(payload.kind),
        topic=payload.topic,
        date=payload.date,
        mode=payload.mode,
        place=payload.place,
        host=payload.host,
        recorder=payload.recorder,
        minutes=payload.minutes,
        attendees=[
            Attendee(people[a.person_no], a.present, a.absence_reason) for a in payload.attendees
        ],
        expected_count=payload.expected_count,
        present_count=payload.present_count,
        youth_group=group,
    )
    return 201, _detail(selectors.activity_for(request.auth, activity.pk))


@router.post(
    "/study/activities/{activity_id}/attachments",
    response={201: ActivityDetail},
    summary="Attach a file (通知/纪要/签到表/照片: PDF, PNG, JPEG, Office)",
)
def add_attachment(request, activity_id: int, kind: Form[AttachmentKind], file: File[UploadedFile]):
    scope.require(request.auth, STUDY_VIEW)
    require_id(activity_id)
    activity = selectors.activity_for(request.auth, activity_id)
    services.attachment_add(actor=request.auth, activity=activity, kind=kind, upload=file)
    return 201, _detail(selectors.activity_for(request.auth, activity_id))


class ShortfallOut(Schema):
    kind: str
    unit: str
    have: int
    need: int


class ComplianceRow(Schema):
    code: str
    name: str
    met: bool
    missing: list[ShortfallOut]


class ComplianceOut(Schema):
    org: str
    start: dt.date
    end: dt.date
    total: int
    met: int
    rate: float | None
    orgs: list[ComplianceRow]


@router.get("/study/compliance", response=ComplianceOut, summary="Cadence compliance per org")
def compliance(request, query: Query[ScopeQuery]):
    org, period, kind = _scope(request, query)
    rows = selectors.compliance(org, period, kind)
    met = sum(1 for r in rows if r.met)
    return {
        "org": org.code,
        "start": period.start,
        "end": period.end,
        "total": len(rows),
        "met": met,
        "rate": round(met / len(rows), 4) if rows else None,
        "orgs": rows,
    }


class OrgRef(Schema):
    code: str
    name: str


class CoverageOut(Schema):
    org: str
    start: dt.date
    end: dt.date
    total: int
    covered: int
    rate: float | None
    idle: list[OrgRef]
    months: list[dt.date]
    children: list[OrgRef]
    counts: list[list[int]]


@router.get("/study/coverage", response=CoverageOut, summary="Coverage, idle orgs and the heatmap")
def coverage(request, query: Query[ScopeQuery]):
    org, period, kind = _scope(request, query)
    cov = selectors.coverage(org, period, kind)
    children, months, counts = selectors.coverage_matrix(org, period, kind)
    return {
        "org": org.code,
        "start": period.start,
        "end": period.end,
        "total": cov.total,
        "covered": cov.covered,
        "rate": cov.rate,
        "idle": list(cov.idle.select_related(None).only("code", "name")),
        "months": months,
        "children": children,
        "counts": counts,
    }


class ItemOut(Schema):
    id: int
    channel: str = Field(..., alias="channel.name")
    title: str
    published_on: dt.date | None
    duration_seconds: int
    delivered: int
    opened: int
    completed: int


@router.get("/study/items", response=list[ItemOut], summary="Channel items with receipts in scope")
@paginate(Pagination)
def list_items(request):
    scope.require(request.auth, STUDY_VIEW)
    root = selectors.scope_org(request.auth, None)
    items = list(selectors.items_visible_to(request.auth)[:1000])
    stats = selectors.item_stats(items, root.path)
    for item in items:
        s = stats.get(item.pk, {})
        item.delivered, item.opened, item.completed = (
            s.get("delivered", 0),
            s.get("opened", 0),
            s.get("completed", 0),
        )
    return items


class ProgressIn(Input):
    seconds: int = Field(..., ge=0, le=10_000_000)


class ProgressOut(Schema):
    listened_seconds: int
    completed: bool


@router.post(
    "/study/my/items/{item_id}/progress",
    response=ProgressOut,
    summary="Report listening (idempotent)",
)
def my_progress(request, item_id: int, payload: ProgressIn):
    require_id(item_id)
    link = Learner.objects.filter(username=request.auth.get_username()).first()
    item = ChannelItem.objects.filter(pk=item_id).first()
    if link is None or item is None:
        raise Http404
    d = services.delivery_progress(person=link.person, item=item, seconds=payload.seconds)
    return {"listened_seconds": d.listened_seconds, "completed": d.completed_at is not None}


class YouthOut(Schema):
    name: str
    org: str
    members: int
    done: int
    kinds: dict[str, int]
    activities: int
    person_times: int


@router.get("/study/youth-groups", response=list[YouthOut], summary="Youth groups: 五个一 progress")
def youth_groups(request, query: Query[ScopeQuery]):
    org, period, _kind = _scope(request, query)
    return [
        {
            "name": g["group"].name,
            "org": g["group"].org.code,
            "members": g["members"],
            "done": g["done"],
            "kinds": dict(g["kinds"]),
            "activities": g["activities"],
            "person_times": g["person_times"],
        }
        for g in selectors.youth_groups_progress(period, [org.path])
    ]
