"""Demo data hooks: each app may add records to the demo district in its `demo_data.py`.

`zuofeng demo` builds the district first, then runs every registered builder whose data is not
there yet, so a second run reuses what exists."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class DemoBuilder:
    name: str
    exists: Callable[[], bool]
    build: Callable[[], str]  # returns a one-line summary


_BUILDERS: dict[str, DemoBuilder] = {}


def register(name: str, *, exists: Callable[[], bool], build: Callable[[], str]) -> None:
    _BUILDERS[name] = DemoBuilder(name, exists, build)


def builders() -> list[DemoBuilder]:
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("demo_data")
    return list(_BUILDERS.values())
