"""The automatic checks of the negative list: each type validates its parameters when an item is
saved, compiles to a SQL condition over finance records (the fast path: one query per item over
a whole import), evaluates one record in Python (the "test this check" preview and the
benchmark's baseline), and explains a hit in Chinese with the amount concerned.

Every type accepts `codes` (economic classification codes the check is limited to; empty: all).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.utils.translation import gettext as _

from zuofeng.rules.choices import CheckType

_MD = re.compile(r"^(\d{2})-(\d{2})$")


def money(value: Decimal | int | float) -> str:
    """312 → "312", 312.5 → "312.5", 312.456 → "312.46"."""
    d = Decimal(str(value)).quantize(Decimal("0.01"))
    return f"{d:f}".rstrip("0").rstrip(".") if "." in f"{d:f}" else f"{d:f}"


def docs_field(docs) -> str:
    """Document kinds as stored: "、公函、发票、" (empty: "")."""
    kinds = [d.strip() for d in docs if d and d.strip()]
    return f"、{'、'.join(kinds)}、" if kinds else ""


def split_docs(text: str) -> list[str]:
    parts = re.split(r"[、,，;；/\s]+", text or "")
    return list(dict.fromkeys(p for p in parts if p))


@dataclass(frozen=True)
class Record:
    """The fields of a finance record a check reads (an Expense or a dict row)."""

    econ_code: str
    amount: Decimal
    summary: str
    payee: str
    people: int | None
    documents: str
    date: dt.date

    @classmethod
    def of(cls, obj) -> Record:
        get = obj.get if isinstance(obj, dict) else lambda k: getattr(obj, k)
        return cls(
            get("econ_code"),
            Decimal(get("amount")),
            get("summary") or "",
            get("payee") or "",
            get("people"),
            get("documents") or "",
            get("date"),
        )


RECORD_FIELDS = ("id", "econ_code", "amount", "summary", "payee", "people", "documents", "date")


# --- parameter validation -------------------------------------------------------------------


def _words(params: dict, key: str, label: str, *, required: bool, max_len: int = 50) -> list:
    value = params.get(key, [])
    if isinstance(value, str):
        value = split_docs(value)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError(_("%(l)s应为文字列表") % {"l": label})
    value = [v.strip() for v in value if v.strip()]
    if required and not value:
        raise ValidationError(_("请至少填写一项%(l)s") % {"l": label})
    if any(len(v) > max_len for v in value):
        raise ValidationError(_("%(l)s每项不能超过%(n)d个字符") % {"l": label, "n": max_len})
    return list(dict.fromkeys(value))


def _codes(params: dict, known: set[str] | None, *, required: bool = False) -> list[str]:
    codes = _words(params, "codes", _("经济分类编码"), required=required, max_len=8)
    if known is not None:
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise ValidationError(_("未知的经济分类编码：%(c)s") % {"c": "、".join(unknown)})
    return codes


def _month_day(text, label: str) -> str:
    m = _MD.match(str(text or "").strip())
    if not m:
        raise ValidationError(_("%(l)s应为“月-日”格式，如 09-29") % {"l": label})
    try:
        dt.date(2024, int(m[1]), int(m[2]))  # a leap year: 02-29 is allowed
    except ValueError:
        raise ValidationError(_("%(l)s不是有效日期：%(v)s") % {"l": label, "v": text}) from None
    return m[0]


def validate(check_type: str, params, known_codes: set[str] | None = None) -> dict:
    """The parameters normalised, or ValidationError with the reason (in Chinese)."""
    if not check_type:
        if params:
            raise ValidationError(_("人工核查条目不能设置核查参数"))
        return {}
    if check_type not in CheckType.values:
        raise ValidationError(_("未知的核查类型：%(t)s") % {"t": check_type})
    if not isinstance(params, dict):
        raise ValidationError(_("核查参数应为键值对象"))
    allowed = {"codes", *_KEYS[check_type]}
    extra = sorted(set(params) - allowed)
    if extra:
        raise ValidationError(
            _("核查类型“%(t)s”不接受参数：%(k)s")
            % {"t": CheckType(check_type).label, "k": "、".join(extra)}
        )
    out: dict = {"codes": _codes(params, known_codes, required=check_type == CheckType.ECON_CODE)}
    if check_type == CheckType.KEYWORD:
        out["keywords"] = _words(params, "keywords", _("关键词"), required=True, max_len=20)
    elif check_type == CheckType.AMOUNT_OVER:
        try:
            limit = Decimal(str(params.get("limit", "")))
        except InvalidOperation:
            raise ValidationError(_("标准金额应为数字")) from None
        if not limit.is_finite() or limit <= 0:
            raise ValidationError(_("标准金额应大于0"))
        if params.get("per") not in ("person", "occasion"):
            raise ValidationError(_("计算口径应为 person（人均）或 occasion（单次）"))
        out["limit"] = int(limit) if limit == limit.to_integral() else float(limit)
        out["per"] = params["per"]
        label = str(params.get("label") or "").strip()
        if len(label) > 20:
            raise ValidationError(_("显示名称不能超过20个字符"))
        if label:
            out["label"] = label
    elif check_type == CheckType.DOCUMENT_MISSING:
        out["documents"] = _words(params, "documents", _("必备附件"), required=True, max_len=20)
        label = str(params.get("label") or "").strip()
        if label:
            out["label"] = label[:20]
    elif check_type == CheckType.PAYEE_WATCH:
        out["payees"] = _words(params, "payees", _("关注收款方"), required=True, max_len=100)
    elif check_type == CheckType.DATE_WINDOW:
        windows = params.get("windows")
        if not isinstance(windows, list) or not windows:
            raise ValidationError(_("请至少填写一个禁止期间"))
        out["windows"] = []
        for w in windows:
            if not isinstance(w, dict):
                raise ValidationError(_("禁止期间应为 {from, to, name}"))
            out["windows"].append(
                {
                    "from": _month_day(w.get("from"), _("开始")),
                    "to": _month_day(w.get("to"), _("结束")),
                    "name": str(w.get("name") or "").strip()[:20] or _("禁止期间"),
                }
            )
    if check_type == CheckType.ECON_CODE and not out["codes"]:
        raise ValidationError(_("请至少填写一个经济分类编码"))
    return out


_KEYS = {
    CheckType.ECON_CODE: (),
    CheckType.KEYWORD: ("keywords",),
    CheckType.AMOUNT_OVER: ("limit", "per", "label"),
    CheckType.DOCUMENT_MISSING: ("documents", "label"),
    CheckType.PAYEE_WATCH: ("payees",),
    CheckType.DATE_WINDOW: ("windows",),
}


# --- SQL ------------------------------------------------------------------------------------


def _any(qs: list[Q]) -> Q:
    out = Q(pk__in=[])
    for q in qs:
        out |= q
    return out


def _md_q(m: int, d: int, after: bool) -> Q:
    if after:
        return Q(date__month__gt=m) | Q(date__month=m, date__day__gte=d)
    return Q(date__month__lt=m) | Q(date__month=m, date__day__lte=d)


def _window_q(w: dict) -> Q:
    (m1, d1), (m2, d2) = (map(int, w["from"].split("-")), map(int, w["to"].split("-")))
    if (m1, d1) <= (m2, d2):
        return _md_q(m1, d1, True) & _md_q(m2, d2, False)
    return _md_q(m1, d1, True) | _md_q(m2, d2, False)  # across the new year


def condition(check_type: str, params: dict) -> Q:
    """The records of a check as a SQL condition."""
    q = Q(econ_code__in=params["codes"]) if params.get("codes") else Q()
    if check_type == CheckType.KEYWORD:
        q &= _any([Q(summary__contains=k) for k in params["keywords"]])
    elif check_type == CheckType.AMOUNT_OVER:
        limit = Decimal(str(params["limit"]))
        if params["per"] == "person":
            q &= Q(people__gt=0, amount__gt=F("people") * limit)
        else:
            q &= Q(amount__gt=limit)
    elif check_type == CheckType.DOCUMENT_MISSING:
        q &= _any([~Q(documents__contains=f"、{d}、") for d in params["documents"]])
    elif check_type == CheckType.PAYEE_WATCH:
        q &= Q(payee__in=params["payees"])
    elif check_type == CheckType.DATE_WINDOW:
        q &= _any([_window_q(w) for w in params["windows"]])
    return q


# --- Python ---------------------------------------------------------------------------------


def _in_window(day: dt.date, w: dict) -> bool:
    start = tuple(map(int, w["from"].split("-")))
    end = tuple(map(int, w["to"].split("-")))
    md = (day.month, day.day)
    return start <= md <= end if start <= end else (md >= start or md <= end)


def explain(check_type: str, params: dict, r: Record, label: str) -> tuple[str, Decimal] | None:
    """(explanation, amount concerned) when the record breaks the check, else None.

    The amount concerned is the excess over the standard for amount checks and the whole
    record otherwise."""
    if params.get("codes") and r.econ_code not in params["codes"]:
        return None
    if check_type == CheckType.ECON_CODE:
        return _("经济分类 %(c)s 属于本条限定的支出") % {"c": r.econ_code}, r.amount
    if check_type == CheckType.KEYWORD:
        for k in params["keywords"]:
            if k in r.summary:
                return _("摘要含“%(k)s”") % {"k": k}, r.amount
        return None
    if check_type == CheckType.AMOUNT_OVER:
        limit = Decimal(str(params["limit"]))
        name = params.get("label") or label
        if params["per"] == "person":
            if not r.people or r.amount <= limit * r.people:
                return None
            each = r.amount / r.people
            return (
                _("%(n)s人均 %(v)s 元，超过标准 %(l)s 元")
                % {"n": name, "v": money(each), "l": money(limit)},
                r.amount - limit * r.people,
            )
        if r.amount <= limit:
            return None
        return (
            _("%(n)s单次 %(v)s 元，超过标准 %(l)s 元")
            % {"n": name, "v": money(r.amount), "l": money(limit)},
            r.amount - limit,
        )
    if check_type == CheckType.DOCUMENT_MISSING:
        missing = [d for d in params["documents"] if f"、{d}、" not in r.documents]
        if not missing:
            return None
        name = params.get("label") or label
        return _("%(n)s缺少%(d)s") % {"n": name, "d": "、".join(missing)}, r.amount
    if check_type == CheckType.PAYEE_WATCH:
        if r.payee not in params["payees"]:
            return None
        return _("收款方“%(p)s”在关注名单中") % {"p": r.payee}, r.amount
    if check_type == CheckType.DATE_WINDOW:
        for w in params["windows"]:
            if _in_window(r.date, w):
                return (
                    _("支出日期 %(d)s 在禁止期间“%(n)s”（%(f)s至%(t)s）内")
                    % {"d": r.date.isoformat(), "n": w["name"], "f": w["from"], "t": w["to"]},
                    r.amount,
                )
        return None
    return None
