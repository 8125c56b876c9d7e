"""Errors a service raises that a boundary (page, API, command) turns into a 4xx answer."""

from django.utils.translation import gettext_lazy as _


class Conflict(Exception):
    """The record changed since the caller read it (optimistic locking)."""

    default_message = _("该记录已被他人修改，请刷新后重试")

    def __init__(self, message=None):
        super().__init__(str(message or self.default_message))
