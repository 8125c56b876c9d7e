"""Reads of the indicator registry for a scope and a period: the dashboard, the briefing and
the `zuofeng indicators` command all come through here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from django.db import connections, router
from django.http import Http404

from zuofeng.core import indicators as reg
from zuofeng.core.routers import reading_replica
from zuofeng.dashboard.permissions import DASHBOARD_VIEW
from zuofeng.orgs import scope as scopes
from zuofeng.orgs.models import SEGMENT, Org, subtree_upper

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    unit: str
    value: reg.Number


def figures(
    scope: Org,
    period: reg.Period,
    keys: list[str] | None = None,
    filters: Mapping[str, str] | None = None,
) -> list[Figure]:
    """The value of each indicator (all, or `keys`) for the scope's subtree and the period.
    A filter that an indicator does not accept is an error for that indicator."""
    registry = reg.registry()
    unknown = [k for k in keys or [] if k not in registry]
    if unknown:
        raise reg.IndicatorError(f"unknown indicator: {', '.join(unknown)}")
    out = []
    with reading_replica(), reg.memo():
        for key in keys or list(registry):
            indicator = registry[key]
            value = reg.cached(indicator, scope.path, period, filters or {})
            out.append(Figure(key, indicator.label, indicator.unit, value))
    return out


@dataclass(frozen=True)
class Child:
    """A child org as the figures by child show it: read as plain rows (a town has a hundred
    and more children, and building a model instance for each cost more than the figures)."""

    pk: int
    code: str
    name: str
    short_name: str
    path: str
    active: bool
    sort_order: int

    @property
    def id(self) -> int:
        return self.pk


CHILD_FIELDS = ("pk", "code", "name", "short_name", "path", "active", "sort_order")


def _child(row: tuple) -> Child:
    """A Child from a row of CHILD_FIELDS (SQLite gives the flag as 0 or 1)."""
    pk, code, name, short_name, path, active, sort_order = row
    return Child(pk, code, name, short_name, path, bool(active), sort_order)


@lru_cache(maxsize=8)
def _children_sql(alias: str) -> str:
    """The SQL of a scope's children, compiled by the ORM once per database: its only
    parameter is the parent's id."""
    qs = (
        Org.objects.using(alias)
        .filter(parent_id=0)
        .order_by("sort_order", "code")
        .values_list(*CHILD_FIELDS)
    )
    sql, params = qs.query.get_compiler(using=alias).as_sql()
    if list(params) != [0]:
        raise RuntimeError(f"the children's query has parameters {params!r}, not the parent's id")
    return sql


def children_of(scope: Org) -> list[Child]:
    """Every child of the scope, active or not, in the tree's order (asked on every dashboard
    page and with every figure by child: the SQL is compiled once)."""
    alias = router.db_for_read(Org)
    with connections[alias].cursor() as cursor:
        cursor.execute(_children_sql(alias), [scope.pk])
        rows = cursor.fetchall()
    return [_child(row) for row in rows]


def by_child(
    scope: Org,
    key: str,
    period: reg.Period,
    filters: Mapping[str, str] | None = None,
    children: list[Child] | None = None,
) -> list[tuple[Child, reg.Number]]:
    """One indicator for each child of the scope (its whole subtree), in one grouped query;
    `children` (from `children_of`) saves reading them again. A count grouped the default
    way, without filters, comes with the children in one statement (`_with_children`)."""
    indicator = reg.get(key)
    width = len(scope.path) + SEGMENT
    with reading_replica():
        if children is None and not filters:
            rows = _with_children(indicator, scope, width, period)
            if rows is not None:
                return rows
        values = indicator.by_child(scope.path, width, period, filters or {})
        if children is None:
            children = children_of(scope)
    return [
        (child, values.get(child.path, 0 if indicator.unit != "%" else None)) for child in children
    ]


def _with_children(indicator, scope: Org, width: int, period: reg.Period):
    """The children and a count's figure for each, in one statement: the children left-joined
    to the indicator's prepared grouped statement on their path. None when the indicator has
    no such statement (its own `by_child`, a rate, a sum)."""
    child_statement = getattr(indicator, "child_statement", None)  # rates and rules have none
    grouped = child_statement(scope.path, width) if child_statement else None
    if grouped is None:
        return None
    alias = router.db_for_read(Org)
    q = connections[alias].ops.quote_name

    def column(name: str) -> str:
        field = Org._meta.pk if name == "pk" else Org._meta.get_field(name)
        return "c." + q(field.column)

    # Names from the model's metadata; every value is a parameter.
    selected = ", ".join(column(name) for name in CHILD_FIELDS)
    joined = f"LEFT JOIN ({grouped.sql}) g ON g.{q('_p')} = {column('path')}"
    sql = (
        f"SELECT {selected}, g.{q('v')} FROM {q(Org._meta.db_table)} c {joined} "  # noqa: S608
        f"WHERE {column('parent')} = %s ORDER BY {column('sort_order')}, {column('code')}"
    )
    params = grouped.filled(scope.path, subtree_upper(scope.path), period.start, period.end)
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, [*params, scope.pk])
        rows = cursor.fetchall()
    return [(_child(row[:-1]), row[-1] or 0) for row in rows]


def by_month(
    scope: Org, key: str, period: reg.Period, filters: Mapping[str, str] | None = None
) -> list[tuple[reg.Period, reg.Number]]:
    """One indicator for each calendar month of the period (each month cut to the period):
    one grouped query where the indicator says that is exact, a value query per month else."""
    indicator = reg.get(key)
    filters = filters or {}
    with reading_replica():
        if hasattr(indicator, "by_month"):
            return indicator.by_month(scope.path, period, filters)
        return [(m, indicator.value(scope.path, m, filters)) for m in reg.months(period)]


@dataclass(frozen=True)
class Table:
    """Rows × indicators, for a page table or an xlsx export."""

    title: str
    row_header: str
    columns: list[reg.Indicator]
    rows: list[tuple[str, list[reg.Number]]]


def table_for_scope(
    scope: Org, period: reg.Period, keys: list[str], filters: Mapping[str, str] | None = None
) -> Table:
    registry = reg.registry()
    values = figures(scope, period, keys, filters)
    return Table(
        scope.name,
        "单位",
        [registry[k] for k in keys],
        [(scope.name, [f.value for f in values])],
    )


def table_by_child(
    scope: Org, period: reg.Period, keys: list[str], filters: Mapping[str, str] | None = None
) -> Table:
    """Every child of the scope × the indicators: one grouped query per indicator."""
    registry = reg.registry()
    columns = [by_child(scope, key, period, filters) for key in keys]
    children = [child for child, _value in columns[0]] if columns else []
    rows = [(child.name, [col[i][1] for col in columns]) for i, child in enumerate(children)]
    return Table(scope.name, "下级单位", [registry[k] for k in keys], rows)


def table_xlsx(table: Table, period: reg.Period) -> bytes:
    """The table as an xlsx workbook: rates as ratios with a percent format left to Excel."""
    import io

    from zuofeng.core.sheets.writer import SheetSpec, write_workbook

    headers = [table.row_header] + [f"{c.label}（{c.unit}）" for c in table.columns]
    rows = [[name, *[plain(v) for v in values]] for name, values in table.rows]
    spec = SheetSpec(
        name=f"{period.start:%Y%m%d}-{period.end:%Y%m%d}",
        headers=headers,
        rows=rows,
        widths=[28] + [14] * len(table.columns),
    )
    out = io.BytesIO()
    write_workbook(out, [spec])
    return out.getvalue()


def plain(value):
    """A JSON number: Decimal sums become int or float."""
    from decimal import Decimal

    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def figures_json(scope: Org, period: reg.Period, found: list[Figure]) -> dict:
    """The one JSON shape of a scope's figures (`zuofeng indicators --json`, the API)."""
    return {
        "scope": {"code": scope.code, "name": scope.name},
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "indicators": [
            {"key": f.key, "label": f.label, "unit": f.unit, "value": plain(f.value)} for f in found
        ],
    }


def parse_filters(items: list[str]) -> dict[str, str]:
    """`name=value` items into filters; a malformed item is an IndicatorError."""
    filters = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise reg.IndicatorError(f"a filter must be name=value, got {item!r}")
        filters[name.strip()] = value.strip()
    return filters


def resolve_scope(user, code: str | None, action: str = DASHBOARD_VIEW) -> tuple[Org, list[Org]]:
    """The org the user asked for (its code) or their first scope root; out of scope is 404.
    Returns the org and the breadcrumb from the user's scope root down to it."""
    roots = scopes.require(user, action)
    if code:
        org = Org.objects.filter(code=code).select_related("kind").first()
        if org is None or not any(org.path.startswith(r) for r in roots):
            raise Http404
    else:
        org = Org.objects.filter(path=roots[0]).select_related("kind").first()
    root = next(r for r in roots if org.path.startswith(r))
    chain = [org.path[:i] for i in range(len(root), len(org.path) + 1, SEGMENT)]
    crumbs = list(Org.objects.filter(path__in=chain).order_by("path"))
    return org, crumbs


def record_row(obj, org_field: str | None):
    unit = obj if org_field is None else getattr(obj, org_field, None)
    url = obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else ""
    return str(obj), (unit.name if unit is not None else ""), url


class RecordRows:
    """The records behind an indicator as rows (text, unit, link), newest first, read a slice
    at a time: a page or an export never loads the whole set."""

    def __init__(self, indicator, qs):
        path_field = getattr(indicator, "path_field", None) or getattr(
            indicator.denominator, "path_field", "path"
        )
        self.org_field = reg.holder_field(path_field)
        if self.org_field:
            qs = qs.select_related(self.org_field)
        self.qs = qs.order_by("-pk")
        self.model = self.qs.model

    def count(self) -> int:
        return self.qs.count()

    def __len__(self) -> int:
        return self.count()

    def _row(self, obj) -> dict:
        text, unit, url = record_row(obj, self.org_field)
        return {"id": obj.pk, "text": text, "unit": unit, "url": url}

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self._row(o) for o in self.qs[index]]
        return self._row(self.qs[index])

    def iterate(self, limit: int):
        for obj in self.qs[:limit].iterator(chunk_size=2000):
            yield self._row(obj)
