"""Reads of the indicator registry for a scope and a period: the dashboard, the briefing and
the `zuofeng indicators` command all come through here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from zuofeng.core import indicators as reg
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
    values = indicator.by_child(scope.path, len(scope.path) + SEGMENT, period, filters or {})
    children = Org.objects.filter(parent=scope).order_by("sort_order", "code")
    return [
        (child, values.get(child.path, 0 if indicator.unit != "%" else None)) for child in children
    ]
