"""Closed-loop panels of the dashboard: how far the records of a loop got (a funnel), their
warning colours, and the overdue ones — the same three views for problems and for requests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet

from zuofeng.core.indicators import Period, holder_field
from zuofeng.core.loops import Loop
from zuofeng.core.models import Warning
from zuofeng.orgs.models import Org, subtree_q


@dataclass(frozen=True)
class LoopPanel:
    key: str
    title: str
    records: Callable[[], QuerySet]  # every record of the loop
    path_field: str  # the responsible unit's path
    date_field: str  # the date that puts a record in a period (found, submitted)
    loop: Loop
    stages: tuple[str, ...]  # funnel stages in order
    stage_of: dict[str, str] = field(default_factory=dict)  # other states → the stage reached
    # The fields an overdue row shows (its text and dates); the list loads only these.
    shown: tuple[str, ...] = ()

    def _in(self, scope: Org) -> QuerySet:
        return self.records().filter(subtree_q(scope.path, self.path_field))

    def funnel(self, scope: Org, period: Period) -> list[tuple[str, int]]:
        """Of the records dated in the period, how many reached each stage (one grouped query)."""
        rows = (
            self._in(scope)
            .filter(**{f"{self.date_field}__range": (period.start, period.end)})
            .values_list("state")
            .annotate(n=Count("pk"))
            .order_by()
        )
        reached = [0] * len(self.stages)
        for state, n in rows:
            stage = self.stage_of.get(state, state)
            if stage in self.stages:
                for i in range(self.stages.index(stage) + 1):
                    reached[i] += n
        labels = self.loop.state_labels
        return [(labels.get(s, s), reached[i]) for i, s in enumerate(self.stages)]

    def open_records(self, scope: Org) -> QuerySet:
        return self._in(scope).filter(state__in=self.loop.open_states)

    def warnings(self, scope: Org) -> list[tuple[str, str, int]]:
        """Open records by warning colour: (code, label, count), red first."""
        counts = dict(
            self.open_records(scope).values_list("warning").annotate(n=Count("pk")).order_by()
        )
        order = (Warning.RED, Warning.YELLOW, Warning.GREEN, Warning.NONE)
        return [(w.value or "none", str(w.label), counts.get(w.value, 0)) for w in order]

    def overdue(self, scope: Org, limit: int = 10) -> list:
        holder = holder_field(self.path_field)
        qs = self.open_records(scope).filter(warning=Warning.RED).select_related(holder)
        if self.shown:
            qs = qs.only(
                *self.shown, "deadline", "overdue_since", f"{holder}__name", f"{holder}__code"
            )
        return list(qs.order_by("deadline", "pk")[:limit])


_PANELS: dict[str, LoopPanel] = {}


def register(panel: LoopPanel) -> None:
    _PANELS[panel.key] = panel


def panels() -> list[LoopPanel]:
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("indicators")  # apps register their panels beside their indicators
    return list(_PANELS.values())
