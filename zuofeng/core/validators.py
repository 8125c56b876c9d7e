"""National identifier formats: resident ID (GB 11643), mobile phone, credit code (GB 32100)."""

from __future__ import annotations

import datetime as dt
import re
from operator import mul

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")
_PHONE_RE = re.compile(r"^1\d{10}$")


def id_check_char(first17: str) -> str:
    if len(first17) != 17:
        raise ValueError("the check character is computed from 17 digits")
    # map() over the digits: an import computes this for every one of tens of thousands of IDs.
    return _ID_CHECK[sum(map(mul, map(int, first17), _ID_WEIGHTS)) % 11]


def parse_id_number(value: str) -> tuple[str, dt.date, str]:
    """Validate an 18-character resident ID; return (normalised, birth date, 'M'|'F')."""
    number = value.strip().upper()
    if not _ID_RE.match(number):
        raise ValidationError(_("身份证号应为18位，前17位为数字，末位为数字或X"))
    if id_check_char(number[:17]) != number[17]:
        raise ValidationError(_("身份证号校验位不正确"))
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise ValidationError(_("身份证号中的出生日期无效")) from exc
    if birth.year < 1900 or birth > dt.date.today():
        raise ValidationError(_("身份证号中的出生日期无效"))
    gender = "M" if int(number[16]) % 2 else "F"
    return number, birth, gender


def normalise_phone(value: str) -> str:
    phone = value.strip().replace(" ", "").replace("-", "")
    if phone.startswith("+86"):
        phone = phone[3:]
    if not _PHONE_RE.match(phone):
        raise ValidationError(_("手机号应为以1开头的11位数字"))
    return phone


_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")


def credit_check_char(first17: str) -> str:
    total = sum(_CREDIT_CHARS.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return _CREDIT_CHARS[(31 - total % 31) % 31]


def normalise_credit_code(value: str) -> str:
    """Validate a unified social credit code (18 characters, GB 32100 check character)."""
    code = value.strip().upper()
    if not _CREDIT_RE.match(code):
        raise ValidationError(_("统一社会信用代码应为18位数字或大写字母（不含I、O、Z、S、V）"))
    if credit_check_char(code[:17]) != code[17]:
        raise ValidationError(_("统一社会信用代码校验位不正确"))
    return code
