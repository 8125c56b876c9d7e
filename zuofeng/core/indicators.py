"""The indicator registry: every figure the dashboard, a leaderboard or a briefing shows is one
registered indicator, computed in SQL from the records, over an org subtree and a period.

An indicator knows its key, label and unit, the filters it accepts, how to compute its value
(and its value per child of the scope in one grouped query), and the queryset of the records
behind it for drill-down. Apps register theirs in `indicators.py`; `registry()` discovers them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Substr

from zuofeng.core import statements

Number = int | float | Decimal | None
NO_FILTERS: Mapping[str, str] = MappingProxyType({})
FilterFn = Callable[[QuerySet, str], QuerySet]


FIRST_YEAR, LAST_YEAR = 1900, 9000


class IndicatorError(ValueError):
    """An unknown key, filter or filter value: always an error, never a silent zero."""


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive

    def __post_init__(self):
        if self.end < self.start:
            raise IndicatorError(f"period ends ({self.end}) before it starts ({self.start})")
        # Indicators compare with a year or a period before; keep that arithmetic in range.
        if self.start.year < FIRST_YEAR or self.end.year > LAST_YEAR:
            raise IndicatorError(f"a period lies between {FIRST_YEAR} and {LAST_YEAR}")


def holder_field(path_field: str) -> str | None:
    """The org relation whose path a path field is: `unit__path` (through the join) and
    `unit_path` (the copy kept on the record, zuofeng.core.subtree) are both `unit`; `path` is
    None (the records are orgs themselves)."""
    if path_field == "path":
        return None
    if path_field.endswith("__path"):
        return path_field[: -len("__path")]
    return path_field.removesuffix("_path")


def _range(path: str) -> tuple[str, str]:
    return path, f"{int(path) + 1:0{len(path)}d}"


@dataclass(frozen=True)
class Indicator:
    """Base: subclasses say how to build the records and how to aggregate them."""

    key: str
    label: str
    unit: str
    path_field: str
    filters: Mapping[str, FilterFn] = field(default_factory=dict)
    description: str = ""
    # The date column whose range is the whole of the period filter, when there is one: the
    # records of a month are then exactly the period's records dated in that month, and a
    # monthly series is one query grouped by month instead of one query per month.
    month_field: str = ""

    def base(self, period: Period) -> QuerySet:
        raise NotImplementedError

    def _apply(self, qs: QuerySet, filters: Mapping[str, str]) -> QuerySet:
        for name, value in filters.items():
            if name not in self.filters:
                raise IndicatorError(
                    f"{self.key} does not accept the filter {name!r} "
                    f"(accepts: {', '.join(sorted(self.filters)) or 'none'})"
                )
            qs = self.filters[name](qs, value)
        return qs

    def records(
        self, scope_path: str, period: Period, filters: Mapping[str, str] = NO_FILTERS
    ) -> QuerySet:
        low, high = _range(scope_path)
        qs = self.base(period).filter(
            **{f"{self.path_field}__gte": low, f"{self.path_field}__lt": high}
        )
        return self._apply(qs, filters)

    def aggregation(self) -> dict:
        # COUNT(*), not COUNT(id): the id is not in the (path, date) indexes, and counting it
        # would send PostgreSQL to the table for every row instead of an index-only scan.
        return {"v": Count("*")}

    def count_statement(
        self, scope_path: str, tag: str = "value", run: Callable[[QuerySet], object] | None = None
    ) -> statements.Statement | None:
        """The prepared statement (zuofeng.core.statements) of this indicator's records for
        scopes as deep as `scope_path`: their count, or what `run` reads from them (`tag` names
        it). None for the ORM path: sums need the ORM's converters, and callers with filters
        (which look names up) do not ask."""
        aggregation = self.aggregation()
        if not isinstance(aggregation["v"], Count):
            return None
        return statements.statement(
            self, self.records, aggregation, Period, len(scope_path), tag=tag, run=run
        )

    def value(
        self, scope_path: str, period: Period, filters: Mapping[str, str] = NO_FILTERS
    ) -> Number:
        prepared = None if filters else self.count_statement(scope_path)
        if prepared is not None:
            return prepared.run(*_range(scope_path), period.start, period.end)
        return self.records(scope_path, period, filters).aggregate(**self.aggregation())["v"]

    def by_child(
        self, scope_path: str, width: int, period: Period, filters: Mapping[str, str] = NO_FILTERS
    ) -> dict[str, Number]:
        """Values per subtree of the scope's children, keyed by the child's path (one query;
        a count without filters as a prepared statement, as `value`)."""
        prepared = None if filters else self._grouped_statement(scope_path, width)
        if prepared is not None:
            return dict(prepared.run_rows(*_range(scope_path), period.start, period.end))
        return dict(self._grouped(self.records(scope_path, period, filters), width))

    def _grouped(self, qs: QuerySet, width: int) -> QuerySet:
        """(child path, value) rows; the columns are named "_p" and "v"."""
        return (
            qs.annotate(_p=Substr(self.path_field, 1, width))
            .values("_p")
            .annotate(**self.aggregation())
            .values_list("_p", "v")
        )

    def _grouped_statement(self, scope_path: str, width: int) -> statements.Statement | None:
        return self.count_statement(
            scope_path,
            tag=f"by_child:{width - len(scope_path)}",
            run=lambda qs: list(self._grouped(qs, width)),
        )

    def child_statement(self, scope_path: str, width: int) -> statements.Statement | None:
        """The prepared statement of this indicator's figures by child, rows ("_p", "v"), for
        nesting in another statement (the dashboard joins it to the children); None unless
        they are the default grouped count — an indicator with its own `by_child` has none."""
        if type(self).by_child is not Indicator.by_child:
            return None
        return self._grouped_statement(scope_path, width)

    def by_month(
        self, scope_path: str, period: Period, filters: Mapping[str, str] = NO_FILTERS
    ) -> list[tuple[Period, Number]]:
        """The value for each calendar month of the period (each month cut to the period).
        Grouped by month in one query where that is exact — counts and sums of records dated by
        `month_field` — and one value query per month otherwise (distinct counts, rates)."""
        spans = months(period)
        if not self.month_field or not self.groups_by_month:
            return [(m, self.value(scope_path, m, filters)) for m in spans]
        rows = dict(
            self.records(scope_path, period, filters)
            .annotate(_m=month_key(self.month_field))
            .values("_m")
            .annotate(**self.aggregation())
            .values_list("_m", "v")
        )
        return [(m, rows.get(f"{m.start:%Y-%m}") or 0) for m in spans]

    groups_by_month = True  # a count or a sum adds up over months; a distinct count does not


@dataclass(frozen=True)
class CountIndicator(Indicator):
    """How many records: `records_fn(period)` gives the base queryset."""

    records_fn: Callable[[Period], QuerySet] | None = None

    def base(self, period: Period) -> QuerySet:
        return self.records_fn(period)


@dataclass(frozen=True)
class DistinctCountIndicator(CountIndicator):
    """How many distinct values of a field among the records (e.g. people who did X)."""

    distinct_field: str = "pk"
    groups_by_month = False

    def aggregation(self) -> dict:
        return {"v": Count(self.distinct_field, distinct=True)}


@dataclass(frozen=True)
class SumIndicator(CountIndicator):
    """A sum of a field over the records (an empty set sums to 0, not None)."""

    sum_field: str = ""

    def value(self, scope_path, period, filters: Mapping[str, str] = NO_FILTERS):
        return super().value(scope_path, period, filters) or 0

    def aggregation(self) -> dict:
        return {"v": Sum(self.sum_field)}


@dataclass(frozen=True)
class RatioIndicator:
    """numerator / denominator of two registered indicators; None when the denominator is 0.
    Its records are the denominator's records."""

    key: str
    label: str
    unit: str
    numerator: Indicator
    denominator: Indicator
    description: str = ""

    @property
    def filters(self) -> Mapping[str, FilterFn]:
        return self.denominator.filters

    def value(self, scope_path, period, filters: Mapping[str, str] = NO_FILTERS) -> Number:
        den = cached(self.denominator, scope_path, period, filters)
        if not den:
            return None
        return round(cached(self.numerator, scope_path, period, filters) / den, 4)

    def by_child(
        self, scope_path, width, period, filters: Mapping[str, str] = NO_FILTERS
    ) -> dict[str, Number]:
        num = self.numerator.by_child(scope_path, width, period, filters)
        den = self.denominator.by_child(scope_path, width, period, filters)
        return {p: (round((num.get(p) or 0) / d, 4) if d else None) for p, d in den.items()}

    def records(self, scope_path, period, filters: Mapping[str, str] = NO_FILTERS) -> QuerySet:
        return self.denominator.records(scope_path, period, filters)


@dataclass(frozen=True)
class ShareIndicator(RatioIndicator):
    """A ratio whose numerator's records are the denominator's narrowed by `subset`, a
    condition on the record alone (not on the period): both are counted in one pass over the
    denominator's rows — one statement with a conditional count, where the plain ratio reads
    the rows twice. `numerator` still names the part for drill-down and description; a test
    holds the two ways equal."""

    subset: Q = field(default_factory=Q)

    def _aggregation(self) -> dict:
        # The order the statement's row comes back in: the part, then the whole. The part is a
        # sum of ones, not COUNT(id) FILTER: the id is in no index, the tested columns are.
        one = Case(When(self.subset, then=Value(1)), default=Value(0), output_field=IntegerField())
        return {"part": Sum(one), "whole": Count("*")}

    def value(self, scope_path, period, filters: Mapping[str, str] = NO_FILTERS) -> Number:
        part = whole = None
        if not filters:
            records = self.denominator.records
            prepared = statements.statement(
                self, records, self._aggregation(), Period, len(scope_path), tag="share"
            )
            if prepared is not None:
                part, whole = prepared.run_row(*_range(scope_path), period.start, period.end)
        if whole is None:
            found = self.denominator.records(scope_path, period, filters).aggregate(
                **self._aggregation()
            )
            part, whole = found["part"], found["whole"]
        return round((part or 0) / whole, 4) if whole else None

    def by_child(
        self, scope_path, width, period, filters: Mapping[str, str] = NO_FILTERS
    ) -> dict[str, Number]:
        rows = (
            self.denominator.records(scope_path, period, filters)
            .annotate(_p=Substr(self.denominator.path_field, 1, width))
            .values("_p")
            .annotate(**self._aggregation())
            .values_list("_p", "part", "whole")
        )
        return {p: (round((part or 0) / whole, 4) if whole else None) for p, part, whole in rows}


_REGISTRY: dict[str, Indicator | RatioIndicator] = {}
_DISCOVERED = False
_MEMO: ContextVar[dict | None] = ContextVar("indicator_memo", default=None)


@contextmanager
def memo() -> Iterator[None]:
    """Within the block, each indicator is computed once per (scope, period, filters): a rate
    whose numerator or denominator is also shown on its own reuses that figure. Nested blocks
    share the outermost memo; nothing outlives the block, so an edit is never hidden."""
    if _MEMO.get() is not None:
        yield
        return
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def memoised(key: tuple, compute: Callable[[], object]):
    """`compute()`, once per `key` inside a `memo()` block (every time outside one): for
    figures that several indicators derive from one query."""
    cache = _MEMO.get()
    if cache is None:
        return compute()
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def cached(indicator, scope_path: str, period: Period, filters: Mapping[str, str]) -> Number:
    """`indicator.value(...)`, through the memo of the enclosing `memo()` block if any."""
    cache = _MEMO.get()
    if cache is None:
        return indicator.value(scope_path, period, filters)
    key = (id(indicator), scope_path, period, frozenset(filters.items()))
    if key not in cache:
        cache[key] = indicator.value(scope_path, period, filters)
    return cache[key]


def register(*indicators) -> None:
    for indicator in indicators:
        if indicator.key in _REGISTRY and _REGISTRY[indicator.key] is not indicator:
            raise ValueError(f"indicator {indicator.key} registered twice")
        _REGISTRY[indicator.key] = indicator


def registry() -> dict[str, Indicator | RatioIndicator]:
    global _DISCOVERED
    if not _DISCOVERED:  # the installed apps are fixed for the life of the process
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("indicators")
        _DISCOVERED = True
    return dict(sorted(_REGISTRY.items()))


def get(key: str):
    found = registry().get(key)
    if found is None:
        raise IndicatorError(f"unknown indicator: {key}")
    return found


def lookup_filter(model, field_name: str, label: str) -> FilterFn:
    """A filter by the name of a configurable list entry; an unknown name is an error."""

    def apply(qs: QuerySet, value: str) -> QuerySet:
        obj = model.objects.filter(name=value).first()
        if obj is None:
            raise IndicatorError(f"unknown {label}: {value}")
        return qs.filter(**{field_name: obj})

    return apply


def choice_filter(field_name: str, choices: Mapping[str, str], label: str) -> FilterFn:
    """A filter by a fixed choice, given by its code or its Chinese label."""

    def apply(qs: QuerySet, value: str) -> QuerySet:
        by_label = {str(v): k for k, v in choices.items()}
        code = value if value in choices else by_label.get(value)
        if code is None:
            raise IndicatorError(f"unknown {label}: {value}")
        return qs.filter(**{field_name: code})

    return apply


def month_key(field: str):
    """The month of a date column as text, 'YYYY-MM', computed by the database itself. Django's
    TruncMonth is a Python function called once per row on SQLite; this stays in SQL on both
    SQLite (dates are ISO text) and PostgreSQL (a date cast to text is ISO)."""
    from django.db.models import CharField
    from django.db.models.functions import Cast

    return Substr(Cast(field, CharField()), 1, 7)


def month_start(key: str) -> dt.date:
    """'2025-03' → 2025-03-01."""
    return dt.date(int(key[:4]), int(key[5:7]), 1)


def months(period: Period) -> list[Period]:
    """The calendar months the period touches, each cut to the period."""
    out = []
    start = period.start
    while start <= period.end:
        following = dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)
        out.append(Period(start, min(period.end, following - dt.timedelta(days=1))))
        start = following
    return out
