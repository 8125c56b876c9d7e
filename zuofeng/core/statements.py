"""Prepared statements for indicator values.

A dashboard asks some fifty indicator values per page, each a one-row aggregate whose SQL
differs from the last time only by the scope's path range and the period's dates. Building and
compiling the queryset each time costs about as much as running it on a district. So the SQL
of an indicator's value is compiled once, with the scope and period as parameter slots, and
then run straight through the cursor with the slots filled in.

The slots are found, not assumed: the queryset is compiled for two different sentinel scopes
and periods (nothing is executed); a parameter that differs between the two must be exactly
the sentinel's path bound or date in both, and the SQL text must be identical. An indicator
whose SQL derives another value from the period (a date a year before, a day after) fails the
check and keeps the ORM path — correct, only not prepared. Statements are kept per process,
per database vendor and per day (a constant taken from today would otherwise outlive it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.db import connections, router
from django.db.models import QuerySet

# Two scopes and periods no real record has; a scope's paths are as long as the real one (the
# SQL of some indicators depends on the depth, e.g. an IN list of the scope's ancestors).
_SENTINELS = (
    ("73", dt.date(1901, 1, 2), dt.date(1902, 3, 4)),
    ("84", dt.date(1903, 5, 6), dt.date(1904, 7, 8)),
)


class _Captured(Exception):
    pass


@dataclass(frozen=True)
class Statement:
    model: type
    sql: str
    params: tuple  # the constants, with None where a slot goes
    slots: tuple[tuple[int, str, bool], ...]  # (position, low|high|start|end, as text)

    def run(self, low: str, high: str, start: dt.date, end: dt.date):
        row = self.run_row(low, high, start, end)
        return row[0] if row else None

    def run_row(self, low: str, high: str, start: dt.date, end: dt.date) -> tuple | None:
        """The statement's one row: every aggregate, in the order the SQL selects them."""
        rows = self.run_rows(low, high, start, end, many=False)
        return rows[0] if rows else None

    def filled(self, low: str, high: str, start: dt.date, end: dt.date) -> list:
        """The statement's parameters with the scope and period in their slots (for running
        it, or for nesting its SQL in another statement)."""
        values = {"low": low, "high": high, "start": start, "end": end}
        params = list(self.params)
        for position, name, as_text in self.slots:
            value = values[name]
            params[position] = value.isoformat() if as_text and name in ("start", "end") else value
        return params

    def run_rows(self, low: str, high: str, start: dt.date, end: dt.date, many=True) -> list:
        """Every row of the statement (a grouped one: a row per group)."""
        params = self.filled(low, high, start, end)
        alias = router.db_for_read(self.model)
        with connections[alias].cursor() as cursor:
            cursor.execute(self.sql, params)
            if many:
                return cursor.fetchall()
            row = cursor.fetchone()
            return [row] if row else []


def _capture(build: Callable[..., QuerySet], args: tuple, run: Callable[[QuerySet], object]):
    """(SQL, parameters, model) that `run(build(*args))` would run, without running it; None
    when building the queryset itself reads the database (its SQL would then depend on data
    that can change, so it must not be kept)."""
    stage = ["build"]

    def stop(execute, sql, params, many, context):
        raise _Captured(stage[0], sql, list(params or ()))

    with connections[router.db_for_read(None)].execute_wrapper(stop):
        try:
            qs = build(*args)
            stage[0] = "aggregate"
            run(qs)
        except _Captured as captured:
            where, sql, params = captured.args
            return (sql, params, qs.model) if where == "aggregate" else None
    return None  # nothing to run (an empty IN list): no statement


def _slot(a, b, first: dict, second: dict) -> tuple[str, bool] | None:
    for name in ("low", "high", "start", "end"):
        if a == first[name] and b == second[name]:
            return name, False
        if a == str(first[name]) and b == str(second[name]) and isinstance(a, str):
            return name, True
    return None


def prepare(
    records: Callable[[str, object], QuerySet],
    run: Callable[[QuerySet], object],
    period_type,
    width: int,
):
    """A Statement for `run(records(scope_path, period))` — an aggregate, or the rows of a
    grouped queryset — for scope paths of `width` digits (the subtree is the range
    [path, path + 1)), or None when the parameters cannot be told apart (see the module's
    docstring)."""
    captures, bounds = [], []
    for digits, start, end in _SENTINELS:
        path = (digits * width)[:width]
        low, high = path, f"{int(path) + 1:0{width}d}"
        try:
            got = _capture(records, (path, period_type(start, end)), run)
        except Exception:  # the ORM path will run it and report its error
            return None
        if got is None:
            return None
        captures.append(got)
        bounds.append({"low": low, "high": high, "start": start, "end": end})
    (sql1, p1, model), (sql2, p2, _model) = captures
    if sql1 != sql2 or len(p1) != len(p2):
        return None
    constants, slots = [], []
    for position, (a, b) in enumerate(zip(p1, p2, strict=True)):
        if a == b:
            constants.append(a)
            continue
        slot = _slot(a, b, *bounds)
        if slot is None:
            return None
        constants.append(None)
        slots.append((position, *slot))
    return Statement(model, sql1, tuple(constants), tuple(slots))


def _today() -> dt.date:
    return dt.date.today()


_off: ContextVar[bool] = ContextVar("zuofeng_statements_off", default=False)


@contextmanager
def unprepared() -> Iterator[None]:
    """Inside the block every value takes the ORM path (to compare the two)."""
    token = _off.set(True)
    try:
        yield
    finally:
        _off.reset(token)


def statement(
    owner,
    records,
    aggregation: dict | None,
    period_type,
    width: int,
    tag: str = "value",
    run: Callable[[QuerySet], object] | None = None,
) -> Statement | None:
    """The prepared statement of `owner` (an indicator; made on first use and kept on it) for
    scope paths of `width` digits — `tag` tells apart several statements of one owner — or None
    for the ORM path. It runs `records(...).aggregate(**aggregation)`, or `run(records(...))`
    (evaluating a grouped queryset, for instance)."""
    if _off.get():
        return None
    kept = owner.__dict__.get("_statements")
    if kept is None:
        kept = {}
        object.__setattr__(owner, "_statements", kept)  # indicators are frozen dataclasses
    day = _today()
    key = (connections[router.db_for_read(None)].vendor, day, width, tag)
    if key not in kept:
        if any(k[1] != day for k in kept):
            kept.clear()  # another day: yesterday's statements are not needed again
        if run is None:

            def run(qs):
                return qs.aggregate(**aggregation)

        kept[key] = prepare(records, run, period_type, width)
    return kept[key]
