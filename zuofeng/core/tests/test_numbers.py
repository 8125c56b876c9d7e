from decimal import Decimal

import pytest

from zuofeng.core import numbers


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (165_000_000, "1.65亿元"),
        (Decimal("165000000.00"), "1.65亿元"),
        (120_000_000, "1.2亿元"),
        (100_000_000, "1亿元"),
        (123_456_789, "1.23亿元"),
        (99_999_999, "10000万元"),
        (200_000, "20万元"),
        (12_345, "1.23万元"),
        (10_000, "1万元"),
        (3_600, "3600元"),
        (Decimal("312.50"), "312.5元"),
        (0, "0元"),
        (None, "—"),
    ],
)
def test_amount(value, text):
    assert numbers.amount(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (3512, "3500余"),
        (3500, "3500"),
        (3599, "3500余"),
        (373, "370余"),
        (251, "250余"),
        (250, "250"),
        (146, "140余"),
        (100, "100"),
        (99, "99"),
        (66, "66"),
        (0, "0"),
        (40_198, "4万余"),
        (40_000, "4万"),
        (12_345, "1.2万余"),
        (None, "—"),
    ],
)
def test_approx(value, text):
    assert numbers.approx(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.634, "63.4%"),
        (0.6, "60%"),
        (1, "100%"),
        (0, "0%"),
        (0.63449, "63.4%"),
        (0.63450, "63.5%"),
        (Decimal("0.8190"), "81.9%"),
        (None, "—"),
    ],
)
def test_percent(value, text):
    assert numbers.percent(value) == text


def test_count_has_no_separator_and_by_unit_picks_the_writing():
    assert numbers.count(3270) == "3270"
    assert numbers.count(Decimal("4.50")) == "4.5"
    assert numbers.by_unit(0.25, "%") == "25%"
    assert numbers.by_unit(165_000_000, "元") == "1.65亿元"
    assert numbers.by_unit(3270, "个") == "3270"
