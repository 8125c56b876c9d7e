"""Query-string parameters of the pages, read the same way by every view."""

from __future__ import annotations

from django.core.exceptions import BadRequest


def text_param(request, name: str, max_length: int) -> str:
    """A GET parameter as stripped, bounded text; NUL (PostgreSQL cannot hold it) is a 400."""
    value = request.GET.get(name, "").strip()[:max_length]
    if "\x00" in value:
        raise BadRequest(f"NUL in parameter {name}")
    return value
