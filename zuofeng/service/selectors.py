"""Reads of the service module, always from what the user may see; the funnel and the
overdue list for the dashboard."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from zuofeng.core.loops import events_for
from zuofeng.orgs import scope
from zuofeng.service.choices import OPEN_STATES, RequestState
from zuofeng.service.models import Enterprise, Grid, ServiceRequest, Visit
from zuofeng.service.permissions import SERVICE_HANDLE, SERVICE_ROUTE, SERVICE_VIEW
from zuofeng.service.transitions import REQUEST_LOOP, WHERE

LIST_RELATED = ("unit", "category", "enterprise", "front_desk")


def requests_visible_to(user) -> QuerySet[ServiceRequest]:
    return ServiceRequest.objects.within(scope.paths_for(user, SERVICE_VIEW))


def request_list(
    user, *, state: str = "", category: int | None = None, channel: str = "", q: str = ""
) -> QuerySet[ServiceRequest]:
    qs = requests_visible_to(user).select_related(*LIST_RELATED)
    if state:
        qs = qs.filter(state=state)
    if category:
        qs = qs.filter(category_id=category)
    if channel:
        qs = qs.filter(channel=channel)
    if q:
        qs = qs.filter(number=q.strip()) | qs.filter(content__contains=q.strip())
    return qs.order_by("-submitted_date", "-id")


def unit_queue(user) -> QuerySet[ServiceRequest]:
    """Open requests held by the user's units (where they may handle or view them), soonest
    due first; those without a deadline (not yet assigned) last."""
    paths = scope.paths_for(user, SERVICE_HANDLE) or scope.paths_for(user, SERVICE_VIEW)
    return (
        ServiceRequest.objects.filter(state__in=list(OPEN_STATES))
        .filter(_paths_q(paths, "unit__path"))
        .select_related(*LIST_RELATED)
        .order_by("deadline", "id")
    )


def routing_queue(user) -> QuerySet[ServiceRequest]:
    """What the front desk must act on: new, accepted (or returned), and extension asks."""
    paths = scope.paths_for(user, SERVICE_ROUTE)
    waiting = Q(state__in=[RequestState.SUBMITTED, RequestState.ACCEPTED]) | Q(
        extension_pending__gt=0, state__in=list(OPEN_STATES)
    )
    return (
        ServiceRequest.objects.filter(_paths_q(paths, "front_desk__path"))
        .filter(waiting)
        .select_related(*LIST_RELATED)
        .order_by("submitted_at", "id")
    )


def _paths_q(paths, field):
    from zuofeng.orgs.models import subtrees_q

    return subtrees_q(paths, field)


def request_get(user, pk: int) -> ServiceRequest:
    r = (
        requests_visible_to(user)
        .select_related(*LIST_RELATED, "origin_unit", "visit")
        .filter(pk=pk)
        .first()
    )
    if r is None:
        raise Http404
    return r


def timeline(r: ServiceRequest):
    return list(events_for(r))


def assignments(r: ServiceRequest):
    return list(r.assignments.select_related("unit").order_by("assigned_at", "id"))


def actions_for(user, r: ServiceRequest) -> list:
    """The loop's actions the user may take on the request now."""
    out = []
    today = timezone.localdate()
    for t in REQUEST_LOOP.actions_from(r.state):
        if t.action == "approve_extension" and not r.extension_pending:
            continue
        if t.action == "supervise" and not (
            (r.deadline and r.deadline < today) or (r.sign_deadline and r.sign_deadline < today)
        ):
            continue
        if t.action == "redo" and (r.satisfaction != "unsatisfied" or r.redo_count):
            continue
        org = r.front_desk if WHERE[t.action] == "front_desk" else r.unit
        if t.roles & scope.roles_at(user, org.path):
            out.append(t)
    return out


def enterprises_visible_to(user) -> QuerySet[Enterprise]:
    return Enterprise.objects.within(scope.paths_for(user, SERVICE_VIEW))


def enterprise_get(user, pk: int) -> Enterprise:
    e = enterprises_visible_to(user).select_related("grid", "town").filter(pk=pk).first()
    if e is None:
        raise Http404
    return e


def grids_visible_to(user) -> QuerySet[Grid]:
    paths = scope.paths_for(user, SERVICE_VIEW)
    return (
        Grid.objects.filter(_paths_q(paths, "org__path"))
        .select_related("org")
        .annotate(n_enterprises=Count("enterprises", distinct=True))
    )


def visits_visible_to(user) -> QuerySet[Visit]:
    return Visit.objects.within(scope.paths_for(user, SERVICE_VIEW)).select_related(
        "enterprise", "unit"
    )
