"""Activities as a sheet (`zuofeng import activities FILE`, export, template).

Every row passes the same attendance rules as the entry form (services.check_activity). A row
is matched by (组织编码, 活动类型, 活动日期, 活动主题): importing the same file again changes
nothing. Listed attendees (参加人员) are all present; 实到人数 is then their count.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from zuofeng.core import audit
from zuofeng.core.sheets import CODE, DATE, INT, Column, Errors, Importer, Row, register
from zuofeng.orgs import scope as org_scope
from zuofeng.orgs.models import Org, Person, subtrees_q
from zuofeng.study.choices import Mode
from zuofeng.study.models import Activity, ActivityKind, Attendance, YouthGroup
from zuofeng.study.permissions import STUDY_RECORD, STUDY_VIEW
from zuofeng.study.services import Attendee, check_activity

SEPARATORS = ("、", ",", "，", ";", "；", " ")


def _modes() -> dict[str, str]:
    with translation.override("zh-hans"):
        return {str(label): value for value, label in Mode.choices}


def _split(text: str) -> list[str]:
    for sep in SEPARATORS[1:]:
        text = text.replace(sep, SEPARATORS[0])
    return [t for t in (p.strip() for p in text.split(SEPARATORS[0])) if t]


@dataclass
class ActivityPlan:
    creates: list[tuple[dict, list[int]]] = field(default_factory=list)
    unchanged: int = 0


# Service error fields → sheet columns.
_FIELD_COLUMN = {
    "kind": "kind",
    "topic": "topic",
    "date": "date",
    "mode": "mode",
    "attendees": "attendees",
    "present_count": "present_count",
    "expected_count": "expected_count",
}


@register
class ActivityImporter(Importer):
    kind = "activities"
    label = _l("学习活动")
    columns = (
        Column("org_code", "组织编码", ("org code", "org"), required=True, parse=CODE, width=16),
        Column(
            "kind",
            "活动类型",
            ("kind", "type"),
            required=True,
            choices=lambda: list(
                ActivityKind.objects.filter(active=True).values_list("name", flat=True)
            ),
            width=18,
        ),
        Column("topic", "活动主题", ("topic",), required=True, max_length=200, width=30),
        Column("date", "活动日期", ("date",), required=True, parse=DATE, width=12),
        Column("mode", "形式", ("mode",), choices=lambda: list(_modes()), width=8),
        Column("expected_count", "应到人数", ("expected",), parse=INT, width=10),
        Column("present_count", "实到人数", ("present",), parse=INT, width=10),
        Column("attendees", "参加人员", ("attendees",), max_length=20000, width=30),
        Column("host", "主持人", ("host",), max_length=50),
        Column("recorder", "记录人", ("recorder",), max_length=50),
        Column("place", "地点", ("place",), max_length=100, width=20),
        Column(
            "youth_group",
            "学习小组",
            ("youth group", "group"),
            max_length=64,
            choices=lambda: list(YouthGroup.objects.values_list("name", flat=True)),
            width=20,
        ),
    )

    def plan(self, rows: list[Row], present, errors: Errors, *, actor) -> ActivityPlan:
        kinds = {k.name: k for k in ActivityKind.objects.all()}
        groups = {g.name: g for g in YouthGroup.objects.all()}
        modes = _modes()
        codes = {r["org_code"] for r in rows if r["org_code"]}
        orgs = {o.code: o for o in Org.objects.filter(code__in=codes).only("id", "code", "path")}
        numbers = {n for r in rows if r["attendees"] for n in _split(r["attendees"])}
        people = {
            p.person_no: p
            for p in Person.objects.filter(person_no__in=numbers).select_related("org")
        }
        paths = None if actor is None else org_scope.paths_for(actor, STUDY_RECORD)
        existing = set(
            Activity.objects.filter(org__code__in=codes).values_list(
                "org__code", "kind__name", "date", "topic"
            )
        )
        out = ActivityPlan()
        seen: set[tuple] = set()
        for row in rows:
            item = self._row(row, errors, kinds, groups, modes, orgs, people, paths)
            if item is None:
                continue
            values, attendees = item
            key = (row["org_code"], row["kind"], values["date"], values["topic"])
            if key in seen:
                errors.add(row, "topic", _("与文件中另一行重复（同一组织、类型、日期、主题）"))
                continue
            seen.add(key)
            if key in existing:
                out.unchanged += 1
            else:
                out.creates.append((values, attendees))
        return out

    def _row(self, row, errors, kinds, groups, modes, orgs, people, paths):
        if row.bad:
            return None
        org = orgs.get(row["org_code"])
        if org is None or (paths is not None and not any(org.path.startswith(p) for p in paths)):
            errors.add(row, "org_code", _("组织编码不存在或不在您的管理范围内"))
            return None
        kind = kinds.get(row["kind"])
        if kind is None:
            errors.add(row, "kind", _("未知活动类型"))
            return None
        mode = modes.get(row["mode"] or "线下")
        if mode is None:
            errors.add(row, "mode", _("形式只能是线下或线上"))
            return None
        group = None
        if row["youth_group"]:
            group = groups.get(row["youth_group"])
            if group is None:
                errors.add(row, "youth_group", _("未知学习小组"))
                return None
        attendees = []
        if row["attendees"]:
            numbers = _split(row["attendees"])
            missing = [n for n in numbers if n not in people]
            if missing:
                errors.add(row, "attendees", _("人员编号不存在：%(n)s") % {"n": "、".join(missing)})
                return None
            attendees = [Attendee(people[n]) for n in numbers]
        try:
            expected, present = check_activity(
                org=org,
                kind=kind,
                topic=row["topic"],
                date=row["date"],
                mode=mode,
                attendees=attendees,
                expected_count=row["expected_count"],
                present_count=row["present_count"],
                youth_group=group,
            )
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                for message in messages:
                    errors.add(row, _FIELD_COLUMN.get(name, "topic"), message)
            return None
        values = {
            "org_id": org.pk,
            "kind_id": kind.pk,
            "category": kind.category,
            "topic": row["topic"].strip(),
            "date": row["date"],
            "mode": mode,
            "place": row["place"] or "",
            "host": row["host"] or "",
            "recorder": row["recorder"] or "",
            "named": bool(attendees),
            "expected_count": expected,
            "present_count": present,
            "youth_group_id": group.pk if group else None,
        }
        return values, [a.person.pk for a in attendees]

    def counts(self, plan: ActivityPlan) -> tuple[int, int, int]:
        return len(plan.creates), 0, plan.unchanged

    @transaction.atomic
    def apply(self, plan: ActivityPlan, *, actor, report) -> None:
        actor_id = None if actor is None or isinstance(actor, str) else actor.pk
        created = Activity.objects.bulk_create(
            [Activity(created_by_id=actor_id, **values) for values, _a in plan.creates],
            batch_size=500,
        )
        if not all(a.pk for a in created):  # backends without RETURNING
            raise RuntimeError("bulk_create returned no primary keys")
        Attendance.objects.bulk_create(
            [
                Attendance(activity_id=a.pk, person_id=pk, present=True)
                for a, (_values, people) in zip(created, plan.creates, strict=True)
                for pk in people
            ],
            batch_size=1000,
        )
        audit.record(
            actor=actor if actor is not None else "cli",
            action="import.activities",
            object_type="study.activity",
            object_repr="activities",
            after=report.audit_after(),
        )

    def export_rows(self, *, actor, scope: str | None, full: bool):
        from zuofeng.core.sheets import ExportError

        qs = Activity.objects.all()
        if actor is not None:
            qs = qs.filter(subtrees_q(org_scope.paths_for(actor, STUDY_VIEW), "org__path"))
        if scope:
            org = Org.objects.filter(code=scope).first()
            if org is None:
                raise ExportError(_("组织编码“%(code)s”不存在") % {"code": scope})
            qs = qs.filter(subtrees_q([org.path], "org__path"))
        labels = {v: k for k, v in _modes().items()}
        named: dict[int, list[str]] = {}
        rows = list(
            qs.order_by("date", "id").values_list(
                "pk",
                "org__code",
                "kind__name",
                "topic",
                "date",
                "mode",
                "expected_count",
                "present_count",
                "host",
                "recorder",
                "place",
                "youth_group__name",
                "named",
            )
        )
        ids = [r[0] for r in rows if r[-1]]
        for start in range(0, len(ids), 500):
            for act, number in Attendance.objects.filter(
                activity_id__in=ids[start : start + 500], present=True
            ).values_list("activity_id", "person__person_no"):
                named.setdefault(act, []).append(number or "")
        for pk, org, kind, topic, date, mode, exp, pres, host, rec, place, group, _n in rows:
            yield [
                org,
                kind,
                topic,
                date,
                labels.get(mode, mode),
                exp,
                pres,
                "、".join(named.get(pk, [])),
                host,
                rec,
                place,
                group or "",
            ]

    def after_export(self, *, actor, rows: int, scope: str | None, full: bool) -> None:
        audit.record(
            actor=actor if actor is not None else "cli",
            action="export.activities",
            object_type="study.activity",
            object_repr="activities",
            after={"rows": rows, "scope": scope or "", "at": timezone.now()},
        )
