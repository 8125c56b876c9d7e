"""Manual entries: the list with the form, approval, the evidence file."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zuofeng.core.errors import Conflict
from zuofeng.orgs import scope
from zuofeng.races import selectors, services
from zuofeng.races.choices import EntryState, Source
from zuofeng.races.models import ManualEntry, Node
from zuofeng.races.permissions import RACE_ENTER
from zuofeng.races.views.common import DOCX, XLSX, positive_int, race_and_season  # noqa: F401


@login_required
def entries(request, pk: int, season: str):
    race, season = race_and_season(request, pk, season)
    can_enter = scope.can(request.user, RACE_ENTER)
    if request.method == "POST":
        scope.require(request.user, RACE_ENTER)
        node = Node.objects.filter(
            pk=positive_int(request.POST.get("node")), board__race=race, source=Source.MANUAL
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
    race, season = race_and_season(request, pk, season)
    obj = get_object_or_404(selectors.entries_visible_to(request.user, season), pk=entry)
    try:
        services.entry_decide(
            actor=request.user,
            entry=obj,
            approve=request.POST.get("op") == "approve",
            reason=request.POST.get("reason", "")[:500],
            version=positive_int(request.POST.get("version")),
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
    _race, season = race_and_season(request, pk, season)
    obj: ManualEntry = get_object_or_404(
        selectors.entries_visible_to(request.user, season), pk=entry
    )
    if not obj.evidence_file:
        raise Http404
    return FileResponse(
        obj.evidence_file.open("rb"), as_attachment=True, filename=obj.evidence_name
    )
