"""Shared by the races pages: the race and season from the URL (scoped), small parsers."""

from __future__ import annotations

from zuofeng.orgs import scope
from zuofeng.races import selectors
from zuofeng.races.permissions import RACE_VIEW

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def race_and_season(request, pk: int, code: str | None = None):
    scope.require(request.user, RACE_VIEW)
    race = selectors.race_get(request.user, pk)
    season = selectors.season_get(race, code) if code else None
    return race, season


def positive_int(value) -> int | None:
    try:
        n = int(value)
    except (TypeError, ValueError):
        return None
    return n if 0 < n < 2**62 else None
