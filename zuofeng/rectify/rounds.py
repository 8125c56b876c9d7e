"""Rounds of the ledger (三轮动态更新): open, close with a frozen snapshot, compare two rounds.

Writes here follow the services' rules (scope, validation, audit in the same transaction); the
comparison is a read over the two snapshots.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from zuofeng.core import audit
from zuofeng.orgs import scope
from zuofeng.orgs.models import SEGMENT, Org, subtree_q, subtrees_q
from zuofeng.rectify.choices import ProblemState
from zuofeng.rectify.models import Problem, Round, RoundEntry
from zuofeng.rectify.permissions import PROBLEM_VIEW, ROUND_MANAGE

_DIGEST_FIELDS = (
    "description",
    "measures",
    "leader",
    "person",
    "mode",
    "category_id",
    "campaign_id",
    "deadline",
    "unit_id",
    "state",
    "closed_date",
    "review_date",
)


def _digest(row: dict) -> str:
    text = "\x1f".join(str(row[f]) for f in _DIGEST_FIELDS)
    return hashlib.sha256(text.encode()).hexdigest()


def _check(actor, org: Org) -> None:
    if actor is None:
        return
    if not scope.can_at(actor, PROBLEM_VIEW, org.path):
        raise Http404
    if not scope.can_at(actor, ROUND_MANAGE, org.path):
        raise PermissionDenied


@transaction.atomic
def round_open(*, actor, org: Org, name: str = "", opened_on: dt.date | None = None) -> Round:
    """Open the next round for an org's ledger; one open round per org at a time."""
    _check(actor, org)
    if Round.objects.select_for_update().filter(org=org, closed_on__isnull=True).exists():
        raise ValidationError({"round": _("上一轮尚未结束，请先结束上一轮")})
    number = (Round.objects.filter(org=org).aggregate(m=Max("number"))["m"] or 0) + 1
    r = Round(
        org=org,
        number=number,
        name=(name or "").strip() or _("第%(n)d轮") % {"n": number},
        opened_on=opened_on or timezone.localdate(),
    )
    r.full_clean()
    r.save()
    audit.record(
        actor=actor if actor is not None else "cli",
        action="round.open",
        obj=r,
        org_path=org.path,
        after={"number": number, "name": r.name},
    )
    return r


@transaction.atomic
def round_close(*, actor, round_: Round, closed_on: dt.date | None = None) -> Round:
    """Close a round: freeze every problem of the org's subtree as it stands now."""
    r = Round.objects.select_for_update().select_related("org").get(pk=round_.pk)
    _check(actor, r.org)
    if r.closed_on is not None:
        raise ValidationError({"round": _("本轮已结束")})
    closed_on = closed_on or timezone.localdate()
    if closed_on < r.opened_on:
        raise ValidationError({"closed_on": _("结束日期不能早于开始日期")})
    rows = Problem.objects.filter(subtree_q(r.org.path, "unit_path")).values("pk", *_DIGEST_FIELDS)
    RoundEntry.objects.bulk_create(
        (
            RoundEntry(
                round=r,
                problem_id=row["pk"],
                unit_id=row["unit_id"],
                state=row["state"],
                deadline=row["deadline"],
                closed_date=row["closed_date"],
                digest=_digest(row),
            )
            for row in rows.iterator(chunk_size=2000)
        ),
        batch_size=2000,
    )
    r.closed_on = closed_on
    r.closed_by = actor if actor is not None and not isinstance(actor, str) else None
    r.save(update_fields=["closed_on", "closed_by"])
    audit.record(
        actor=actor if actor is not None else "cli",
        action="round.close",
        obj=r,
        org_path=r.org.path,
        after={"number": r.number, "closed_on": closed_on, "problems": r.entries.count()},
    )
    return r


@dataclass
class UnitDiff:
    unit: Org
    new: int = 0
    closed: int = 0
    carried_over: int = 0
    changed: int = 0


@dataclass
class RoundDiff:
    """What happened between round A and round B: each problem in one category at most,
    except `changed`, which marks carried-over problems whose record differs."""

    a: Round
    b: Round
    new: list[int] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)
    carried_over: list[int] = field(default_factory=list)
    changed: list[int] = field(default_factory=list)
    by_unit: list[UnitDiff] = field(default_factory=list)


def rounds_visible_to(user):
    """Rounds of the orgs in the user's view, and of the orgs above it (a district's rounds
    concern every unit in it)."""
    paths = scope.paths_for(user, PROBLEM_VIEW)
    ancestors = {p[:i] for p in paths for i in range(SEGMENT, len(p) + 1, SEGMENT)}
    return (
        Round.objects.filter(subtrees_q(paths, "org__path") | Q(org__path__in=ancestors))
        .select_related("org")
        .order_by("org__path", "number")
    )


def round_diff(user, a: Round, b: Round) -> RoundDiff:
    """Compare two closed rounds, limited to the problems the user may see."""
    if a.closed_on is None or b.closed_on is None:
        raise ValidationError({"round": _("只能比较已结束的轮次")})
    paths = scope.paths_for(user, PROBLEM_VIEW)

    def snapshot(r: Round) -> dict[int, tuple]:
        qs = r.entries.filter(subtrees_q(paths, "unit__path"))
        return {
            pid: (unit, state, digest)
            for pid, unit, state, digest in qs.values_list(
                "problem_id", "unit_id", "state", "digest"
            )
        }

    before, after = snapshot(a), snapshot(b)
    diff = RoundDiff(a=a, b=b)
    per_unit: dict[int, UnitDiff] = {}

    def bump(unit_id: int, kind: str) -> None:
        entry = per_unit.setdefault(unit_id, UnitDiff(unit=None))
        setattr(entry, kind, getattr(entry, kind) + 1)

    closed = ProblemState.CLOSED
    for pid, (unit, state, digest) in sorted(after.items()):
        old = before.get(pid)
        if old is None:
            diff.new.append(pid)
            bump(unit, "new")
        elif state == closed and old[1] != closed:
            diff.closed.append(pid)
            bump(unit, "closed")
        elif state != closed:
            diff.carried_over.append(pid)
            bump(unit, "carried_over")
            if digest != old[2]:
                diff.changed.append(pid)
                bump(unit, "changed")
    orgs = {o.pk: o for o in Org.objects.filter(pk__in=per_unit)}
    for unit_id, entry in per_unit.items():
        entry.unit = orgs[unit_id]
    diff.by_unit = sorted(per_unit.values(), key=lambda e: e.unit.path)
    return diff
