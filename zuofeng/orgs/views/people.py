"""People: the list with filters, the detail page and the audited full display."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_POST

from zuofeng.orgs import scope, selectors, services
from zuofeng.orgs.choices import CadreLevel, PoliticalStatus
from zuofeng.orgs.permissions import PERSON_REVEAL, PERSON_VIEW
from zuofeng.orgs.views.params import text_param


@login_required
def person_list(request):
    scope.require(request.user, PERSON_VIEW)
    params = {
        k: text_param(request, k, 50)
        for k in ("q", "org", "political_status", "cadre_level", "phone")
    }
    org = selectors.org_get(request.user, params["org"]) if params["org"] else None
    qs = selectors.person_search(
        request.user,
        q=params["q"],
        org=org,
        political_status=params["political_status"]
        if params["political_status"] in PoliticalStatus.values
        else "",
        cadre_level=params["cadre_level"] if params["cadre_level"] in CadreLevel.values else "",
        phone=params["phone"],
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "orgs/person_list.html",
        {
            "page": page,
            "params": params,
            "filter_org": org,
            "statuses": PoliticalStatus.choices,
            "levels": CadreLevel.choices[1:],
        },
    )


@login_required
def person_detail(request, pk: int):
    scope.require(request.user, PERSON_VIEW)
    person = selectors.person_get(request.user, pk)
    return render(
        request,
        "orgs/person_detail.html",
        {
            "person": person,
            "can_reveal": scope.can_at(request.user, PERSON_REVEAL, person.org.path),
        },
    )


@login_required
@require_POST
def person_reveal(request, pk: int, field: str):
    scope.require(request.user, PERSON_REVEAL)
    if field not in ("id_number", "phone"):
        raise Http404
    person = selectors.person_get(request.user, pk)
    value = services.person_reveal(actor=request.user, person=person, field=field)
    return render(request, "orgs/_revealed.html", {"value": value})
