"""Query-string parameters of the pages, read the same way by every view."""

from __future__ import annotations

from django.core.exceptions import BadRequest
from django.http import Http404


def text_param(request, name: str, max_length: int) -> str:
    """A GET parameter as stripped, bounded text; NUL (PostgreSQL cannot hold it) is a 400."""
    value = request.GET.get(name, "").strip()[:max_length]
    if "\x00" in value:
        raise BadRequest(f"NUL in parameter {name}")
    return value


def id_param(data, name: str = "id") -> int:
    """A record id from a form; anything but a positive integer is a 404, like a missing row."""
    value = data.get(name, "")
    if not (value.isascii() and value.isdigit()) or not 0 < int(value) < 2**62:
        raise Http404
    return int(value)
