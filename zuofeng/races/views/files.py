"""A season's results as files: the Word notice and the spreadsheet."""

from __future__ import annotations

from io import BytesIO

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _

from zuofeng.orgs import scope
from zuofeng.orgs.models import subtrees_q
from zuofeng.races import notice, selectors
from zuofeng.races.models import LeafScore
from zuofeng.races.permissions import RACE_VIEW
from zuofeng.races.views.common import DOCX, XLSX, positive_int, race_and_season  # noqa: F401


@login_required
def notice_docx(request, pk: int, season: str):
    race, season = race_and_season(request, pk, season)
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

    race, season = race_and_season(request, pk, season)
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
