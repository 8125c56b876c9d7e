"""Pages: project list and board, project detail with milestones and timeline, pairings,
programmes with enrolments, approval cases with a Gantt chart, village ledgers."""

from __future__ import annotations

import datetime as dt
import json

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
from zuofeng.projects import selectors, services
from zuofeng.projects.choices import ProjectState
from zuofeng.projects.models import Milestone, ProjectKind
from zuofeng.projects.permissions import (
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
    return render(request, "projects/pairings.html", {"page": page, "query": query})


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
    return render(request, "projects/programmes.html", {"page": page, "query": query})


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
        {"page": page, "query": query, "summary": selectors.matter_summary(cases)},
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
