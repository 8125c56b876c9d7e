"""Pages of the service module: the unit queue, requests with their timeline, routing,
enterprises and grids; and the public form and status page (no account)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zuofeng.core.errors import Conflict
from zuofeng.core.middleware import client_address
from zuofeng.core.validators import normalise_credit_code
from zuofeng.orgs import scope
from zuofeng.orgs.models import Org
from zuofeng.service import selectors, services
from zuofeng.service import settings as svc_settings
from zuofeng.service.choices import RequestState
from zuofeng.service.forms import (
    FilterForm,
    PublicSubmitForm,
    RateForm,
    SubmitForm,
    TrackForm,
    TransitionForm,
    VisitForm,
)
from zuofeng.service.importers import split_list
from zuofeng.service.models import Enterprise, GridMember, RequestCategory
from zuofeng.service.permissions import (
    SERVICE_ROUTE,
    SERVICE_SETTINGS,
    SERVICE_SUBMIT,
    SERVICE_VIEW,
)
from zuofeng.service.transitions import REQUEST_LOOP


def due_colour(r, today: dt.date) -> str:
    """Warning colour from the deadline as of today (the sweep stores the same colours)."""
    if r.state not in REQUEST_LOOP.open_states or r.deadline is None:
        return ""
    left = (r.deadline - today).days
    return "red" if left < 0 else "yellow" if left <= 1 else "green" if left <= 3 else ""


def _page(request, qs, per=50):
    page = Paginator(qs, per).get_page(request.GET.get("page"))
    today = timezone.localdate()
    for r in page:
        r.colour = due_colour(r, today)
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


def _error_text(exc) -> str:
    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)
    return str(exc) or _("您的角色不能执行此操作")


@login_required
def queue(request):
    scope.require(request.user, SERVICE_VIEW)
    page, query = _page(request, selectors.unit_queue(request.user))
    return render(request, "service/queue.html", {"page": page, "query": query})


@login_required
def request_list(request):
    scope.require(request.user, SERVICE_VIEW)
    form = FilterForm(request.GET or None)
    d = form.cleaned_data if form.is_valid() else {}
    qs = selectors.request_list(
        request.user,
        state=d.get("state", ""),
        category=d["category"].pk if d.get("category") else None,
        channel=d.get("channel", ""),
        q=d.get("q", ""),
    )
    page, query = _page(request, qs)
    return render(request, "service/list.html", {"page": page, "query": query, "form": form})


@login_required
def routing(request):
    scope.require(request.user, SERVICE_ROUTE)
    page, query = _page(request, selectors.routing_queue(request.user))
    return render(request, "service/routing.html", {"page": page, "query": query})


@login_required
def request_new(request):
    scope.require(request.user, SERVICE_SUBMIT)
    form = SubmitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            r = _submit(request.user, form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("诉求已提交：%(n)s") % {"n": r.number})
            return redirect("service_request", pk=r.pk)
    return render(request, "service/new.html", {"form": form})


def _submit(user, d):
    enterprise = None
    if d["credit_code"]:
        code = normalise_credit_code(d["credit_code"])
        enterprise = Enterprise.objects.filter(credit_code=code).first()
        if enterprise is None:
            raise ValidationError(_("未找到该统一社会信用代码对应的企业"))
    paths = scope.paths_for(user, SERVICE_SUBMIT)
    origin = Org.objects.filter(path=paths[0]).first() if paths else None
    return services.request_submit(
        actor=user,
        channel=d["channel"],
        category=d["category"],
        content=d["content"],
        urgency=d["urgency"],
        enterprise=enterprise,
        name=d["name"],
        phone=d["phone"],
        location=d["location"],
        origin_unit=origin,
    )


@login_required
def request_detail(request, pk: int):
    scope.require(request.user, SERVICE_VIEW)
    r = selectors.request_get(request.user, pk)
    labels = {t.action: t.label for t in REQUEST_LOOP.transitions}
    events = selectors.timeline(r)
    for e in events:
        e.action_label = labels.get(e.action, e.action)
        e.to_state_label = REQUEST_LOOP.state_labels.get(e.to_state, e.to_state)
    r.colour = due_colour(r, timezone.localdate())
    context = {
        "r": r,
        "timeline": events,
        "assignments": selectors.assignments(r),
        "actions": selectors.actions_for(request.user, r),
        "form": TransitionForm(),
    }
    return render(request, "service/detail.html", context)


def _transition_data(d: dict) -> dict:
    data = {k: v for k, v in d.items() if v not in (None, "")}
    if "unit" in data:
        data["unit"] = Org.objects.filter(code=data["unit"].strip()).first()
        if data["unit"] is None:
            raise ValidationError({"unit": _("未找到该单位编码")})
    if "co_units" in data:
        codes = split_list(data["co_units"])
        found = list(Org.objects.filter(code__in=codes))
        if len(found) != len(set(codes)):
            raise ValidationError({"co_units": _("协办单位编码有误")})
        data["co_units"] = found
    if "resolved" in data:
        data["resolved"] = data["resolved"] == "yes"
    return data


@login_required
@require_POST
def request_transition(request, pk: int, action: str):
    scope.require(request.user, SERVICE_VIEW)
    r = selectors.request_get(request.user, pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("填写有误：%(e)s") % {"e": form.errors.as_text()})
        return redirect("service_request", pk=pk)
    try:
        data = _transition_data(form.cleaned_data)
        version = data.pop("version", None)
        services.request_transition(
            actor=request.user, request=r, action=action, version=version, **data
        )
    except (ValidationError, Conflict, PermissionDenied) as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("操作成功"))
    return redirect("service_request", pk=pk)


@login_required
def enterprise_list(request):
    scope.require(request.user, SERVICE_VIEW)
    q = (request.GET.get("q") or "").strip()[:100]
    qs = selectors.enterprises_visible_to(request.user).select_related("grid", "town")
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(credit_code=q.upper()))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "service/enterprises.html", {"page": page, "query": f"q={q}", "q": q})


@login_required
def enterprise_detail(request, pk: int):
    scope.require(request.user, SERVICE_VIEW)
    e = selectors.enterprise_get(request.user, pk)
    requests = e.requests.select_related("category", "unit").order_by("-submitted_date")[:100]
    funds = e.requests.filter(resolved_date__isnull=False).aggregate(
        total=Sum("funds"), times=Count("pk", filter=Q(funds__gt=0))
    )
    context = {
        "e": e,
        "team": _team(e.grid_id) if e.grid_id else [],
        "visits": e.visits.select_related("unit").prefetch_related("cadres")[:100],
        "requests": requests,
        "funds": funds,
    }
    return render(request, "service/enterprise.html", context)


def _team(grid_id: int):
    return list(
        GridMember.objects.filter(grid_id=grid_id)
        .select_related("person", "role", "person__org")
        .order_by("role__sort_order", "id")
    )


@login_required
def grid_list(request):
    scope.require(request.user, SERVICE_VIEW)
    grids = selectors.grids_visible_to(request.user)
    return render(request, "service/grids.html", {"grids": grids})


@login_required
def grid_detail(request, pk: int):
    scope.require(request.user, SERVICE_VIEW)
    grid = selectors.grids_visible_to(request.user).filter(pk=pk).first()
    if grid is None:
        raise Http404
    enterprises = grid.enterprises.select_related("town").annotate(
        n_requests=Count("requests"), n_visits=Count("visits", distinct=True)
    )
    context = {"grid": grid, "team": _team(grid.pk), "enterprises": enterprises}
    return render(request, "service/grid.html", context)


@login_required
def visit_list(request):
    scope.require(request.user, SERVICE_VIEW)
    page = Paginator(selectors.visits_visible_to(request.user), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "service/visits.html", {"page": page, "query": ""})


@login_required
def visit_new(request):
    scope.require(request.user, SERVICE_SUBMIT)
    form = VisitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            visit = _visit(request.user, form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("走访已登记"))
            return redirect("service_enterprise", pk=visit.enterprise_id)
    return render(request, "service/visit_new.html", {"form": form})


def _visit(user, d):
    from zuofeng.orgs import selectors as org_selectors
    from zuofeng.orgs.models import Person

    code = normalise_credit_code(d["credit_code"])
    enterprise = Enterprise.objects.filter(credit_code=code).first()
    if enterprise is None:
        raise ValidationError(_("未找到该统一社会信用代码对应的企业"))
    unit = org_selectors.org_get(user, d["unit"].strip())
    numbers = split_list(d["cadres"])
    cadres = list(Person.objects.filter(person_no__in=numbers))
    if len(cadres) != len(set(numbers)):
        raise ValidationError(_("走访人员的人员编号有误"))
    return services.visit_create(
        actor=user,
        date=d["date"],
        enterprise=enterprise,
        unit=unit,
        cadres=cadres,
        notes=d["notes"],
    )


# --- the public side (no account) -------------------------------------------------------------


def public_submit(request):
    form = PublicSubmitForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                r = services.public_submit(
                    address=client_address(request),
                    name=d["name"],
                    phone=d["phone"],
                    category=d["category"],
                    content=d["content"],
                    location=d["location"],
                    honeypot=d["website"],
                    credit_code=d["credit_code"],
                )
            except services.RateLimited:
                form.add_error(None, _("提交过于频繁，请稍后再试"))
                status = 429
            except ValidationError as exc:
                form.add_error(None, exc.messages)
                status = 400
            else:
                return render(request, "service/public_done.html", {"r": r})
        else:
            status = 400
    return render(request, "service/public_form.html", {"form": form}, status=status)


def public_track(request):
    """Status by tracking code + the phone's last four digits, asked by POST so neither ends
    up in a URL or an access log."""
    form = TrackForm(request.POST or None)
    r, status = None, 200
    if request.method == "POST":
        r, status = _lookup(request, form)
    return _track_page(request, form, r, status)


def _lookup(request, form):
    if not form.is_valid():
        return None, 400
    try:
        r = services.public_lookup(
            address=client_address(request),
            code=form.cleaned_data["code"],
            last4=form.cleaned_data["last4"],
        )
    except services.RateLimited:
        form.add_error(None, _("查询过于频繁，请稍后再试"))
        return None, 429
    except Http404:
        form.add_error(None, _("未找到对应的诉求，请核对查询码和手机号后四位"))
        return None, 404
    return r, 200


def _track_page(request, form, r, status):
    context = {
        "form": form,
        "r": r,
        "can_rate": r is not None and r.state == RequestState.RESOLVED,
        "rate_form": RateForm(initial=form.cleaned_data if r is not None else None),
    }
    return render(request, "service/public_track.html", context, status=status)


@require_POST
def public_rate(request):
    form = RateForm(request.POST)
    if not form.is_valid():
        return _track_page(request, form, None, 400)
    d = form.cleaned_data
    try:
        r = services.public_rate(
            address=client_address(request),
            code=d["code"],
            last4=d["last4"],
            satisfaction=d["satisfaction"],
        )
    except services.RateLimited:
        form.add_error(None, _("操作过于频繁，请稍后再试"))
        return _track_page(request, form, None, 429)
    except Http404:
        form.add_error(None, _("未找到对应的诉求，请核对查询码和手机号后四位"))
        return _track_page(request, form, None, 404)
    except ValidationError as exc:
        form.add_error(None, exc.messages)
        return _track_page(request, form, None, 400)
    messages.success(request, _("感谢您的评价"))
    return _track_page(request, form, r, 200)


# --- settings (the lead office) ----------------------------------------------------------------


def _settings_page(request, *, sla_rows=None, desk_form=None, status=200):
    desks = svc_settings.front_desks()
    rows = sla_rows if sla_rows is not None else svc_settings.sla_table()
    labels = svc_settings.sla_labels()
    for row in rows:
        key = f"{row['category'].pk if row['category'] else 'default'}-{row['urgency']}"
        row["cells"] = [
            (f"{key}-{f}", "" if row[f] is None else row[f], *svc_settings.SLA_BOUNDS[f], labels[f])
            for f in svc_settings.SLA_FIELDS
        ]
    default = next((d.org.code for d in desks if d.is_default), "")
    context = {
        "categories": svc_settings.categories_with_use(),
        "sla_rows": rows,
        "sla_labels": list(labels.values()),
        "desks": desks,
        "desk_form": desk_form
        or {"units": "、".join(d.org.code for d in desks), "default": default},
    }
    return render(request, "service/settings.html", context, status=status)


@login_required
def settings_page(request):
    scope.require(request.user, SERVICE_SETTINGS)
    return _settings_page(request)


@login_required
@require_POST
def settings_category(request, pk=None):
    scope.require(request.user, SERVICE_SETTINGS)
    p = request.POST
    try:
        if pk is None:
            c = svc_settings.category_create(
                actor=request.user,
                name=p.get("name", ""),
                description=p.get("description", ""),
                sort_order=p.get("sort_order") or None,
            )
            messages.success(request, _("已新增诉求类别：%(name)s") % {"name": c.name})
        else:
            category = RequestCategory.objects.filter(pk=pk).first()
            if category is None:
                raise Http404
            c = svc_settings.category_update(
                actor=request.user,
                category=category,
                name=p.get("name", ""),
                description=p.get("description", ""),
                sort_order=p.get("sort_order", ""),
                active=p.get("active") == "1",
            )
            messages.success(request, _("已保存诉求类别：%(name)s") % {"name": c.name})
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return _settings_page(request, status=400)
    return redirect("service_settings")


@login_required
@require_POST
def settings_sla(request):
    scope.require(request.user, SERVICE_SETTINGS)
    table = svc_settings.sla_table()
    rows = []
    for row in table:
        key = f"{row['category'].pk if row['category'] else 'default'}-{row['urgency']}"
        values = {f: request.POST.get(f"{key}-{f}", "") for f in svc_settings.SLA_FIELDS}
        rows.append({"category": row["category"], "urgency": row["urgency"], **values})
        row.update(values)  # shown back as typed when the input is refused
    try:
        n = svc_settings.sla_save(actor=request.user, rows=rows)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return _settings_page(request, sla_rows=table, status=400)
    messages.success(request, _("已保存办理时限，%(n)d项有变化") % {"n": n})
    return redirect("service_settings")


@login_required
@require_POST
def settings_front_desks(request):
    scope.require(request.user, SERVICE_SETTINGS)
    form = {"units": request.POST.get("units", ""), "default": request.POST.get("default", "")}
    try:
        units = svc_settings.units_from_codes(split_list(form["units"]))
        default = next((u for u in units if u.code == form["default"].strip()), None)
        svc_settings.front_desks_set(actor=request.user, units=units, default=default)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return _settings_page(request, desk_form=form, status=400)
    messages.success(request, _("已保存受理窗口"))
    return redirect("service_settings")
