"""Computing a season (repeatable until published) and publishing it (frozen; 约谈 flags)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zuofeng.core import audit
from zuofeng.core import indicators as registry
from zuofeng.orgs.models import SEGMENT, Org
from zuofeng.races import scoring
from zuofeng.races.boards import board_spec, check_tree
from zuofeng.races.choices import (
    Direction,
    EntryState,
    MissingRule,
    SeasonState,
    Source,
)
from zuofeng.races.guards import authorize_manage, who
from zuofeng.races.models import (
    Board,
    BoardScore,
    LeafScore,
    ManualEntry,
    Node,
    Season,
    TalkFlag,
)


def _is_rate(indicator) -> bool:
    return isinstance(indicator, registry.RatioIndicator) or indicator.unit == "%"


def indicator_values(indicator, participants: list[Org], period, filters) -> dict[int, Decimal]:
    """Each participant's value over its subtree: one grouped query (`by_child`) per parent
    the participants share — one for the 20 towns. A rate without records is None (no data);
    a count without records is 0."""
    groups: dict[tuple[str, int], list[Org]] = defaultdict(list)
    for org in participants:
        groups[(org.path[:-SEGMENT], len(org.path))].append(org)
    out: dict[int, Decimal | None] = {}
    for (parent, width), orgs in groups.items():
        if parent:
            rows = indicator.by_child(parent, width, period, filters)
        else:
            rows = {o.path: indicator.value(o.path, period, filters) for o in orgs}
        for org in orgs:
            if org.path in rows and rows[org.path] is not None:
                out[org.pk] = scoring.to_decimal(rows[org.path])
            else:
                out[org.pk] = None if _is_rate(indicator) else Decimal(0)
    return out


def _tree(board: Board) -> list[tuple[Node, str, int]]:
    """Leaves in display order with their full label ('group/leaf') and a sort key."""
    nodes = [n for n in board.nodes.all()]
    by_parent = defaultdict(list)
    for n in nodes:
        by_parent[n.parent_id].append(n)
    out: list[tuple[Node, str, int]] = []

    def walk(parent_id, prefix):
        for n in sorted(by_parent[parent_id], key=lambda n: (n.sort_order, n.pk)):
            label = f"{prefix}/{n.name}" if prefix else n.name
            if n.is_leaf:
                out.append((n, label, len(out) + 1))
            else:
                walk(n.pk, label)

    walk(None, "")
    return out


def _check_board(board: Board) -> None:
    spec = board_spec(board)
    try:
        check_tree(board.total_points, spec["nodes"])
    except ValidationError as exc:
        raise ValidationError(
            _("%(b)s：%(e)s") % {"b": board.name, "e": "；".join(exc.messages)}
        ) from exc


def _previous(season: Season, count: int = 1) -> list[Season]:
    return list(
        Season.objects.filter(race=season.race, start__lt=season.start).order_by("-start")[:count]
    )


@transaction.atomic
def season_compute(*, actor, season: Season) -> Season:
    """Score every participant on every board for the season; repeatable until published."""
    season = Season.objects.select_for_update().select_related("race__lead_org").get(pk=season.pk)
    race = season.race
    authorize_manage(actor, race)
    if season.state == SeasonState.PUBLISHED:
        raise ValidationError(_("%(s)s已发布，不能重新计算") % {"s": season.name})
    boards = list(race.boards.prefetch_related("nodes"))
    for board in boards:
        _check_board(board)
    participants = list(race.participants.order_by("path"))
    period = registry.Period(season.start, season.end)
    manual = defaultdict(dict)
    for node_id, org_id, value in ManualEntry.objects.filter(
        season=season, state=EntryState.APPROVED
    ).values_list("node_id", "participant_id", "value"):
        manual[node_id][org_id] = value
    prev = _previous(season)
    prev_ranks = {}
    if prev:
        prev_ranks = {
            (b, p): r
            for b, p, r in BoardScore.objects.filter(season=prev[0]).values_list(
                "board_id", "participant_id", "rank"
            )
        }
    leaf_rows, board_rows = [], []
    n = race.list_size
    for board in boards:
        earned = defaultdict(Decimal)
        possible = defaultdict(Decimal)
        for node, label, order in _tree(board):
            if node.source == Source.INDICATOR:
                indicator = registry.get(node.indicator_key)
                values = indicator_values(indicator, participants, period, node.filters)
            else:
                values = {p.pk: manual[node.pk].get(p.pk) for p in participants}
            points = scoring.score(node.method, node.points, node.direction, node.params, values)
            leaf_ranks = scoring.ranks(values, higher_better=node.direction != Direction.LOWER)
            rule = scoring.describe(
                node.method, node.points, node.direction, node.params, node.unit
            )
            for p in participants:
                got = points[p.pk]
                if got is None and board.missing_rule == MissingRule.ZERO:
                    got = Decimal(0)
                if got is not None:
                    earned[p.pk] += got
                    possible[p.pk] += node.points
                leaf_rows.append(
                    LeafScore(
                        season=season,
                        board=board,
                        node=node,
                        participant=p,
                        label=label,
                        sort_order=order,
                        source=node.source,
                        indicator_key=node.indicator_key,
                        filters=node.filters,
                        method=node.method,
                        rule=rule[:300],
                        max_points=node.points,
                        value=values[p.pk],
                        unit=node.unit,
                        points=got,
                        leaf_rank=leaf_ranks[p.pk],
                    )
                )
        totals = {}
        for p in participants:
            if possible[p.pk] == 0:
                totals[p.pk] = None  # no data on any leaf, under the exclude rule: not ranked
            elif possible[p.pk] == board.total_points:
                totals[p.pk] = scoring.quantize(earned[p.pk])
            else:  # exclude rule: the leaves with data, scaled to the board's full points
                totals[p.pk] = scoring.quantize(earned[p.pk] * board.total_points / possible[p.pk])
        board_ranks = scoring.ranks(totals)
        bottom = scoring.ranks(totals, higher_better=False)
        changes = {
            p.pk: prev_ranks[(board.pk, p.pk)] - board_ranks[p.pk]
            for p in participants
            if board_ranks[p.pk] is not None and prev_ranks.get((board.pk, p.pk)) is not None
        }
        gains = {k: Decimal(v) for k, v in changes.items() if v > 0}
        gain_ranks = scoring.ranks(gains)
        for p in participants:
            rank = board_ranks[p.pk]
            # Ties share the rank, on both lists; one who would be on both (no spread, e.g.
            # everyone tied) is on neither.
            top = rank is not None and rank <= n
            low = rank is not None and bottom[p.pk] <= n
            red, black = top and not low, low and not top
            board_rows.append(
                BoardScore(
                    season=season,
                    board=board,
                    participant=p,
                    total=totals[p.pk],
                    rank=rank,
                    previous_rank=prev_ranks.get((board.pk, p.pk)),
                    red=red,
                    black=black,
                    progress=gain_ranks.get(p.pk) is not None and gain_ranks[p.pk] <= n,
                )
            )
    LeafScore.objects.filter(season=season).delete()
    BoardScore.objects.filter(season=season).delete()
    LeafScore.objects.bulk_create(leaf_rows, batch_size=1000)
    BoardScore.objects.bulk_create(board_rows, batch_size=1000)
    season.state = SeasonState.COMPUTED
    season.computed_at = timezone.now()
    season.computed_by = who(actor)
    season.save(update_fields=["state", "computed_at", "computed_by"])
    audit.record(
        actor=actor or "cli",
        action="race.compute",
        obj=season,
        org_path=race.lead_org.path,
        after={
            "boards": len(boards),
            "participants": len(participants),
            "leaf_scores": len(leaf_rows),
        },
    )
    return season


@transaction.atomic
def season_publish(*, actor, season: Season) -> Season:
    """Freeze the computed scores; flag for a formal talk (约谈) whoever is on a board's black
    list in this and the two seasons before it, all published."""
    season = Season.objects.select_for_update().select_related("race__lead_org").get(pk=season.pk)
    race = season.race
    authorize_manage(actor, race)
    if season.state == SeasonState.PUBLISHED:
        raise ValidationError(_("%(s)s已发布") % {"s": season.name})
    if season.state != SeasonState.COMPUTED:
        raise ValidationError(_("%(s)s尚未计算，不能发布") % {"s": season.name})
    before = _previous(season, 2)
    flags = []
    if len(before) == 2 and all(s.state == SeasonState.PUBLISHED for s in before):
        black = defaultdict(set)
        for sid, b, p in BoardScore.objects.filter(
            season__in=[season, *before], black=True
        ).values_list("season_id", "board_id", "participant_id"):
            black[(b, p)].add(sid)
        ids = {season.pk, *(s.pk for s in before)}
        codes = "、".join(s.code for s in [*reversed(before), season])
        flags = [
            TalkFlag(season=season, board_id=b, participant_id=p, seasons=codes)
            for (b, p), sids in sorted(black.items())
            if sids == ids
        ]
        TalkFlag.objects.bulk_create(flags)
    season.state = SeasonState.PUBLISHED
    season.published_at = timezone.now()
    season.published_by = who(actor)
    season.save(update_fields=["state", "published_at", "published_by"])
    audit.record(
        actor=actor or "cli",
        action="race.publish",
        obj=season,
        org_path=race.lead_org.path,
        after={
            "talk_flags": [
                {"board": f.board_id, "participant": f.participant_id, "seasons": f.seasons}
                for f in flags
            ]
        },
    )
    return season
