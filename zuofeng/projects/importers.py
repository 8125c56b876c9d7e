"""Sheets of the projects module: projects, approval steps, village ledger entries and
enrolments, each imported all or nothing through the module's services.

Re-importing a file writes nothing: projects match by 项目编号, approval cases by 案件编号
(a case already imported is left as it is), ledger entries by all their fields, enrolments by
(活动编号, 姓名, 监护人电话).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from zuofeng.core import audit, crypto, loops
from zuofeng.core.sheets import (
    CODE,
    DATE,
    INT,
    Column,
    Errors,
    ExportError,
    Importer,
    Row,
    register,
)
from zuofeng.orgs import scope as org_scope
from zuofeng.orgs.models import Org, subtrees_q
from zuofeng.projects import approvals as approval_rules
from zuofeng.projects import services
from zuofeng.projects.choices import Direction, ProjectState
from zuofeng.projects.models import (
    ApprovalCase,
    Enrolment,
    LedgerCategory,
    LedgerEntry,
    Matter,
    Programme,
    Project,
    ProjectKind,
)
from zuofeng.projects.permissions import (
    APPROVAL_MANAGE,
    LEDGER_MANAGE,
    PROGRAMME_MANAGE,
    PROJECT_MANAGE,
    PROJECT_VIEW,
)


def _zh(choices) -> dict[str, str]:
    with translation.override("zh-hans"):
        return {str(label): value for value, label in choices}


def _labels(choices) -> dict[str, str]:
    with translation.override("zh-hans"):
        return {value: str(label) for value, label in choices}


def _names(model):
    return lambda: list(model.objects.filter(active=True).values_list("name", flat=True))


def _money(row: Row, key: str, errors: Errors, *, positive: bool = False) -> Decimal | None:
    raw = row[key]
    if raw in (None, ""):
        return None
    try:
        value = Decimal(str(raw).replace(",", "").replace("，", ""))
    except InvalidOperation:
        errors.add(row, key, _("不是有效的金额"))
        return None
    if not value.is_finite() or value < 0 or (positive and value == 0):
        errors.add(row, key, _("金额须大于0") if positive else _("不能为负数"))
        return None
    return value.quantize(Decimal("0.01"))


def _orgs(rows: list[Row], *keys: str) -> dict[str, Org]:
    codes = {r[k] for r in rows for k in keys if r[k]}
    return {o.code: o for o in Org.objects.filter(code__in=codes).select_related("kind")}


def _in_scope(actor, action: str):
    paths = None if actor is None else org_scope.paths_for(actor, action)
    return lambda org: paths is None or any(org.path.startswith(p) for p in paths)


def _scope_org(scope: str | None) -> Org | None:
    if not scope:
        return None
    org = Org.objects.filter(code=scope).first()
    if org is None:
        raise ExportError(_("组织编码“%(code)s”不存在") % {"code": scope})
    return org


# --- projects ---------------------------------------------------------------------------------


@dataclass
class Plan:
    creates: list = field(default_factory=list)
    unchanged: int = 0


@register
class ProjectImporter(Importer):
    kind = "projects"
    label = _l("项目")
    columns = (
        Column("number", "项目编号", ("number",), parse=CODE, max_length=32),
        Column("kind", "项目类型", ("kind",), required=True, choices=_names(ProjectKind)),
        Column("title", "项目名称", ("title",), required=True, max_length=200, width=30),
        Column("owner", "责任单位编码", ("owner code", "owner"), required=True, parse=CODE),
        Column("leader", "牵头领导", ("leader",), max_length=50),
        Column("village", "结对村社编码", ("village code", "village"), parse=CODE),
        Column("start", "开始日期", ("start date", "start"), required=True, parse=DATE),
        Column("due", "计划完成日期", ("due date", "due"), required=True, parse=DATE),
        Column(
            "state", "状态", ("state", "status"), choices=lambda: list(_zh(ProjectState.choices))
        ),
        Column("completed", "完成日期", ("completed date", "completed"), parse=DATE),
        Column("beneficiaries", "受益人数", ("beneficiaries",), parse=INT),
        Column("budget", "预算（元）", ("budget",)),
    )

    def plan(self, rows, present, errors: Errors, *, actor) -> Plan:
        kinds = {k.name: k for k in ProjectKind.objects.all()}
        states = _zh(ProjectState.choices)
        orgs = _orgs(rows, "owner", "village")
        allowed = _in_scope(actor, PROJECT_MANAGE)
        numbers = {r["number"] for r in rows if r["number"]}
        existing = {p.number: p for p in Project.objects.filter(number__in=numbers)}
        today = timezone.localdate()
        plan, seen = Plan(), set()
        for row in rows:
            kind = kinds.get(row["kind"]) if row.ok("kind") else None
            if row["kind"] and kind is None:
                errors.add(row, "kind", _("未知的项目类型“%(v)s”") % {"v": row["kind"]})
            owner = orgs.get(row["owner"]) if row["owner"] else None
            if row["owner"] and row.ok("owner") and (owner is None or not allowed(owner)):
                errors.add(row, "owner", _("组织编码不存在或不在您的管理范围内"))
            village = orgs.get(row["village"]) if row["village"] else None
            if row["village"] and (
                village is None or village.kind.code not in services.VILLAGE_KINDS
            ):
                errors.add(row, "village", _("不是村或社区党组织的编码"))
            start, due = row["start"], row["due"]
            if start and due and due < start:
                errors.add(row, "due", _("计划完成日期不能早于开始日期"))
            state = ProjectState.APPROVED
            if row["state"]:
                state = states.get(row["state"])
                if state is None:
                    errors.add(row, "state", _("状态须为：%(s)s") % {"s": "/".join(states)})
            done = row["completed"]
            if state in (ProjectState.COMPLETED, ProjectState.ACCEPTED):
                if not done and row.ok("completed"):
                    errors.add(row, "completed", _("状态为已完成或已验收时必填"))
                elif done and ((start and done < start) or done > today):
                    errors.add(row, "completed", _("完成日期须在开始日期与今天之间"))
            elif done:
                errors.add(row, "completed", _("只有已完成或已验收的项目填写完成日期"))
            if row["beneficiaries"] is not None and row["beneficiaries"] < 0:
                errors.add(row, "beneficiaries", _("不能为负数"))
            budget = _money(row, "budget", errors)
            number = row["number"]
            if number:
                if number in seen:
                    errors.add(row, "number", _("项目编号在文件中重复"))
                seen.add(number)
                if number in existing:
                    p = existing[number]
                    if (p.title, p.state) != (row["title"], state or p.state):
                        errors.add(row, "number", _("项目编号已存在，且内容不同"))
                    else:
                        plan.unchanged += 1
                    continue
            plan.creates.append(
                dict(
                    number=number or "",
                    kind=kind,
                    title=row["title"],
                    owner=owner,
                    leader=row["leader"] or "",
                    village=village,
                    start_date=start,
                    due_date=due,
                    beneficiaries=row["beneficiaries"],
                    budget=budget,
                    _state=state,
                    _done=done,
                )
            )
        return plan

    def counts(self, plan: Plan):
        return len(plan.creates), 0, plan.unchanged

    def apply(self, plan: Plan, *, actor, report) -> None:
        for item in plan.creates:
            state, done = item.pop("_state"), item.pop("_done")
            project = services.project_create(actor=actor, **item)
            if state != ProjectState.APPROVED:
                # Imported history: the state the district's ledger records, on the timeline.
                project.state = state
                project.completed_date = done
                if state == ProjectState.ACCEPTED:
                    project.accepted_date = done
                if state == ProjectState.STOPPED:
                    project.stop_reason = _("导入时已中止")
                project.full_clean()
                project.save()
                loops.timeline(
                    actor=actor or "cli",
                    obj=project,
                    action="imported",
                    from_state=ProjectState.APPROVED,
                    to_state=state,
                )

    def export_rows(self, *, actor, scope, full):
        qs = Project.objects.all()
        if actor is not None:
            qs = qs.filter(subtrees_q(org_scope.paths_for(actor, PROJECT_VIEW), "owner__path"))
        org = _scope_org(scope)
        if org is not None:
            qs = qs.filter(subtrees_q([org.path], "owner__path"))
        states = _labels(ProjectState.choices)
        for row in qs.order_by("start_date", "id").values_list(
            "number",
            "kind__name",
            "title",
            "owner__code",
            "leader",
            "village__code",
            "start_date",
            "deadline",
            "state",
            "completed_date",
            "beneficiaries",
            "budget",
        ):
            row = list(row)
            row[8] = states.get(row[8], row[8])
            yield row

    def after_export(self, *, actor, rows, scope, full):
        audit.record(actor=actor or "cli", action="projects.export", after={"rows": rows})


# --- approvals: one row per step --------------------------------------------------------------


@register
class ApprovalImporter(Importer):
    kind = "approvals"
    label = _l("审批环节")
    columns = (
        Column("case", "案件编号", ("case no", "case"), required=True, parse=CODE, max_length=32),
        Column(
            "matter",
            "事项名称",
            ("matter",),
            required=True,
            choices=lambda: list(Matter.objects.values_list("name", flat=True)),
        ),
        Column("applicant", "申请人", ("applicant",), required=True, max_length=200),
        Column("project", "项目名称", ("project",), max_length=200),
        Column("step", "环节名称", ("step",), required=True, max_length=100),
        Column(
            "department",
            "办理部门编码",
            ("department code", "department"),
            required=True,
            parse=CODE,
        ),
        Column("group", "并联组", ("parallel group", "group"), parse=INT),
        Column("start", "开始日期", ("start date", "start"), required=True, parse=DATE),
        Column("end", "结束日期", ("end date", "end"), parse=DATE),
        Column("statutory", "法定时限（工作日）", ("statutory days",), required=True, parse=INT),
    )

    def plan(self, rows, present, errors: Errors, *, actor) -> Plan:
        matters = {m.name: m for m in Matter.objects.all()}
        orgs = _orgs(rows, "department")
        allowed = _in_scope(actor, APPROVAL_MANAGE)
        numbers = {r["case"] for r in rows if r["case"]}
        existing = set(
            ApprovalCase.objects.filter(number__in=numbers).values_list("number", flat=True)
        )
        cases: dict[str, dict] = {}
        plan = Plan()
        for row in rows:
            matter = matters.get(row["matter"]) if row["matter"] else None
            if row["matter"] and matter is None:
                errors.add(row, "matter", _("未知的一件事“%(v)s”") % {"v": row["matter"]})
            dept = orgs.get(row["department"]) if row["department"] else None
            if row["department"] and (dept is None or not allowed(dept)):
                errors.add(row, "department", _("组织编码不存在或不在您的管理范围内"))
            if row["statutory"] is not None and row["statutory"] < 0:
                errors.add(row, "statutory", _("不能为负数"))
            if row["group"] is not None and row["group"] <= 0:
                errors.add(row, "group", _("并联组须为正整数"))
            if matter is not None and row["start"]:
                for key, message in approval_rules.validate_step(
                    matter=matter,
                    start_date=row["start"],
                    end_date=row["end"],
                    parallel_group=row["group"],
                ).items():
                    errors.add(row, {"end_date": "end", "parallel_group": "group"}[key], message)
            number = row["case"]
            if not number:
                continue
            case = cases.setdefault(
                number,
                {
                    "number": number,
                    "matter": matter,
                    "applicant": row["applicant"],
                    "project_name": row["project"] or "",
                    "steps": [],
                    "first": row.number,
                },
            )
            if matter is not None and case["matter"] not in (None, matter):
                errors.add(row, "matter", _("同一案件的事项名称须一致"))
            case["steps"].append(
                dict(
                    name=row["step"],
                    department=dept,
                    parallel_group=row["group"],
                    start_date=row["start"],
                    end_date=row["end"],
                    statutory_days=row["statutory"],
                )
            )
        for number, case in cases.items():
            if number in existing:
                plan.unchanged += 1
            else:
                plan.creates.append(case)
        return plan

    def counts(self, plan: Plan):
        return len(plan.creates), 0, plan.unchanged

    def apply(self, plan: Plan, *, actor, report) -> None:
        for c in plan.creates:
            steps = c["steps"]
            case = approval_rules.case_create(
                actor=actor,
                number=c["number"],
                matter=c["matter"],
                applicant=c["applicant"],
                project_name=c["project_name"],
                submitted_date=min(s["start_date"] for s in steps),
            )
            for s in steps:
                approval_rules.step_add(actor=actor, case=case, **s)
            if all(s["end_date"] for s in steps):
                # A required stage not passed leaves the case open, to be seen and fixed.
                with contextlib.suppress(ValidationError):
                    approval_rules.case_close(actor=actor, case=case)

    def export_rows(self, *, actor, scope, full):
        from zuofeng.projects.models import ApprovalStep

        qs = ApprovalStep.objects.all()
        if actor is not None:
            paths = org_scope.paths_for(actor, PROJECT_VIEW)
            qs = qs.filter(subtrees_q(paths, "department__path"))
        org = _scope_org(scope)
        if org is not None:
            qs = qs.filter(subtrees_q([org.path], "department__path"))
        yield from qs.order_by("case__number", "start_date", "id").values_list(
            "case__number",
            "case__matter__name",
            "case__applicant",
            "case__project_name",
            "name",
            "department__code",
            "parallel_group",
            "start_date",
            "end_date",
            "statutory_days",
        )

    def after_export(self, *, actor, rows, scope, full):
        audit.record(actor=actor or "cli", action="approvals.export", after={"rows": rows})


# --- village ledger ---------------------------------------------------------------------------


@register
class LedgerImporter(Importer):
    kind = "ledger"
    label = _l("共富明细账")
    columns = (
        Column("village", "村社编码", ("village code", "village"), required=True, parse=CODE),
        Column("date", "日期", ("date",), required=True, parse=DATE),
        Column(
            "direction",
            "收支",
            ("direction",),
            required=True,
            choices=lambda: list(_zh(Direction.choices)),
        ),
        Column("category", "类别", ("category",), required=True, choices=_names(LedgerCategory)),
        Column("amount", "金额（元）", ("amount",), required=True),
        Column("summary", "摘要", ("summary",), max_length=200, width=30),
        Column("project", "项目编号", ("project no", "project"), parse=CODE),
    )

    def plan(self, rows, present, errors: Errors, *, actor) -> Plan:
        cats = {c.name: c for c in LedgerCategory.objects.all()}
        directions = _zh(Direction.choices)
        orgs = _orgs(rows, "village")
        projects = {
            p.number: p
            for p in Project.objects.filter(number__in={r["project"] for r in rows if r["project"]})
        }
        allowed = _in_scope(actor, LEDGER_MANAGE)
        plan, keys = Plan(), set()
        for row in rows:
            village = orgs.get(row["village"]) if row["village"] else None
            if row["village"] and (
                village is None
                or village.kind.code not in services.VILLAGE_KINDS
                or not allowed(village)
            ):
                errors.add(row, "village", _("不是您管理范围内的村或社区党组织编码"))
            direction = directions.get(row["direction"]) if row["direction"] else None
            if row["direction"] and direction is None:
                errors.add(row, "direction", _("收支须为收入或支出"))
            cat = cats.get(row["category"]) if row["category"] else None
            if row["category"] and cat is None:
                errors.add(row, "category", _("未知的类别“%(v)s”") % {"v": row["category"]})
            amount = _money(row, "amount", errors, positive=True)
            project = projects.get(row["project"]) if row["project"] else None
            if row["project"] and project is None:
                errors.add(row, "project", _("项目编号不存在"))
            if None in (village, direction, cat, amount, row["date"]):
                continue
            key = (village.pk, row["date"], direction, cat.pk, amount, row["summary"] or "")
            keys.add(key)
            plan.creates.append(
                dict(
                    village=village,
                    date=row["date"],
                    direction=direction,
                    category=cat,
                    amount=amount,
                    summary=row["summary"] or "",
                    project=project,
                    _key=key,
                )
            )
        if keys:
            villages = {k[0] for k in keys}
            have = set(
                LedgerEntry.objects.filter(village_id__in=villages).values_list(
                    "village_id", "date", "direction", "category_id", "amount", "summary"
                )
            )
            kept = [c for c in plan.creates if c["_key"] not in have]
            plan.unchanged = len(plan.creates) - len(kept)
            plan.creates = kept
        return plan

    def counts(self, plan: Plan):
        return len(plan.creates), 0, plan.unchanged

    def apply(self, plan: Plan, *, actor, report) -> None:
        for item in plan.creates:
            item.pop("_key")
            services.ledger_add(actor=actor, **item)

    def export_rows(self, *, actor, scope, full):
        qs = LedgerEntry.objects.all()
        if actor is not None:
            qs = qs.filter(subtrees_q(org_scope.paths_for(actor, PROJECT_VIEW), "village__path"))
        org = _scope_org(scope)
        if org is not None:
            qs = qs.filter(subtrees_q([org.path], "village__path"))
        labels = _labels(Direction.choices)
        for row in qs.order_by("village__path", "date", "id").values_list(
            "village__code",
            "date",
            "direction",
            "category__name",
            "amount",
            "summary",
            "project__number",
        ):
            row = list(row)
            row[2] = labels.get(row[2], row[2])
            yield row

    def after_export(self, *, actor, rows, scope, full):
        audit.record(actor=actor or "cli", action="ledger.export", after={"rows": rows})


# --- enrolments -------------------------------------------------------------------------------


@register
class EnrolmentImporter(Importer):
    kind = "enrolments"
    label = _l("活动报名")
    columns = (
        Column("programme", "活动编号", ("programme code", "programme"), required=True, parse=CODE),
        Column("name", "姓名", ("name",), required=True, max_length=50),
        Column("age", "年龄", ("age",), parse=INT),
        Column("phone", "监护人电话", ("guardian phone", "phone"), parse=CODE),
    )

    def plan(self, rows, present, errors: Errors, *, actor) -> Plan:
        codes = {r["programme"] for r in rows if r["programme"]}
        programmes = {
            p.code: p for p in Programme.objects.filter(code__in=codes).select_related("unit")
        }
        taken = {p.pk: p.enrolments.count() for p in programmes.values()}
        allowed = _in_scope(actor, PROGRAMME_MANAGE)
        have = set(
            Enrolment.objects.filter(programme__code__in=codes).values_list(
                "programme_id", "name", "phone_hash"
            )
        )
        plan, adding = Plan(), {}
        for row in rows:
            programme = programmes.get(row["programme"]) if row["programme"] else None
            if row["programme"] and (programme is None or not allowed(programme.unit)):
                errors.add(row, "programme", _("活动编号不存在或不在您的管理范围内"))
            if row["age"] is not None and not 0 <= row["age"] <= 120:
                errors.add(row, "age", _("年龄应在0到120之间"))
            phone = ""
            if row["phone"]:
                try:
                    phone = services.clean_phone(row["phone"])
                except ValidationError as exc:
                    errors.add(row, "phone", exc.messages[0])
            if programme is None or not row["name"]:
                continue
            if (programme.pk, row["name"], crypto.lookup_hash(phone) if phone else "") in have:
                plan.unchanged += 1
                continue
            adding[programme.pk] = adding.get(programme.pk, 0) + 1
            if taken[programme.pk] + adding[programme.pk] > programme.capacity:
                errors.add(
                    row,
                    "programme",
                    _("“%(p)s”名额已满（共%(c)d个）")
                    % {"p": programme.name, "c": programme.capacity},
                )
            plan.creates.append(
                dict(programme=programme, name=row["name"], age=row["age"], phone=phone)
            )
        return plan

    def counts(self, plan: Plan):
        return len(plan.creates), 0, plan.unchanged

    def apply(self, plan: Plan, *, actor, report) -> None:
        for item in plan.creates:
            services.enrol(actor=actor, **item)

    def export_rows(self, *, actor, scope, full):
        qs = Enrolment.objects.select_related("programme")
        if actor is not None:
            paths = org_scope.paths_for(actor, PROGRAMME_MANAGE)
            qs = qs.filter(subtrees_q(paths, "programme__unit__path"))
        org = _scope_org(scope)
        if org is not None:
            qs = qs.filter(subtrees_q([org.path], "programme__unit__path"))
        for e in qs.order_by("programme__code", "id").iterator():
            phone = crypto.decrypt(e.phone_enc) if e.phone_enc else ""
            yield (
                e.programme.code,
                e.name,
                e.age,
                phone if full else crypto.mask_phone(phone) if phone else "",
            )

    def after_export(self, *, actor, rows, scope, full):
        audit.record(
            actor=actor or "cli",
            action="enrolments.export",
            after={"rows": rows, "full": full, "scope": scope or ""},
        )
