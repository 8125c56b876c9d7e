"""Who may act on a race, and small helpers every write shares."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from zuofeng.orgs import scope
from zuofeng.races.models import (
    Race,
)
from zuofeng.races.permissions import RACE_MANAGE, RACE_VIEW


def who(actor) -> str:
    return getattr(actor, "username", "") or "cli"


def authorize_manage(actor, race: Race) -> None:
    """The lead office at (or above) the race's lead org; 404 if the race is out of sight."""
    if actor is None:
        return
    if not race_visible(actor, race):
        raise Http404
    if not scope.can_at(actor, RACE_MANAGE, race.lead_org.path):
        raise PermissionDenied


def race_visible(user, race: Race) -> bool:
    """A race is visible from its lead org's subtree or from any participant's subtree."""
    roots = scope.paths_for(user, RACE_VIEW)
    if not roots:
        return False
    if any(race.lead_org.path.startswith(r) or r.startswith(race.lead_org.path) for r in roots):
        return True
    paths = race.participants.values_list("path", flat=True)
    return any(p.startswith(r) or r.startswith(p) for p in paths for r in roots)


def decimal(value, field: str) -> Decimal:
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({field: _("不是数字：%(v)s") % {"v": value}}) from exc
    if not d.is_finite():
        raise ValidationError({field: _("不是数字：%(v)s") % {"v": value}})
    return d
