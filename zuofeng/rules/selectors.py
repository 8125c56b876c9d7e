"""Scoped reads of the rule lists: every query starts from what the user may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404

from zuofeng.orgs import scope
from zuofeng.orgs.models import Org, subtrees_q
from zuofeng.rules.choices import Review
from zuofeng.rules.indicators import cut_target
from zuofeng.rules.models import (
    BudgetLine,
    CaseFlag,
    Expense,
    Hit,
    NegativeItem,
    NegativeList,
    PowerCase,
    PowerItem,
)
from zuofeng.rules.permissions import RULES_VIEW


def _paths(user) -> list[str]:
    return scope.paths_for(user, RULES_VIEW)


def _above_or_below(paths: list[str], field: str) -> Q:
    """Records issued for a subtree that touches the user's: above one of the user's roots
    (ancestors hold for it) or inside one."""
    ancestors = {p[:i] for p in paths for i in range(9, len(p) + 1, 9)}
    return subtrees_q(paths, field) | Q(**{f"{field}__in": ancestors})


def lists_visible_to(user) -> QuerySet[NegativeList]:
    """List versions that apply to (or were issued inside) the user's scope."""
    paths = _paths(user)
    return NegativeList.objects.filter(
        _above_or_below(paths, "applies_to__path") | subtrees_q(paths, "issuer__path")
    ).select_related("issuer", "applies_to")


def list_get(user, pk: int) -> NegativeList:
    found = lists_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def list_items(negative_list: NegativeList) -> list:
    """Categories with their items and per-item hit counts (two queries)."""
    cats = list(negative_list.categories.all())
    items = (
        NegativeItem.objects.filter(category__negative_list=negative_list)
        .annotate(n_hits=Count("hits"))
        .order_by("category__number", "number")
    )
    by_cat: dict[int, list] = {c.pk: [] for c in cats}
    for item in items:
        by_cat[item.category_id].append(item)
    for c in cats:
        c.item_list = by_cat[c.pk]
    return cats


def item_get(user, pk: int) -> NegativeItem:
    item = (
        NegativeItem.objects.select_related("category__negative_list__issuer")
        .filter(pk=pk, category__negative_list__in=lists_visible_to(user))
        .first()
    )
    if item is None:
        raise Http404
    return item


def expenses_visible_to(user) -> QuerySet[Expense]:
    return Expense.objects.filter(subtrees_q(_paths(user), "unit__path"))


def hits_visible_to(user) -> QuerySet[Hit]:
    return Hit.objects.filter(subtrees_q(_paths(user), "expense__unit__path")).select_related(
        "expense__unit", "item__category", "problem"
    )


@dataclass(frozen=True)
class HitFilter:
    state: str = ""
    category: str = ""
    unit: Org | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    q: str = ""


def hits(user, f: HitFilter = HitFilter()) -> QuerySet[Hit]:
    qs = hits_visible_to(user)
    if f.state:
        qs = qs.filter(state=f.state)
    if f.category:
        qs = qs.filter(item__category__name=f.category)
    if f.unit is not None:
        qs = qs.filter(subtrees_q([f.unit.path], "expense__unit__path"))
    if f.start:
        qs = qs.filter(expense__date__gte=f.start)
    if f.end:
        qs = qs.filter(expense__date__lte=f.end)
    if f.q:
        qs = qs.filter(
            Q(expense__summary__contains=f.q)
            | Q(expense__voucher_no=f.q)
            | Q(explanation__contains=f.q)
        )
    return qs.order_by("-expense__date", "-id")


def hit_get(user, pk: int) -> Hit:
    found = hits_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


@dataclass
class UnitBudget:
    unit: Org
    prior: Decimal
    budget: Decimal
    rate: float | None
    below: bool

    @property
    def pct(self) -> str:
        return "—" if self.rate is None else f"{self.rate * 100:.1f}%"


def budget_table(user, year: int, *, below_only: bool = False) -> list[UnitBudget]:
    """Per unit of the user's scope: the non-rigid sums of the year, the cut rate, and whether
    it falls below the target (one grouped query)."""
    target = float(cut_target())
    rows = (
        BudgetLine.objects.filter(subtrees_q(_paths(user), "unit__path"), year=year, rigid=False)
        .values("unit_id")
        .annotate(b=Sum("budget"), p=Sum("prior_actual"))
        .order_by("unit__path")
    )
    rows = list(rows)
    units = Org.objects.in_bulk([r["unit_id"] for r in rows])
    out = []
    for r in rows:
        rate = round(float(1 - r["b"] / r["p"]), 4) if r["p"] else None
        below = rate is not None and rate < target
        if below_only and not below:
            continue
        out.append(UnitBudget(units[r["unit_id"]], r["p"], r["b"], rate, below))
    return out


def budget_total(user, year: int) -> UnitBudget | None:
    """The user's units together (one aggregate): the figure `rules.nonrigid_cut_rate` gives."""
    row = BudgetLine.objects.filter(
        subtrees_q(_paths(user), "unit__path"), year=year, rigid=False
    ).aggregate(b=Sum("budget"), p=Sum("prior_actual"))
    if not row["p"]:
        return None
    rate = round(float(1 - row["b"] / row["p"]), 4)
    return UnitBudget(None, row["p"], row["b"], rate, rate < float(cut_target()))


def budget_years(user) -> list[int]:
    return list(
        BudgetLine.objects.filter(subtrees_q(_paths(user), "unit__path"))
        .values_list("year", flat=True)
        .distinct()
        .order_by("-year")
    )


def power_items_visible_to(user) -> QuerySet[PowerItem]:
    return PowerItem.objects.filter(_above_or_below(_paths(user), "org__path")).select_related(
        "org"
    )


def power_item_get(user, pk: int) -> PowerItem:
    item = power_items_visible_to(user).filter(pk=pk).first()
    if item is None:
        raise Http404
    return item


def cases_visible_to(user) -> QuerySet[PowerCase]:
    return PowerCase.objects.filter(subtrees_q(_paths(user), "village__path")).select_related(
        "village", "item"
    )


def cases(user, *, flagged: bool = False, village: Org | None = None) -> QuerySet[PowerCase]:
    active = Q(flags__state__in=[Review.PENDING, Review.CONFIRMED])
    qs = cases_visible_to(user).annotate(n_flags=Count("flags", filter=active))
    if flagged:
        qs = qs.filter(n_flags__gt=0)
    if village is not None:
        qs = qs.filter(subtrees_q([village.path], "village__path"))
    return qs.order_by("-date", "-id")


def case_get(user, pk: int) -> PowerCase:
    found = cases_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


@dataclass
class StepView:
    step: object
    record: object | None
    flags: list
    required: bool

    @property
    def ok(self) -> bool:
        return not self.flags and (self.record is not None or not self.required)


def case_steps(case: PowerCase) -> tuple[list[StepView], list[CaseFlag]]:
    """The item's process with this case's record per step and the flags on each step."""
    from zuofeng.rules.power import required

    template = list(case.item.steps.all())
    done = {s.step_id: s for s in case.steps.all()}
    flags = list(case.flags.select_related("problem").order_by("slot", "id"))
    by_slot: dict[int, list] = {}
    for f in flags:
        by_slot.setdefault(f.slot, []).append(f)
    views = [
        StepView(
            s,
            done.get(s.pk),
            [f for f in by_slot.get(s.order, []) if f.state != Review.DISMISSED],
            required(case.item, s, case.amount),
        )
        for s in template
    ]
    return views, flags


def flag_get(user, pk: int) -> CaseFlag:
    found = (
        CaseFlag.objects.filter(subtrees_q(_paths(user), "case__village__path"))
        .select_related("case__village", "case__item", "problem")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


def finding_for_problem(user, problem_id: int):
    """The hit or flag a ledger problem came from (the link back from the ledger)."""
    hit = hits_visible_to(user).filter(problem_id=problem_id).first()
    if hit is not None:
        return hit
    return (
        CaseFlag.objects.filter(subtrees_q(_paths(user), "case__village__path"))
        .filter(problem_id=problem_id)
        .first()
    )
