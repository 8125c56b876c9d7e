"""Pages of the problem ledger: the ledger, a problem with its timeline, register, to-do."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zuofeng.core.errors import Conflict
from zuofeng.orgs import scope
from zuofeng.orgs import selectors as org_selectors
from zuofeng.orgs.models import Org
from zuofeng.rectify import checklists as checklist_rules
from zuofeng.rectify import circulars as circular_rules
from zuofeng.rectify import projects as project_rules
from zuofeng.rectify import references, selectors, services
from zuofeng.rectify import rounds as round_rules
from zuofeng.rectify.choices import KeyArea
from zuofeng.rectify.forms import (
    CampaignForm,
    CircularForm,
    EvidenceForm,
    FindingForm,
    InspectionForm,
    LeaderProjectForm,
    LedgerFilterForm,
    RegisterForm,
    RuleForm,
    TransitionForm,
)
from zuofeng.rectify.models import ChecklistItem, ChecklistSet
from zuofeng.rectify.permissions import (
    CHECKLIST_MANAGE,
    PROBLEM_HANDLE,
    PROBLEM_REGISTER,
    PROBLEM_VERIFY,
    PROBLEM_VIEW,
    ROUND_MANAGE,
)


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
def ledger(request):
    scope.require(request.user, PROBLEM_VIEW)
    form = LedgerFilterForm(request.GET or None)
    f = selectors.LedgerFilter()
    if form.is_valid():
        d = form.cleaned_data
        unit = org_selectors.org_get(request.user, d["unit"]) if d["unit"] else None
        f = selectors.LedgerFilter(
            state=d["state"],
            source=d["source"].pk if d["source"] else None,
            category=d["category"].pk if d["category"] else None,
            campaign=d["campaign"].pk if d["campaign"] else None,
            key_area=d["key_area"],
            warning=d["warning"],
            overdue=d["overdue"],
            unit=unit,
            q=d["q"],
            round=d["round"].pk if d["round"] else None,
        )
    sort = request.GET.get("sort", "found")
    page = Paginator(selectors.ledger(request.user, f, sort=sort), 50).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "rectify/ledger.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "sort": sort,
            "can_register": scope.can(request.user, PROBLEM_REGISTER),
        },
    )


@login_required
def register(request):
    scope.require(request.user, PROBLEM_REGISTER)
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            unit = org_selectors.org_get(request.user, d["unit"].strip())
            problem = services.problem_register(
                actor=request.user,
                description=d["description"],
                source=d["source"],
                source_ref=d["source_ref"],
                category=d["category"],
                found_date=d["found_date"],
                unit=unit,
                key_power=KeyArea.POWER in d["key_areas"],
                key_funds=KeyArea.FUNDS in d["key_areas"],
                key_resources=KeyArea.RESOURCES in d["key_areas"],
                mode=d["mode"],
                campaign=d["campaign"],
                measures=d["measures"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("已登记问题 %(n)s") % {"n": problem.number})
            return redirect("problem_detail", pk=problem.pk)
    return render(request, "rectify/register.html", {"form": form})


@login_required
def detail(request, pk: int):
    scope.require(request.user, PROBLEM_VIEW)
    problem = selectors.problem_get(request.user, pk)
    return render(
        request,
        "rectify/detail.html",
        {
            "problem": problem,
            "timeline": selectors.problem_timeline(problem),
            "actions": selectors.available_actions(request.user, problem),
            "form": TransitionForm(initial={"version": problem.version}),
            "evidence_form": EvidenceForm(),
            "evidence": problem.evidence.all(),
            "source_ref_url": references.url_for(problem.source_ref),
        },
    )


@login_required
@require_POST
def transition(request, pk: int, action: str):
    scope.require(request.user, PROBLEM_VIEW)
    problem = selectors.problem_get(request.user, pk)
    form = TransitionForm(request.POST)
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        version = data.pop("version", None)
        try:
            services.problem_transition(
                actor=request.user, problem=problem, action=action, version=version, **data
            )
        except (ValidationError, Conflict, PermissionDenied) as exc:
            text = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            messages.error(request, text or _("您的角色不能执行此操作"))
        else:
            messages.success(request, _("操作成功"))
    else:
        messages.error(request, _("填写有误：%(e)s") % {"e": form.errors.as_text()})
    return redirect("problem_detail", pk=pk)


@login_required
@require_POST
def evidence(request, pk: int):
    scope.require(request.user, PROBLEM_VIEW)
    problem = selectors.problem_get(request.user, pk)
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.evidence_add(
                actor=request.user, problem=problem, upload=form.cleaned_data["file"]
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("已上传"))
    else:
        messages.error(request, _("请选择文件"))
    return redirect("problem_detail", pk=pk)


@login_required
def todo(request):
    scope.require(request.user, PROBLEM_VIEW)
    page = Paginator(selectors.my_todo(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "rectify/todo.html", {"page": page, "query": ""})


@login_required
def inspections(request):
    scope.require(request.user, PROBLEM_VIEW)
    page = Paginator(selectors.inspections_visible_to(request.user), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "rectify/inspections.html",
        {"page": page, "query": "", "can_create": scope.can(request.user, PROBLEM_VERIFY)},
    )


@login_required
def inspection_new(request):
    scope.require(request.user, PROBLEM_VERIFY)
    form = InspectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            targets = [org_selectors.org_get(request.user, c) for c in form.target_codes()]
            inspection = services.inspection_create(
                actor=request.user,
                date=d["date"],
                team=d["team"],
                method=d["method"],
                targets=targets,
                campaign=d["campaign"],
                summary=d["summary"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        except Http404:
            form.add_error("targets", _("检查对象中有不存在或不在管辖范围内的组织编码"))
        else:
            return redirect("inspection_detail", pk=inspection.pk)
    return render(request, "rectify/inspection_new.html", {"form": form})


@login_required
def inspection_detail(request, pk: int):
    scope.require(request.user, PROBLEM_VIEW)
    inspection = selectors.inspection_get(request.user, pk)
    form = FindingForm(request.POST or None)
    if request.method == "POST":
        scope.require(request.user, PROBLEM_VERIFY)
        if form.is_valid():
            d = form.cleaned_data
            try:
                unit = org_selectors.org_get(request.user, d["unit"].strip())
                services.inspection_add_finding(
                    actor=request.user,
                    inspection=inspection,
                    unit=unit,
                    description=d["description"],
                    category=d["category"],
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("已登记问题"))
                return redirect("inspection_detail", pk=pk)
    return render(
        request,
        "rectify/inspection_detail.html",
        {
            "inspection": inspection,
            "form": form,
            "findings": selectors.inspection_findings(request.user, inspection),
            "can_add": scope.can(request.user, PROBLEM_VERIFY),
        },
    )


@login_required
def rounds(request):
    scope.require(request.user, PROBLEM_VIEW)
    if request.method == "POST":
        scope.require(request.user, ROUND_MANAGE)
        try:
            if request.POST.get("op") == "open":
                org = org_selectors.org_get(request.user, request.POST.get("org", "")[:32])
                round_rules.round_open(
                    actor=request.user, org=org, name=request.POST.get("name", "")[:50]
                )
            elif request.POST.get("op") == "close":
                target = get_object_or_404(
                    round_rules.rounds_visible_to(request.user), pk=_int(request.POST.get("id"))
                )
                round_rules.round_close(actor=request.user, round_=target)
            messages.success(request, _("操作成功"))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        return redirect("rounds")
    visible = list(round_rules.rounds_visible_to(request.user))
    closed = [r for r in visible if r.closed_on]
    home = scope.paths_for(request.user, ROUND_MANAGE)
    return render(
        request,
        "rectify/rounds.html",
        {
            "rounds": visible,
            "closed": closed,
            "can_manage": bool(home),
            "home_org": Org.objects.filter(path=home[0]).first() if home else None,
        },
    )


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


@login_required
def round_diff(request):
    scope.require(request.user, PROBLEM_VIEW)
    visible = round_rules.rounds_visible_to(request.user)
    a = get_object_or_404(visible, pk=_int(request.GET.get("a")))
    b = get_object_or_404(visible, pk=_int(request.GET.get("b")))
    try:
        diff = round_rules.round_diff(request.user, a, b)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("rounds")
    return render(request, "rectify/round_diff.html", {"diff": diff})


@login_required
def circulars(request):
    scope.require(request.user, PROBLEM_VIEW)
    page = Paginator(circular_rules.circulars_visible_to(request.user), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "rectify/circulars.html",
        {"page": page, "query": "", "can_issue": scope.can(request.user, PROBLEM_VERIFY)},
    )


@login_required
def circular_new(request):
    scope.require(request.user, PROBLEM_VERIFY)
    form = CircularForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            issuer = org_selectors.org_get(request.user, d["issuer"].strip())
            cited = selectors.problems_by_number(request.user, form.problem_numbers())
            circular = circular_rules.circular_issue(
                actor=request.user,
                issuer=issuer,
                title=d["title"],
                date=d["date"],
                problems=cited,
                campaign=d["campaign"],
                intro=d["intro"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return redirect("circular_detail", pk=circular.pk)
    return render(request, "rectify/circular_new.html", {"form": form})


@login_required
def circular_detail(request, pk: int):
    scope.require(request.user, PROBLEM_VIEW)
    circular = get_object_or_404(circular_rules.circulars_visible_to(request.user), pk=pk)
    if request.GET.get("format") == "docx":
        from io import BytesIO

        from django.http import HttpResponse

        buffer = BytesIO()
        circular_rules.circular_document(circular).save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=DOCX)
        response["Content-Disposition"] = (
            f"attachment; filename*=UTF-8''circular-{circular.year}-{circular.number}.docx"
        )
        return response
    return render(
        request,
        "rectify/circular_detail.html",
        {
            "circular": circular,
            "problems": circular.problems.select_related("unit").order_by("unit__path", "number"),
        },
    )


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@login_required
def leader_projects(request):
    scope.require(request.user, PROBLEM_VIEW)
    form = LeaderProjectForm(request.POST or None)
    if request.method == "POST":
        scope.require(request.user, PROBLEM_VERIFY)
        if form.is_valid():
            d = form.cleaned_data
            try:
                owner = org_selectors.org_get(request.user, d["owner"].strip())
                project_rules.project_create(
                    actor=request.user,
                    title=d["title"],
                    leader=d["leader"],
                    owner=owner,
                    started_on=d["started_on"],
                    due_on=d["due_on"],
                    campaign=d["campaign"],
                    problems=selectors.problems_by_number(request.user, form.problem_numbers()),
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("已保存"))
                return redirect("leader_projects")
    page = Paginator(project_rules.projects_visible_to(request.user), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "rectify/leader_projects.html",
        {
            "page": page,
            "query": "",
            "form": form,
            "can_create": scope.can(request.user, PROBLEM_VERIFY),
        },
    )


@login_required
@require_POST
def notice(request, pk: int):
    scope.require(request.user, PROBLEM_VIEW)
    problem = selectors.problem_get(request.user, pk)
    try:
        services.notice_issue(
            actor=request.user,
            problem=problem,
            level=_int(request.POST.get("level")),
            text=request.POST.get("text", "")[:4000],
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已下发"))
    return redirect("problem_detail", pk=pk)


@login_required
def checklist_sets(request):
    scope.require(request.user, PROBLEM_VIEW)
    if request.method == "POST":
        scope.require(request.user, CHECKLIST_MANAGE)
        try:
            created = checklist_rules.set_create(
                actor=request.user, name=request.POST.get("name", "")[:100]
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            return redirect("checklist_detail", pk=created.pk)
    return render(
        request,
        "rectify/checklists.html",
        {
            "sets": ChecklistSet.objects.filter(active=True)
            .annotate(n=Count("lists__items"))
            .order_by("-created_at"),
            "can_manage": scope.can(request.user, CHECKLIST_MANAGE),
        },
    )


@login_required
def checklist_detail(request, pk: int):
    scope.require(request.user, PROBLEM_VIEW)
    checklist_set = get_object_or_404(ChecklistSet, pk=pk)
    if request.method == "POST":
        scope.require(request.user, CHECKLIST_MANAGE)
        checklist = get_object_or_404(checklist_set.lists, pk=_int(request.POST.get("list")))
        try:
            checklist_rules.item_add(
                actor=request.user,
                checklist=checklist,
                text=request.POST.get("text", "")[:500],
                category=request.POST.get("category", "")[:50],
                basis=request.POST.get("basis", "")[:200],
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        return redirect("checklist_detail", pk=pk)
    code = request.GET.get("org", "")[:32]
    org = (
        org_selectors.org_get(request.user, code)
        if code
        else org_selectors.scope_roots(request.user)[0]
    )
    return render(
        request,
        "rectify/checklist_detail.html",
        {
            "set": checklist_set,
            "lists": checklist_set.lists.prefetch_related("items"),
            "org": org,
            "progress": checklist_rules.progress(checklist_set, org),
            "can_manage": scope.can(request.user, CHECKLIST_MANAGE),
            "can_check": scope.can(request.user, PROBLEM_HANDLE),
        },
    )


@login_required
def selfcheck(request, pk: int):
    scope.require(request.user, PROBLEM_HANDLE)
    checklist_set = get_object_or_404(ChecklistSet, pk=pk)
    items = list(
        ChecklistItem.objects.filter(checklist__checklist_set=checklist_set).select_related(
            "checklist"
        )
    )
    if request.method == "POST":
        answers = {
            i.pk: (request.POST.get(f"a{i.pk}", ""), request.POST.get(f"n{i.pk}", "")[:500])
            for i in items
            if request.POST.get(f"a{i.pk}")
        }
        try:
            unit = org_selectors.org_get(request.user, request.POST.get("unit", "")[:32])
            number = request.POST.get("person_no", "").strip()[:32]
            person = (
                org_selectors.people_visible_to(request.user).filter(person_no=number).first()
                if number
                else None
            )
            if number and person is None:
                raise ValidationError(_("人员编号不存在或不在管辖范围内"))
            check = checklist_rules.selfcheck_submit(
                actor=request.user,
                checklist_set=checklist_set,
                unit=unit,
                person=person,
                answers=answers,
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        except Http404:
            messages.error(request, _("单位编码不存在或不在管辖范围内"))
        else:
            opened = check.answers.filter(problem__isnull=False).count()
            messages.success(request, _("自查已提交，登记问题%(n)d个") % {"n": opened})
            return redirect("checklist_detail", pk=pk)
    return render(
        request,
        "rectify/selfcheck.html",
        {"set": checklist_set, "items": items, "post": request.POST},
    )


@login_required
@require_POST
def rule(request, pk: int):
    scope.require(request.user, PROBLEM_VIEW)
    problem = selectors.problem_get(request.user, pk)
    form = RuleForm(request.POST)
    if form.is_valid():
        try:
            services.rule_add(actor=request.user, problem=problem, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("已保存"))
    else:
        messages.error(request, _("填写有误：%(e)s") % {"e": form.errors.as_text()})
    return redirect("problem_detail", pk=pk)


@login_required
def campaigns(request):
    scope.require(request.user, PROBLEM_VIEW)
    can_manage = scope.can(request.user, ROUND_MANAGE)
    form = CampaignForm(request.POST or None) if can_manage else None
    status = 200
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if form.is_valid():
            try:
                campaign = services.campaign_save(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("专项已保存：%(name)s") % {"name": campaign.name})
                return redirect("campaigns")
        status = 400
    return render(
        request,
        "rectify/campaigns.html",
        {"campaigns": selectors.campaigns_with_counts(request.user), "form": form},
        status=status,
    )
