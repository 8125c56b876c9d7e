"""Reads of the study module, scoped by the user's subtrees; aggregates in SQL."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Substr
from django.http import Http404

from zuofeng.core.indicators import Period, month_key, month_start
from zuofeng.orgs import scope
from zuofeng.orgs.models import SEGMENT, Org, Person, subtree_q, subtrees_q
from zuofeng.study import cadence
from zuofeng.study.choices import Category
from zuofeng.study.models import (
    ROLLUP_WIDTH,
    Activity,
    ActivityDay,
    ActivityKind,
    ChannelItem,
    Delivery,
    YouthGroup,
)
from zuofeng.study.permissions import STUDY_RECORD, STUDY_VIEW


def activities_visible_to(user) -> QuerySet[Activity]:
    """Activities held by orgs in the user's study subtrees."""
    return Activity.objects.within(scope.paths_for(user, STUDY_VIEW)).select_related(
        "org", "kind", "youth_group"
    )


def activity_for(user, pk: int) -> Activity:
    """One activity in scope: 403 without the action anywhere, 404 out of scope."""
    scope.require(user, STUDY_VIEW)
    activity = activities_visible_to(user).filter(pk=pk).first()
    if activity is None:
        raise Http404
    return activity


def orgs_for_recording(user) -> QuerySet[Org]:
    return Org.objects.filter(
        subtrees_q(scope.paths_for(user, STUDY_RECORD)), active=True
    ).order_by("path")


def scope_org(user, code: str | None) -> Org:
    """The org a view reports on: the given code if in the user's study scope (else 404), or
    the top of the user's scope."""
    paths = scope.require(user, STUDY_VIEW)
    if code:
        org = Org.objects.filter(code=code).first()
        if org is None or not any(org.path.startswith(p) for p in paths):
            raise Http404
        return org
    return Org.objects.get(path=paths[0])


def members(org: Org) -> QuerySet[Person]:
    """The active members of an org itself (the attendee list of its activities)."""
    return Person.objects.filter(org=org, active=True).order_by("name", "pk")


def filter_activities(
    qs: QuerySet[Activity],
    *,
    org: Org | None = None,
    kind: ActivityKind | None = None,
    category: str = "",
    start: dt.date | None = None,
    end: dt.date | None = None,
    youth: bool = False,
) -> QuerySet[Activity]:
    if org is not None:
        qs = qs.filter(subtree_q(org.path, "org__path"))
    if kind is not None:
        qs = qs.filter(kind=kind)
    if category:
        qs = qs.filter(category=category)
    if start:
        qs = qs.filter(date__gte=start)
    if end:
        qs = qs.filter(date__lte=end)
    if youth:
        qs = qs.filter(youth_group__isnull=False)
    return qs


def children(org: Org) -> QuerySet[Org]:
    return Org.objects.filter(parent=org, active=True).order_by("sort_order", "path")


def _months(period: Period) -> list[dt.date]:
    months, m = [], period.start.replace(day=1)
    while m <= period.end:
        months.append(m)
        m = dt.date(m.year + (m.month == 12), m.month % 12 + 1, 1)
    return months


def coverage_matrix(
    scope_org: Org,
    period: Period,
    kind: ActivityKind | None = None,
    orgs: list | None = None,
) -> tuple[list, list[dt.date], list[list[int]]]:
    """The heatmap of the scope's children × calendar months: `counts[i][j]` is the number of
    study activities held in the subtree of `orgs[i]` in `months[j]` (the first day of each
    month the period touches, clipped to the period). One grouped query for the counts."""
    # The caller may pass the active children it has already read (orgs, or the dashboard's
    # Child rows: their path and names are used).
    if orgs is None:
        orgs = list(children(scope_org))
    months = _months(period)
    width = len(scope_org.path) + SEGMENT
    # Children no deeper than the per-day rollup's cut (the root's) read its rows, not the
    # activities: a district's period is a few thousand rollup rows.
    rolled = width <= ROLLUP_WIDTH
    qs = (ActivityDay if rolled else Activity).objects.filter(
        subtree_q(scope_org.path, "org_path"),
        date__gte=period.start,
        date__lte=period.end,
        category=Category.STUDY,
    )
    if kind is not None:
        qs = qs.filter(kind=kind)
    rows = (
        qs.annotate(p=Substr("org_path", 1, width), m=month_key("date"))
        .values("p", "m")
        .annotate(n=Sum("n") if rolled else Count("*"))
        .values_list("p", "m", "n")
    )
    found: dict[tuple[str, dt.date], int] = {}
    for p, m, n in rows:
        found[(p, month_start(m))] = n
    counts = [[found.get((o.path, m), 0) for m in months] for o in orgs]
    return orgs, months, counts


@dataclass
class Coverage:
    org: Org
    total: int
    covered: int
    idle: QuerySet[Org]

    @property
    def rate(self) -> float | None:
        return round(self.covered / self.total, 4) if self.total else None


def coverage(scope_org: Org, period: Period, kind: ActivityKind | None = None) -> Coverage:
    """Orgs of the subtree with at least one study activity / all, and the idle ones."""
    from zuofeng.study.indicators import covered, idle

    filters = {"kind": kind.name} if kind is not None else {}
    total = Org.objects.filter(subtree_q(scope_org.path), active=True).count()
    return Coverage(
        org=scope_org,
        total=total,
        covered=covered.value(scope_org.path, period, filters),
        idle=idle.records(scope_org.path, period, filters)
        .select_related("kind", "parent")
        .order_by("path"),
    )


def compliance(
    scope_org: Org, period: Period, kind: ActivityKind | None = None
) -> list[cadence.OrgCompliance]:
    return cadence.evaluate(scope_org.path, period, kind)


def youth_groups_progress(period: Period, paths) -> list[dict]:
    """Per youth group in scope: the 五个一 kinds done in the period, activities, person-times
    (one grouped query)."""
    groups = list(YouthGroup.objects.filter(subtrees_q(paths, "org__path")).select_related("org"))
    five = list(ActivityKind.objects.filter(youth=True, active=True).order_by("sort_order"))
    rows = (
        Activity.objects.filter(
            youth_group__in=groups, date__gte=period.start, date__lte=period.end
        )
        .values("youth_group_id", "kind_id")
        .annotate(n=Count("pk"))
        .values_list("youth_group_id", "kind_id", "n")
    )
    people = dict(
        Activity.objects.filter(
            youth_group__in=groups, date__gte=period.start, date__lte=period.end
        )
        .values("youth_group_id")
        .annotate(s=Sum("present_count"))
        .values_list("youth_group_id", "s")
    )
    done: dict[int, dict[int, int]] = {}
    for gid, kid, n in rows:
        done.setdefault(gid, {})[kid] = n
    members = dict(
        YouthGroup.objects.filter(pk__in=[g.pk for g in groups])
        .annotate(n=Count("members"))
        .values_list("pk", "n")
    )
    out = []
    for g in groups:
        d = done.get(g.pk, {})
        out.append(
            {
                "group": g,
                "members": members.get(g.pk, 0),
                "kinds": [(k.name, d.get(k.pk, 0)) for k in five],
                "done": sum(1 for k in five if d.get(k.pk)),
                "activities": sum(d.values()),
                "person_times": people.get(g.pk) or 0,
            }
        )
    return out


def items_visible_to(user) -> QuerySet[ChannelItem]:
    """Items published by an org in the user's scope, or pushed to a target inside it or
    above it (a target's whole subtree receives the item)."""
    paths = scope.paths_for(user, STUDY_VIEW)
    above = {p[:i] for p in paths for i in range(SEGMENT, len(p) + 1, SEGMENT)}
    return (
        ChannelItem.objects.filter(
            subtrees_q(paths, "publisher__path")
            | subtrees_q(paths, "targets__path")
            | Q(targets__path__in=above)
        )
        .distinct()
        .select_related("channel", "publisher")
    )


def item_stats(items, scope_path: str) -> dict[int, dict[str, int]]:
    """delivered / opened / completed per item, counting receipts in the subtree (one query)."""
    rows = (
        Delivery.objects.filter(subtree_q(scope_path, "org__path"), item__in=items)
        .values("item_id")
        .annotate(
            delivered=Count("pk"),
            opened=Count("pk", filter=Q(opened_at__isnull=False)),
            completed=Count("pk", filter=Q(completed_at__isnull=False)),
        )
        .values_list("item_id", "delivered", "opened", "completed")
    )
    return {i: {"delivered": d, "opened": o, "completed": c} for i, d, o, c in rows}


def my_items(person: Person) -> QuerySet[Delivery]:
    return Delivery.objects.filter(person=person).select_related("item", "item__channel")
