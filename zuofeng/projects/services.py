"""Writes: projects and their milestones, the project loop, pairings, programmes and
enrolments, village ledger entries. Each write is atomic and audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from zuofeng.core import audit, counters, crypto, loops
from zuofeng.core.errors import Conflict
from zuofeng.core.validators import normalise_phone
from zuofeng.orgs import scope
from zuofeng.orgs.models import Org
from zuofeng.projects.choices import Direction, MilestoneState, ProjectState
from zuofeng.projects.models import (
    Enrolment,
    LedgerCategory,
    LedgerEntry,
    Milestone,
    OutcomeFigure,
    Pairing,
    Programme,
    Project,
    ProjectKind,
)
from zuofeng.projects.permissions import (
    LEDGER_MANAGE,
    PROGRAMME_MANAGE,
    PROJECT_MANAGE,
    PROJECT_VIEW,
    VERIFY_ROLES,
)
from zuofeng.projects.transitions import PROJECT_LOOP

VILLAGE_KINDS = frozenset({"village", "community"})


def _who(actor):
    return actor if actor is not None else "cli"


def _user(actor):
    return actor if actor is not None and not isinstance(actor, str) else None


def authorize(actor, org: Org, action: str) -> None:
    """404 when the org is outside the user's view, 403 without the action there (the command
    line, actor None, may do anything)."""
    if actor is None or isinstance(actor, str):
        return
    if not scope.can_at(actor, PROJECT_VIEW, org.path):
        raise Http404
    if not scope.can_at(actor, action, org.path):
        raise PermissionDenied


# --- projects ---------------------------------------------------------------------------------


def project_snapshot(p: Project) -> dict:
    return {
        "number": p.number,
        "kind": p.kind.name,
        "title": p.title,
        "owner": p.owner.code,
        "village": p.village.code if p.village_id else None,
        "state": p.state,
        "start_date": p.start_date,
        "deadline": p.deadline,
        "completed_date": p.completed_date,
        "accepted_date": p.accepted_date,
        "beneficiaries": p.beneficiaries,
        "budget": p.budget,
        "extensions": p.extensions,
    }


def next_number(year: int) -> str:
    """XM-YYYY-NNNNN from a locked per-year counter, skipping numbers taken by imports."""
    while True:
        number = f"XM-{year}-{counters.next_value(f'project-{year}'):05d}"
        if not Project.objects.filter(number=number).exists():
            return number


def _check_dates(start: dt.date, due: dt.date) -> None:
    if due < start:
        raise ValidationError({"due_date": _("计划完成日期不能早于开始日期")})


@transaction.atomic
def project_create(
    *,
    actor,
    kind: ProjectKind,
    title: str,
    owner: Org,
    start_date: dt.date,
    due_date: dt.date,
    number: str = "",
    leader: str = "",
    village: Org | None = None,
    pairing: Pairing | None = None,
    parent: Project | None = None,
    budget: Decimal | None = None,
    beneficiaries: int | None = None,
    beneficiary_note: str = "",
    description: str = "",
) -> Project:
    """Register a project (立项) for an owner unit inside the actor's scope."""
    authorize(actor, owner, PROJECT_MANAGE)
    _check_dates(start_date, due_date)
    if village is not None and village.kind.code not in VILLAGE_KINDS:
        raise ValidationError({"village": _("结对村社须为村或社区党组织")})
    if pairing is not None:
        if pairing.unit_id != owner.pk and not owner.path.startswith(pairing.unit.path):
            raise ValidationError({"pairing": _("结对关系不属于责任单位")})
        village = village or pairing.village
    if parent is not None and not owner.path.startswith(parent.owner.path):
        raise ValidationError({"parent": _("子项目的责任单位须在上级项目责任单位范围内")})
    if budget is not None and budget < 0:
        raise ValidationError({"budget": _("预算不能为负数")})
    project = Project(
        number=(number or "").strip() or next_number(start_date.year),
        kind=kind,
        title=(title or "").strip(),
        owner=owner,
        leader=(leader or "").strip(),
        village=village,
        pairing=pairing,
        parent=parent,
        start_date=start_date,
        original_due=due_date,
        deadline=due_date,
        budget=budget,
        beneficiaries=beneficiaries,
        beneficiary_note=(beneficiary_note or "").strip(),
        description=(description or "").strip(),
        created_by=_user(actor),
    )
    project.full_clean()
    project.save()
    loops.timeline(actor=_who(actor), obj=project, action="create", to_state=project.state)
    audit.record(
        actor=_who(actor),
        action="project.create",
        obj=project,
        org_path=owner.path,
        after=project_snapshot(project),
    )
    return project


def _authorize_transition(actor, project: Project, t: loops.Transition) -> None:
    if actor is None or isinstance(actor, str):
        return
    if not scope.can_at(actor, PROJECT_VIEW, project.owner.path):
        raise Http404
    if not (t.roles & scope.roles_at(actor, project.owner.path)):
        raise PermissionDenied(_("您的角色不能执行此操作"))
    if t.roles == VERIFY_ROLES and scope.roles_inside(actor, project.owner.path):
        raise PermissionDenied(_("责任单位不能自行验收、延期或中止"))


def _effect(today: dt.date):
    def effect(project: Project, t: loops.Transition, data: dict) -> None:
        if t.action == "complete":
            if project.milestones.filter(state=MilestoneState.OPEN).exists():
                raise ValidationError({"completed_date": _("尚有未完成的节点，不能报告完成")})
            done = data.get("completed_date") or today
            if done < project.start_date or done > today:
                raise ValidationError({"completed_date": _("完成日期须在开始日期与今天之间")})
            project.completed_date = done
            project.warning = ""
        elif t.action == "accept":
            project.accepted_date = data.get("accepted_date") or today
            if project.accepted_date < project.completed_date:
                raise ValidationError({"accepted_date": _("验收日期不能早于完成日期")})
        elif t.action == "return":
            project.completed_date = None
        elif t.action == "extend":
            due = data["due_date"]
            if not isinstance(due, dt.date):
                raise ValidationError({"due_date": _("请填写有效日期")})
            if due <= project.deadline:
                raise ValidationError({"due_date": _("延期后的完成日期须晚于原完成日期")})
            project.deadline = due
            project.extensions += 1
            project.overdue_since = None
        elif t.action == "stop":
            project.stop_reason = str(data["reason"]).strip()[:500]
            project.warning = ""

    return effect


def project_transition(
    *, actor, project: Project, action: str, version: int | None = None, **data
) -> Project:
    """Apply one step of the project loop through the loop engine."""
    if action not in PROJECT_LOOP.actions:
        raise ValidationError({"action": _("未知操作：%(a)s") % {"a": action}})
    return loops.apply(
        loop=PROJECT_LOOP,
        actor=_who(actor),
        instance=project,
        action=action,
        data=data,
        version=version,
        authorize=lambda a, obj, t: _authorize_transition(actor, obj, t),
        effect=_effect(timezone.localdate()),
        snapshot=project_snapshot,
        org_path=lambda obj: obj.owner.path,
    )


def _locked_open(actor, project: Project) -> Project:
    project = Project.objects.select_for_update().select_related("owner").get(pk=project.pk)
    authorize(actor, project.owner, PROJECT_MANAGE)
    if project.state not in (ProjectState.APPROVED, ProjectState.IN_PROGRESS):
        raise ValidationError({"state": _("只有立项或实施中的项目可以修改节点")})
    return project


@transaction.atomic
def milestone_add(
    *, actor, project: Project, name: str, deadline: dt.date, weight: int = 1
) -> Milestone:
    """Add a milestone to an open project; its weight must be positive."""
    project = _locked_open(actor, project)
    if weight is None or int(weight) <= 0:
        raise ValidationError({"weight": _("权重须为正整数")})
    if deadline < project.start_date:
        raise ValidationError({"deadline": _("节点日期不能早于项目开始日期")})
    m = Milestone(
        project=project,
        name=(name or "").strip(),
        deadline=deadline,
        weight=int(weight),
        sort_order=project.milestones.count() + 1,
    )
    m.full_clean()
    m.save()
    loops.timeline(actor=_who(actor), obj=project, action="milestone", note=m.name)
    audit.record(
        actor=_who(actor),
        action="project.milestone_add",
        obj=project,
        org_path=project.owner.path,
        after={"milestone": m.name, "deadline": deadline, "weight": m.weight},
    )
    return m


@transaction.atomic
def milestone_done(
    *, actor, milestone: Milestone, done_date: dt.date, evidence: str = ""
) -> Milestone:
    """Mark a milestone done on a date (not in the future), with what shows it."""
    project = _locked_open(actor, milestone.project)
    m = Milestone.objects.select_for_update().get(pk=milestone.pk)
    if m.state == MilestoneState.DONE:
        raise ValidationError({"done_date": _("该节点已完成")})
    if done_date > timezone.localdate():
        raise ValidationError({"done_date": _("完成日期不能晚于今天")})
    if done_date < project.start_date:
        raise ValidationError({"done_date": _("完成日期不能早于项目开始日期")})
    m.state, m.done_date, m.evidence = MilestoneState.DONE, done_date, (evidence or "").strip()
    m.warning, m.overdue_since = "", None
    m.full_clean()
    m.save()
    loops.timeline(
        actor=_who(actor), obj=project, action="milestone_done", note=m.name, data={"on": done_date}
    )
    audit.record(
        actor=_who(actor),
        action="project.milestone_done",
        obj=project,
        org_path=project.owner.path,
        before={"milestone": m.name, "state": "open"},
        after={"milestone": m.name, "state": "done", "done_date": done_date},
    )
    return m


@transaction.atomic
def outcome_add(*, actor, project: Project, name: str, value: Decimal, unit: str = ""):
    """Record an outcome figure of a project (村集体年增收 200,000 元)."""
    authorize(actor, project.owner, PROJECT_MANAGE)
    o = OutcomeFigure(project=project, name=(name or "").strip(), value=value, unit=unit.strip())
    o.full_clean()
    o.save()
    audit.record(
        actor=_who(actor),
        action="project.outcome",
        obj=project,
        org_path=project.owner.path,
        after={"name": o.name, "value": value, "unit": o.unit},
    )
    return o


def _edit_snapshot(p: Project) -> dict:
    return {
        **project_snapshot(p),
        "leader": p.leader,
        "beneficiary_note": p.beneficiary_note,
        "original_due": p.original_due,
    }


EDITABLE_STATES = (ProjectState.APPROVED, ProjectState.IN_PROGRESS)


@transaction.atomic
def project_update(
    *,
    actor,
    project: Project,
    version: int | None = None,
    title: str | None = None,
    owner: Org | None = None,
    leader: str | None = None,
    start_date: dt.date | None = None,
    due_date: dt.date | None = None,
    budget: Decimal | None = None,
    beneficiaries: int | None = None,
    beneficiary_note: str | None = None,
) -> Project:
    """Edit a project after 立项 (while approved or in progress). Fields left None keep their
    value. `version` guards against a concurrent change (optimistic locking); a changed owner
    must be in the actor's scope too; a due date moved by an extension can only change by
    extending again."""
    project = Project.objects.select_for_update().select_related("owner", "kind").get(pk=project.pk)
    authorize(actor, project.owner, PROJECT_MANAGE)
    if version is not None and version != project.version:
        raise Conflict
    if project.state not in EDITABLE_STATES:
        raise ValidationError({"state": _("只有立项或实施中的项目可以修改")})
    before = _edit_snapshot(project)
    if owner is not None and owner.pk != project.owner_id:
        authorize(actor, owner, PROJECT_MANAGE)
        parent = project.parent
        if parent is not None and not owner.path.startswith(parent.owner.path):
            raise ValidationError({"owner": _("子项目的责任单位须在上级项目责任单位范围内")})
        pairing = project.pairing
        if pairing is not None and not owner.path.startswith(pairing.unit.path):
            raise ValidationError({"owner": _("结对关系不属于责任单位")})
        project.owner = owner
    if title is not None:
        project.title = title.strip()
    if leader is not None:
        project.leader = leader.strip()
    if beneficiary_note is not None:
        project.beneficiary_note = beneficiary_note.strip()
    if start_date is not None:
        project.start_date = start_date
    if due_date is not None and due_date != project.deadline:
        if project.extensions:
            raise ValidationError({"due_date": _("项目已延期，完成日期只能通过延期调整")})
        project.original_due = project.deadline = due_date
    _check_dates(project.start_date, project.deadline)
    if project.milestones.filter(deadline__lt=project.start_date).exists():
        raise ValidationError({"start_date": _("开始日期不能晚于已有节点的计划完成日期")})
    if budget is not None:
        if budget < 0:
            raise ValidationError({"budget": _("预算不能为负数")})
        project.budget = budget
    if beneficiaries is not None:
        if beneficiaries < 0:
            raise ValidationError({"beneficiaries": _("受益人数不能为负数")})
        project.beneficiaries = beneficiaries
    if not project.title:
        raise ValidationError({"title": _("请填写项目名称")})
    after = _edit_snapshot(project)
    changed = sorted(k for k in after if after[k] != before[k])
    if not changed:
        return project
    project.version += 1
    project.full_clean()
    project.save()
    labels = [str(Project._meta.get_field(k).verbose_name) for k in changed]
    loops.timeline(actor=_who(actor), obj=project, action="edit", note="、".join(labels))
    audit.record(
        actor=_who(actor),
        action="project.update",
        obj=project,
        org_path=project.owner.path,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
    )
    return project


# --- pairings ---------------------------------------------------------------------------------


@transaction.atomic
def pairing_create(
    *,
    actor,
    unit: Org,
    village: Org,
    start_date: dt.date,
    end_date: dt.date | None = None,
    note: str = "",
) -> Pairing:
    """Pair a unit with a village or community (百个部门联百村) for a period."""
    authorize(actor, unit, PROJECT_MANAGE)
    if village.kind.code not in VILLAGE_KINDS:
        raise ValidationError({"village": _("结对对象须为村或社区党组织")})
    if end_date is not None and end_date < start_date:
        raise ValidationError({"end_date": _("结束日期不能早于开始日期")})
    pairing = Pairing(
        unit=unit, village=village, start_date=start_date, end_date=end_date, note=note.strip()
    )
    pairing.full_clean()
    pairing.save()
    audit.record(
        actor=_who(actor),
        action="pairing.create",
        obj=pairing,
        org_path=unit.path,
        after={"unit": unit.code, "village": village.code, "start_date": start_date},
    )
    return pairing


# --- programmes and enrolments ----------------------------------------------------------------


@transaction.atomic
def programme_create(
    *,
    actor,
    code: str,
    name: str,
    unit: Org,
    start_date: dt.date,
    end_date: dt.date,
    capacity: int,
    category: str = "",
    audience: str = "",
    project: Project | None = None,
) -> Programme:
    """Set up a programme with a number of places."""
    authorize(actor, unit, PROGRAMME_MANAGE)
    if end_date < start_date:
        raise ValidationError({"end_date": _("结束日期不能早于开始日期")})
    if capacity is None or capacity <= 0:
        raise ValidationError({"capacity": _("名额须为正整数")})
    programme = Programme(
        code=(code or "").strip(),
        name=(name or "").strip(),
        category=(category or "").strip(),
        unit=unit,
        project=project,
        start_date=start_date,
        end_date=end_date,
        capacity=capacity,
        audience=(audience or "").strip(),
    )
    programme.full_clean()
    programme.save()
    audit.record(
        actor=_who(actor),
        action="programme.create",
        obj=programme,
        org_path=unit.path,
        after={"code": programme.code, "name": programme.name, "capacity": capacity},
    )
    return programme


def check_capacity(programme: Programme, adding: int) -> None:
    taken = programme.enrolments.count()
    if taken + adding > programme.capacity:
        raise ValidationError(
            {
                "programme": _("“%(p)s”名额已满（共%(c)d个，已报名%(n)d人）")
                % {"p": programme.name, "c": programme.capacity, "n": taken}
            }
        )


def clean_phone(phone: str) -> str:
    return normalise_phone(phone) if (phone or "").strip() else ""


@transaction.atomic
def enrol(
    *,
    actor,
    programme: Programme,
    name: str,
    age: int | None = None,
    phone: str = "",
    enrolled_on: dt.date | None = None,
) -> Enrolment:
    """Enrol one participant; the programme row is locked so two enrolments cannot both take
    the last place."""
    programme = Programme.objects.select_for_update().select_related("unit").get(pk=programme.pk)
    authorize(actor, programme.unit, PROGRAMME_MANAGE)
    check_capacity(programme, 1)
    phone = clean_phone(phone)
    if age is not None and not 0 <= age <= 120:
        raise ValidationError({"age": _("年龄应在0到120之间")})
    e = Enrolment(
        programme=programme,
        name=(name or "").strip(),
        age=age,
        phone_enc=crypto.encrypt(phone) if phone else "",
        phone_hash=crypto.lookup_hash(phone) if phone else "",
        enrolled_on=enrolled_on or timezone.localdate(),
    )
    e.full_clean()
    e.save()
    audit.record(
        actor=_who(actor),
        action="programme.enrol",
        obj=programme,
        org_path=programme.unit.path,
        after={"name": e.name, "phone": crypto.mask_phone(phone) if phone else ""},
    )
    return e


# --- village collective ledger ----------------------------------------------------------------


@transaction.atomic
def ledger_add(
    *,
    actor,
    village: Org,
    date: dt.date,
    direction: str,
    category: LedgerCategory,
    amount: Decimal,
    summary: str = "",
    project: Project | None = None,
) -> LedgerEntry:
    """Record an income or expense of a village's collective economy."""
    authorize(actor, village, LEDGER_MANAGE)
    if village.kind.code not in VILLAGE_KINDS:
        raise ValidationError({"village": _("共富明细账只能记在村或社区党组织下")})
    if direction not in Direction.values:
        raise ValidationError({"direction": _("收支须为收入或支出")})
    if amount is None or Decimal(amount) <= 0:
        raise ValidationError({"amount": _("金额须大于0")})
    entry = LedgerEntry(
        village=village,
        date=date,
        direction=direction,
        category=category,
        amount=Decimal(amount),
        summary=(summary or "").strip(),
        project=project,
    )
    entry.full_clean()
    entry.save()
    audit.record(
        actor=_who(actor),
        action="ledger.add",
        obj=entry,
        org_path=village.path,
        after={"date": date, "direction": direction, "amount": entry.amount},
    )
    return entry
