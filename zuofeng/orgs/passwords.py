"""Password rules of 等保 assessment: length, character classes, no reuse of the last N."""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_CLASSES = (
    re.compile(r"[a-z]"),
    re.compile(r"[A-Z]"),
    re.compile(r"\d"),
    re.compile(r"[^A-Za-z0-9]"),
)


class ComplexityValidator:
    def validate(self, password, user=None):
        if len(password) < settings.PASSWORD_MIN_LENGTH:
            raise ValidationError(
                _("密码至少%(n)d位") % {"n": settings.PASSWORD_MIN_LENGTH}, code="too_short"
            )
        classes = sum(1 for pattern in _CLASSES if pattern.search(password))
        if classes < settings.PASSWORD_MIN_CLASSES:
            raise ValidationError(
                _("密码须包含大写字母、小写字母、数字、符号中的至少%(n)d类")
                % {"n": settings.PASSWORD_MIN_CLASSES},
                code="too_simple",
            )

    def get_help_text(self):
        return _("至少%(len)d位，包含大写字母、小写字母、数字、符号中的至少%(n)d类") % {
            "len": settings.PASSWORD_MIN_LENGTH,
            "n": settings.PASSWORD_MIN_CLASSES,
        }


class HistoryValidator:
    def validate(self, password, user=None):
        if user is None or not getattr(user, "pk", None) or settings.PASSWORD_HISTORY == 0:
            return
        recent = user.password_history.values_list("password", flat=True)[
            : settings.PASSWORD_HISTORY
        ]
        if any(check_password(password, old) for old in recent):
            raise ValidationError(
                _("不能使用最近%(n)d次用过的密码") % {"n": settings.PASSWORD_HISTORY}, code="reused"
            )

    def get_help_text(self):
        return _("不能与最近%(n)d次密码相同") % {"n": settings.PASSWORD_HISTORY}


def password_expired(user, now) -> bool:
    days = settings.PASSWORD_MAX_AGE_DAYS
    if not days or user.password_changed_at is None:
        return False
    return (now - user.password_changed_at).days >= days
