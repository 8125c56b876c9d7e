"""Reads of the competitions, scoped to the user: races in sight, a season's boards, a
participant's breakdown (only within the user's subtree), history across seasons."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.http import Http404

from zuofeng.core import indicators as registry
from zuofeng.orgs import scope
from zuofeng.orgs.models import Org, subtrees_q
from zuofeng.races.models import BoardScore, LeafScore, ManualEntry, Race, Season, TalkFlag
from zuofeng.races.permissions import RACE_MANAGE, RACE_VIEW
from zuofeng.races.services import race_visible


def races_visible_to(user) -> list[Race]:
    """Races whose lead org or some participant lies on a path the user's roles reach."""
    roots = scope.paths_for(user, RACE_VIEW)
    if not roots:
        return []
    races = Race.objects.select_related("lead_org").prefetch_related("participants")
    return [r for r in races if _reaches(roots, r)]


def _reaches(roots, race: Race) -> bool:
    lead = race.lead_org.path
    if any(lead.startswith(r) or r.startswith(lead) for r in roots):
        return True
    return any(
        p.path.startswith(r) or r.startswith(p.path) for p in race.participants.all() for r in roots
    )


def race_get(user, pk: int) -> Race:
    race = Race.objects.select_related("lead_org").filter(pk=pk).first()
    if race is None or not race_visible(user, race):
        raise Http404
    return race


def season_get(race: Race, code: str) -> Season:
    season = race.seasons.filter(code=code).first()
    if season is None:
        raise Http404
    return season


def can_manage(user, race: Race) -> bool:
    return scope.can_at(user, RACE_MANAGE, race.lead_org.path)


def can_see_participant(user, org: Org) -> bool:
    return scope.can_at(user, RACE_VIEW, org.path)


def participant_get(user, race: Race, code: str) -> Org:
    """A participant of the race within the user's subtree (404 otherwise)."""
    org = race.participants.filter(code=code).first()
    if org is None or not can_see_participant(user, org):
        raise Http404
    return org


@dataclass
class BoardView:
    board_id: int
    name: str
    total_points: object
    missing_rule: str
    scores: list = field(default_factory=list)

    @property
    def red(self):
        return [s for s in self.scores if s.red]

    @property
    def black(self):
        return sorted((s for s in self.scores if s.black), key=lambda s: -s.rank)

    @property
    def progress(self):
        return sorted((s for s in self.scores if s.progress), key=lambda s: -s.rank_change)


def season_boards(season: Season, board_id: int | None = None) -> list[BoardView]:
    """Every board of the season with its ranked scores (two queries); with `board_id`, only
    that board's scores are loaded (the others come without, for the tabs)."""
    views = {
        b.pk: BoardView(b.pk, b.name, b.total_points, b.get_missing_rule_display())
        for b in season.race.boards.all()
    }
    scores = BoardScore.objects.filter(season=season).select_related("participant")
    if board_id is not None:
        scores = scores.filter(board_id=board_id)
    for s in scores.order_by("board__sort_order", "rank", "participant__path"):
        views[s.board_id].scores.append(s)
    for v in views.values():
        v.scores.sort(key=lambda s: (s.rank is None, s.rank or 0, s.participant.path))
    return list(views.values())


def board_rules(season: Season, board_id: int) -> list[LeafScore]:
    """The leaves of a board as computed in the season: one row per leaf (the rule in words)."""
    first = (
        LeafScore.objects.filter(season=season, board_id=board_id)
        .order_by("participant_id")
        .values_list("participant_id", flat=True)
        .first()
    )
    if first is None:
        return []
    return list(
        LeafScore.objects.filter(season=season, board_id=board_id, participant_id=first).order_by(
            "sort_order"
        )
    )


def breakdown(season: Season, participant: Org) -> list[tuple]:
    """(board name, board score, leaves) for one participant in one season."""
    scores = {
        s.board_id: s
        for s in BoardScore.objects.filter(season=season, participant=participant).select_related(
            "board"
        )
    }
    leaves = defaultdict(list)
    for leaf in LeafScore.objects.filter(season=season, participant=participant).order_by(
        "sort_order"
    ):
        leaves[leaf.board_id].append(leaf)
    boards = season.race.boards.all()
    return [(b, scores.get(b.pk), leaves[b.pk]) for b in boards]


def leaf_records(season: Season, participant: Org, leaf: LeafScore) -> QuerySet:
    """The records behind a computed value: the indicator's own drill-down queryset."""
    indicator = registry.get(leaf.indicator_key)
    period = registry.Period(season.start, season.end)
    return indicator.records(participant.path, period, leaf.filters)


def history(race: Race, board_id: int) -> tuple[list[Season], dict[str, list]]:
    """Ranks by participant across the race's computed seasons, for the rank lines."""
    seasons = list(race.seasons.exclude(state="open").order_by("start"))
    ranks = defaultdict(lambda: [None] * len(seasons))
    index = {s.pk: i for i, s in enumerate(seasons)}
    rows = BoardScore.objects.filter(season__in=seasons, board_id=board_id).values_list(
        "season_id", "participant__name", "rank"
    )
    for sid, name, rank in rows:
        ranks[name][index[sid]] = rank
    return seasons, dict(sorted(ranks.items()))


def talk_flags(race: Race) -> QuerySet:
    return TalkFlag.objects.filter(season__race=race).select_related(
        "season", "board", "participant"
    )


def entries_visible_to(user, season: Season) -> QuerySet:
    """Manual entries of the season for participants in the user's subtree."""
    paths = scope.paths_for(user, RACE_VIEW)
    return (
        ManualEntry.objects.filter(season=season)
        .filter(subtrees_q(paths, "participant__path"))
        .select_related("node__board", "participant")
        .order_by("node__board__sort_order", "node__sort_order", "participant__path")
    )
