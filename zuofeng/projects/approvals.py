"""One-stop approvals (一件事): the catalogue, bundled matters, cases and their steps, and the
cycle-time arithmetic in working days.

A step's elapsed working days are `WorkCalendar.workdays_between(start, end)` (what
`zuofeng calendar between START END` prints). A case's elapsed days are its critical path:
serial steps add up, a parallel group counts as its longest step. The baseline is the sum of
the steps' statutory days, as if every step ran in series.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from zuofeng.core import audit
from zuofeng.core.calendar import WorkCalendar
from zuofeng.orgs.models import Org
from zuofeng.projects.choices import CaseState, GroupMode
from zuofeng.projects.models import (
    ApprovalCase,
    ApprovalStep,
    Matter,
    MatterGroup,
    RequiredStage,
    ServiceItem,
)
from zuofeng.projects.permissions import APPROVAL_MANAGE
from zuofeng.projects.services import _who, authorize


@dataclass(frozen=True)
class Span:
    """What the arithmetic needs of a step."""

    group: int | None
    days: int


def critical_path(spans: Iterable[Span]) -> int:
    """Serial steps add up; each parallel group counts as its longest step."""
    total, longest = 0, {}
    for s in spans:
        if s.group is None:
            total += s.days
        else:
            longest[s.group] = max(longest.get(s.group, 0), s.days)
    return total + sum(longest.values())


def case_figures(steps: list[ApprovalStep], calendar: WorkCalendar) -> dict:
    """actual (None until every step has ended), baseline and promised days of a case."""
    for step in steps:
        step.working_days = (
            calendar.workdays_between(step.start_date, step.end_date) if step.end_date else None
        )
    ended = all(s.end_date for s in steps) and bool(steps)
    return {
        "actual_days": critical_path(Span(s.parallel_group, s.working_days) for s in steps)
        if ended
        else None,
        "baseline_days": sum(s.statutory_days for s in steps),
        "promised_days": critical_path(
            Span(s.parallel_group, s.item.promised_days if s.item_id else s.statutory_days)
            for s in steps
        )
        if steps
        else None,
    }


def refresh(case: ApprovalCase, calendar: WorkCalendar | None = None) -> ApprovalCase:
    """Recompute a case's derived figures from its steps (after any step changes)."""
    calendar = calendar or WorkCalendar()
    steps = list(case.steps.select_related("item"))
    figures = case_figures(steps, calendar)
    for step in steps:
        ApprovalStep.objects.filter(pk=step.pk).exclude(working_days=step.working_days).update(
            working_days=step.working_days
        )
    for key, value in figures.items():
        setattr(case, key, value)
    case.save(update_fields=list(figures))
    return case


# --- catalogue and matters --------------------------------------------------------------------


@transaction.atomic
def item_create(
    *,
    actor,
    name: str,
    department: Org,
    statutory_days: int,
    promised_days: int,
    visits: int = 0,
    materials: str = "",
) -> ServiceItem:
    """Add a service item to the catalogue; the promise cannot exceed the statute."""
    authorize(actor, department, APPROVAL_MANAGE)
    if promised_days > statutory_days:
        raise ValidationError({"promised_days": _("承诺时限不能超过法定时限")})
    item = ServiceItem(
        name=(name or "").strip(),
        department=department,
        statutory_days=statutory_days,
        promised_days=promised_days,
        visits=visits,
        materials=materials.strip(),
    )
    item.full_clean()
    item.save()
    audit.record(
        actor=_who(actor),
        action="approval.item",
        obj=item,
        org_path=department.path,
        after={"name": item.name, "statutory": statutory_days, "promised": promised_days},
    )
    return item


@transaction.atomic
def matter_create(
    *,
    actor,
    name: str,
    owner: Org,
    groups: list[tuple[str, list[ServiceItem]]],
    serial_only: bool = False,
    description: str = "",
) -> Matter:
    """A bundled matter: groups of items in order, each run in series or in parallel."""
    authorize(actor, owner, APPROVAL_MANAGE)
    for mode, items in groups:
        if mode not in GroupMode.values:
            raise ValidationError({"groups": _("办理方式须为串联或并联")})
        if mode == GroupMode.PARALLEL and serial_only:
            raise ValidationError({"groups": _("该事项仅限串联办理，不能设置并联组")})
        if not items:
            raise ValidationError({"groups": _("每组至少包含一个事项")})
    matter = Matter(
        name=(name or "").strip(),
        owner=owner,
        serial_only=serial_only,
        description=description.strip(),
    )
    matter.full_clean()
    matter.save()
    for seq, (mode, items) in enumerate(groups, start=1):
        group = MatterGroup.objects.create(matter=matter, seq=seq, mode=mode)
        group.items.set(items)
    audit.record(
        actor=_who(actor),
        action="approval.matter",
        obj=matter,
        org_path=owner.path,
        after={"name": matter.name, "groups": [(m, [i.name for i in its]) for m, its in groups]},
    )
    return matter


# --- cases and steps --------------------------------------------------------------------------


@transaction.atomic
def case_create(
    *,
    actor,
    number: str,
    matter: Matter,
    applicant: str,
    submitted_date: dt.date,
    project_name: str = "",
    required: list[tuple[str, str]] = (),
) -> ApprovalCase:
    """Open an approval case; `required` lists (stage, before-stage) it must pass to close."""
    authorize(actor, matter.owner, APPROVAL_MANAGE)
    case = ApprovalCase(
        number=(number or "").strip(),
        matter=matter,
        applicant=(applicant or "").strip(),
        project_name=(project_name or "").strip(),
        submitted_date=submitted_date,
    )
    case.full_clean()
    case.save()
    for name, before in required:
        RequiredStage.objects.create(case=case, name=name.strip(), before=(before or "").strip())
    audit.record(
        actor=_who(actor),
        action="approval.case",
        obj=case,
        org_path=matter.owner.path,
        after={"number": case.number, "matter": matter.name, "applicant": case.applicant},
    )
    return case


def validate_step(
    *, matter: Matter, start_date: dt.date, end_date: dt.date | None, parallel_group
) -> dict:
    """The checks every step passes (service and import alike): field → message."""
    errors = {}
    if end_date is not None and end_date < start_date:
        errors["end_date"] = _("结束日期不能早于开始日期")
    if parallel_group is not None and matter.serial_only:
        errors["parallel_group"] = _("该事项仅限串联办理，不能设置并联组")
    return errors


@transaction.atomic
def step_add(
    *,
    actor,
    case: ApprovalCase,
    name: str,
    department: Org,
    start_date: dt.date,
    statutory_days: int,
    end_date: dt.date | None = None,
    parallel_group: int | None = None,
    item: ServiceItem | None = None,
) -> ApprovalStep:
    """Record a step of an open case and recompute the case's figures."""
    case = ApprovalCase.objects.select_for_update().select_related("matter__owner").get(pk=case.pk)
    authorize(actor, department, APPROVAL_MANAGE)
    if case.state != CaseState.OPEN:
        raise ValidationError({"case": _("案件已办结，不能再添加环节")})
    errors = validate_step(
        matter=case.matter, start_date=start_date, end_date=end_date, parallel_group=parallel_group
    )
    if start_date < case.submitted_date:
        errors["start_date"] = _("环节开始日期不能早于申请日期")
    if errors:
        raise ValidationError(errors)
    step = ApprovalStep(
        case=case,
        name=(name or "").strip(),
        item=item,
        department=department,
        parallel_group=parallel_group,
        start_date=start_date,
        end_date=end_date,
        statutory_days=statutory_days,
    )
    step.full_clean()
    step.save()
    refresh(case)
    audit.record(
        actor=_who(actor),
        action="approval.step",
        obj=case,
        org_path=department.path,
        after={"step": step.name, "department": department.code, "start": start_date},
    )
    return step


@transaction.atomic
def step_finish(*, actor, step: ApprovalStep, end_date: dt.date) -> ApprovalStep:
    """Record the end date of a step."""
    step = (
        ApprovalStep.objects.select_for_update()
        .select_related("case", "department")
        .get(pk=step.pk)
    )
    authorize(actor, step.department, APPROVAL_MANAGE)
    if end_date < step.start_date:
        raise ValidationError({"end_date": _("结束日期不能早于开始日期")})
    step.end_date = end_date
    step.save(update_fields=["end_date"])
    refresh(step.case)
    audit.record(
        actor=_who(actor),
        action="approval.step_finish",
        obj=step.case,
        org_path=step.department.path,
        after={"step": step.name, "end": end_date},
    )
    return step


def missing_stages(case: ApprovalCase, steps: list[ApprovalStep]) -> list[str]:
    """Messages for every required stage not passed, or passed too late."""
    by_name: dict[str, list[ApprovalStep]] = {}
    for s in steps:
        by_name.setdefault(s.name, []).append(s)
    problems = []
    for stage in case.required.all():
        done = [s for s in by_name.get(stage.name, []) if s.end_date]
        if not done:
            problems.append(_("缺少必经环节“%(s)s”") % {"s": stage.name})
            continue
        if stage.before:
            later = by_name.get(stage.before, [])
            finished = min(s.end_date for s in done)
            if any(s.start_date < finished for s in later):
                problems.append(
                    _("“%(s)s”须在“%(b)s”之前完成") % {"s": stage.name, "b": stage.before}
                )
    return problems


@transaction.atomic
def case_close(*, actor, case: ApprovalCase) -> ApprovalCase:
    """Close a case on its last step's end date: every step ended, every required stage
    passed in order."""
    case = ApprovalCase.objects.select_for_update().select_related("matter__owner").get(pk=case.pk)
    authorize(actor, case.matter.owner, APPROVAL_MANAGE)
    if case.state != CaseState.OPEN:
        raise ValidationError({"case": _("案件已办结")})
    steps = list(case.steps.all())
    if not steps:
        raise ValidationError({"case": _("案件没有任何办理环节")})
    if any(s.end_date is None for s in steps):
        raise ValidationError({"case": _("尚有未结束的环节，不能办结")})
    problems = missing_stages(case, steps)
    if problems:
        raise ValidationError({"case": problems})
    case.state = CaseState.CLOSED
    case.finished_date = max(s.end_date for s in steps)
    case.save(update_fields=["state", "finished_date"])
    refresh(case)
    audit.record(
        actor=_who(actor),
        action="approval.close",
        obj=case,
        org_path=case.matter.owner.path,
        after={
            "finished": case.finished_date,
            "actual": case.actual_days,
            "baseline": case.baseline_days,
        },
    )
    return case
