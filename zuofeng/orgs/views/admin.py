"""The three administrators' pages: users (system), roles (security), audit log (audit),
and the work-calendar overrides (system)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from zuofeng.core import audit
from zuofeng.core.calendar import WorkCalendar
from zuofeng.core.models import AuditEntry, CalendarOverride
from zuofeng.orgs import scope, services
from zuofeng.orgs.choices import Role
from zuofeng.orgs.models import Org, RoleAssignment, User
from zuofeng.orgs.permissions import AUDIT_VIEW, CALENDAR_MANAGE, ROLE_MANAGE, USER_MANAGE
from zuofeng.orgs.views.params import id_param, text_param


def _require_any(user, *actions) -> set[str]:
    held = {a for a in actions if scope.can(user, a)}
    if not held:
        raise PermissionDenied
    return held


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class UserForm(forms.Form):
    username = forms.RegexField(
        label=_l("用户名"),
        regex=r"^[A-Za-z0-9_.@-]{3,150}$",
        max_length=150,
        error_messages={"invalid": _l("用户名为3-150位字母、数字或 _ . @ -")},
    )
    display_name = forms.CharField(label=_l("姓名"), max_length=50, required=False)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_l("角色"), choices=Role.choices)
    org_code = forms.CharField(label=_l("组织编码"), max_length=32)

    def clean_org_code(self):
        org = Org.objects.filter(code=self.cleaned_data["org_code"].strip()).first()
        if org is None:
            raise ValidationError(_("组织编码不存在"))
        return org


@login_required
def user_list(request):
    held = _require_any(request.user, USER_MANAGE, ROLE_MANAGE)
    form = UserForm(request.POST or None)
    if request.method == "POST":
        if USER_MANAGE not in held:
            raise PermissionDenied
        if form.is_valid():
            try:
                user, password = services.user_create(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("已创建用户 %(u)s，初始密码：%(p)s（首次登录须修改）")
                    % {"u": user.username, "p": password},
                )
                return redirect("user_detail", pk=user.pk)
    q = text_param(request, "q", 50)
    users = User.objects.order_by("username").prefetch_related("role_assignments__org")
    if q:
        users = users.filter(username__icontains=q) | users.filter(display_name__contains=q)
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "orgs/user_list.html",
        {"page": page, "form": form, "q": q, "can_create": USER_MANAGE in held},
    )


_OP_ACTIONS = {
    "grant": ROLE_MANAGE,
    "revoke": ROLE_MANAGE,
    "disable": USER_MANAGE,
    "enable": USER_MANAGE,
    "reset": USER_MANAGE,
}


@login_required
def user_detail(request, pk: int):
    held = _require_any(request.user, USER_MANAGE, ROLE_MANAGE)
    target = get_object_or_404(User, pk=pk)
    role_form = RoleForm(request.POST if request.POST.get("op") == "grant" else None)
    op = request.POST.get("op")
    if request.method == "POST":
        # Each operation needs its own action: a system administrator asking to grant a role
        # is refused, not shown the page again as if nothing had been asked.
        if _OP_ACTIONS.get(op) not in held:
            raise PermissionDenied
        try:
            if op == "grant" and role_form.is_valid():
                services.role_grant(
                    actor=request.user,
                    user=target,
                    role=role_form.cleaned_data["role"],
                    org=role_form.cleaned_data["org_code"],
                )
                messages.success(request, _("已授权"))
                return redirect("user_detail", pk=pk)
            if op == "revoke":
                assignment = get_object_or_404(
                    RoleAssignment, pk=id_param(request.POST), user=target
                )
                services.role_revoke(actor=request.user, assignment=assignment)
                messages.success(request, _("已撤销授权"))
                return redirect("user_detail", pk=pk)
            if op in ("disable", "enable"):
                services.user_set_active(actor=request.user, user=target, active=op == "enable")
                return redirect("user_detail", pk=pk)
            if op == "reset":
                password = services.generate_password()
                services.user_set_password(
                    actor=request.user, user=target, password=password, initial=True
                )
                messages.success(
                    request, _("新的初始密码：%(p)s（登录后须修改）") % {"p": password}
                )
                return redirect("user_detail", pk=pk)
        except ValidationError as exc:
            _form_errors(role_form, exc)
    return render(
        request,
        "orgs/user_detail.html",
        {
            "target": target,
            "role_form": role_form,
            "assignments": target.role_assignments.select_related("org").order_by("role"),
            "can_roles": ROLE_MANAGE in held,
            "can_users": USER_MANAGE in held,
        },
    )


class AuditFilter(forms.Form):
    actor = forms.CharField(label=_l("操作人"), required=False, max_length=150)
    action = forms.CharField(label=_l("操作"), required=False, max_length=64)
    object_id = forms.CharField(label=_l("对象编号"), required=False, max_length=64)
    request_id = forms.CharField(label=_l("请求编号"), required=False, max_length=64)
    date_from = forms.DateField(
        label=_l("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_l("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    failures = forms.BooleanField(label=_l("只看失败"), required=False)


@login_required
def audit_log(request):
    if not scope.can(request.user, AUDIT_VIEW):
        raise PermissionDenied
    form = AuditFilter(request.GET or None)
    qs = AuditEntry.objects.order_by("-seq")
    if form.is_valid():
        d = form.cleaned_data
        if d["actor"]:
            qs = qs.filter(actor_name=d["actor"])
        if d["action"]:
            qs = qs.filter(action__startswith=d["action"])
        if d["object_id"]:
            qs = qs.filter(object_id=d["object_id"])
        if d["request_id"]:
            qs = qs.filter(request_id=d["request_id"])
        if d["date_from"]:
            qs = qs.filter(at__date__gte=d["date_from"])
        if d["date_to"]:
            qs = qs.filter(at__date__lte=d["date_to"])
        if d["failures"]:
            qs = qs.filter(success=False)
    verify = None
    if request.GET.get("verify") == "1":
        verify = audit.verify()
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "orgs/audit_log.html", {"form": form, "page": page, "verify": verify})


class OverrideForm(forms.Form):
    day = forms.DateField(label=_l("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=_l("类型"), choices=CalendarOverride.Kind.choices)
    note = forms.CharField(label=_l("说明"), max_length=100, required=False)


class CalcForm(forms.Form):
    start = forms.DateField(label=_l("起始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    days = forms.IntegerField(label=_l("工作日数"), min_value=-3650, max_value=3650)


@login_required
def calendar_overrides(request):
    if not scope.can(request.user, CALENDAR_MANAGE):
        raise PermissionDenied
    form = OverrideForm(request.POST if request.POST.get("op") == "set" else None)
    if request.method == "POST":
        if request.POST.get("op") == "delete":
            override = get_object_or_404(CalendarOverride, pk=id_param(request.POST))
            services.calendar_override_delete(actor=request.user, override=override)
            return redirect("calendar")
        if form.is_valid():
            services.calendar_override_set(actor=request.user, **form.cleaned_data)
            messages.success(request, _("已保存"))
            return redirect("calendar")
    calc = CalcForm(request.GET or None)
    result = None
    if calc.is_valid():
        result = WorkCalendar().add_workdays(calc.cleaned_data["start"], calc.cleaned_data["days"])
    year = dt.date.today().year
    return render(
        request,
        "orgs/calendar.html",
        {
            "form": form,
            "calc": calc,
            "result": result,
            "overrides": CalendarOverride.objects.filter(day__year__gte=year - 1),
        },
    )
