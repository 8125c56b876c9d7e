"""The problem ledger as a sheet: a district's existing ledger imported all or nothing, with
its history (state, close-out date) kept and an "imported" event on each timeline.

Rows are matched by 问题编号; a row without one is matched by (责任单位, 发现日期, 问题描述), so
importing the same file again changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from operator import itemgetter

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from zuofeng.core import audit, subtree
from zuofeng.core.bulk import among, insert_many, update_many
from zuofeng.core.calendar import WorkCalendar
from zuofeng.core.models import TimelineEvent
from zuofeng.core.sheets import CODE, DATE, Column, Errors, Importer, Row, register
from zuofeng.core.sheets.reader import parse_date, parse_int
from zuofeng.orgs import scope as org_scope
from zuofeng.orgs.models import Org, subtrees_q
from zuofeng.rectify import services
from zuofeng.rectify.choices import ChecklistKind, KeyArea, Mode, ProblemState
from zuofeng.rectify.models import (
    Campaign,
    Checklist,
    ChecklistItem,
    ChecklistSet,
    Problem,
    ProblemCategory,
    ProblemSource,
)
from zuofeng.rectify.permissions import PROBLEM_REGISTER, PROBLEM_VIEW

# An "imported" step on each problem's timeline.
EVENT_FIELDS = (
    "object_type",
    "at",
    "actor",
    "actor_name",
    "action",
    "object_id",
    "to_state",
    "note",
    "data",
)
FIELDS = (
    "description",
    "source_id",
    "category_id",
    "found_date",
    "unit_id",
    "leader",
    "person",
    "mode",
    "measures",
    "deadline",
    "state",
    "closed_date",
    "campaign_id",
    "key_power",
    "key_funds",
    "key_resources",
)


def _changes(before: dict, after: dict) -> dict:
    return {k: v for k, v in after.items() if before[k] != v}


def _zh(choices) -> dict[str, str]:
    with translation.override("zh-hans"):
        return {str(label): value for value, label in choices}


def _names(model):
    return lambda: list(model.objects.filter(active=True).values_list("name", flat=True))


@dataclass
class ProblemPlan:
    creates: list[dict] = field(default_factory=list)
    updates: list[tuple[int, dict, dict]] = field(default_factory=list)  # pk, before, after
    unchanged: int = 0
    paths: dict[int, str] = field(default_factory=dict)  # unit id -> its path, for new rows


@dataclass
class _Vocabulary:
    """What a ledger row is checked against, read once per file; the parsing of cells that
    repeat (deadlines, key areas) is kept per distinct cell."""

    sources: dict[str, int]
    categories: dict[str, int]
    campaigns: dict[str, int]
    states: dict[str, str]
    modes: dict[str, str]
    areas: dict[str, str]
    units: dict[str, Org]
    paths: list[str] | None
    today: dt.date
    calendar: WorkCalendar
    _deadlines: dict = field(default_factory=dict)
    _key_areas: dict = field(default_factory=dict)

    def deadline(self, raw) -> int | dt.date | str:
        """A number of working days, a date, or the message of a value that is neither."""
        if raw not in self._deadlines:
            try:
                if str(raw).strip().isdigit():
                    self._deadlines[raw] = parse_int(raw)
                else:
                    self._deadlines[raw] = parse_date(raw)
            except ValueError as exc:
                self._deadlines[raw] = str(exc)
        return self._deadlines[raw]

    def key_areas(self, text: str) -> tuple[tuple[bool, bool, bool], list[str]]:
        """(power, funds, resources) flags of a 重点领域 cell, and the labels not known."""
        if text not in self._key_areas:
            chosen, unknown = set(), []
            for label in text.replace(",", "、").replace("，", "、").split("、"):
                label = label.strip()
                if not label:
                    continue
                code = self.areas.get(label) or (label if label in KeyArea.values else None)
                if code is None:
                    unknown.append(label)
                else:
                    chosen.add(code)
            flags = (KeyArea.POWER in chosen, KeyArea.FUNDS in chosen, KeyArea.RESOURCES in chosen)
            self._key_areas[text] = (flags, unknown)
        return self._key_areas[text]


@register
class ProblemImporter(Importer):
    kind = "problems"
    import_action = PROBLEM_REGISTER
    export_action = PROBLEM_VIEW
    label = _l("问题台账")
    columns = (
        Column("number", "问题编号", ("number", "problem no"), parse=CODE, max_length=32),
        Column(
            "description", "问题描述", ("description",), required=True, max_length=4000, width=40
        ),
        Column("source", "问题来源", ("source",), required=True, choices=_names(ProblemSource)),
        Column("category", "问题类别", ("category",), choices=_names(ProblemCategory)),
        Column(
            "found_date", "发现日期", ("found date", "found"), required=True, parse=DATE, width=12
        ),
        Column(
            "unit_code", "责任单位编码", ("unit code", "unit"), required=True, parse=CODE, width=16
        ),
        Column("leader", "责任领导", ("leader",), max_length=50),
        Column("person", "责任人", ("person",), max_length=50),
        Column("mode", "整改方式", ("mode",), choices=lambda: list(_zh(Mode.choices))),
        Column("measures", "整改措施", ("measures",), max_length=4000, width=30),
        Column("deadline", "整改时限", ("deadline",), width=12),
        Column(
            "state",
            "状态",
            ("state", "status"),
            choices=lambda: [label for label, value in _zh(ProblemState.choices).items()],
        ),
        Column("closed_date", "销号日期", ("closed date", "closed"), parse=DATE, width=12),
        Column("campaign", "所属专项", ("campaign",), choices=_names(Campaign), width=16),
        Column(
            "key_areas",
            "重点领域",
            ("key areas", "key area"),
            choices=lambda: list(_zh(KeyArea.choices)),
            width=16,
        ),
    )

    def plan(self, rows: list[Row], present, errors: Errors, *, actor) -> ProblemPlan:
        codes = {r["unit_code"] for r in rows if r["unit_code"]}
        units = {o.code: o for o in Org.objects.filter(code__in=codes).only("id", "code", "path")}
        v = _Vocabulary(
            sources={s.name: s.pk for s in ProblemSource.objects.all()},
            categories={c.name: c.pk for c in ProblemCategory.objects.all()},
            campaigns={c.name: c.pk for c in Campaign.objects.all()},
            states=_zh(ProblemState.choices),
            modes=_zh(Mode.choices),
            areas=_zh(KeyArea.choices),
            units=units,
            paths=None if actor is None else org_scope.paths_for(actor, PROBLEM_REGISTER),
            today=timezone.localdate(),
            calendar=WorkCalendar(),
        )
        clean: list[dict] = []
        seen_numbers: set[str] = set()
        for row in rows:
            item = self._row(row, errors, v)
            number = row["number"]
            if number:
                if number in seen_numbers:
                    errors.add(row, "number", _("问题编号在文件中重复"))
                seen_numbers.add(number)
            if item is not None:
                clean.append(item)
        plan = self._match(clean, actor)
        plan.paths = {unit.pk: unit.path for unit in units.values()}
        return plan

    def _row(self, row: Row, errors: Errors, v: _Vocabulary) -> dict | None:
        get = row.values.get
        item: dict = {
            "description": (get("description") or "").strip(),
            "leader": get("leader") or "",
            "person": get("person") or "",
            "measures": get("measures") or "",
            "number": get("number") or "",
            "source_id": self._pick(row, "source", v.sources, errors),
            "category_id": self._pick(row, "category", v.categories, errors),
            "campaign_id": self._pick(row, "campaign", v.campaigns, errors),
            "mode": self._pick(row, "mode", v.modes, errors) or "",
            "state": self._pick(row, "state", v.states, errors) or ProblemState.REGISTERED,
        }
        found = get("found_date")
        if found and found > v.today:
            errors.add(row, "found_date", _("发现日期不能晚于今天"))
        item["found_date"] = found
        code = get("unit_code")
        unit = v.units.get(code) if code else None
        if code and row.ok("unit_code"):
            if unit is None:
                errors.add(row, "unit_code", _("组织编码“%(c)s”不存在") % {"c": code})
            elif v.paths is not None and not any(unit.path.startswith(p) for p in v.paths):
                errors.add(row, "unit_code", _("不在您的管辖范围内"))
        item["unit_id"] = unit.pk if unit else None
        item["deadline"] = self._deadline(row, found, errors, v)
        closed = get("closed_date")
        is_closed = item["state"] == ProblemState.CLOSED
        if is_closed and not closed and row.ok("closed_date"):
            errors.add(row, "closed_date", _("状态为“已销号”时必须填写销号日期"))
        elif closed and not is_closed:
            errors.add(row, "closed_date", _("只有“已销号”的问题可以填写销号日期"))
        elif closed and found and closed < found:
            errors.add(row, "closed_date", _("销号日期不能早于发现日期"))
        item["closed_date"] = closed if is_closed else None
        flags, unknown = v.key_areas(get("key_areas") or "")
        for label in unknown:
            errors.add(row, "key_areas", _("未知重点领域：%(v)s") % {"v": label})
        item["key_power"], item["key_funds"], item["key_resources"] = flags
        return None if row.bad else item

    @staticmethod
    def _pick(row: Row, key: str, table: dict, errors: Errors):
        value = row.values.get(key)
        if not value:
            return None
        if value not in table:
            if row.ok(key):
                errors.add(row, key, _("不是可选值：%(v)s") % {"v": value})
            return None
        return table[value]

    @staticmethod
    def _deadline(
        row: Row, found: dt.date | None, errors: Errors, v: _Vocabulary
    ) -> dt.date | None:
        """A date, or a number of working days counted from the found date."""
        raw = row.values.get("deadline")
        if raw in (None, ""):
            return None
        parsed = v.deadline(raw)
        if isinstance(parsed, str):
            errors.add(row, "deadline", parsed)
            return None
        deadline = parsed
        if isinstance(parsed, int):
            deadline = v.calendar.add_workdays(found, parsed) if found else None
        if deadline and found and deadline < found:
            errors.add(row, "deadline", _("整改时限不能早于发现日期"))
            return None
        return deadline

    def _match(self, clean: list[dict], actor) -> ProblemPlan:
        plan = ProblemPlan()
        numbers = [item["number"] for item in clean if item["number"]]
        by_number = {
            p["number"]: p
            for p in Problem.objects.filter(number__in=among(numbers)).values(
                "pk", "number", *FIELDS
            )
        }
        keyless = [(item["unit_id"], item["found_date"]) for item in clean if not item["number"]]
        by_key: dict = {}
        if keyless:
            qs = Problem.objects.filter(
                unit_id__in={u for u, _d in keyless}, found_date__in={d for _u, d in keyless}
            )
            for p in qs.values("pk", "number", *FIELDS):
                by_key[(p["unit_id"], p["found_date"], p["description"])] = p
        for item in clean:
            existing = (
                by_number.get(item["number"])
                if item["number"]
                else by_key.get((item["unit_id"], item["found_date"], item["description"]))
            )
            if existing is None:
                plan.creates.append(item)
                continue
            before = {k: existing[k] for k in FIELDS}
            after = {k: item[k] for k in FIELDS}
            if before == after:
                plan.unchanged += 1
            else:
                plan.updates.append((existing["pk"], before, after))
        return plan

    def counts(self, plan: ProblemPlan) -> tuple[int, int, int]:
        return len(plan.creates), len(plan.updates), plan.unchanged

    @transaction.atomic
    def apply(self, plan: ProblemPlan, *, actor, report) -> None:
        """New problems, changed ones and their timeline events are written as rows
        (core.bulk): a ledger of 100,000 rows spent most of its time building model instances
        and running a statement per row."""
        now = timezone.now()
        actor_id = None if actor is None or isinstance(actor, str) else actor.pk
        actor_name = actor.get_username() if actor_id else "cli"
        self._number(plan.creates)
        paths, pick = plan.paths, itemgetter(*FIELDS)
        with subtree.inserting(Problem):
            insert_many(
                Problem,
                ("number", "created_by", "unit_path", "created_at", "updated_at", *FIELDS),
                (
                    (item["number"], actor_id, paths[item["unit_id"]], now, now, *pick(item))
                    for item in plan.creates
                ),
            )
        update_many(
            Problem,
            (*FIELDS, "updated_at"),
            ((*pick(after), now, pk) for pk, _before, after in plan.updates),
            bump=("version",),
        )
        state = {item["number"]: item["state"] for item in plan.creates}
        new = Problem.objects.filter(number__in=among(state)).values_list("pk", "number")
        event = ("rectify.problem", now, actor_id, actor_name, "imported")
        note = _("导入台账")
        insert_many(
            TimelineEvent,
            EVENT_FIELDS,
            ((*event, str(pk), state[number], note, {}) for pk, number in new.iterator(5000)),
        )
        note = _("导入更新")
        insert_many(
            TimelineEvent,
            EVENT_FIELDS,
            (
                (*event, str(pk), after["state"], note, audit._normalise(_changes(before, after)))
                for pk, before, after in plan.updates
            ),
        )
        audit.record(
            actor=actor if actor is not None else "cli",
            action="import.problems",
            object_type="rectify.problem",
            object_repr="problems",
            after=report.audit_after(),
        )

    @staticmethod
    def _number(creates: list[dict]) -> None:
        """Numbers for the new rows that bring none, a block per year, skipping the numbers
        the ledger or the file already has."""
        reserved = frozenset(item["number"] for item in creates if item["number"])
        keyless: dict[int, list[dict]] = {}
        for item in creates:
            if not item["number"]:
                keyless.setdefault(item["found_date"].year, []).append(item)
        for year, items in keyless.items():
            numbers = services.next_numbers(year, len(items), reserved=reserved)
            for item, number in zip(items, numbers, strict=True):
                item["number"] = number

    def export_rows(self, *, actor, scope: str | None, full: bool):
        qs = Problem.objects.all()
        if actor is not None:
            qs = qs.filter(subtrees_q(org_scope.paths_for(actor, PROBLEM_VIEW), "unit_path"))
        if scope:
            org = Org.objects.filter(code=scope).first()
            if org is None:
                from zuofeng.core.sheets import ExportError

                raise ExportError(_("组织编码“%(code)s”不存在") % {"code": scope})
            qs = qs.filter(subtrees_q([org.path], "unit_path"))
        with translation.override("zh-hans"):
            states = {v: str(label) for v, label in ProblemState.choices}
            modes = {v: str(label) for v, label in Mode.choices}
            area_labels = {v: str(label) for v, label in KeyArea.choices}
        rows = qs.order_by("found_date", "id").values_list(
            "number",
            "description",
            "source__name",
            "category__name",
            "found_date",
            "unit__code",
            "leader",
            "person",
            "mode",
            "measures",
            "deadline",
            "state",
            "closed_date",
            "campaign__name",
            "key_power",
            "key_funds",
            "key_resources",
        )
        for r in rows.iterator(chunk_size=2000):
            flags = [
                area_labels[c]
                for c, on in zip(("power", "funds", "resources"), r[14:17], strict=True)
                if on
            ]
            yield (
                *r[:8],
                modes.get(r[8], ""),
                r[9],
                r[10],
                states[r[11]],
                r[12],
                r[13] or "",
                "、".join(flags),
            )

    def after_export(self, *, actor, rows: int, scope: str | None, full: bool) -> None:
        audit.record(
            actor=actor if actor is not None else "cli",
            action="export.problems",
            object_type="rectify.problem",
            object_repr="problems",
            after={"rows": rows, "scope": scope or ""},
        )


@dataclass
class ChecklistPlan:
    creates: list[tuple[str, str, str, str, str, str]] = field(default_factory=list)
    unchanged: int = 0


@register
class ChecklistImporter(Importer):
    """Items of the 对照清单: the set and list are created when new; an item is matched by
    (set, list, text), so importing the same file again changes nothing."""

    kind = "checklists"
    label = _l("对照清单")
    columns = (
        Column("set", "清单集", ("set",), required=True, max_length=100, width=24),
        Column("list", "清单名称", ("list",), required=True, max_length=100, width=16),
        Column(
            "kind", "清单类型", ("kind", "type"), choices=lambda: list(_zh(ChecklistKind.choices))
        ),
        Column("category", "类别", ("category",), max_length=50),
        Column("text", "条目内容", ("text", "item"), required=True, max_length=500, width=40),
        Column("basis", "依据", ("basis",), max_length=200, width=24),
    )

    def plan(self, rows: list[Row], present, errors: Errors, *, actor) -> ChecklistPlan:
        from zuofeng.rectify.permissions import CHECKLIST_MANAGE

        if actor is not None and not org_scope.can(actor, CHECKLIST_MANAGE):
            for row in rows[:1]:
                errors.add(row, "set", _("只有牵头办可以维护对照清单"))
            return ChecklistPlan()
        kinds = _zh(ChecklistKind.choices)
        existing = set(
            ChecklistItem.objects.values_list(
                "checklist__checklist_set__name", "checklist__name", "text"
            )
        )
        plan, seen = ChecklistPlan(), set()
        for row in rows:
            kind = row["kind"] or ""
            if kind and kind not in kinds and kind not in ChecklistKind.values:
                errors.add(row, "kind", _("不是可选值：%(v)s") % {"v": kind})
                continue
            key = (row["set"], row["list"], row["text"])
            if key in seen:
                errors.add(row, "text", _("条目在文件中重复"))
                continue
            seen.add(key)
            if key in existing:
                plan.unchanged += 1
            else:
                plan.creates.append(
                    (
                        *key,
                        kinds.get(kind, kind) or ChecklistKind.PROBLEM,
                        row["category"] or "",
                        row["basis"] or "",
                    )
                )
        return plan

    def counts(self, plan: ChecklistPlan) -> tuple[int, int, int]:
        return len(plan.creates), 0, plan.unchanged

    @transaction.atomic
    def apply(self, plan: ChecklistPlan, *, actor, report) -> None:
        sets: dict[str, ChecklistSet] = {}
        lists: dict[tuple[str, str], Checklist] = {}
        for set_name, list_name, text, kind, category, basis in plan.creates:
            if set_name not in sets:
                sets[set_name] = ChecklistSet.objects.get_or_create(name=set_name)[0]
            key = (set_name, list_name)
            if key not in lists:
                lists[key] = Checklist.objects.get_or_create(
                    checklist_set=sets[set_name],
                    name=list_name,
                    defaults={"kind": kind, "sort_order": sets[set_name].lists.count()},
                )[0]
            checklist = lists[key]
            ChecklistItem.objects.create(
                checklist=checklist,
                text=text,
                category=category,
                basis=basis,
                sort_order=checklist.items.count(),
            )
        audit.record(
            actor=actor if actor is not None else "cli",
            action="import.checklists",
            object_type="rectify.checklistitem",
            object_repr="checklists",
            after=report.audit_after(),
        )

    def export_rows(self, *, actor, scope: str | None, full: bool):
        with translation.override("zh-hans"):
            kinds = {v: str(label) for v, label in ChecklistKind.choices}
        rows = ChecklistItem.objects.order_by(
            "checklist__checklist_set_id", "checklist__sort_order", "sort_order", "id"
        ).values_list(
            "checklist__checklist_set__name",
            "checklist__name",
            "checklist__kind",
            "category",
            "text",
            "basis",
        )
        for set_name, list_name, kind, category, text, basis in rows.iterator():
            yield set_name, list_name, kinds.get(kind, kind), category, text, basis
