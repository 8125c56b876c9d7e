"""Pages of a race: the list, a season's boards, compute and publish, a participant's breakdown
and the records behind a value, rank history."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zuofeng.core import indicators as registry
from zuofeng.orgs import scope
from zuofeng.races import selectors, services
from zuofeng.races.choices import Source
from zuofeng.races.models import LeafScore
from zuofeng.races.permissions import RACE_MANAGE, RACE_VIEW
from zuofeng.races.views.common import DOCX, XLSX, positive_int, race_and_season  # noqa: F401


@login_required
def race_list(request):
    scope.require(request.user, RACE_VIEW)
    ctx = {
        "races": selectors.races_visible_to(request.user),
        "can_create": scope.can(request.user, RACE_MANAGE),
    }
    return render(request, "races/list.html", ctx)


@login_required
def race_detail(request, pk: int):
    race, _season = race_and_season(request, pk)
    seasons = list(race.seasons.order_by("start"))
    if not seasons:
        return render(
            request,
            "races/no_seasons.html",
            {"race": race, "can_manage": selectors.can_manage(request.user, race)},
        )
    shown = [s for s in seasons if s.state != "open"] or seasons
    return redirect("race_board", pk=race.pk, season=shown[-1].code)


@login_required
def board(request, pk: int, season: str):
    race, season = race_and_season(request, pk, season)
    board_id = positive_int(request.GET.get("board")) or (
        race.boards.values_list("pk", flat=True).first()
    )
    boards = selectors.season_boards(season, board_id)
    current = next((b for b in boards if b.board_id == board_id), None)
    if boards and current is None:
        raise Http404
    ctx = {
        "race": race,
        "season": season,
        "seasons": race.seasons.order_by("start"),
        "boards": boards,
        "board": current,
        "rules": selectors.board_rules(season, board_id) if current else [],
        "flags": selectors.talk_flags(race).filter(season=season),
        "can_manage": selectors.can_manage(request.user, race),
        "chart": _chart(current, race.list_size) if current else None,
        "visible": _visible_codes(request.user, current),
        "unit_base": reverse("race_participant", args=[race.pk, season.code, "-"])[:-2],
    }
    return render(request, "races/board.html", ctx)


def _visible_codes(user, board_view) -> set[str]:
    if board_view is None:
        return set()
    roots = scope.paths_for(user, RACE_VIEW)
    return {
        s.participant.code
        for s in board_view.scores
        if any(s.participant.path.startswith(r) for r in roots)
    }


def _chart(board_view, n: int) -> dict:
    rows = [s for s in board_view.scores if s.total is not None]
    return {
        "names": [s.participant.short_name or s.participant.name for s in rows],
        "totals": [float(s.total) for s in rows],
        "marks": ["red" if s.red else "black" if s.black else "" for s in rows],
        "max": float(board_view.total_points),
    }


@login_required
@require_POST
def compute(request, pk: int, season: str):
    race, season = race_and_season(request, pk, season)
    try:
        services.season_compute(actor=request.user, season=season)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已计算%(s)s的成绩") % {"s": season.name})
    return redirect("race_board", pk=race.pk, season=season.code)


@login_required
@require_POST
def publish(request, pk: int, season: str):
    race, season = race_and_season(request, pk, season)
    try:
        services.season_publish(actor=request.user, season=season)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已发布%(s)s的成绩，成绩已冻结") % {"s": season.name})
    return redirect("race_board", pk=race.pk, season=season.code)


@login_required
def participant(request, pk: int, season: str, code: str):
    race, season = race_and_season(request, pk, season)
    org = selectors.participant_get(request.user, race, code)
    ctx = {
        "race": race,
        "season": season,
        "seasons": race.seasons.order_by("start"),
        "org": org,
        "rows": selectors.breakdown(season, org),
    }
    return render(request, "races/participant.html", ctx)


@login_required
def records(request, pk: int, season: str, code: str, leaf: int):
    race, season = race_and_season(request, pk, season)
    org = selectors.participant_get(request.user, race, code)
    leaf = get_object_or_404(LeafScore, pk=leaf, season=season, participant=org)
    if leaf.source != Source.INDICATOR:
        raise Http404
    try:
        qs = selectors.leaf_records(season, org, leaf)
    except registry.IndicatorError as exc:
        raise Http404 from exc
    page = Paginator(qs.order_by("pk"), 50).get_page(request.GET.get("page"))
    rows = [(str(obj), _link(obj)) for obj in page]
    ctx = {"race": race, "season": season, "org": org, "leaf": leaf, "page": page, "rows": rows}
    return render(request, "races/records.html", ctx)


def _link(obj) -> str:
    get = getattr(obj, "get_absolute_url", None)
    if get is not None:
        return get()
    if obj._meta.label_lower == "rectify.problem":
        from django.urls import reverse

        return reverse("problem_detail", args=[obj.pk])
    return ""


@login_required
def history(request, pk: int):
    race, _season = race_and_season(request, pk)
    boards = list(race.boards.all())
    board_id = positive_int(request.GET.get("board")) or (boards[0].pk if boards else None)
    current = next((b for b in boards if b.pk == board_id), None)
    if current is None:
        raise Http404
    seasons, ranks = selectors.history(race, current.pk)
    chart = {
        "seasons": [s.code for s in seasons],
        "series": [{"name": name, "data": data} for name, data in ranks.items()],
        "count": race.participants.count(),
    }
    ctx = {
        "race": race,
        "boards": boards,
        "board": current,
        "seasons": seasons,
        "ranks": ranks,
        "chart": chart,
    }
    return render(request, "races/history.html", ctx)
