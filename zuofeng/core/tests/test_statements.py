"""Prepared statements for indicator values: the slots are found, never assumed, and an
indicator whose SQL the check cannot read keeps the ORM path."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Count

from zuofeng.core import statements
from zuofeng.core.indicators import CountIndicator, Period
from zuofeng.dashboard.tests.test_indicators import _problem
from zuofeng.rectify.models import Problem, ProblemSource

D = dt.date
Q2 = Period(D(2025, 4, 1), D(2025, 6, 30))


def _found(p: Period):
    return Problem.objects.filter(found_date__gte=p.start, found_date__lte=p.end)


def indicator(records_fn, **extra) -> CountIndicator:
    return CountIndicator("t.count", "测试", "个", "unit__path", records_fn=records_fn, **extra)


@pytest.fixture
def ledger(district):
    d = district
    _problem(d.v1, D(2025, 3, 31))
    _problem(d.v1, D(2025, 4, 1))
    _problem(d.v2, D(2025, 6, 30))
    _problem(d.w1, D(2025, 5, 5), source="信访反映")
    _problem(d.dept_branch, D(2025, 7, 1))
    return d


def both(ind, path, period):
    prepared = ind.value(path, period)
    with statements.unprepared():
        plain = ind.value(path, period)
    return prepared, plain


def test_a_plain_count_is_prepared_once_per_depth_and_runs_in_one_query(
    ledger, django_assert_num_queries
):
    d = ledger
    ind = indicator(_found)
    assert both(ind, d.root.path, Q2) == (3, 3)
    (kept,) = ind._statements.values()
    assert kept is not None and len(kept.slots) == 4  # path bounds, then the period's dates
    with django_assert_num_queries(1):
        assert ind.value(d.root.path, Period(D(2025, 3, 31), D(2025, 3, 31))) == 1
    assert both(ind, d.town.path, Q2) == (2, 2)  # another depth: its own statement
    assert len(ind._statements) == 2
    assert both(ind, d.town2.path, Q2) == (1, 1)
    assert both(ind, d.v1.path, Period(D(2025, 1, 1), D(2025, 12, 31))) == (2, 2)


def test_a_value_derived_from_the_period_keeps_the_orm_path(ledger):
    """A records function that compares with a date computed from the period (a year before)
    has a parameter that is neither bound: no statement, and the value is still right."""
    d = ledger
    ind = indicator(lambda p: _found(p).filter(found_date__gt=p.end - dt.timedelta(days=60)))
    assert both(ind, d.root.path, Q2) == (2, 2)  # 5-5 and 6-30 are within 60 days of 6-30
    assert list(ind._statements.values()) == [None]


def test_a_records_function_that_reads_the_database_is_not_kept(ledger):
    """Building the queryset runs a query (a list looked up by name): its result could change
    during the day, so no statement is made; a new source counts at once."""
    d = ledger

    def by_source(p):
        ids = list(ProblemSource.objects.filter(name="信访反映").values_list("pk", flat=True))
        return _found(p).filter(source_id__in=ids)

    ind = indicator(by_source)
    assert both(ind, d.root.path, Q2) == (1, 1)
    assert list(ind._statements.values()) == [None]


def test_sums_and_filters_take_the_orm_path(ledger, django_assert_num_queries):
    d = ledger
    ind = indicator(_found)
    # A filter looks a name up: never prepared (the test ledger's filters are the rectify ones).
    from zuofeng.rectify.indicators import found

    with django_assert_num_queries(2):  # the source by name, then the count
        assert found.value(d.root.path, Q2, {"source": "信访反映"}) == 1
    assert ind.aggregation() == {"v": Count("*")}


def test_a_statement_is_kept_for_a_day(ledger, monkeypatch):
    d = ledger
    ind = indicator(_found)
    ind.value(d.root.path, Q2)
    first = dict(ind._statements)

    monkeypatch.setattr(statements, "_today", lambda: D(2099, 1, 1))
    assert ind.value(d.root.path, Q2) == 3
    assert set(ind._statements) != set(first) and len(ind._statements) == 1
