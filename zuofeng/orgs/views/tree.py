"""Home page and the org tree browser."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from zuofeng.orgs import scope, selectors
from zuofeng.orgs.permissions import ORG_VIEW
from zuofeng.orgs.views.params import text_param


@login_required
def home(request):
    roots = selectors.scope_roots(request.user)
    cards = [{"org": org, "counts": selectors.subtree_counts(org)} for org in roots[:5]]
    assignments = request.user.role_assignments.select_related("org").order_by("role")
    return render(request, "orgs/home.html", {"cards": cards, "assignments": assignments})


@login_required
def org_tree(request):
    scope.require(request.user, ORG_VIEW)
    q = text_param(request, "q", 100)
    kind = text_param(request, "kind", 32)
    context = {"q": q, "kind": kind, "kinds": selectors.org_kinds()}
    if q or kind:
        page = Paginator(selectors.org_search(request.user, q=q, kind=kind), 50).get_page(
            request.GET.get("page")
        )
        context["results"] = page
    else:
        context["roots"] = [
            {"org": org, "counts": selectors.subtree_counts(org)}
            for org in selectors.scope_roots(request.user)
        ]
    return render(request, "orgs/org_tree.html", context)


@login_required
def org_detail(request, code: str):
    scope.require(request.user, ORG_VIEW)
    if "\x00" in code:  # no org has it, and PostgreSQL cannot even compare it
        raise Http404
    org = selectors.org_get(request.user, code)
    visible = set(scope.paths_for(request.user, ORG_VIEW))
    ancestors = (
        [
            a
            for a in selectors.orgs_visible_to(request.user)
            .filter(path__in=org.ancestor_paths()[:-1])
            .order_by("path")
        ]
        if org.path not in visible
        else []
    )
    context = {
        "org": org,
        "ancestors": ancestors,
        "counts": selectors.subtree_counts(org),
        "children": selectors.children_with_counts(request.user, org),
    }
    template = (
        "orgs/_children.html" if request.headers.get("HX-Request") else "orgs/org_detail.html"
    )
    return render(request, template, context)
