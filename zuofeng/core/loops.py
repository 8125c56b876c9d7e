"""The loop engine: states and transitions as data, one service that applies a transition,
and the idempotent sweeper that keeps warning colours and breaches.

An app declares a `Loop` (its transitions in `transitions.py`) and supplies `authorize`, the
role-and-scope check, since core knows nothing of orgs. Everything else — the row lock, the
optimistic version check, required data, the timeline event and the audit entry — happens here,
in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zuofeng.core import audit
from zuofeng.core.errors import Conflict
from zuofeng.core.models import TimelineEvent, Warning


class TransitionNotAllowed(ValidationError):
    """The action does not apply to the record's current state."""


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    label: str = ""
    requires: tuple[str, ...] = ()


@dataclass(frozen=True)
class Loop:
    """A closed loop: its states, transitions and which states still count as open."""

    name: str
    state_labels: dict[str, str]
    transitions: tuple[Transition, ...]
    open_states: frozenset[str]
    _index: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        for t in self.transitions:
            unknown = (t.sources | {t.target}) - set(self.state_labels)
            if unknown:
                raise ValueError(f"{self.name}: unknown states {sorted(unknown)} in {t.action}")
            for source in t.sources:
                key = (source, t.action)
                if key in self._index:
                    raise ValueError(f"{self.name}: two transitions for {key}")
                self._index[key] = t

    def transition(self, state: str, action: str) -> Transition | None:
        return self._index.get((state, action))

    def actions_from(self, state: str) -> list[Transition]:
        return [t for t in self.transitions if state in t.sources]

    @property
    def actions(self) -> set[str]:
        return {t.action for t in self.transitions}


def _actor_fields(actor) -> tuple[int | None, str]:
    if actor is None or isinstance(actor, str):
        return None, actor or ""
    return actor.pk, actor.get_username()


def timeline(
    *,
    actor,
    obj,
    action: str,
    from_state: str = "",
    to_state: str = "",
    note: str = "",
    data: dict | None = None,
    at: dt.datetime | None = None,
) -> TimelineEvent:
    """Append a timeline event for a record (also used for imported history)."""
    actor_id, actor_name = _actor_fields(actor)
    return TimelineEvent.objects.create(
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        at=at or timezone.now(),
        actor_id=actor_id,
        actor_name=actor_name,
        action=action,
        from_state=from_state,
        to_state=to_state,
        note=note,
        data=audit._normalise(data or {}),
    )


def events_for(obj) -> models.QuerySet[TimelineEvent]:
    return TimelineEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))


def apply(
    *,
    loop: Loop,
    actor,
    instance: models.Model,
    action: str,
    data: dict[str, Any] | None = None,
    version: int | None = None,
    authorize: Callable[[Any, Any, Transition], None],
    effect: Callable[[Any, Transition, dict], None] | None = None,
    snapshot: Callable[[Any], dict] | None = None,
    org_path: Callable[[Any], str] = lambda obj: "",
    state_field: str = "state",
) -> models.Model:
    """Apply one transition: lock, check version, state, role and scope, required data,
    run the effect, save, and write the timeline event and the audit entry — all or nothing."""
    data = dict(data or {})
    model = type(instance)
    with transaction.atomic():
        obj = model.objects.select_for_update().get(pk=instance.pk)
        current = getattr(obj, state_field)
        t = loop.transition(current, action)
        if t is None:
            raise TransitionNotAllowed(
                _("当前状态“%(state)s”下不能执行“%(action)s”")
                % {"state": loop.state_labels.get(current, current), "action": action}
            )
        authorize(actor, obj, t)
        if version is not None and version != obj.version:
            raise Conflict
        missing = [key for key in t.requires if data.get(key) in (None, "", [], ())]
        if missing:
            raise ValidationError({key: _("必填") for key in missing})
        before = snapshot(obj) if snapshot else {state_field: current}
        if effect is not None:
            effect(obj, t, data)
        setattr(obj, state_field, t.target)
        obj.version = obj.version + 1
        obj.full_clean()
        obj.save()
        note = str(data.get("note") or data.get("reason") or "")
        event_data = {
            k: v
            for k, v in data.items()
            if k not in ("note", "reason")
            and isinstance(v, str | int | float | bool | dt.date | type(None))
        }
        timeline(
            actor=actor,
            obj=obj,
            action=action,
            from_state=current,
            to_state=t.target,
            note=note,
            data=event_data,
        )
        audit.record(
            actor=actor,
            action=f"{loop.name}.{action}",
            obj=obj,
            org_path=org_path(obj),
            before=before,
            after=snapshot(obj) if snapshot else {state_field: t.target},
        )
    return obj


@dataclass(frozen=True)
class Thresholds:
    """Warning colours by calendar days left before the deadline (configurable per loop)."""

    green_days: int = 20
    yellow_days: int = 10


@dataclass(frozen=True)
class SweepResult:
    recoloured: dict[str, int]
    breached: list[int]


def sweep(
    queryset: models.QuerySet,
    *,
    today: dt.date,
    open_states: Iterable[str],
    thresholds: Thresholds = Thresholds(),
    state_field: str = "state",
    on_breach: Callable[[Any], None] | None = None,
) -> SweepResult:
    """Set warning colours and mark breaches. Idempotent: every UPDATE changes only rows whose
    colour differs (compare-and-swap), so a second run, or a run on a second worker at the same
    time, changes nothing more.

    red: past the deadline; yellow: at most `yellow_days` left; green: at most `green_days`
    left; none: more time than that, no deadline, or closed.
    """
    open_q = models.Q(**{f"{state_field}__in": list(open_states)})
    has_deadline = models.Q(deadline__isnull=False)
    yellow_edge = today + dt.timedelta(days=thresholds.yellow_days)
    green_edge = today + dt.timedelta(days=thresholds.green_days)
    rules = {
        Warning.RED: open_q & has_deadline & models.Q(deadline__lt=today),
        Warning.YELLOW: open_q & models.Q(deadline__gte=today, deadline__lte=yellow_edge),
        Warning.GREEN: open_q & models.Q(deadline__gt=yellow_edge, deadline__lte=green_edge),
        Warning.NONE: ~open_q | models.Q(deadline__isnull=True) | models.Q(deadline__gt=green_edge),
    }
    recoloured = {}
    for colour, condition in rules.items():
        recoloured[colour or "none"] = (
            queryset.filter(condition).exclude(warning=colour).update(warning=colour)
        )
    breached: list[int] = []
    candidates = list(
        queryset.filter(rules[Warning.RED], overdue_since__isnull=True).values_list("pk", flat=True)
    )
    for pk in candidates:
        # Per-row compare-and-swap: only the worker whose UPDATE hits the row records it.
        with transaction.atomic():
            if queryset.filter(pk=pk, overdue_since__isnull=True).update(overdue_since=today):
                breached.append(pk)
                if on_breach is not None:
                    on_breach(queryset.model.objects.get(pk=pk))
    return SweepResult(recoloured, breached)


_SWEEPS: dict[str, Callable[[dt.date], SweepResult]] = {}


def register_sweep(name: str, fn: Callable[[dt.date], SweepResult]) -> None:
    """Apps register their sweep in `sweeps.py`; `zuofeng sweep` runs them all."""
    _SWEEPS[name] = fn


def registered_sweeps() -> dict[str, Callable[[dt.date], SweepResult]]:
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("sweeps")
    return dict(_SWEEPS)
