"""The periods a dashboard or a briefing covers: a month, a quarter, a year, a campaign (a
rectification campaign with dates) or custom dates — and the period before it, to compare with."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.translation import gettext as _

from zuofeng.core.indicators import IndicatorError, Period

KINDS = ("month", "quarter", "year", "campaign", "custom")


class PeriodError(ValueError):
    """A period that cannot be read: the message says which field and why."""


@dataclass(frozen=True)
class Choice:
    kind: str
    value: str
    period: Period
    previous: Period
    label: str


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _shift_months(day: dt.date, months: int) -> dt.date:
    total = day.year * 12 + day.month - 1 + months
    return dt.date(total // 12, total % 12 + 1, 1)


def _months_back(period: Period, months: int) -> Period:
    start = _shift_months(period.start, -months)
    end = _shift_months(period.end, -months)
    return Period(start, _month_end(end.year, end.month))


def same_length_before(period: Period) -> Period:
    days = (period.end - period.start).days
    end = period.start - dt.timedelta(days=1)
    return Period(end - dt.timedelta(days=days), end)


def _int(value: str, field: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise PeriodError(
            _("%(field)s 不是有效的值：%(value)s") % {"field": field, "value": value}
        ) from exc


def _date(value: str | None, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value or "")
    except ValueError as exc:
        raise PeriodError(_("%(field)s 应为日期 YYYY-MM-DD") % {"field": field}) from exc


def campaigns():
    """Rectification campaigns with both dates: the campaign periods on offer."""
    from zuofeng.rectify.models import Campaign

    return Campaign.objects.filter(start_date__isnull=False, end_date__isnull=False).order_by(
        "-start_date", "id"
    )


def default(today: dt.date) -> Choice:
    """The latest campaign that has begun, else the current year."""
    current = campaigns().filter(start_date__lte=today).first()
    if current is not None:
        return parse({"period": "campaign", "value": str(current.pk)}, today)
    return parse({"period": "year", "value": str(today.year)}, today)


def parse(params: Mapping[str, str], today: dt.date) -> Choice:
    """Read `period` (kind) and `value`, or `from`/`to` for custom dates."""
    kind = params.get("period") or ""
    value = (params.get("value") or "").strip()
    if not kind:
        return default(today)
    if kind not in KINDS:
        raise PeriodError(_("未知的统计期类型：%(kind)s") % {"kind": kind})
    try:
        if kind == "month":
            year, _sep, month = value.partition("-")
            y, m = _int(year, _("年份")), _int(month, _("月份"))
            if not 1 <= m <= 12:
                raise PeriodError(_("月份应为 1–12"))
            period = Period(dt.date(y, m, 1), _month_end(y, m))
            return Choice(kind, f"{y}-{m:02d}", period, _months_back(period, 1), f"{y}年{m}月")
        if kind == "quarter":
            year, _sep, q = value.upper().partition("-Q")
            y, n = _int(year, _("年份")), _int(q, _("季度"))
            if not 1 <= n <= 4:
                raise PeriodError(_("季度应为 1–4"))
            period = Period(dt.date(y, 3 * n - 2, 1), _month_end(y, 3 * n))
            return Choice(kind, f"{y}-Q{n}", period, _months_back(period, 3), f"{y}年第{n}季度")
        if kind == "year":
            y = _int(value, _("年份"))
            period = Period(dt.date(y, 1, 1), dt.date(y, 12, 31))
            return Choice(kind, str(y), period, _months_back(period, 12), f"{y}年")
        if kind == "campaign":
            found = campaigns().filter(pk=_int(value, _("专项"))).first()
            if found is None:
                raise PeriodError(_("没有这个带起止日期的专项：%(value)s") % {"value": value})
            period = Period(found.start_date, found.end_date)
            return Choice(kind, str(found.pk), period, same_length_before(period), found.name)
        start = _date(params.get("from"), _("开始日期"))
        end = _date(params.get("to"), _("结束日期"))
        period = Period(start, end)
        label = f"{start.isoformat()} 至 {end.isoformat()}"
        return Choice(kind, "", period, same_length_before(period), label)
    except IndicatorError as exc:  # an end before the start, or out of range
        if "before it starts" in str(exc):
            raise PeriodError(_("结束日期早于开始日期")) from exc
        raise PeriodError(_("统计期超出范围")) from exc
    except (OverflowError, ValueError) as exc:
        if isinstance(exc, PeriodError):
            raise
        raise PeriodError(_("统计期超出范围")) from exc
