"""Scoped reads: what a user may see of projects, pairings, programmes, approvals and
village ledgers, and the progress of projects (weighted milestones, rolled up to parents)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import ExtractYear
from django.http import Http404

from zuofeng.orgs import scope
from zuofeng.orgs.models import Org, subtrees_q
from zuofeng.projects.choices import DONE_STATES, Direction, MilestoneState, ProjectState
from zuofeng.projects.models import (
    ApprovalCase,
    ApprovalStep,
    LedgerEntry,
    Milestone,
    Pairing,
    Programme,
    Project,
)
from zuofeng.projects.permissions import PROJECT_VIEW


def _paths(user) -> list[str]:
    return scope.paths_for(user, PROJECT_VIEW)


def _weights(qs: QuerySet[Project]) -> QuerySet[Project]:
    return qs.annotate(
        total_w=Sum("milestones__weight"),
        done_w=Sum("milestones__weight", filter=Q(milestones__state=MilestoneState.DONE)),
    )


@dataclass
class ProjectFilter:
    kind: int | None = None
    state: str = ""
    warning: str = ""
    unit: Org | None = None
    village: Org | None = None
    paired: bool = False
    q: str = ""


def projects_visible_to(user) -> QuerySet[Project]:
    return Project.objects.filter(subtrees_q(_paths(user), "owner__path"))


def project_list(user, f: ProjectFilter | None = None) -> QuerySet[Project]:
    """Projects in the user's view with their milestone weights (one query a page)."""
    f = f or ProjectFilter()
    qs = projects_visible_to(user).select_related("kind", "owner", "village")
    if f.kind:
        qs = qs.filter(kind_id=f.kind)
    if f.state:
        qs = qs.filter(state=f.state)
    if f.warning:
        qs = qs.filter(warning=f.warning)
    if f.unit is not None:
        qs = qs.filter(subtrees_q([f.unit.path], "owner__path"))
    if f.village is not None:
        qs = qs.filter(village=f.village)
    if f.paired:
        qs = qs.filter(pairing__isnull=False)
    if f.q:
        qs = qs.filter(Q(title__icontains=f.q) | Q(number__icontains=f.q))
    return _weights(qs).order_by("deadline", "id")


def project_get(user, pk: int) -> Project:
    project = (
        projects_visible_to(user)
        .select_related("kind", "owner", "village", "pairing__unit", "parent")
        .filter(pk=pk)
        .first()
    )
    if project is None:
        raise Http404
    return project


def _parts(own_total, own_done) -> list[float]:
    return [float(own_done or 0) / float(own_total)] if own_total else []


def progress_map(pks) -> dict[int, float]:
    """Progress (0–1) of each project: the weighted share of its milestones done; a parent
    averages its own milestones (as one part) and each child that is not stopped (one part
    each). A project without milestones or children counts 1 once completed, else 0. One query
    per level of the tree."""
    rows: dict[int, tuple] = {}
    parents: dict[int, int | None] = {}
    frontier = list(set(pks))
    first = True
    while frontier:
        cond = Q(pk__in=frontier) if first else Q(parent_id__in=frontier)
        found = _weights(Project.objects.filter(cond)).values_list(
            "pk", "parent_id", "state", "total_w", "done_w"
        )
        frontier = []
        for pk, parent, state, total, done in found:
            if pk not in rows:
                rows[pk] = (state, total, done)
                parents[pk] = parent
                frontier.append(pk)
        first = False
    children: dict[int, list[int]] = {}
    for pk, parent in parents.items():
        if parent in rows:
            children.setdefault(parent, []).append(pk)
    memo: dict[int, float] = {}

    def value(pk: int) -> float:
        if pk not in memo:
            state, total, done = rows[pk]
            parts = _parts(total, done) + [
                value(c) for c in children.get(pk, []) if rows[c][0] != ProjectState.STOPPED
            ]
            if parts:
                memo[pk] = sum(parts) / len(parts)
            else:
                memo[pk] = 1.0 if state in DONE_STATES else 0.0
        return memo[pk]

    return {pk: round(value(pk), 4) for pk in pks}


def with_progress(projects) -> list[Project]:
    """Attach `.progress` (0–1) and `.percent` (0–100) to each project."""
    projects = list(projects)
    progress = progress_map([p.pk for p in projects])
    for p in projects:
        p.progress = progress[p.pk]
        p.percent = round(p.progress * 100)
    return projects


def milestones(project: Project) -> list[Milestone]:
    return list(project.milestones.all())


def board(user, f: ProjectFilter | None = None) -> dict[str, int]:
    """Counts by state and by warning colour over the filtered projects (one query)."""
    qs = project_list(user, f).order_by()
    agg = qs.aggregate(
        total=Count("pk", distinct=True),
        red=Count("pk", filter=Q(warning="red"), distinct=True),
        yellow=Count("pk", filter=Q(warning="yellow"), distinct=True),
        green=Count("pk", filter=Q(warning="green"), distinct=True),
        **{s.value: Count("pk", filter=Q(state=s.value), distinct=True) for s in ProjectState},
    )
    return agg


# --- pairings ---------------------------------------------------------------------------------


def pairings_visible_to(user) -> QuerySet[Pairing]:
    """Pairings whose unit or village is in the user's view, with project counts."""
    paths = _paths(user)
    return (
        Pairing.objects.filter(subtrees_q(paths, "unit__path") | subtrees_q(paths, "village__path"))
        .select_related("unit", "village")
        .annotate(
            total=Count("projects", distinct=True),
            done=Count("projects", filter=Q(projects__state__in=list(DONE_STATES)), distinct=True),
        )
    )


def pairing_get(user, pk: int) -> Pairing:
    pairing = pairings_visible_to(user).filter(pk=pk).first()
    if pairing is None:
        raise Http404
    return pairing


# --- programmes -------------------------------------------------------------------------------


def programmes_visible_to(user) -> QuerySet[Programme]:
    return (
        Programme.objects.filter(subtrees_q(_paths(user), "unit__path"))
        .select_related("unit", "project")
        .annotate(enrolled=Count("enrolments"))
        .order_by("-start_date", "id")
    )


def programme_get(user, pk: int) -> Programme:
    programme = programmes_visible_to(user).filter(pk=pk).first()
    if programme is None:
        raise Http404
    return programme


# --- approvals --------------------------------------------------------------------------------


def cases_visible_to(user) -> QuerySet[ApprovalCase]:
    """Cases with a step in the user's view, or of a matter owned there."""
    paths = _paths(user)
    mine = ApprovalStep.objects.filter(subtrees_q(paths, "department__path")).values("case_id")
    return ApprovalCase.objects.filter(
        Q(pk__in=mine) | subtrees_q(paths, "matter__owner__path")
    ).select_related("matter")


def case_get(user, pk: int) -> ApprovalCase:
    case = cases_visible_to(user).filter(pk=pk).first()
    if case is None:
        raise Http404
    return case


def case_steps(case: ApprovalCase) -> list[ApprovalStep]:
    return list(case.steps.select_related("department", "item").order_by("start_date", "id"))


def matter_summary(cases: QuerySet[ApprovalCase]) -> list[dict]:
    """Per matter, over closed cases: count, average actual days, reduction, days saved and
    steps run in a parallel group of two or more (two queries)."""
    sibling = ApprovalStep.objects.filter(
        case=OuterRef("case"), parallel_group=OuterRef("parallel_group")
    ).exclude(pk=OuterRef("pk"))
    parallel = dict(
        ApprovalStep.objects.filter(
            case__in=cases.filter(finished_date__isnull=False), parallel_group__isnull=False
        )
        .filter(Exists(sibling))
        .order_by()
        .values("case__matter_id")
        .annotate(n=Count("pk"))
        .values_list("case__matter_id", "n")
    )
    rows = (
        cases.filter(finished_date__isnull=False)
        .order_by()
        .values("matter_id", "matter__name")
        .annotate(
            n=Count("pk"),
            actual=Sum("actual_days"),
            baseline=Sum("baseline_days"),
        )
        .order_by("matter_id")
    )
    out = []
    for r in rows:
        base, actual = r["baseline"] or 0, r["actual"] or 0
        out.append(
            {
                "matter": r["matter__name"],
                "cases": r["n"],
                "avg_days": round(actual / r["n"], 1) if r["n"] else None,
                "reduction": round(1 - actual / base, 4) if base else None,
                "saved": base - actual,
                "parallel": parallel.get(r["matter_id"], 0),
            }
        )
    return out


# --- village ledger ---------------------------------------------------------------------------


def villages_with_ledgers(user) -> QuerySet[Org]:
    paths = _paths(user)
    return (
        Org.objects.filter(subtrees_q(paths), ledger_entries__isnull=False)
        .annotate(entries=Count("ledger_entries"))
        .order_by("path")
    )


def village_get(user, code: str) -> Org:
    org = Org.objects.filter(subtrees_q(_paths(user)), code=code).first()
    if org is None:
        raise Http404
    return org


def income_by_year(village: Org) -> list[dict]:
    """Collective income and expense per calendar year, with growth on the year before."""
    rows = (
        LedgerEntry.objects.filter(village=village)
        .annotate(y=ExtractYear("date"))
        .values("y")
        .annotate(
            income=Sum("amount", filter=Q(direction=Direction.INCOME)),
            expense=Sum("amount", filter=Q(direction=Direction.EXPENSE)),
        )
        .order_by("y")
    )
    out, previous = [], None
    cent = Decimal("0.01")
    for r in rows:
        income = (r["income"] or Decimal(0)).quantize(cent)
        out.append(
            {
                "year": r["y"],
                "income": income,
                "expense": (r["expense"] or Decimal(0)).quantize(cent),
                "growth": income - previous if previous is not None else None,
            }
        )
        previous = income
    return out


def ledger_entries(village: Org, year: int | None = None) -> QuerySet[LedgerEntry]:
    qs = LedgerEntry.objects.filter(village=village).select_related("category", "project")
    if year:
        qs = qs.filter(date__gte=dt.date(year, 1, 1), date__lte=dt.date(year, 12, 31))
    return qs
