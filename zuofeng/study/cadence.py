"""Cadence compliance (三会一课 and 主题党日 per 支部工作条例 practice).

A rule asks at least N activities of a kind per calendar month, quarter or year of orgs of one
kind. Over a period, each calendar unit lying wholly inside the period is checked (a period
that cuts a quarter in two does not demand that quarter's meeting of its first month). Counts
come from the per-org yearly rollup of activities (ActivityYear: a count per month); quarters
and years add their months up.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from zuofeng.core.indicators import Period, memoised
from zuofeng.orgs.models import Org, subtree_q, subtree_upper
from zuofeng.study.choices import Cadence
from zuofeng.study.models import ActivityYear, CadenceRule

MONTHS = tuple(f"m{m}" for m in range(1, 13))


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


def _rules(kind=None) -> list[CadenceRule]:
    """The active rules (once per request), narrowed to one activity kind."""
    rules = memoised(
        ("cadence.rules",),
        lambda: list(CadenceRule.objects.filter(active=True).select_related("kind")),
    )
    if kind is not None:
        rules = [r for r in rules if r.kind_id == kind.pk]
    return rules


def evaluate(
    scope_path: str, period: Period, kind=None, *, detail: bool = True
) -> list[OrgCompliance]:
    """Every org in the subtree that some active rule applies to, with what it is missing.
    `kind` (an ActivityKind) narrows the rules to that kind. Two queries plus the rules: the
    orgs, and their month counts from the per-org yearly rollup (ActivityYear).
    Without `detail` only the first shortfall of each org is kept: enough to tell met from
    missed, which is all a rate needs."""
    checks = [(r, units(r.cadence, period)) for r in _rules(kind)]
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
    years = sorted({m.year for _, us in checks for u in us for m in u.months})
    counts: dict[tuple[int, int, int, int], int] = {}
    rows = ActivityYear.objects.filter(
        kind_id__in={r.kind_id for r, _ in checks},
        year__in=years,
        org__in=Org.objects.filter(subtree_q(scope_path)).values("pk"),
    ).values_list("org_id", "kind_id", "year", *MONTHS)
    for org_id, kind_id, year, *per_month in rows:
        for month, n in enumerate(per_month, 1):
            if n:
                counts[(org_id, kind_id, year, month)] = n
    out = []
    for pk, path, code, name, org_kind_id in orgs:
        result = OrgCompliance(pk, path, code, name)
        for rule, us in by_org_kind[org_kind_id]:
            for unit in us:
                have = sum(counts.get((pk, rule.kind_id, m.year, m.month), 0) for m in unit.months)
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
    The same rules and units as `evaluate`, read from the per-org yearly rollup of activities
    (ActivityYear: one row per org, kind and year, a count per month). A rule's units falling
    in one year become one test on that row's month columns (a quarter: m4 + m5 + m6 >= 3);
    each row scores, for every org kind the rules name, 1 when it passes that kind's test; an
    org is met when its rows scored as many passes as its kind has tests. The rules' rows are
    read from the rollup's covering index and grouped per org — filtered to the scope's orgs
    unless the scope holds every org — then left-joined to the scope's orgs."""
    from django.db import connections, router

    checks = [(r, units(r.cadence, period)) for r in _rules(kind)]
    checks = [(r, us) for r, us in checks if us]
    if not checks:
        return {}
    alias = router.db_for_read(ActivityYear)
    org, rollup = Org._meta.db_table, ActivityYear._meta.db_table
    org_kinds = sorted({r.org_kind_id for r, _ in checks})
    # (org kind, activity kind, year) → the tests its row must pass; a unit asking for no
    # activity is met by everyone and is left out. Every value formatted into the SQL below is
    # an integer from the rules.
    tests: dict[tuple[int, int, int], list[str]] = defaultdict(list)
    for r, us in checks:
        if r.minimum <= 0:
            continue
        for u in us:
            have = " + ".join(f"r.m{m.month}" for m in u.months)
            tests[(int(r.org_kind_id), int(r.kind_id), u.start.year)].append(
                f"{have} >= {int(r.minimum)}"
            )
    low, high = scope_path, subtree_upper(scope_path)
    if tests:
        scores = []
        for org_kind in org_kinds:
            passes = " OR ".join(
                f"(r.kind_id = {k} AND r.year = {y} AND {' AND '.join(t)})"
                for (ok, k, y), t in tests.items()
                if ok == org_kind
            )
            scores.append(f"SUM(CASE WHEN {passes} THEN 1 ELSE 0 END)" if passes else "0")
        kinds = ", ".join(str(k) for k in sorted({k for _, k, _ in tests}))
        years = ", ".join(str(y) for y in sorted({y for _, _, y in tests}))
        score_cols = ", ".join(f"s{i}" for i in range(len(org_kinds)))
        # A scope holding every org (the root) needs no filter on the rows: they are all its.
        params: list = []
        within = ""
        if Org.objects.using(alias).exclude(subtree_q(scope_path)).exists():
            within = f"JOIN {org} i ON i.id = r.org_id AND i.path >= %s AND i.path < %s"
            params = [low, high]
        scored = f"""
            WITH scored (org_id, {score_cols}) AS (
                SELECT r.org_id, {", ".join(scores)} FROM {rollup} r {within}
                WHERE r.kind_id IN ({kinds}) AND r.year IN ({years})
                GROUP BY r.org_id
            )"""  # noqa: S608
        met = " OR ".join(
            f"(o.kind_id = {ok} AND COALESCE(s.s{i}, 0) >= "
            f"{sum(1 for (k, _, _) in tests if k == ok)})"
            for i, ok in enumerate(org_kinds)
        )
        join = "LEFT JOIN scored s ON s.org_id = o.id"
    else:  # every rule asks for nothing: every org meets them
        scored, params, met, join = "", [], "1 = 1", ""
    org_kind_list = ", ".join(str(int(k)) for k in org_kinds)
    sql = f"""{scored}
        SELECT SUBSTR(o.path, 1, %s), COUNT(*), COUNT(CASE WHEN {met} THEN 1 END)
        FROM {org} o {join}
        WHERE o.path >= %s AND o.path < %s AND o.active AND o.kind_id IN ({org_kind_list})
        GROUP BY 1
    """  # noqa: S608
    params += [width, low, high]
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return {prefix: (met, total) for prefix, total, met in rows if len(prefix) == width}
