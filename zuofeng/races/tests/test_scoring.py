"""Every scoring method against hand-computed examples: ties, missing data, lower-is-better."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from zuofeng.races import scoring


def test_ranks_share_ties_and_skip():
    values = {"a": D(90), "b": D(80), "c": D(80), "d": D(70), "e": None}
    assert scoring.ranks(values) == {"a": 1, "b": 2, "c": 2, "d": 4, "e": None}
    assert scoring.ranks(values, higher_better=False) == {"a": 4, "b": 2, "c": 2, "d": 1, "e": None}


def test_rank_points_table_with_ties_and_missing():
    values = {"a": D(5), "b": D(9), "c": D(9), "d": D(1), "e": None}
    got = scoring.score("rank_points", D(60), "higher", {"table": [60, 57, 54]}, values)
    # b and c share 1st (60 each); a is 3rd (54); d is 4th, beyond the table (0); e has no data.
    assert got == {"a": D("54.00"), "b": D("60.00"), "c": D("60.00"), "d": D("0.00"), "e": None}


def test_rank_points_by_step_lower_is_better():
    values = {"a": D(3), "b": D(0), "c": D(7)}
    got = scoring.score("rank_points", D(10), "lower", {"step": 2}, values)
    assert got == {"b": D("10.00"), "a": D("8.00"), "c": D("6.00")}


def test_ratio_to_top_higher():
    values = {"a": D(40), "b": D(100), "c": D(0), "d": None}
    got = scoring.score("ratio_to_top", D(20), "higher", {}, values)
    assert got == {"a": D("8.00"), "b": D("20.00"), "c": D("0.00"), "d": None}


def test_ratio_to_top_lower_is_better():
    values = {"a": D(2), "b": D(5), "c": D(8)}
    got = scoring.score("ratio_to_top", D(10), "lower", {}, values)
    # best (lowest) 2: a 10; b 2/5×10 = 4; c 2/8×10 = 2.5
    assert got == {"a": D("10.00"), "b": D("4.00"), "c": D("2.50")}


def test_ratio_to_top_all_zero_scores_zero():
    got = scoring.score("ratio_to_top", D(10), "higher", {}, {"a": D(0), "b": D(0)})
    assert got == {"a": D("0.00"), "b": D("0.00")}


def test_linear_reproduces_municipal_rule():
    """12345 on-time handling: 25 points at 100%, −1 per percentage point below, floor 0."""
    params = {"target": "1", "k": "1", "step": "0.01", "floor": "0"}
    values = {"a": D("1"), "b": D("0.9650"), "c": D("0.70"), "d": D("0.50"), "e": None}
    got = scoring.score("linear", D(25), "higher", params, values)
    assert got == {"a": D("25.00"), "b": D("21.50"), "c": D("0.00"), "d": D("0.00"), "e": None}


def test_linear_lower_is_better_with_floor():
    # full 10 at ≤ 2 events, −3 per event above, floor 2
    params = {"target": 2, "k": 3, "step": 1, "floor": 2}
    got = scoring.score("linear", D(10), "lower", params, {"a": D(1), "b": D(4), "c": D(9)})
    assert got == {"a": D("10.00"), "b": D("4.00"), "c": D("2.00")}


def test_deduction_per_event():
    got = scoring.score(
        "deduction", D(15), "lower", {"k": "2"}, {"a": D(0), "b": D(3), "c": D(20), "d": None}
    )
    assert got == {"a": D("15.00"), "b": D("9.00"), "c": D("0.00"), "d": None}


def test_direct_clamped_to_range():
    got = scoring.score("direct", D(20), "higher", {}, {"a": D("18.5"), "b": None})
    assert got == {"a": D("18.50"), "b": None}


@pytest.mark.parametrize(
    ("method", "params", "message"),
    [
        ("rank_points", {"table": [60, 70]}, "名次赋分表中的分值必须在0到该指标分值之间"),
        ("rank_points", {"table": [50, 55]}, "名次赋分表必须随名次递减"),
        ("rank_points", {}, "计分参数缺少step"),
        ("linear", {"k": 1}, "计分参数缺少target"),
        ("linear", {"target": 1, "k": 1, "floor": 99}, "保底分必须在0到该指标分值之间"),
        ("deduction", {"k": -1}, "每次扣分不能为负数"),
        ("direct", {}, "直接评分只适用于手工填报的指标"),
        ("median", {}, "未知的计分方法：median"),
    ],
)
def test_bad_parameters_rejected(method, params, message):
    with pytest.raises(ValidationError) as exc:
        scoring.validate(method, D(60), params, manual=False)
    assert exc.value.messages == [message]


def test_rules_described_in_chinese():
    assert scoring.describe(
        "linear", D(25), "higher", {"target": 1, "k": 1, "step": "0.01"}, "%"
    ) == ("线性计分：达到100%得满分25分，每低于1个百分点扣1分，最低0分")
    assert scoring.describe("rank_points", D(60), "higher", {"table": [60, 57, 54]}) == (
        "名次赋分（越高越好）：第1名60分、第2名57分、第3名54分；并列名次得分相同，名次超出赋分表得0分"
    )
    assert scoring.describe("deduction", D(15), "lower", {"k": 2}) == (
        "按次扣分：基础分15分，每发生1次扣2分，最低0分"
    )
