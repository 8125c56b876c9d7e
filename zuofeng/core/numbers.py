"""Numbers written the way Chinese official text writes them.

- amounts: `165000000` 元 → `1.65亿元`, `200000` 元 → `20万元`, `3600` 元 → `3600元`;
- round figures: `3512` → `3500余`, `373` → `370余`, `40198` → `4万余`, `66` → `66`
  (two significant figures kept, rounded down, 余 when something was dropped);
- rates: `0.634` → `63.4%`, `0.6` → `60%`, `None` → `—`;
- counts: `3270` → `3270` (no thousands separator).
Decimals are rounded half up, as a reader checking by hand would."""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

MISSING = "—"
YI = Decimal(100_000_000)
WAN = Decimal(10_000)


def _decimal(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _plain(value: Decimal, places: int = 2) -> str:
    """At most `places` decimals, half up, without trailing zeros: 1.650 → 1.65, 20.00 → 20."""
    text = f"{value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def count(value) -> str:
    if value is None:
        return MISSING
    return _plain(_decimal(value), 2)


def amount(value, unit: str = "元") -> str:
    """A sum of money in 元: in 亿 from a hundred million, in 万 from ten thousand."""
    if value is None:
        return MISSING
    v = _decimal(value)
    if abs(v) >= YI:
        return f"{_plain(v / YI)}亿{unit}"
    if abs(v) >= WAN:
        return f"{_plain(v / WAN)}万{unit}"
    return f"{_plain(v)}{unit}"


def approx(value) -> str:
    """A round figure: two significant figures, rounded down, 余 when anything was dropped."""
    if value is None:
        return MISSING
    v = int(_decimal(value).to_integral_value(rounding=ROUND_DOWN))
    if v < 100:
        return str(v)
    step = 10 ** (len(str(v)) - 2)
    base = v // step * step
    more = "余" if base != v else ""
    if base >= 10_000:
        return f"{_plain(Decimal(base) / WAN, 1)}万{more}"
    return f"{base}{more}"


def percent(value, places: int = 1) -> str:
    """A ratio between 0 and 1 as a percentage with at most one decimal."""
    if value is None:
        return MISSING
    return f"{_plain(_decimal(value) * 100, places)}%"


def by_unit(value, unit: str) -> str:
    """The natural writing of an indicator value from its unit: %, 元, or a plain count."""
    if unit == "%":
        return percent(value)
    if unit.endswith("元"):
        return amount(value, unit)
    return count(value)


def points(delta) -> str:
    """A change between two rates, in percentage points: 0.025 → +2.5个百分点."""
    if delta is None:
        return MISSING
    d = _decimal(delta) * 100
    return f"{'+' if d >= 0 else '−'}{_plain(abs(d), 1)}个百分点"
