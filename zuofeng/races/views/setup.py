"""Setting a race up (lead office): create a race, add a season, edit a board."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zuofeng.core import indicators as registry
from zuofeng.orgs import scope
from zuofeng.orgs.models import Org, OrgKind, subtree_q
from zuofeng.races import forms, selectors, services
from zuofeng.races.choices import Direction, Method, MissingRule, Source
from zuofeng.races.permissions import RACE_MANAGE
from zuofeng.races.views.common import DOCX, XLSX, positive_int, race_and_season  # noqa: F401


@login_required
def board_edit(request, pk: int, board: int):
    race, _season = race_and_season(request, pk)
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
                list_size=positive_int(request.POST.get("list_size")) or 0,
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
    race, _season = race_and_season(request, pk)
    try:
        season = services.season_add(
            actor=request.user, race=race, code=request.POST.get("code", "")[:20]
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("race_detail", pk=race.pk)
    return redirect("race_board", pk=race.pk, season=season.code)
