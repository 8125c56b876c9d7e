"""Login, logout and password change, each audited."""

from __future__ import annotations

import time

from django import forms
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from zuofeng.core import audit
from zuofeng.orgs import services
from zuofeng.orgs.middleware import LOGIN_AT, SEEN_AT
from zuofeng.orgs.models import User


class LoginView(auth_views.LoginView):
    template_name = "orgs/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        now = time.time()
        self.request.session[LOGIN_AT] = now
        self.request.session[SEEN_AT] = now
        audit.record(actor=form.get_user(), action="login.success", obj=form.get_user())
        return response

    def form_invalid(self, form):
        username = (form.data.get("username") or "")[:150]
        user = User.objects.filter(username=username).first()
        audit.record(
            actor=username or "anonymous",
            action="login.failure",
            obj=user,
            object_type="orgs.user",
            object_repr=username,
            success=False,
        )
        return super().form_invalid(form)


def lockout_response(request, original_response, credentials):
    """axes calls this when an account is locked: audit it and say so plainly."""
    # axes >= 8 passes (request, original_response, credentials); with a (request,
    # credentials, *args) signature the response landed in `credentials`, and every lockout
    # was audited as "anonymous".
    username = ((credentials or {}).get("username") or "")[:150]
    audit.record(
        actor=username or "anonymous",
        action="login.locked",
        object_type="orgs.user",
        object_repr=username,
        success=False,
    )
    form = auth_views.AuthenticationForm(request)
    return render(
        request,
        "orgs/login.html",
        {
            "form": form,
            "locked": True,
        },
        status=403,
    )


@require_POST
def logout_view(request):
    if request.user.is_authenticated:
        audit.record(actor=request.user, action="logout", obj=request.user)
    logout(request)
    return redirect("login")


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label=_l("当前密码"), widget=forms.PasswordInput, max_length=128)
    new_password = forms.CharField(label=_l("新密码"), widget=forms.PasswordInput, max_length=128)
    new_password2 = forms.CharField(
        label=_l("再次输入新密码"), widget=forms.PasswordInput, max_length=128
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self):
        data = super().clean()
        if not self.user.check_password(data.get("old_password", "")):
            self.add_error("old_password", _("当前密码不正确"))
        if data.get("new_password") != data.get("new_password2"):
            self.add_error("new_password2", _("两次输入的新密码不一致"))
        return data


@login_required
def password_change(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_set_password(
                actor=request.user, user=request.user, password=form.cleaned_data["new_password"]
            )
        except ValidationError as exc:
            form.add_error("new_password", exc)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("密码已修改"))
            return redirect("home")
    return render(request, "orgs/password_change.html", {"form": form})
