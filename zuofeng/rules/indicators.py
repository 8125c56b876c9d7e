"""Indicators of the rule lists, over the unit's (village's) subtree and a period: the record's
date, or for budgets the years the period touches."""

from __future__ import annotations

import os
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count, DecimalField, ExpressionWrapper, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Substr

from zuofeng.core.indicators import (
    NO_FILTERS,
    CountIndicator,
    Indicator,
    IndicatorError,
    Period,
    RatioIndicator,
    SumIndicator,
    choice_filter,
    register,
)
from zuofeng.orgs.models import SEGMENT, Org, subtree_q
from zuofeng.rules.choices import CheckType, FlagKind, Review
from zuofeng.rules.models import (
    BudgetLine,
    CaseFlag,
    Expense,
    Hit,
    NegativeCategory,
    NegativeItem,
    NegativeList,
    PowerCase,
    PowerItem,
)

DEFAULT_CUT_TARGET = Decimal("0.15")


def cut_target() -> Decimal:
    """The non-rigid cut target (15% by default): setting RULES_CUT_TARGET or the environment
    variable ZUOFENG_RULES_CUT_TARGET, a fraction between 0 and 1."""
    raw = getattr(settings, "RULES_CUT_TARGET", None)
    if raw is None:
        raw = os.environ.get("ZUOFENG_RULES_CUT_TARGET", DEFAULT_CUT_TARGET)
    try:
        value = Decimal(str(raw))
    except ArithmeticError:
        raise ImproperlyConfigured(f"RULES_CUT_TARGET must be a fraction, not {raw!r}") from None
    if not 0 <= value < 1:
        raise ImproperlyConfigured(f"RULES_CUT_TARGET must be between 0 and 1, not {raw!r}")
    return value


def in_force(period: Period):
    """The list versions in force on the period's last day: per scope, the latest one that
    took effect by then."""
    latest = (
        NegativeList.objects.filter(
            applies_to=OuterRef("applies_to"), effective_from__lte=period.end
        )
        .order_by("-effective_from")
        .values("pk")[:1]
    )
    return NegativeList.objects.filter(pk=Subquery(latest))


@dataclass(frozen=True)
class AboveOrBelow(CountIndicator):
    """Records that hold for an org's whole subtree (a list version, a micro-power list): a
    scope counts those of the orgs above it and those of its own subtree."""

    def records(self, scope_path, period, filters=NO_FILTERS):
        ancestors = [scope_path[:i] for i in range(SEGMENT, len(scope_path) + 1, SEGMENT)]
        mine = subtree_q(scope_path, self.path_field) | Q(**{f"{self.path_field}__in": ancestors})
        return self._apply(self.base(period).filter(mine), filters)

    def by_child(self, scope_path, width, period, filters=NO_FILTERS):
        qs = self.records(scope_path, period, filters)
        shared = qs.filter(**{f"{self.path_field}__lte": scope_path}).count()
        below = dict(
            qs.filter(**{f"{self.path_field}__gt": scope_path})
            .annotate(p=Substr(self.path_field, 1, width))
            .values("p")
            .annotate(n=Count("pk"))
            .values_list("p", "n")
        )
        children = Org.objects.filter(subtree_q(scope_path), depth=len(scope_path) // SEGMENT)
        return {c: shared + below.get(c, 0) for c in children.values_list("path", flat=True)}


def _years(period: Period) -> range:
    return range(period.start.year, period.end.year + 1)


def _nonrigid(period: Period):
    return BudgetLine.objects.filter(rigid=False, year__in=list(_years(period)))


@dataclass(frozen=True)
class CutRate(Indicator):
    """1 − Σ this year's budget / Σ last year's spending over the non-rigid lines of the
    scope's units together; None when nothing was spent last year."""

    def base(self, period):
        return _nonrigid(period)

    def aggregation(self):
        return {"b": Sum("budget"), "p": Sum("prior_actual")}

    @staticmethod
    def _rate(b, p):
        if not p:
            return None
        return round(float(1 - Decimal(b or 0) / Decimal(p)), 4)

    def value(self, scope_path, period, filters=NO_FILTERS):
        row = self.records(scope_path, period, filters).aggregate(**self.aggregation())
        return self._rate(row["b"], row["p"])

    def by_child(self, scope_path, width, period, filters=NO_FILTERS):
        rows = (
            self.records(scope_path, period, filters)
            .annotate(_p=Substr(self.path_field, 1, width))
            .values("_p")
            .annotate(**self.aggregation())
            .values_list("_p", "b", "p")
        )
        return {path: self._rate(b, p) for path, b, p in rows}


def units_below(qs, target: Decimal, *group: str):
    """Per unit (and year) the non-rigid sums, kept where the cut falls short of the target:
    Σ budget > (1 − target) × Σ last year (HAVING, in SQL)."""
    money = DecimalField(max_digits=18, decimal_places=2)
    return (
        qs.values("unit_id", "year", *group)
        .annotate(b=Sum("budget"), p=Sum("prior_actual"))
        .filter(p__gt=0)
        .filter(b__gt=ExpressionWrapper(F("p") * (1 - target), output_field=money))
    )


@dataclass(frozen=True)
class UnitsBelow(Indicator):
    """Units (per year) whose non-rigid cut is below the target."""

    def base(self, period):
        return _nonrigid(period)

    def value(self, scope_path, period, filters=NO_FILTERS):
        return units_below(self.records(scope_path, period, filters), cut_target()).count()

    def by_child(self, scope_path, width, period, filters=NO_FILTERS):
        rows = units_below(
            self.records(scope_path, period, filters).annotate(
                _p=Substr(self.path_field, 1, width)
            ),
            cut_target(),
            "_p",
        ).values_list("_p", flat=True)
        out: dict[str, int] = {}
        for path in rows:
            out[path] = out.get(path, 0) + 1
        return out


def _category(qs, value):
    if not NegativeCategory.objects.filter(name=value).exists():
        raise IndicatorError(f"unknown negative-list category: {value}")
    return qs.filter(item__category__name=value)


HIT_FILTERS = {
    "category": _category,
    "check_type": choice_filter("item__check_type", dict(CheckType.choices), "check type"),
    "state": choice_filter("state", dict(Review.choices), "review state"),
}
FLAG_FILTERS = {"kind": choice_filter("kind", dict(FlagKind.choices), "flag kind")}


def _hits(p: Period):
    return Hit.objects.filter(expense__date__gte=p.start, expense__date__lte=p.end)


def _cases(p: Period):
    return PowerCase.objects.filter(date__gte=p.start, date__lte=p.end)


ACTIVE_FLAG = [Review.PENDING, Review.CONFIRMED]

hits = CountIndicator(
    "rules.hits",
    "负面清单命中数",
    "条",
    "expense__unit__path",
    HIT_FILTERS,
    "支出日期在统计期内、被负面清单自动核查命中的记录（每条记录每个条目计一次）",
    records_fn=_hits,
)
hits_confirmed = CountIndicator(
    "rules.hits_confirmed",
    "确认违规命中数",
    "条",
    "expense__unit__path",
    HIT_FILTERS,
    "命中中经审核确认的",
    records_fn=lambda p: _hits(p).filter(state=Review.CONFIRMED),
)
cases = CountIndicator(
    "rules.power_cases",
    "小微权力运行案件数",
    "件",
    "village__path",
    {},
    "第一步日期在统计期内的村级小微权力案件",
    records_fn=_cases,
)
compliant = CountIndicator(
    "rules.power_cases_compliant",
    "程序合规案件数",
    "件",
    "village__path",
    {},
    "没有未排除问题的案件",
    records_fn=lambda p: _cases(p).exclude(flags__state__in=ACTIVE_FLAG),
)

register(
    AboveOrBelow(
        "rules.negative_items",
        "负面清单条目数",
        "条",
        "category__negative_list__applies_to__path",
        {},
        "统计期末有效的“过紧日子”负面清单条目（含上级发布、适用于本范围的清单）",
        records_fn=lambda p: NegativeItem.objects.filter(category__negative_list__in=in_force(p)),
    ),
    AboveOrBelow(
        "rules.negative_categories",
        "负面清单类别数",
        "项",
        "negative_list__applies_to__path",
        {},
        "统计期末有效的“过紧日子”负面清单类别",
        records_fn=lambda p: NegativeCategory.objects.filter(negative_list__in=in_force(p)),
    ),
    CountIndicator(
        "rules.expenses_checked",
        "核查支出记录数",
        "条",
        "unit__path",
        {},
        "支出日期在统计期内、已对照负面清单核查的财务记录",
        records_fn=lambda p: Expense.objects.filter(date__gte=p.start, date__lte=p.end),
    ),
    hits,
    hits_confirmed,
    SumIndicator(
        "rules.hit_amount",
        "确认违规涉及金额",
        "元",
        "expense__unit__path",
        HIT_FILTERS,
        "确认命中的涉及金额（金额标准类为超出标准部分，其余为整笔金额）",
        records_fn=lambda p: _hits(p).filter(state=Review.CONFIRMED),
        sum_field="amount",
    ),
    CutRate(
        "rules.nonrigid_cut_rate",
        "非刚性支出压减率",
        "%",
        "unit__path",
        {},
        "1 − 非刚性科目本年预算合计 ÷ 上年执行合计（统计期所涉年度，范围内各单位合并计算）",
    ),
    UnitsBelow(
        "rules.units_below_target",
        "非刚性支出压减未达标单位数",
        "个",
        "unit__path",
        {},
        "非刚性支出压减率低于目标（默认15%）的单位（按年度）",
    ),
    AboveOrBelow(
        "rules.power_items",
        "小微权力清单事项数",
        "项",
        "org__path",
        {},
        "适用于本范围的村级小微权力清单事项",
        records_fn=lambda p: PowerItem.objects.all(),
    ),
    cases,
    compliant,
    RatioIndicator(
        "rules.power_compliance_rate",
        "小微权力程序合规率",
        "%",
        compliant,
        cases,
        "统计期内的案件中，没有未排除问题的比例",
    ),
    CountIndicator(
        "rules.power_flags",
        "小微权力程序问题数",
        "个",
        "case__village__path",
        FLAG_FILTERS,
        "统计期内案件的逐步核查发现的问题（已排除的不计）",
        records_fn=lambda p: CaseFlag.objects.filter(
            case__date__gte=p.start, case__date__lte=p.end, state__in=ACTIVE_FLAG
        ),
    ),
)
