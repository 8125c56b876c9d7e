"""Scoring methods: pure functions from the participants' raw values to points.

Every method takes the leaf's maximum points, its direction (higher- or lower-is-better) and
its parameters, and gives each participant with data a number of points between 0 and the
maximum; a participant without data (None) gets None here — the board's missing-data rule
decides what that means. Ties share a rank (competition ranking: 1, 2, 2, 4).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from zuofeng.races.choices import Direction, Method

CENT = Decimal("0.01")
ZERO = Decimal(0)


def quantize(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def to_decimal(value) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value))


def ranks(values: Mapping[Hashable, Decimal | None], *, higher_better: bool = True) -> dict:
    """Competition ranks of those with a value; ties share the rank (1, 2, 2, 4)."""
    present = [v for v in values.values() if v is not None]
    out = {}
    for key, v in values.items():
        if v is None:
            out[key] = None
            continue
        better = sum(1 for o in present if (o > v if higher_better else o < v))
        out[key] = better + 1
    return out


def _param(params: Mapping, name: str, default=None) -> Decimal:
    value = params.get(name, default)
    if value is None:
        raise ValidationError(_("计分参数缺少%(name)s") % {"name": name})
    try:
        return Decimal(str(value))
    except Exception as exc:
        raise ValidationError(_("计分参数%(name)s不是数字") % {"name": name}) from exc


def rank_table(points: Decimal, params: Mapping) -> list[Decimal]:
    """The points by rank: an explicit `table` (1st, 2nd, …), or `step` below full points."""
    if "table" in params:
        table = [to_decimal(p) for p in params["table"]]
    else:
        step = _param(params, "step")
        count = int(_param(params, "size", 100))
        table = [max(ZERO, points - step * i) for i in range(count)]
    return table


def validate(method: str, points: Decimal, params: Mapping, *, manual: bool) -> None:
    """A clear message for parameters that cannot score: checked when a board is saved."""
    if method not in Method.values:
        raise ValidationError(_("未知的计分方法：%(m)s") % {"m": method})
    if method == Method.DIRECT and not manual:
        raise ValidationError(_("直接评分只适用于手工填报的指标"))
    if method == Method.RANK_POINTS:
        try:
            table = rank_table(points, params)
        except (TypeError, ValueError, ArithmeticError) as exc:
            raise ValidationError(_("名次赋分表必须是数字")) from exc
        if not table:
            raise ValidationError(_("名次赋分表不能为空"))
        if any(p < 0 or p > points for p in table):
            raise ValidationError(_("名次赋分表中的分值必须在0到该指标分值之间"))
        if any(a < b for a, b in pairwise(table)):
            raise ValidationError(_("名次赋分表必须随名次递减"))
    elif method == Method.LINEAR:
        _param(params, "target")
        if _param(params, "k") < 0:
            raise ValidationError(_("每低一个单位扣分不能为负数"))
        if _param(params, "step", "0.01") <= 0:
            raise ValidationError(_("扣分步长必须大于0"))
        if not 0 <= _param(params, "floor", 0) <= points:
            raise ValidationError(_("保底分必须在0到该指标分值之间"))
    elif method == Method.DEDUCTION:
        if _param(params, "k") < 0:
            raise ValidationError(_("每次扣分不能为负数"))
        if not 0 <= _param(params, "floor", 0) <= points:
            raise ValidationError(_("保底分必须在0到该指标分值之间"))


def score(
    method: str,
    points: Decimal,
    direction: str,
    params: Mapping,
    values: Mapping[Hashable, Decimal | None],
) -> dict[Hashable, Decimal | None]:
    """Points for every participant with a value (None for those without)."""
    higher = direction != Direction.LOWER
    present = {k: v for k, v in values.items() if v is not None}
    out: dict[Hashable, Decimal | None] = {k: None for k in values}
    if method == Method.RANK_POINTS:
        table = rank_table(points, params)
        for key, rank in ranks(present, higher_better=higher).items():
            out[key] = table[rank - 1] if rank <= len(table) else ZERO
    elif method == Method.RATIO_TO_TOP:
        if present:
            best = max(present.values()) if higher else min(present.values())
            for key, v in present.items():
                if higher:
                    ratio = v / best if best > 0 else ZERO
                else:
                    ratio = Decimal(1) if v <= best else (best / v if v > 0 else Decimal(1))
                out[key] = points * max(ZERO, min(Decimal(1), ratio))
    elif method == Method.LINEAR:
        target, k = _param(params, "target"), _param(params, "k")
        step, floor = _param(params, "step", "0.01"), _param(params, "floor", 0)
        for key, v in present.items():
            gap = (target - v) if higher else (v - target)
            out[key] = points if gap <= 0 else max(floor, points - k * gap / step)
    elif method == Method.DEDUCTION:
        k, floor = _param(params, "k"), _param(params, "floor", 0)
        for key, v in present.items():
            out[key] = max(floor, points - k * v)
    elif method == Method.DIRECT:
        for key, v in present.items():
            out[key] = v
    else:
        raise ValidationError(_("未知的计分方法：%(m)s") % {"m": method})
    return {k: (None if v is None else quantize(max(ZERO, min(points, v)))) for k, v in out.items()}


def _num(value) -> str:
    d = to_decimal(value).normalize()
    return format(d, "f")


def describe(method: str, points, direction: str, params: Mapping, unit: str = "") -> str:
    """The rule in Chinese words, as the board page and the notice show it."""
    p = _num(points)
    better = _("越低越好") if direction == Direction.LOWER else _("越高越好")
    if method == Method.RANK_POINTS:
        table = rank_table(to_decimal(points), params)
        shown = "、".join(
            _("第%(n)d名%(p)s分") % {"n": i + 1, "p": _num(t)} for i, t in enumerate(table[:5])
        )
        more = _("，依此类推") if len(table) > 5 else ""
        return _(
            "名次赋分（%(better)s）：%(shown)s%(more)s；并列名次得分相同，名次超出赋分表得0分"
        ) % {
            "better": better,
            "shown": shown,
            "more": more,
        }
    if method == Method.RATIO_TO_TOP:
        if direction == Direction.LOWER:
            return _(
                "比例折算（越低越好）：最低值得满分%(p)s分，其余按“最低值÷本单位值×%(p)s”计分"
            ) % {"p": p}
        return _("比例折算（越高越好）：最高值得满分%(p)s分，其余按“本单位值÷最高值×%(p)s”计分") % {
            "p": p
        }
    if method == Method.LINEAR:
        target, step = to_decimal(params.get("target")), to_decimal(params.get("step", "0.01"))
        is_rate = unit == "%" or (step == CENT and target <= 1)
        shown_target = f"{_num(target * 100)}%" if is_rate else f"{_num(target)}{unit}"
        shown_step = _("1个百分点") if is_rate and step == CENT else f"{_num(step)}{unit}"
        low = _("低于") if direction != Direction.LOWER else _("高于")
        reach = _("达到") if direction != Direction.LOWER else _("不高于")
        return _("线性计分：%(reach)s%(t)s得满分%(p)s分，每%(low)s%(s)s扣%(k)s分，最低%(f)s分") % {
            "reach": reach,
            "t": shown_target,
            "p": p,
            "low": low,
            "s": shown_step,
            "k": _num(params.get("k")),
            "f": _num(params.get("floor", 0)),
        }
    if method == Method.DEDUCTION:
        return _("按次扣分：基础分%(p)s分，每发生1次扣%(k)s分，最低%(f)s分") % {
            "p": p,
            "k": _num(params.get("k")),
            "f": _num(params.get("floor", 0)),
        }
    return _("直接评分：经审核的填报分值即得分，范围0至%(p)s分") % {"p": p}
