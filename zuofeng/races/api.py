"""API of the races module: races, boards (read and save), seasons (add, compute, publish),
results with red/black/progress lists, a participant's breakdown and the records behind a
value, history of ranks, manual entries with approval. Same scope rules as the pages."""

# No `from __future__ import annotations`: ninja's @paginate needs real annotations.
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import File, Router
from ninja.files import UploadedFile
from ninja.pagination import paginate

from zuofeng.core import indicators as registry
from zuofeng.core.api import Pagination, Text, require_id
from zuofeng.orgs import scope
from zuofeng.races import selectors, services
from zuofeng.races.choices import Source
from zuofeng.races.models import LeafScore, Node
from zuofeng.races.permissions import RACE_ENTER, RACE_VIEW
from zuofeng.races.schemas import (
    ApproveIn,
    BoardIn,
    BoardSpec,
    BreakdownOut,
    DecideIn,
    EntryIn,
    EntryOut,
    HistoryOut,
    LeafOut,
    RaceOut,
    RecordOut,
    SeasonIn,
    SeasonOut,
    SeasonResultOut,
)

router = Router(tags=["races"])


def _race(request, race_id: int):
    scope.require(request.auth, RACE_VIEW)
    require_id(race_id)
    return selectors.race_get(request.auth, race_id)


def _race_out(race) -> dict:
    return {
        "id": race.pk,
        "name": race.name,
        "lead_org": race.lead_org.code,
        "list_size": race.list_size,
        "participants": [p.code for p in race.participants.all()],
        "seasons": list(race.seasons.order_by("start")),
        "boards": [
            {
                "id": b.pk,
                "name": b.name,
                "total_points": b.total_points,
                "missing_rule": b.missing_rule,
            }
            for b in race.boards.all()
        ],
    }


@router.get("/races", response=list[RaceOut], summary="Races visible to the user")
def list_races(request):
    scope.require(request.auth, RACE_VIEW)
    return [_race_out(r) for r in selectors.races_visible_to(request.auth)]


@router.get("/races/{race_id}", response=RaceOut, summary="One race")
def get_race(request, race_id: int):
    return _race_out(_race(request, race_id))


@router.get("/races/{race_id}/boards/{board_id}", response=BoardSpec, summary="A board's tree")
def get_board(request, race_id: int, board_id: int):
    race = _race(request, race_id)
    board = get_object_or_404(race.boards, pk=require_id(board_id))
    return services.board_spec(board)


@router.put(
    "/races/{race_id}/boards/{board_id}",
    response=BoardSpec,
    summary="Replace a board's tree (lead office)",
)
def save_board(request, race_id: int, board_id: int, payload: BoardIn):
    race = _race(request, race_id)
    board = get_object_or_404(race.boards, pk=require_id(board_id))
    services.board_save(
        actor=request.auth,
        board=board,
        nodes=payload.nodes,
        total_points=payload.total_points,
        missing_rule=payload.missing_rule,
    )
    board.refresh_from_db()
    return services.board_spec(board)


@router.post(
    "/races/{race_id}/seasons", response={201: SeasonOut}, summary="Add a season (lead office)"
)
def add_season(request, race_id: int, payload: SeasonIn):
    race = _race(request, race_id)
    season = services.season_add(
        actor=request.auth, race=race, code=payload.code, start=payload.start, end=payload.end
    )
    return 201, season


def _codes(scores) -> list[str]:
    return [s.participant.code for s in scores]


def _result(season) -> dict:
    boards = []
    for b in selectors.season_boards(season):
        boards.append(
            {
                "id": b.board_id,
                "name": b.name,
                "total_points": b.total_points,
                "missing_rule": b.missing_rule,
                "rules": selectors.board_rules(season, b.board_id),
                "scores": [
                    {
                        "participant": s.participant.code,
                        "participant_name": s.participant.name,
                        "total": s.total,
                        "rank": s.rank,
                        "previous_rank": s.previous_rank,
                        "rank_change": s.rank_change,
                        "red": s.red,
                        "black": s.black,
                        "progress": s.progress,
                    }
                    for s in b.scores
                ],
                "red": _codes(b.red),
                "black": _codes(b.black),
                "progress": _codes(b.progress),
            }
        )
    flags = [
        {
            "participant": f.participant.code,
            "participant_name": f.participant.name,
            "board": f.board.name,
            "seasons": f.seasons,
        }
        for f in selectors.talk_flags(season.race).filter(season=season)
    ]
    return {
        "race": season.race_id,
        "code": season.code,
        "name": season.name,
        "start": season.start,
        "end": season.end,
        "state": season.state,
        "computed_at": season.computed_at,
        "published_at": season.published_at,
        "boards": boards,
        "talk_flags": flags,
    }


@router.get(
    "/races/{race_id}/seasons/{code}",
    response=SeasonResultOut,
    summary="A season's boards: scores, ranks, red/black/progress lists, 约谈 flags",
)
def get_season(request, race_id: int, code: Text):
    race = _race(request, race_id)
    return _result(selectors.season_get(race, code))


@router.post(
    "/races/{race_id}/seasons/{code}/compute",
    response=SeasonResultOut,
    summary="Compute a season (lead office; repeatable until published)",
)
def compute_season(request, race_id: int, code: Text):
    race = _race(request, race_id)
    season = services.season_compute(actor=request.auth, season=selectors.season_get(race, code))
    return _result(season)


@router.post(
    "/races/{race_id}/seasons/{code}/publish",
    response=SeasonResultOut,
    summary="Publish a season: the scores are frozen (lead office)",
)
def publish_season(request, race_id: int, code: Text):
    race = _race(request, race_id)
    season = services.season_publish(actor=request.auth, season=selectors.season_get(race, code))
    return _result(season)


@router.get(
    "/races/{race_id}/seasons/{code}/participants/{org_code}",
    response=BreakdownOut,
    summary="A participant's breakdown (within the user's subtree)",
)
def get_breakdown(request, race_id: int, code: Text, org_code: Text):
    race = _race(request, race_id)
    season = selectors.season_get(race, code)
    org = selectors.participant_get(request.auth, race, org_code)
    boards = []
    for board, score, leaves in selectors.breakdown(season, org):
        boards.append(
            {
                "board": board.name,
                "total": score.total if score else None,
                "rank": score.rank if score else None,
                "red": bool(score and score.red),
                "black": bool(score and score.black),
                "leaves": [
                    {
                        **{f: getattr(leaf, f) for f in LeafOut.model_fields if f != "records"},
                        "id": leaf.pk,
                        "records": (
                            f"/api/v1/races/{race.pk}/seasons/{season.code}/participants/"
                            f"{org.code}/leaves/{leaf.pk}/records"
                            if leaf.source == Source.INDICATOR
                            else None
                        ),
                    }
                    for leaf in leaves
                ],
            }
        )
    return {
        "participant": org.code,
        "participant_name": org.name,
        "season": season.code,
        "boards": boards,
    }


@router.get(
    "/races/{race_id}/seasons/{code}/participants/{org_code}/leaves/{leaf_id}/records",
    response=list[RecordOut],
    summary="The records behind a computed value",
)
@paginate(Pagination)
def get_records(request, race_id: int, code: Text, org_code: Text, leaf_id: int):
    race = _race(request, race_id)
    season = selectors.season_get(race, code)
    org = selectors.participant_get(request.auth, race, org_code)
    leaf = get_object_or_404(LeafScore, pk=require_id(leaf_id), season=season, participant=org)
    if leaf.source != Source.INDICATOR:
        raise Http404
    try:
        qs = selectors.leaf_records(season, org, leaf).order_by("pk")
    except registry.IndicatorError as exc:
        raise Http404 from exc
    return _Mapped(qs, lambda o: {"id": o.pk, "text": str(o)})


class _Mapped:
    """A sliceable view of a queryset as output rows, so the paginator counts and slices in
    SQL instead of loading every row."""

    def __init__(self, qs, fn):
        self.qs, self.fn = qs, fn

    def count(self) -> int:
        return self.qs.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item):
        return [self.fn(o) for o in self.qs[item]]


@router.get("/races/{race_id}/history", response=HistoryOut, summary="Ranks across seasons")
def get_history(request, race_id: int, board: int | None = None):
    race = _race(request, race_id)
    boards = list(race.boards.all())
    current = next((b for b in boards if b.pk == board), None) if board else boards[0]
    if current is None:
        raise Http404
    seasons, ranks = selectors.history(race, current.pk)
    return {"board": current.name, "seasons": [s.code for s in seasons], "ranks": ranks}


def _entry_out(e) -> dict:
    return {
        "id": e.pk,
        "board": e.node.board.name,
        "leaf": e.node_id,
        "leaf_name": e.node.name,
        "participant": e.participant.code,
        "value": e.value,
        "evidence": e.evidence,
        "evidence_file": e.evidence_name,
        "state": e.state,
        "version": e.version,
        "entered_name": e.entered_name,
        "approver_name": e.approver_name,
        "reason": e.reason,
    }


@router.get(
    "/races/{race_id}/seasons/{code}/entries",
    response=list[EntryOut],
    summary="Manual entries of participants in the user's subtree",
)
@paginate(Pagination)
def list_entries(request, race_id: int, code: Text):
    race = _race(request, race_id)
    season = selectors.season_get(race, code)
    return _Mapped(selectors.entries_visible_to(request.auth, season), _entry_out)


@router.post(
    "/races/{race_id}/seasons/{code}/entries",
    response={201: EntryOut},
    summary="Enter a manual value with its evidence",
)
def submit_entry(request, race_id: int, code: Text, payload: EntryIn):
    race = _race(request, race_id)
    if not scope.can(request.auth, RACE_ENTER):
        raise PermissionDenied
    season = selectors.season_get(race, code)
    node = Node.objects.filter(pk=require_id(payload.leaf), board__race=race).first()
    org = race.participants.filter(code=payload.participant[:32]).first()
    if node is None:
        raise ValidationError({"leaf": [_("该指标不是本比拼的手工填报指标")]})
    if org is None:
        raise ValidationError(
            {"participant": [_("%(p)s不是本比拼的参赛单位") % {"p": payload.participant}]}
        )
    entry = services.entry_submit(
        actor=request.auth,
        season=season,
        node=node,
        participant=org,
        value=payload.value,
        evidence=payload.evidence,
    )
    return 201, _entry_out(entry)


def _entry(request, race_id, code, entry_id):
    race = _race(request, race_id)
    season = selectors.season_get(race, code)
    return get_object_or_404(
        selectors.entries_visible_to(request.auth, season), pk=require_id(entry_id)
    )


def _decide(request, race_id, code, entry_id, approve, reason="", version=None):
    entry = _entry(request, race_id, code, entry_id)
    return _entry_out(
        services.entry_decide(
            actor=request.auth, entry=entry, approve=approve, reason=reason, version=version
        )
    )


@router.post(
    "/races/{race_id}/seasons/{code}/entries/{entry_id}/approve",
    response=EntryOut,
    summary="Approve a manual entry (lead office, not one's own)",
)
def approve_entry(
    request, race_id: int, code: Text, entry_id: int, payload: ApproveIn | None = None
):
    version = payload.version if payload else None
    return _decide(request, race_id, code, entry_id, True, version=version)


@router.post(
    "/races/{race_id}/seasons/{code}/entries/{entry_id}/reject",
    response=EntryOut,
    summary="Return a manual entry with a reason (lead office)",
)
def reject_entry(request, race_id: int, code: Text, entry_id: int, payload: DecideIn):
    return _decide(request, race_id, code, entry_id, False, payload.reason, payload.version)


@router.post(
    "/races/{race_id}/seasons/{code}/entries/{entry_id}/evidence",
    response=EntryOut,
    summary="Attach the evidence file of an entry awaiting approval (PDF, PNG, JPEG, Office)",
)
def attach_evidence(request, race_id: int, code: Text, entry_id: int, file: File[UploadedFile]):
    entry = _entry(request, race_id, code, entry_id)
    return _entry_out(services.entry_attach(actor=request.auth, entry=entry, upload=file))
