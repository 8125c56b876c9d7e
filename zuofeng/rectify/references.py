"""Links from a problem's source reference (来源文号) to the record that raised it: a module that
pushes its findings into the ledger registers the pattern of its references and the page that
shows one (the rule lists' hits RH-n and flags RF-n, for example)."""

from __future__ import annotations

import re

from django.urls import reverse

_PATTERNS: list[tuple[re.Pattern, str]] = []


def register(pattern: str, url_name: str) -> None:
    """`url_name` takes the whole reference as its one argument."""
    _PATTERNS.append((re.compile(pattern), url_name))


def url_for(ref: str) -> str:
    for pattern, url_name in _PATTERNS:
        if ref and pattern.fullmatch(ref):
            return reverse(url_name, args=[ref])
    return ""
