"""The indicator registry and `zuofeng indicators` on a crafted ledger with hand-computed values."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from zuofeng.core.indicators import IndicatorError, Period
from zuofeng.dashboard import selectors
from zuofeng.rectify import services
from zuofeng.rectify.models import Campaign, Problem, ProblemSource

D = dt.date
Q2 = Period(D(2025, 4, 1), D(2025, 6, 30))


def _problem(
    unit, found, *, source="正风肃纪检查", closed=None, deadline=None, campaign=None, power=False
):
    p = services.problem_register(
        actor=None,
        description="x",
        found_date=found,
        unit=unit,
        source=ProblemSource.objects.get(name=source),
        key_power=power,
        campaign=Campaign.objects.get(name=campaign) if campaign else None,
    )
    Problem.objects.filter(pk=p.pk).update(
        state="closed" if closed else "rectifying", closed_date=closed, deadline=deadline
    )
    return p


@pytest.fixture
def ledger(district):
    d = district
    # Town T (village T1, community T2), town U (village U1), department DA.
    _problem(d.v1, D(2025, 3, 31), closed=D(2025, 4, 2), deadline=D(2025, 4, 30))  # before Q2
    _problem(d.v1, D(2025, 4, 1), closed=D(2025, 5, 1), deadline=D(2025, 4, 30))  # late
    _problem(
        d.v2,
        D(2025, 5, 5),
        closed=D(2025, 6, 30),
        deadline=D(2025, 7, 31),
        campaign="校园餐",
        power=True,
    )
    _problem(d.v2, D(2025, 6, 30), deadline=D(2025, 6, 30))  # open, due that day: not overdue
    _problem(d.w1, D(2025, 6, 1), deadline=D(2025, 6, 15), source="信访反映")  # overdue
    _problem(d.w1, D(2025, 7, 1), closed=D(2025, 7, 2))  # after Q2
    _problem(d.dept_branch, D(2025, 4, 15), closed=D(2025, 7, 5), deadline=D(2025, 5, 1))
    return d


def value(scope, key, period=Q2, **filters):
    (figure,) = selectors.figures(scope, period, [key], filters)
    return figure.value


def test_counts_for_the_root_and_a_town(ledger):
    d = ledger
    assert value(d.root, "rectify.problems_found") == 5
    assert value(d.root, "rectify.problems_closed") == 3  # 4-2, 5-1, 6-30
    # Open at 6-30: the 6-30 one, the 6-1 one, and DA1's (closed only on 7-5).
    assert value(d.root, "rectify.problems_open") == 3
    assert value(d.root, "rectify.problems_overdue") == 2  # deadlines 6-15 and 5-1
    assert value(d.town, "rectify.problems_found") == 3
    assert value(d.town2, "rectify.problems_found") == 1
    assert value(d.v1, "rectify.problems_closed") == 2


def test_rates(ledger):
    d = ledger
    # Found in Q2: 5; of them closed by 6-30: the 4-1 and 5-5 ones → 0.4.
    assert value(d.root, "rectify.closure_rate") == 0.4
    # Closed in Q2: 3; on time: 4-2 (≤ 4-30) and 6-30 (≤ 7-31) → 2/3.
    assert value(d.root, "rectify.on_time_rate") == round(2 / 3, 4)
    assert value(d.town2, "rectify.on_time_rate") is None  # nothing closed: no rate, not 0


def test_filters(ledger):
    d = ledger
    assert value(d.root, "rectify.problems_found", source="信访反映") == 1
    assert value(d.root, "rectify.problems_found", campaign="校园餐") == 1
    assert value(d.root, "rectify.problems_found", key_area="权力集中") == 1
    assert value(d.root, "rectify.problems_found", key_area="power") == 1
    with pytest.raises(IndicatorError):
        value(d.root, "rectify.problems_found", source="不存在的来源")
    with pytest.raises(IndicatorError):
        value(d.root, "rectify.problems_found", colour="red")


def test_period_edges_are_inclusive(ledger):
    d = ledger
    assert value(d.root, "rectify.problems_found", Period(D(2025, 6, 30), D(2025, 6, 30))) == 1
    assert value(d.root, "rectify.problems_found", Period(D(2025, 7, 1), D(2025, 7, 1))) == 1
    with pytest.raises(IndicatorError):
        Period(D(2025, 7, 1), D(2025, 6, 30))


def test_by_child_in_one_query(ledger, django_assert_num_queries):
    d = ledger
    selectors.by_child(d.root, "rectify.problems_found", Q2)  # its statement is prepared
    with django_assert_num_queries(1):  # the children joined to the grouped figure
        rows = selectors.by_child(d.root, "rectify.problems_found", Q2)
    assert [(org.code, n) for org, n in rows] == [("DA", 1), ("T", 3), ("U", 1)]
    with django_assert_num_queries(3):  # with a filter: its source, the figure, the children
        rows = selectors.by_child(d.root, "rectify.problems_found", Q2, {"source": "信访反映"})
    assert [(org.code, n) for org, n in rows] == [("DA", 0), ("T", 0), ("U", 1)]


def test_a_rate_reuses_the_figures_shown_beside_it(ledger, django_assert_num_queries):
    """closure_rate = found-and-closed / found: shown with problems_found, the page computes
    problems_found once (one query per distinct figure), with the same values as alone."""
    d = ledger
    keys = ["rectify.problems_found", "rectify.problems_closed", "rectify.closure_rate"]
    alone = {k: value(d.root, k) for k in keys}
    with django_assert_num_queries(3):  # found, closed, found-and-closed
        together = {f.key: f.value for f in selectors.figures(d.root, Q2, keys)}
    assert (
        together
        == alone
        == {
            "rectify.problems_found": 5,
            "rectify.problems_closed": 3,
            "rectify.closure_rate": 0.4,
        }
    )


def test_the_memo_lives_only_inside_its_block(ledger):
    """A figure computed again after an edit sees the edit: nothing is kept between calls."""
    d = ledger
    assert value(d.root, "rectify.problems_found") == 5
    _problem(d.v1, D(2025, 5, 20))
    assert value(d.root, "rectify.problems_found") == 6


def test_monthly_series_of_a_count_in_one_query(ledger, django_assert_num_queries):
    d = ledger
    with django_assert_num_queries(1):
        series = selectors.by_month(
            d.root, "rectify.problems_found", Period(D(2025, 3, 15), Q2.end)
        )
    assert [(m.start, m.end, n) for m, n in series] == [
        (D(2025, 3, 15), D(2025, 3, 31), 1),
        (D(2025, 4, 1), D(2025, 4, 30), 2),
        (D(2025, 5, 1), D(2025, 5, 31), 1),
        (D(2025, 6, 1), D(2025, 6, 30), 2),
    ]
    # A rate has no month column to group on: one value per month, the same as asked alone.
    rates = selectors.by_month(d.root, "rectify.closure_rate", Q2)
    assert [v for _m, v in rates] == [value(d.root, "rectify.closure_rate", m) for m, _v in rates]


def test_command_json_contract(ledger, capsys):
    call_command(
        "indicators",
        "--scope",
        "T",
        "--from",
        "2025-04-01",
        "--to",
        "2025-06-30",
        "--key",
        "rectify.problems_found",
        "--key",
        "rectify.closure_rate",
        "--json",
    )
    out = json.loads(capsys.readouterr().out)
    assert out == {
        "scope": {"code": "T", "name": "东关街道"},
        "from": "2025-04-01",
        "to": "2025-06-30",
        "indicators": [
            {"key": "rectify.problems_found", "label": "发现问题数", "unit": "个", "value": 3},
            {
                "key": "rectify.closure_rate",
                "label": "问题整改完成率",
                "unit": "%",
                "value": 0.6667,
            },
        ],
    }


@pytest.mark.parametrize(
    "args",
    [
        ["--scope", "NOPE", "--from", "2025-04-01", "--to", "2025-06-30"],
        ["--scope", "T", "--from", "2025-04-01", "--to", "2025-06-30", "--key", "no.such"],
        ["--scope", "T", "--from", "2025-04-01", "--to", "2025-06-30", "--filter", "colour=red"],
        ["--scope", "T", "--from", "2025-04-01", "--to", "2025-06-30", "--filter", "bad"],
        ["--scope", "T", "--from", "2025/04/01", "--to", "2025-06-30"],
        ["--scope", "T", "--from", "2025-07-01", "--to", "2025-06-30"],
    ],
)
def test_command_errors(ledger, args):
    with pytest.raises(CommandError):
        call_command("indicators", *args)


def test_list(db, capsys):
    call_command("indicators", "--list")
    keys = [line.split("\t")[0] for line in capsys.readouterr().out.splitlines()]
    assert "rectify.problems_found" in keys and keys == sorted(keys)


@pytest.mark.parametrize(
    ("start", "end"), [(D(1, 1, 1), D(2025, 1, 1)), (D(2025, 1, 1), D(9999, 12, 31))]
)
def test_periods_stay_in_a_range_where_a_year_before_exists(start, end):
    with pytest.raises(IndicatorError, match="between 1900 and 9000"):
        Period(start, end)
