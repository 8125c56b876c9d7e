"""Reads of the problem ledger, always from what the user may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zuofeng.core.loops import events_for
from zuofeng.orgs import scope
from zuofeng.orgs.models import Org, subtree_q
from zuofeng.rectify.choices import OPEN_STATES, KeyArea, ProblemState
from zuofeng.rectify.models import Problem
from zuofeng.rectify.permissions import PROBLEM_HANDLE, PROBLEM_VIEW
from zuofeng.rectify.transitions import PROBLEM_LOOP


def problems_visible_to(user) -> QuerySet[Problem]:
    return Problem.objects.within(scope.paths_for(user, PROBLEM_VIEW))


@dataclass(frozen=True)
class LedgerFilter:
    state: str = ""
    source: int | None = None
    category: int | None = None
    campaign: int | None = None
    key_area: str = ""
    warning: str = ""
    overdue: bool = False
    unit: Org | None = None
    q: str = ""
    round: int | None = None  # only the problems frozen in this round's snapshot


SORTS = {
    "found": ("-found_date", "-id"),
    "-found": ("found_date", "id"),
    "deadline": ("deadline", "id"),
    "-deadline": ("-deadline", "-id"),
    "number": ("number",),
    "-number": ("-number",),
}


def ledger(
    user, f: LedgerFilter, *, sort: str = "found", today: dt.date | None = None
) -> QuerySet[Problem]:
    """The ledger the user may see, filtered; related rows joined, no query per row."""
    qs = problems_visible_to(user).select_related("unit", "source", "category", "campaign")
    if f.state:
        qs = qs.filter(state=f.state)
    if f.source:
        qs = qs.filter(source_id=f.source)
    if f.category:
        qs = qs.filter(category_id=f.category)
    if f.campaign:
        qs = qs.filter(campaign_id=f.campaign)
    if f.key_area:
        field = {
            KeyArea.POWER: "key_power",
            KeyArea.FUNDS: "key_funds",
            KeyArea.RESOURCES: "key_resources",
        }.get(f.key_area)
        if field:
            qs = qs.filter(**{field: True})
    if f.warning:
        qs = qs.filter(warning=f.warning)
    if f.overdue:
        qs = qs.filter(state__in=OPEN_STATES, deadline__lt=today or timezone.localdate())
    if f.unit is not None:
        qs = qs.filter(subtree_q(f.unit.path, "unit_path"))
    if f.q:
        qs = qs.filter(Q(number=f.q) | Q(description__contains=f.q))
    if f.round:
        from zuofeng.rectify.models import RoundEntry

        qs = qs.filter(pk__in=RoundEntry.objects.filter(round_id=f.round).values("problem_id"))
    return qs.order_by(*SORTS.get(sort, SORTS["found"]))


def problem_get(user, pk: int) -> Problem:
    problem = (
        problems_visible_to(user)
        .select_related("unit", "source", "category", "campaign", "verifier")
        .filter(pk=pk)
        .first()
    )
    if problem is None:
        raise Http404
    return problem


EVENT_LABELS = {
    "register": _("登记"),
    "imported": _("导入"),
    "evidence": _("上传佐证材料"),
    "rule": _("建章立制"),
    "notice": _("下发督办文书"),
    "overdue": _("逾期"),
    **{t.action: t.label for t in PROBLEM_LOOP.transitions},
}


def problem_timeline(problem: Problem) -> list:
    """The problem's events in order, each with display labels for its step and state."""
    states = dict(ProblemState.choices)
    events = list(events_for(problem).order_by("at", "id"))
    for event in events:
        event.action_label = EVENT_LABELS.get(event.action, event.action)
        event.to_state_label = states.get(event.to_state, event.to_state)
    return events


def available_actions(user, problem: Problem) -> list:
    """Transitions from the current state that this user's roles at the unit allow."""
    held = scope.roles_at(user, problem.unit.path)
    inside = scope.roles_inside(user, problem.unit.path)
    out = []
    for t in PROBLEM_LOOP.actions_from(problem.state):
        if not (t.roles & held):
            continue
        if t.action in ("close", "return", "long_term") and inside:
            continue
        out.append(t)
    return out


def my_todo(user) -> QuerySet[Problem]:
    """Problems waiting on the user's unit: to sign for, or being rectified."""
    paths = scope.paths_for(user, PROBLEM_HANDLE)
    return (
        Problem.objects.within(paths)
        .filter(state__in=[ProblemState.ASSIGNED, ProblemState.RECTIFYING])
        .select_related("unit", "source")
        .order_by("deadline", "id")
    )


def inspections_visible_to(user) -> QuerySet:
    """Inspections with a target in the user's view; targets joined once per page."""
    from zuofeng.rectify.models import Inspection

    return (
        Inspection.objects.within(scope.paths_for(user, PROBLEM_VIEW))
        .select_related("campaign")
        .prefetch_related("targets")
    )


def inspection_get(user, pk: int):
    inspection = inspections_visible_to(user).filter(pk=pk).first()
    if inspection is None:
        raise Http404
    return inspection


def inspection_findings(user, inspection) -> QuerySet[Problem]:
    return (
        problems_visible_to(user)
        .filter(inspection=inspection)
        .select_related("unit", "source")
        .order_by("id")
    )


def campaigns_with_counts(user) -> list:
    """Each campaign with its problems (all, closed) and inspections within the user's view:
    two grouped queries."""
    from django.db.models import Count

    from zuofeng.rectify.models import Campaign

    problems = {
        row["campaign"]: row
        for row in problems_visible_to(user)
        .filter(campaign__isnull=False)
        .values("campaign")
        .annotate(total=Count("pk"), closed=Count("pk", filter=Q(state=ProblemState.CLOSED)))
    }
    inspections = dict(
        inspections_visible_to(user)
        .filter(campaign__isnull=False)
        .values("campaign")
        .annotate(n=Count("pk", distinct=True))
        .values_list("campaign", "n")
    )
    out = []
    for campaign in Campaign.objects.filter(active=True):
        row = problems.get(campaign.pk, {})
        campaign.problems_total = row.get("total", 0)
        campaign.problems_closed = row.get("closed", 0)
        campaign.inspections_total = inspections.get(campaign.pk, 0)
        out.append(campaign)
    return out


def problems_by_number(user, numbers: list[str]) -> list[Problem]:
    """Problems cited by number (a circular, a project): every one must exist and be visible
    to the user, else a validation error that names the others."""
    from django.core.exceptions import ValidationError

    cited = list(problems_visible_to(user).filter(number__in=numbers).select_related("unit"))
    missing = set(numbers) - {p.number for p in cited}
    if missing:
        raise ValidationError(
            {
                "problems": _("问题编号不存在或不在管辖范围内：%(n)s")
                % {"n": "、".join(sorted(missing))}
            }
        )
    return cited
