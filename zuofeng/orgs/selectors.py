"""Reads of the district, always starting from what the user may see."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from zuofeng.core.crypto import lookup_hashes
from zuofeng.core.validators import normalise_phone
from zuofeng.orgs import scope
from zuofeng.orgs.models import SEGMENT, Org, OrgKind, Person, subtree_q
from zuofeng.orgs.permissions import ORG_VIEW, PERSON_VIEW


def orgs_visible_to(user) -> QuerySet[Org]:
    """Orgs in the subtrees where the user may view orgs (nothing for the 三员)."""
    return Org.objects.within(scope.paths_for(user, ORG_VIEW))


def people_visible_to(user) -> QuerySet[Person]:
    return Person.objects.within(scope.paths_for(user, PERSON_VIEW))


def org_get(user, code: str) -> Org:
    """One org by code; out of scope answers 404 exactly like a missing one."""
    org = orgs_visible_to(user).select_related("kind", "parent").filter(code=code).first()
    if org is None:
        raise Http404
    return org


def scope_roots(user) -> list[Org]:
    """The top orgs of the user's visible forest, for the tree browser and pickers."""
    paths = scope.paths_for(user, ORG_VIEW)
    return list(Org.objects.filter(path__in=paths).select_related("kind"))


def org_children(user, org: Org) -> QuerySet[Org]:
    return orgs_visible_to(user).filter(parent=org).select_related("kind")


def org_search(
    user, *, q: str = "", kind: str = "", under: Org | None = None, active: bool | None = None
) -> QuerySet[Org]:
    qs = orgs_visible_to(user).select_related("kind", "parent")
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(code__iexact=q) | Q(short_name__contains=q))
    if kind:
        qs = qs.filter(Q(kind__code=kind) | Q(kind__name=kind))
    if under is not None:
        qs = qs.filter(subtree_q(under.path))
    if active is not None:
        qs = qs.filter(active=active)
    return qs.order_by("path")


@dataclass(frozen=True)
class SubtreeCounts:
    orgs_by_kind: list[tuple[str, int]]
    orgs: int
    people: int


def subtree_counts(org: Org) -> SubtreeCounts:
    """Orgs by kind and people in an org's subtree: two aggregate queries."""
    by_kind = list(
        Org.objects.filter(subtree_q(org.path))
        .values("kind__name", "kind__sort_order")
        .annotate(n=Count("id"))
        .order_by("kind__sort_order")
        .values_list("kind__name", "n")
    )
    people = Person.objects.filter(subtree_q(org.path, "org__path"), active=True).count()
    return SubtreeCounts(by_kind, sum(n for _, n in by_kind), people)


def children_with_counts(user, org: Org) -> list[dict]:
    """Each visible child of an org with its subtree's org and people totals, in 2 queries.

    Every fact row knows its org path, so a child's subtree total is a GROUP BY on the path's
    prefix of the child's length — one pass, not a query per child.
    """
    from django.db.models.functions import Substr

    children = list(org_children(user, org).order_by("sort_order", "code"))
    if not children:
        return []
    width = len(org.path) + SEGMENT
    prefix = Substr("path", 1, width)
    org_totals = dict(
        Org.objects.filter(subtree_q(org.path))
        .exclude(pk=org.pk)
        .annotate(p=prefix)
        .values("p")
        .annotate(n=Count("id"))
        .values_list("p", "n")
    )
    people_totals = dict(
        Person.objects.filter(subtree_q(org.path, "org__path"), active=True)
        .annotate(p=Substr("org__path", 1, width))
        .values("p")
        .annotate(n=Count("id"))
        .values_list("p", "n")
    )
    return [
        {"org": c, "orgs": org_totals.get(c.path, 0), "people": people_totals.get(c.path, 0)}
        for c in children
    ]


def _search_phone(phone: str) -> str:
    """The phone as the services store it (spaces, dashes and +86 dropped); a value that is no
    phone number is searched as typed and simply matches nothing."""
    try:
        return normalise_phone(phone)
    except ValidationError:
        return phone.strip()


def person_search(
    user,
    *,
    q: str = "",
    org: Org | None = None,
    political_status: str = "",
    cadre_level: str = "",
    phone: str = "",
    id_number: str = "",
    active: bool | None = True,
) -> QuerySet[Person]:
    """People the user may see, filtered; phone and ID match exactly through the keyed hash."""
    qs = people_visible_to(user).select_related("org")
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(person_no=q))
    if org is not None:
        qs = qs.filter(subtree_q(org.path, "org__path"))
    if political_status:
        qs = qs.filter(political_status=political_status)
    if cadre_level:
        qs = qs.filter(cadre_level=cadre_level)
    if phone:
        qs = qs.filter(phone_hash__in=lookup_hashes(_search_phone(phone)))
    if id_number:
        qs = qs.filter(id_number_hash__in=lookup_hashes(id_number.strip().upper()))
    if active is not None:
        qs = qs.filter(active=active)
    return qs.order_by("org__path", "id")


def person_get(user, pk: int) -> Person:
    person = people_visible_to(user).select_related("org", "org__kind").filter(pk=pk).first()
    if person is None:
        raise Http404
    return person


def org_kinds() -> QuerySet[OrgKind]:
    return OrgKind.objects.all()
