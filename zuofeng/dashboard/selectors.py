"""Reads of the indicator registry for a scope and a period: the dashboard, the briefing and
the `zuofeng indicators` command all come through here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from zuofeng.core import indicators as reg
from zuofeng.core.routers import reading_replica
from zuofeng.orgs.models import SEGMENT, Org


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
    with reading_replica():
        for key in keys or list(registry):
            indicator = registry[key]
            out.append(
                Figure(
                    key,
                    indicator.label,
                    indicator.unit,
                    indicator.value(scope.path, period, filters or {}),
                )
            )
    return out


def by_child(
    scope: Org, key: str, period: reg.Period, filters: Mapping[str, str] | None = None
) -> list[tuple[Org, reg.Number]]:
    """One indicator for each child of the scope (its whole subtree), in one grouped query."""
    indicator = reg.get(key)
    with reading_replica():
        values = indicator.by_child(scope.path, len(scope.path) + SEGMENT, period, filters or {})
        children = list(Org.objects.filter(parent=scope).order_by("sort_order", "code"))
    return [
        (child, values.get(child.path, 0 if indicator.unit != "%" else None)) for child in children
    ]


def by_month(
    scope: Org, key: str, period: reg.Period, filters: Mapping[str, str] | None = None
) -> list[tuple[reg.Period, reg.Number]]:
    """One indicator for each calendar month of the period (each month cut to the period).
    One value query per month: exact for every kind of indicator, distinct counts and rates
    included, which a GROUP BY over months could not promise."""
    from zuofeng.dashboard.periods import months

    indicator = reg.get(key)
    with reading_replica():
        return [(m, indicator.value(scope.path, m, filters or {})) for m in months(period)]


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
