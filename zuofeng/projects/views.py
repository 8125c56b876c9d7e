"""Pages: project list and board, project detail with milestones and timeline, pairings,
programmes with enrolments, approval cases with a Gantt chart, village ledgers."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zuofeng.core import loops
from zuofeng.core.errors import Conflict
from zuofeng.orgs import scope
from zuofeng.orgs import selectors as org_selectors
from zuofeng.orgs.models import Org
from zuofeng.projects import approvals, selectors, services
from zuofeng.projects.choices import GroupMode, ProjectState
from zuofeng.projects.models import Milestone, ProjectKind, ServiceItem
from zuofeng.projects.permissions import (
    APPROVAL_MANAGE,
    PROGRAMME_MANAGE,
    PROJECT_MANAGE,
    PROJECT_VIEW,
)
from zuofeng.projects.transitions import PROJECT_LOOP


def _errors(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _page(request, qs, size=50):
    query = request.GET.copy()
    query.pop("page", None)
    return Paginator(qs, size).get_page(request.GET.get("page")), query.urlencode()


@login_required
def project_list(request):
    scope.require(request.user, PROJECT_VIEW)
    g = request.GET
    kind = g.get("kind", "")
    f = selectors.ProjectFilter(
        kind=int(kind) if kind.isdigit() else None,
        state=g.get("state", "") if g.get("state") in ProjectState.values else "",
        warning=g.get("warning", "") if g.get("warning") in ("green", "yellow", "red") else "",
        paired=g.get("paired") == "1",
        q=g.get("q", "")[:100],
    )
    page, query = _page(request, selectors.project_list(request.user, f))
    projects = selectors.with_progress(page.object_list)
    return render(
        request,
        "projects/list.html",
        {
            "page": page,
            "projects": projects,
            "query": query,
            "board": selectors.board(request.user, f),
            "kinds": ProjectKind.objects.filter(active=True),
            "states": ProjectState.choices,
            "f": f,
            "can_create": scope.can(request.user, PROJECT_MANAGE),
        },
    )


@login_required
def project_new(request):
    """立项: the owner unit (or the lead office) registers a project."""
    scope.require(request.user, PROJECT_MANAGE)
    kinds = ProjectKind.objects.filter(active=True)
    values = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        try:
            kind = kinds.filter(pk=int(values.get("kind") or 0)).first()
            if kind is None:
                raise ValidationError({"kind": _("请选择项目类型")})
            owner = org_selectors.org_get(request.user, values.get("owner", "").strip()[:32])
            village_code = values.get("village", "").strip()[:32]
            village = org_selectors.org_get(request.user, village_code) if village_code else None
            start, due = _date(values.get("start_date")), _date(values.get("due_date"))
            if start is None or due is None:
                raise ValidationError({"start_date": _("请填写开始日期和计划完成日期")})
            beneficiaries = values.get("beneficiaries", "")
            project = services.project_create(
                actor=request.user,
                kind=kind,
                title=values.get("title", "")[:200],
                owner=owner,
                village=village,
                leader=values.get("leader", "")[:50],
                start_date=start,
                due_date=due,
                beneficiaries=int(beneficiaries) if beneficiaries.isdigit() else None,
                beneficiary_note=values.get("beneficiary_note", "")[:200],
            )
        except Http404:
            messages.error(request, _("组织编码不存在或不在您的管理范围内"))
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("已立项 %(n)s") % {"n": project.number})
            return redirect("project_detail", pk=project.pk)
    return render(request, "projects/new.html", {"kinds": kinds, "values": values})


@login_required
def project_detail(request, pk: int):
    project = selectors.project_get(request.user, pk)
    (project,) = selectors.with_progress([project])
    children = selectors.with_progress(
        selectors.projects_visible_to(request.user).filter(parent=project).select_related("owner")
    )
    roles = scope.roles_at(request.user, project.owner.path)
    actions = [t for t in PROJECT_LOOP.actions_from(project.state) if t.roles & roles]
    events = list(loops.events_for(project))
    labels = PROJECT_LOOP.state_labels
    for e in events:
        e.to_state_label = labels.get(e.to_state, e.to_state)
    return render(
        request,
        "projects/detail.html",
        {
            "project": project,
            "milestones": selectors.milestones(project),
            "children": children,
            "outcomes": project.outcomes.all(),
            "actions": actions,
            "timeline": events,
            "can_manage": scope.can_at(request.user, PROJECT_MANAGE, project.owner.path)
            and project.state in (ProjectState.APPROVED, ProjectState.IN_PROGRESS),
            "can_outcome": scope.can_at(request.user, PROJECT_MANAGE, project.owner.path),
        },
    )


@login_required
@require_POST
def milestone_add(request, pk: int):
    project = selectors.project_get(request.user, pk)
    try:
        services.milestone_add(
            actor=request.user,
            project=project,
            name=request.POST.get("name", "")[:100],
            deadline=_date(request.POST.get("deadline")) or dt.date.min,
            weight=int(request.POST.get("weight") or 0),
        )
    except ValueError:
        messages.error(request, _("权重须为正整数"))
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("project_detail", pk=project.pk)


@login_required
@require_POST
def milestone_done(request, pk: int, mid: int):
    project = selectors.project_get(request.user, pk)
    milestone = Milestone.objects.filter(pk=mid, project=project).first()
    if milestone is None:
        raise Http404
    done = _date(request.POST.get("done_date"))
    if done is None:
        messages.error(request, _("请填写完成日期"))
    else:
        try:
            services.milestone_done(
                actor=request.user,
                milestone=milestone,
                done_date=done,
                evidence=request.POST.get("evidence", "")[:500],
            )
            messages.success(request, _("节点“%(n)s”已完成") % {"n": milestone.name})
        except ValidationError as exc:
            _errors(request, exc)
    return redirect("project_detail", pk=project.pk)


@login_required
@require_POST
def project_transition(request, pk: int, action: str):
    project = selectors.project_get(request.user, pk)
    if action not in PROJECT_LOOP.actions:
        raise Http404
    data = {
        "reason": request.POST.get("reason", "")[:500],
        "due_date": _date(request.POST.get("due_date")),
        "completed_date": _date(request.POST.get("completed_date")),
    }
    version = request.POST.get("version")
    try:
        services.project_transition(
            actor=request.user,
            project=project,
            action=action,
            version=int(version) if version and version.isdigit() else None,
            **{k: v for k, v in data.items() if v not in (None, "")},
        )
    except Conflict:
        messages.error(request, _("项目已被他人修改，请刷新后重试"))
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("project_detail", pk=project.pk)


@login_required
def pairing_list(request):
    scope.require(request.user, PROJECT_VIEW)
    page, query = _page(request, selectors.pairings_visible_to(request.user).order_by("id"))
    return render(
        request,
        "projects/pairings.html",
        {"page": page, "query": query, "can_create": scope.can(request.user, PROJECT_MANAGE)},
    )


@login_required
def pairing_detail(request, pk: int):
    pairing = selectors.pairing_get(request.user, pk)
    projects = selectors.with_progress(selectors.project_list(request.user).filter(pairing=pairing))
    return render(
        request, "projects/pairing_detail.html", {"pairing": pairing, "projects": projects}
    )


@login_required
def programme_list(request):
    scope.require(request.user, PROJECT_VIEW)
    page, query = _page(request, selectors.programmes_visible_to(request.user))
    return render(
        request,
        "projects/programmes.html",
        {"page": page, "query": query, "can_create": scope.can(request.user, PROGRAMME_MANAGE)},
    )


@login_required
def programme_detail(request, pk: int):
    programme = selectors.programme_get(request.user, pk)
    can_enrol = scope.can_at(request.user, PROGRAMME_MANAGE, programme.unit.path)
    if request.method == "POST":
        if not can_enrol:
            raise PermissionDenied
        age = request.POST.get("age", "")
        try:
            services.enrol(
                actor=request.user,
                programme=programme,
                name=request.POST.get("name", "")[:50],
                age=int(age) if age.isdigit() else None,
                phone=request.POST.get("phone", "")[:20],
            )
            messages.success(request, _("已报名"))
            return redirect("programme_detail", pk=programme.pk)
        except ValidationError as exc:
            _errors(request, exc)
    page, query = _page(request, programme.enrolments.order_by("id"), 100)
    return render(
        request,
        "projects/programme_detail.html",
        {"programme": programme, "page": page, "query": query, "can_enrol": can_enrol},
    )


@login_required
def case_list(request):
    scope.require(request.user, PROJECT_VIEW)
    cases = selectors.cases_visible_to(request.user)
    page, query = _page(request, cases)
    return render(
        request,
        "projects/cases.html",
        {
            "page": page,
            "query": query,
            "summary": selectors.matter_summary(cases),
            "can_create": scope.can(request.user, APPROVAL_MANAGE),
        },
    )


@login_required
def case_detail(request, pk: int):
    case = selectors.case_get(request.user, pk)
    steps = selectors.case_steps(case)
    gantt = [
        {
            "name": f"{s.name}（{s.department.label}）",
            "start": s.start_date.isoformat(),
            "end": (s.end_date or s.start_date).isoformat(),
            "group": s.parallel_group,
            "open": s.end_date is None,
        }
        for s in steps
    ]
    return render(
        request,
        "projects/case_detail.html",
        {
            "case": case,
            "steps": steps,
            "required": case.required.all(),
            "gantt": json.dumps(gantt, ensure_ascii=False),
        },
    )


@login_required
def village_list(request):
    scope.require(request.user, PROJECT_VIEW)
    page, query = _page(request, selectors.villages_with_ledgers(request.user))
    return render(request, "projects/villages.html", {"page": page, "query": query})


@login_required
def village_detail(request, code: str):
    village = selectors.village_get(request.user, code)
    year = request.GET.get("year", "")
    page, query = _page(
        request,
        selectors.ledger_entries(village, int(year) if year.isdigit() and len(year) == 4 else None),
    )
    return render(
        request,
        "projects/village_detail.html",
        {
            "village": village,
            "years": selectors.income_by_year(village),
            "page": page,
            "query": query,
            "year": year,
        },
    )


# --- create and edit forms --------------------------------------------------------------------


def _int(value, field: str, message: str, *, required: bool = True) -> int | None:
    """A non-negative integer from a form field, or a ValidationError with a Chinese message."""
    value = (value or "").strip()
    if not value and not required:
        return None
    if not value.isdigit() or len(value) > 9:
        raise ValidationError({field: message})
    return int(value)


def _decimal(value, field: str, message: str) -> Decimal | None:
    value = (value or "").strip().replace(",", "")
    if not value:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValidationError({field: message}) from None
    if not number.is_finite() or abs(number) >= 10**12:
        raise ValidationError({field: message})
    return number


def _org(request, code: str) -> Org:
    try:
        return org_selectors.org_get(request.user, (code or "").strip()[:32])
    except Http404:
        raise ValidationError({"org": _("组织编码不存在或不在您的管理范围内")}) from None


def _dates(values, *names: str) -> list[dt.date]:
    dates = [_date(values.get(n)) for n in names]
    if any(d is None for d in dates):
        raise ValidationError({names[0]: _("请填写有效日期")})
    return dates


@login_required
def pairing_new(request):
    """A unit pairs with a village or community (百个部门联百村) for a period."""
    scope.require(request.user, PROJECT_MANAGE)
    values = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        try:
            unit = _org(request, values.get("unit"))
            village = _org(request, values.get("village"))
            (start,) = _dates(values, "start_date")
            end = _date(values.get("end_date"))
            if values.get("end_date") and end is None:
                raise ValidationError({"end_date": _("请填写有效日期")})
            pairing = services.pairing_create(
                actor=request.user,
                unit=unit,
                village=village,
                start_date=start,
                end_date=end,
                note=values.get("note", "")[:200],
            )
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("已建立结对"))
            return redirect("pairing_detail", pk=pairing.pk)
    return render(request, "projects/pairing_new.html", {"values": values})


@login_required
def programme_new(request):
    """A unit sets up a programme with a number of places."""
    scope.require(request.user, PROGRAMME_MANAGE)
    values = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        try:
            unit = _org(request, values.get("unit"))
            start, end = _dates(values, "start_date", "end_date")
            capacity = _int(values.get("capacity"), "capacity", _("名额须为正整数"))
            programme = services.programme_create(
                actor=request.user,
                code=values.get("code", "")[:32],
                name=values.get("name", "")[:200],
                unit=unit,
                start_date=start,
                end_date=end,
                capacity=capacity,
                category=values.get("category", "")[:32],
                audience=values.get("audience", "")[:200],
            )
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("已发布活动“%(n)s”") % {"n": programme.name})
            return redirect("programme_detail", pk=programme.pk)
    return render(request, "projects/programme_new.html", {"values": values})


@login_required
def project_edit(request, pk: int):
    """Edit a project after 立项; the version field refuses a stale form."""
    project = selectors.project_get(request.user, pk)
    if not scope.can_at(request.user, PROJECT_MANAGE, project.owner.path):
        raise PermissionDenied
    if request.method == "POST":
        values = request.POST
        try:
            owner = _org(request, values.get("owner"))
            start, due = _dates(values, "start_date", "due_date")
            version = _int(values.get("version"), "version", _("请刷新后重试"))
            services.project_update(
                actor=request.user,
                project=project,
                version=version,
                title=values.get("title", "")[:200],
                owner=owner,
                leader=values.get("leader", "")[:50],
                start_date=start,
                due_date=due,
                budget=_decimal(values.get("budget"), "budget", _("预算须为数字")),
                beneficiaries=_int(
                    values.get("beneficiaries"),
                    "beneficiaries",
                    _("受益人数须为非负整数"),
                    required=False,
                ),
                beneficiary_note=values.get("beneficiary_note", "")[:200],
            )
        except Conflict:
            messages.error(request, _("项目已被他人修改，请刷新后重试"))
        except PermissionDenied:
            messages.error(request, _("组织编码不存在或不在您的管理范围内"))
        except Http404:
            messages.error(request, _("组织编码不存在或不在您的管理范围内"))
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("项目已修改"))
            return redirect("project_detail", pk=project.pk)
    else:
        values = {
            "title": project.title,
            "owner": project.owner.code,
            "leader": project.leader,
            "start_date": project.start_date.isoformat(),
            "due_date": project.deadline.isoformat(),
            "budget": "" if project.budget is None else project.budget,
            "beneficiaries": "" if project.beneficiaries is None else project.beneficiaries,
            "beneficiary_note": project.beneficiary_note,
            "version": project.version,
        }
    return render(request, "projects/project_edit.html", {"project": project, "values": values})


@login_required
@require_POST
def outcome_add(request, pk: int):
    project = selectors.project_get(request.user, pk)
    try:
        value = _decimal(request.POST.get("value"), "value", _("数值须为数字"))
        if value is None:
            raise ValidationError({"value": _("请填写数值")})
        services.outcome_add(
            actor=request.user,
            project=project,
            name=request.POST.get("name", "")[:100],
            value=value,
            unit=request.POST.get("unit", "")[:16],
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("已添加成效"))
    return redirect("project_detail", pk=project.pk)


@login_required
def item_new(request):
    """Add a service item to the approval catalogue."""
    scope.require(request.user, APPROVAL_MANAGE)
    values = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        try:
            department = _org(request, values.get("department"))
            message = _("时限和跑动次数须为非负整数")
            item = approvals.item_create(
                actor=request.user,
                name=values.get("name", "")[:100],
                department=department,
                statutory_days=_int(values.get("statutory_days"), "statutory_days", message),
                promised_days=_int(values.get("promised_days"), "promised_days", message),
                visits=_int(values.get("visits"), "visits", message, required=False) or 0,
                materials=values.get("materials", "")[:5000],
            )
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("已添加服务事项“%(n)s”") % {"n": item.name})
            return redirect("case_list")
    return render(request, "projects/item_new.html", {"values": values})


MATTER_GROUP_ROWS = 4


@login_required
def matter_new(request):
    """A bundled matter (一件事): up to four groups of catalogue items, each 串联 or 并联."""
    scope.require(request.user, APPROVAL_MANAGE)
    items = list(ServiceItem.objects.select_related("department"))
    by_pk = {i.pk: i for i in items}
    values = request.POST if request.method == "POST" else {}
    rows = []
    for n in range(1, MATTER_GROUP_ROWS + 1):
        chosen = values.getlist(f"items_{n}") if values else []
        rows.append({"n": n, "mode": values.get(f"mode_{n}", ""), "chosen": chosen})
    if request.method == "POST":
        try:
            owner = _org(request, values.get("owner"))
            groups = []
            for row in rows:
                picked = [by_pk.get(int(c)) if c.isdigit() else None for c in row["chosen"]]
                if None in picked:
                    raise ValidationError({"groups": _("所选事项不存在")})
                if picked or row["mode"]:
                    groups.append((row["mode"], picked))
            if not groups:
                raise ValidationError({"groups": _("请至少设置一组事项")})
            matter = approvals.matter_create(
                actor=request.user,
                name=values.get("name", "")[:100],
                owner=owner,
                groups=groups,
                serial_only=values.get("serial_only") == "1",
                description=values.get("description", "")[:5000],
            )
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("已添加一件事“%(n)s”") % {"n": matter.name})
            return redirect("case_list")
    return render(
        request,
        "projects/matter_new.html",
        {"values": values, "items": items, "rows": rows, "modes": GroupMode.choices},
    )
