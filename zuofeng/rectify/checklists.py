"""Self-examination against checklists (对照两张清单): sets of lists of items; a person or a
unit answers every item 符合 or 存在问题, and each 存在问题 opens a ledger problem (source 自查)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from zuofeng.core import audit
from zuofeng.orgs import scope
from zuofeng.orgs.models import SEGMENT, Org, Person, subtree_q
from zuofeng.rectify.choices import Answer, ChecklistKind
from zuofeng.rectify.models import (
    Checklist,
    ChecklistItem,
    ChecklistSet,
    ProblemSource,
    SelfCheck,
    SelfCheckAnswer,
)
from zuofeng.rectify.permissions import CHECKLIST_MANAGE, PROBLEM_HANDLE, PROBLEM_VIEW

DEFAULT_LISTS = [(ChecklistKind.NEGATIVE, "负面清单"), (ChecklistKind.PROBLEM, "问题清单")]


def _cli(actor):
    return actor if actor is not None else "cli"


@transaction.atomic
def set_create(*, actor, name: str, lists: list[tuple[str, str]] | None = None) -> ChecklistSet:
    """A new checklist set with its lists (two by default: 负面清单, 问题清单)."""
    if actor is not None and not scope.can(actor, CHECKLIST_MANAGE):
        raise PermissionDenied
    checklist_set = ChecklistSet(name=(name or "").strip())
    checklist_set.full_clean()
    checklist_set.save()
    for order, (kind, list_name) in enumerate(lists or DEFAULT_LISTS):
        item = Checklist(
            checklist_set=checklist_set, kind=kind, name=list_name.strip(), sort_order=order
        )
        item.full_clean()
        item.save()
    audit.record(
        actor=_cli(actor),
        action="checklist.create",
        obj=checklist_set,
        after={"name": checklist_set.name, "lists": [n for _k, n in lists or DEFAULT_LISTS]},
    )
    return checklist_set


@transaction.atomic
def item_add(
    *, actor, checklist: Checklist, text: str, category: str = "", basis: str = ""
) -> ChecklistItem:
    if actor is not None and not scope.can(actor, CHECKLIST_MANAGE):
        raise PermissionDenied
    order = checklist.items.count()
    item = ChecklistItem(
        checklist=checklist,
        text=(text or "").strip(),
        category=(category or "").strip(),
        basis=(basis or "").strip(),
        sort_order=order,
    )
    item.full_clean()
    item.save()
    audit.record(
        actor=_cli(actor),
        action="checklist.item",
        obj=item,
        after={"list": checklist.name, "text": item.text},
    )
    return item


@transaction.atomic
def selfcheck_submit(
    *,
    actor,
    checklist_set: ChecklistSet,
    unit: Org,
    answers: dict[int, tuple[str, str]],
    person: Person | None = None,
) -> SelfCheck:
    """Record a completed self-check: every item answered; each 存在问题 opens a problem."""
    from zuofeng.rectify.services import problem_register

    target = person.org if person is not None else unit
    if person is not None and person.org_id != unit.pk:
        raise ValidationError({"person": _("人员不属于所选单位")})
    if actor is not None:
        if not scope.can_at(actor, PROBLEM_VIEW, target.path):
            raise Http404
        if not scope.can_at(actor, PROBLEM_HANDLE, target.path):
            raise PermissionDenied
    items = {i.pk: i for i in ChecklistItem.objects.filter(checklist__checklist_set=checklist_set)}
    missing = set(items) - set(answers)
    unknown = set(answers) - set(items)
    bad = [k for k, (a, _n) in answers.items() if a not in Answer.values]
    if missing or unknown or bad:
        raise ValidationError(
            {
                "answers": _("请逐条作答（共%(n)d条，未答%(m)d条）")
                % {"n": len(items), "m": len(missing)}
            }
        )
    done = SelfCheck.objects.filter(
        checklist_set=checklist_set, person=person, **({} if person is not None else {"unit": unit})
    )
    if done.exists():
        raise ValidationError({"person" if person else "unit": _("已完成本清单的自查")})
    today = timezone.localdate()
    check = SelfCheck(
        checklist_set=checklist_set,
        unit=unit,
        person=person,
        completed_on=today,
        created_by=actor if actor is not None and not isinstance(actor, str) else None,
    )
    check.save()
    source = ProblemSource.objects.get(name="自查")
    opened = 0
    for item_id, (answer, note) in sorted(answers.items()):
        problem = None
        if answer == Answer.PROBLEM:
            who = f"（{person.name}）" if person is not None else ""
            problem = problem_register(
                actor=actor,
                description=f"{items[item_id].text}{who}：{note or '自查发现'}",
                source=source,
                found_date=today,
                unit=unit,
            )
            opened += 1
        SelfCheckAnswer.objects.create(
            selfcheck=check,
            item_id=item_id,
            answer=answer,
            note=(note or "")[:500],
            problem=problem,
        )
    audit.record(
        actor=_cli(actor),
        action="selfcheck.submit",
        obj=check,
        org_path=unit.path,
        after={
            "set": checklist_set.name,
            "person": person.person_no if person else None,
            "items": len(items),
            "problems": opened,
        },
    )
    return check


@dataclass(frozen=True)
class ProgressRow:
    org: Org
    people: int
    people_done: int
    unit_done: bool


def progress(checklist_set: ChecklistSet, org: Org) -> list[ProgressRow]:
    """For each child of `org`: people in its subtree, those who completed the set, and whether
    the child unit itself did — three grouped queries, whatever the number of children."""
    width = len(org.path) + SEGMENT
    children = list(Org.objects.filter(parent=org).order_by("sort_order", "code"))
    people = dict(
        Person.objects.filter(subtree_q(org.path, "org__path"), active=True)
        .annotate(p=Substr("org__path", 1, width))
        .values("p")
        .annotate(n=Count("pk"))
        .values_list("p", "n")
    )
    done = dict(
        SelfCheck.objects.filter(checklist_set=checklist_set, person__isnull=False)
        .filter(subtree_q(org.path, "unit__path"))
        .annotate(p=Substr("unit__path", 1, width))
        .values("p")
        .annotate(n=Count("person", distinct=True))
        .values_list("p", "n")
    )
    units = set(
        SelfCheck.objects.filter(
            checklist_set=checklist_set, person__isnull=True, unit__parent=org
        ).values_list("unit_id", flat=True)
    )
    return [
        ProgressRow(c, people.get(c.path, 0), done.get(c.path, 0), c.pk in units) for c in children
    ]


def idle_units(checklist_set: ChecklistSet, org: Org):
    """The units directly below `org` that have not completed the set as a unit."""
    return Org.objects.filter(parent=org).exclude(
        Q(selfchecks__checklist_set=checklist_set) & Q(selfchecks__person__isnull=True)
    )
