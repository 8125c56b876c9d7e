"""Pages of the competitions: races, a season's boards, a participant's breakdown with the
records behind each value, history of ranks, manual entries with approval, the notice."""

from __future__ import annotations

import re
from io import BytesIO

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zuofeng.core import indicators as registry
from zuofeng.core.errors import Conflict
from zuofeng.orgs import scope
from zuofeng.orgs.models import Org, OrgKind, subtree_q, subtrees_q
from zuofeng.races import forms, notice, selectors, services
from zuofeng.races.choices import Direction, EntryState, Method, MissingRule, Source
from zuofeng.races.models import LeafScore, ManualEntry, Node
from zuofeng.races.permissions import RACE_ENTER, RACE_MANAGE, RACE_VIEW

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _context(request, pk: int, code: str | None = None):
    scope.require(request.user, RACE_VIEW)
    race = selectors.race_get(request.user, pk)
    season = selectors.season_get(race, code) if code else None
    return race, season


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
    race, _season = _context(request, pk)
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
    race, season = _context(request, pk, season)
    board_id = _int(request.GET.get("board")) or (race.boards.values_list("pk", flat=True).first())
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
    race, season = _context(request, pk, season)
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
    race, season = _context(request, pk, season)
    try:
        services.season_publish(actor=request.user, season=season)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已发布%(s)s的成绩，成绩已冻结") % {"s": season.name})
    return redirect("race_board", pk=race.pk, season=season.code)


@login_required
def notice_docx(request, pk: int, season: str):
    race, season = _context(request, pk, season)
    if season.state == "open":
        raise Http404
    buffer = BytesIO()
    notice.season_notice(season).save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=DOCX)
    response["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''race-{race.pk}-{season.code}.docx"
    )
    return response


@login_required
def results_xlsx(request, pk: int, season: str):
    """The season's ranks on every board and, for participants in the user's subtree, every
    leaf — as a spreadsheet (cells escaped against formulas)."""
    from zuofeng.core.sheets.writer import SheetSpec, write_workbook

    race, season = _context(request, pk, season)
    if season.state == "open":
        raise Http404
    yes = _("是")
    ranks = [
        (
            b.name,
            s.rank,
            s.participant.code,
            s.participant.name,
            s.total,
            s.previous_rank,
            yes if s.red else "",
            yes if s.black else "",
            yes if s.progress else "",
        )
        for b in selectors.season_boards(season)
        for s in b.scores
    ]
    paths = scope.paths_for(request.user, RACE_VIEW)
    leaves = (
        LeafScore.objects.filter(season=season)
        .filter(subtrees_q_any(paths))
        .select_related("participant", "board")
        .order_by("board__sort_order", "participant__path", "sort_order")
    )
    details = (
        (
            x.participant.code,
            x.participant.name,
            x.board.name,
            x.label,
            x.value,
            x.unit,
            x.rule,
            x.points,
            x.max_points,
            x.leaf_rank,
        )
        for x in leaves
    )
    buffer = BytesIO()
    write_workbook(
        buffer,
        [
            SheetSpec(
                name=_("排名"),
                headers=[
                    _("榜单"),
                    _("名次"),
                    _("单位编码"),
                    _("单位名称"),
                    _("得分"),
                    _("上季名次"),
                    _("红榜"),
                    _("黑榜"),
                    _("进步榜"),
                ],
                rows=ranks,
                widths=[14, 6, 10, 24, 8, 8, 6, 6, 6],
            ),
            SheetSpec(
                name=_("明细"),
                headers=[
                    _("单位编码"),
                    _("单位名称"),
                    _("榜单"),
                    _("指标"),
                    _("原始值"),
                    _("单位"),
                    _("计分方法"),
                    _("得分"),
                    _("分值"),
                    _("单项名次"),
                ],
                rows=details,
                widths=[10, 24, 14, 20, 10, 6, 60, 8, 8, 8],
            ),
        ],
    )
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''race-{race.pk}-{season.code}.xlsx"
    )
    return response


def subtrees_q_any(paths):
    return subtrees_q(paths, "participant__path")


@login_required
def participant(request, pk: int, season: str, code: str):
    race, season = _context(request, pk, season)
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
    race, season = _context(request, pk, season)
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
    race, _season = _context(request, pk)
    boards = list(race.boards.all())
    board_id = _int(request.GET.get("board")) or (boards[0].pk if boards else None)
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


@login_required
def entries(request, pk: int, season: str):
    race, season = _context(request, pk, season)
    can_enter = scope.can(request.user, RACE_ENTER)
    if request.method == "POST":
        scope.require(request.user, RACE_ENTER)
        node = Node.objects.filter(
            pk=_int(request.POST.get("node")), board__race=race, source=Source.MANUAL
        ).first()
        org = race.participants.filter(code=request.POST.get("participant", "")[:32]).first()
        try:
            if node is None or org is None:
                raise ValidationError(_("请选择手工填报指标和参赛单位"))
            services.entry_submit(
                actor=request.user,
                season=season,
                node=node,
                participant=org,
                value=request.POST.get("value", "")[:30],
                evidence=request.POST.get("evidence", "")[:4001],
                upload=request.FILES.get("file"),
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("已提交，待牵头办审核"))
        return redirect("race_entries", pk=race.pk, season=season.code)
    page = Paginator(selectors.entries_visible_to(request.user, season), 50).get_page(
        request.GET.get("page")
    )
    paths = scope.paths_for(request.user, RACE_ENTER)
    ctx = {
        "race": race,
        "season": season,
        "page": page,
        "can_manage": selectors.can_manage(request.user, race),
        "can_enter": can_enter and not season.published,
        "nodes": Node.objects.filter(board__race=race, source=Source.MANUAL).select_related(
            "board"
        ),
        "participants": [
            p
            for p in race.participants.order_by("path")
            if any(p.path.startswith(r) for r in paths)
        ],
        "SUBMITTED": EntryState.SUBMITTED,
    }
    return render(request, "races/entries.html", ctx)


@login_required
@require_POST
def entry_decide(request, pk: int, season: str, entry: int):
    race, season = _context(request, pk, season)
    obj = get_object_or_404(selectors.entries_visible_to(request.user, season), pk=entry)
    try:
        services.entry_decide(
            actor=request.user,
            entry=obj,
            approve=request.POST.get("op") == "approve",
            reason=request.POST.get("reason", "")[:500],
            version=_int(request.POST.get("version")),
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    except Conflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已处理"))
    return redirect("race_entries", pk=race.pk, season=season.code)


@login_required
def entry_file(request, pk: int, season: str, entry: int):
    _race, season = _context(request, pk, season)
    obj: ManualEntry = get_object_or_404(
        selectors.entries_visible_to(request.user, season), pk=entry
    )
    if not obj.evidence_file:
        raise Http404
    return FileResponse(
        obj.evidence_file.open("rb"), as_attachment=True, filename=obj.evidence_name
    )


@login_required
def board_edit(request, pk: int, board: int):
    race, _season = _context(request, pk)
    if not selectors.can_manage(request.user, race):
        raise PermissionDenied
    obj = get_object_or_404(race.boards, pk=board)
    spec = services.board_spec(obj)
    rows = forms.rows_from_spec(spec)
    total, rule = spec["total_points"], spec["missing_rule"]
    if request.method == "POST":
        rows = forms.rows_from_post(request.POST)
        total = request.POST.get("total_points", "")[:20]
        rule = request.POST.get("missing_rule", "")[:16]
        try:
            services.board_save(
                actor=request.user,
                board=obj,
                nodes=forms.spec_from_rows(rows),
                total_points=total,
                missing_rule=rule,
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("已保存%(b)s") % {"b": obj.name})
            return redirect("race_board_edit", pk=race.pk, board=obj.pk)
    ctx = {
        "race": race,
        "board": obj,
        "rows": [*rows, forms.Row(), forms.Row()],
        "total": total,
        "rule": rule,
        "indicators": [(k, i.label, i.unit) for k, i in registry.registry().items()],
        "sources": [c for c in Source.choices if c[0] != Source.GROUP],
        "methods": Method.choices,
        "directions": Direction.choices,
        "rules": MissingRule.choices,
    }
    return render(request, "races/board_edit.html", ctx)


@login_required
def race_new(request):
    scope.require(request.user, RACE_MANAGE)
    roots = scope.paths_for(request.user, RACE_MANAGE)
    lead = Org.objects.filter(path__in=roots).order_by("path").first()
    kinds = OrgKind.objects.all()
    if request.method == "POST" and lead is not None:
        codes = re.split(r"[\s,，、]+", request.POST.get("codes", "")[:20000].strip())
        kind = request.POST.get("kind", "")[:32]
        participants = list(
            Org.objects.filter(subtree_q(lead.path), code__in=[c for c in codes if c])
        )
        if kind:
            participants += list(
                Org.objects.filter(parent=lead, kind__code=kind).exclude(
                    pk__in=[p.pk for p in participants]
                )
            )
        unknown = sorted(set(c for c in codes if c) - {p.code for p in participants})
        try:
            if unknown:
                raise ValidationError(
                    _("未找到这些组织编码：%(c)s") % {"c": "、".join(unknown[:20])}
                )
            race = services.race_create(
                actor=request.user,
                name=request.POST.get("name", "")[:100],
                lead_org=lead,
                participants=sorted(participants, key=lambda p: p.path),
                list_size=_int(request.POST.get("list_size")) or 0,
            )
            for code in request.POST.get("seasons", "")[:200].split():
                services.season_add(actor=request.user, race=race, code=code)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("已创建，请设置各榜单的指标"))
            return redirect("race_list")
    ctx = {"lead": lead, "kinds": kinds, "post": request.POST}
    return render(request, "races/race_new.html", ctx)


@login_required
@require_POST
def season_new(request, pk: int):
    race, _season = _context(request, pk)
    try:
        season = services.season_add(
            actor=request.user, race=race, code=request.POST.get("code", "")[:20]
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("race_detail", pk=race.pk)
    return redirect("race_board", pk=race.pk, season=season.code)


def _int(value) -> int | None:
    try:
        n = int(value)
    except (TypeError, ValueError):
        return None
    return n if 0 < n < 2**62 else None
