"""Cadence compliance (三会一课 and 主题党日 per 支部工作条例 practice).

A rule asks at least N activities of a kind per calendar month, quarter or year of orgs of one
kind. Over a period, each calendar unit lying wholly inside the period is checked (a period
that cuts a quarter in two does not demand that quarter's meeting of its first month). Counts
come from one grouped query (org × kind × month); quarters and years add their months up.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count

from zuofeng.core.indicators import Period, month_key, month_start
from zuofeng.orgs.models import Org, subtree_q
from zuofeng.study.choices import Cadence
from zuofeng.study.models import Activity, CadenceRule


@dataclass(frozen=True)
class Unit:
    start: dt.date
    end: dt.date
    label: str
    months: tuple[dt.date, ...]


def _month_start(d: dt.date) -> dt.date:
    return d.replace(day=1)


def _next_month(d: dt.date) -> dt.date:
    return dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1)


def units(cadence: str, period: Period) -> list[Unit]:
    """The calendar units of a cadence lying wholly inside the period."""
    size = {Cadence.MONTH: 1, Cadence.QUARTER: 3, Cadence.YEAR: 12}[cadence]
    out = []
    month = _month_start(period.start)
    # Units start on a multiple of their size (Jan, Apr, Jul, Oct for quarters).
    while (month.month - 1) % size:
        month = _next_month(month)
    while True:
        months = [month]
        for _ in range(size - 1):
            months.append(_next_month(months[-1]))
        end = _next_month(months[-1]) - dt.timedelta(days=1)
        if end > period.end:
            break
        if month >= period.start:
            if cadence == Cadence.MONTH:
                label = f"{month.year}年{month.month}月"
            elif cadence == Cadence.QUARTER:
                label = f"{month.year}年第{(month.month - 1) // 3 + 1}季度"
            else:
                label = f"{month.year}年"
            out.append(Unit(month, end, label, tuple(months)))
        month = _next_month(months[-1])
    return out


@dataclass
class Shortfall:
    kind: str
    unit: str
    have: int
    need: int


@dataclass
class OrgCompliance:
    org_id: int
    path: str
    code: str
    name: str
    missing: list[Shortfall] = field(default_factory=list)

    @property
    def met(self) -> bool:
        return not self.missing


def evaluate(
    scope_path: str, period: Period, kind=None, *, detail: bool = True
) -> list[OrgCompliance]:
    """Every org in the subtree that some active rule applies to, with what it is missing.
    `kind` (an ActivityKind) narrows the rules to that kind. Two queries plus the rules.
    Without `detail` only the first shortfall of each org is kept: enough to tell met from
    missed, which is all a rate needs."""
    rules = list(CadenceRule.objects.filter(active=True).select_related("kind"))
    if kind is not None:
        rules = [r for r in rules if r.kind_id == kind.pk]
    checks = [(r, units(r.cadence, period)) for r in rules]
    checks = [(r, us) for r, us in checks if us]
    if not checks:
        return []
    by_org_kind: dict[int, list] = defaultdict(list)
    for rule, us in checks:
        by_org_kind[rule.org_kind_id].append((rule, us))
    orgs = list(
        Org.objects.filter(subtree_q(scope_path), active=True, kind_id__in=list(by_org_kind))
        .order_by("path")
        .values_list("pk", "path", "code", "name", "kind_id")
    )
    first = min(u.start for _, us in checks for u in us)
    last = max(u.end for _, us in checks for u in us)
    counts: dict[tuple[int, int, dt.date], int] = {}
    rows = (
        Activity.objects.filter(
            subtree_q(scope_path, "org__path"),
            org__kind_id__in=list(by_org_kind),
            kind_id__in={r.kind_id for r, _ in checks},
            date__gte=first,
            date__lte=last,
        )
        .annotate(m=month_key("date"))
        .values("org_id", "kind_id", "m")
        .annotate(n=Count("pk"))
        .values_list("org_id", "kind_id", "m", "n")
    )
    for org_id, kind_id, month, n in rows:
        counts[(org_id, kind_id, month_start(month))] = n
    out = []
    for pk, path, code, name, org_kind_id in orgs:
        result = OrgCompliance(pk, path, code, name)
        for rule, us in by_org_kind[org_kind_id]:
            for unit in us:
                have = sum(counts.get((pk, rule.kind_id, m), 0) for m in unit.months)
                if have < rule.minimum:
                    result.missing.append(Shortfall(rule.kind.name, unit.label, have, rule.minimum))
                    if not detail:
                        break
            if result.missing and not detail:
                break
        out.append(result)
    return out
