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

from zuofeng.core.indicators import Period, memoised, month_key
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
    counts: dict[tuple[int, int, str], int] = {}
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
        counts[(org_id, kind_id, month)] = n  # month as 'YYYY-MM', as the database gave it
    keyed = {
        org_kind: [(rule, [(u, [f"{m:%Y-%m}" for m in u.months]) for u in us]) for rule, us in rs]
        for org_kind, rs in by_org_kind.items()
    }
    out = []
    for pk, path, code, name, org_kind_id in orgs:
        result = OrgCompliance(pk, path, code, name)
        for rule, us in keyed[org_kind_id]:
            for unit, months in us:
                have = sum(counts.get((pk, rule.kind_id, m), 0) for m in months)
                if have < rule.minimum:
                    result.missing.append(Shortfall(rule.kind.name, unit.label, have, rule.minimum))
                    if not detail:
                        break
            if result.missing and not detail:
                break
        out.append(result)
    return out


def met_by_prefix(scope_path: str, period: Period, width: int, kind=None) -> dict[str, tuple]:
    """For a rate, without detail: (orgs met, orgs checked) per subtree of the scope cut at
    `width` digits of path (`width = len(scope_path)`: the whole scope), in one SQL statement.
    The same rules and units as `evaluate`; the counting happens in the database: the rule
    units become a VALUES list, activities join the units they fall in, a unit is met when its
    count reaches the minimum, and an org is met when it met as many units as its kind has."""
    from django.db import connections, router

    rules = memoised(("cadence.rules",), lambda: list(CadenceRule.objects.filter(active=True)))
    if kind is not None:
        rules = [r for r in rules if r.kind_id == kind.pk]
    checks = [(r, units(r.cadence, period)) for r in rules]
    checks = [(r, us) for r, us in checks if us]
    if not checks:
        return {}
    alias = router.db_for_read(Activity)
    ops = connections[alias].ops
    org_kinds = sorted({r.org_kind_id for r, _ in checks})
    kinds = sorted({r.kind_id for r, _ in checks})
    # A unit asking for no activity is met by everyone: it is left out of the count.
    units_asked = [(r, u) for r, us in checks for u in us if r.minimum > 0]
    first = min(u.start for _, us in checks for u in us)
    last = max(u.end for _, us in checks for u in us)
    low, high = scope_path, f"{int(scope_path) + 1:0{len(scope_path)}d}"
    org, act = Org._meta.db_table, Activity._meta.db_table
    marks = ", ".join(["%s"] * len(org_kinds))
    kind_marks = ", ".join(["%s"] * len(kinds))
    # One row per month of each unit: the activities' months join it on equality.
    params: list = []
    rows = 0
    for i, (r, u) in enumerate(units_asked):
        for m in u.months:
            params += [i, r.org_kind_id, r.kind_id, f"{m:%Y-%m}", r.minimum]
            rows += 1
    if rows:
        values = ", ".join(["(%s, %s, %s, %s, %s)"] * rows)
        units_cte = f"ru (unit, org_kind, kind, m, need) AS (VALUES {values}),"
    else:  # every rule asks for nothing: a unit list that matches no row
        units_cte = "ru (unit, org_kind, kind, m, need) AS (SELECT 0, 0, 0, '', 1),"
    # Activities are counted per org, kind and month first (the covering index of the per-org
    # counts), then the months are added up into the rules' units.
    sql = f"""
        WITH {units_cte}
        req (org_kind, n) AS (SELECT org_kind, COUNT(DISTINCT unit) FROM ru GROUP BY org_kind),
        g (org_id, org_kind, kind_id, m, c) AS (
            SELECT a.org_id, o.kind_id, a.kind_id, SUBSTR(CAST(a.date AS text), 1, 7), COUNT(*)
            FROM {act} a
            JOIN {org} o ON o.id = a.org_id
            WHERE o.path >= %s AND o.path < %s AND o.active AND o.kind_id IN ({marks})
                AND a.kind_id IN ({kind_marks}) AND a.date >= %s AND a.date <= %s
            GROUP BY a.org_id, o.kind_id, a.kind_id, SUBSTR(CAST(a.date AS text), 1, 7)
        ),
        met (org_id) AS (
            SELECT org_id FROM (
                SELECT g.org_id, g.org_kind FROM g
                JOIN ru ON ru.org_kind = g.org_kind AND ru.kind = g.kind_id AND ru.m = g.m
                GROUP BY g.org_id, g.org_kind, ru.unit, ru.need
                HAVING SUM(g.c) >= ru.need
            ) units
            JOIN req ON req.org_kind = units.org_kind
            GROUP BY org_id, req.n
            HAVING COUNT(*) = req.n
        )
        SELECT SUBSTR(o.path, 1, %s), COUNT(*),
            COUNT(CASE WHEN met.org_id IS NOT NULL OR req.n IS NULL THEN 1 END)
        FROM {org} o
        LEFT JOIN met ON met.org_id = o.id
        LEFT JOIN req ON req.org_kind = o.kind_id
        WHERE o.path >= %s AND o.path < %s AND o.active AND o.kind_id IN ({marks})
        GROUP BY 1
    """  # noqa: S608
    params += [low, high, *org_kinds, *kinds]
    params += [ops.adapt_datefield_value(first), ops.adapt_datefield_value(last)]
    params += [width, low, high, *org_kinds]
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return {prefix: (met, total) for prefix, total, met in rows if len(prefix) == width}
