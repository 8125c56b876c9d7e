"""Session policy: idle and absolute timeouts, and the forced password change."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from zuofeng.core import audit
from zuofeng.orgs.passwords import password_expired

LOGIN_AT = "zf_login_at"
SEEN_AT = "zf_seen_at"
_TOUCH_EVERY = 30  # seconds: refresh the idle clock at most this often (one session write)


class SessionPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and not user.is_authenticated
            and hasattr(request, "session")
            and SESSION_KEY in request.session
        ):
            # The session names a user the backend now refuses (disabled, or a demo account
            # outside demo mode): end it, so re-enabling the account does not revive it.
            request.session.flush()
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = time.time()
            login_at = request.session.get(LOGIN_AT, now)
            seen_at = request.session.get(SEEN_AT, now)
            idle = now - seen_at > settings.SESSION_IDLE_SECONDS
            if idle or now - login_at > settings.SESSION_ABSOLUTE_SECONDS:
                audit.record(
                    actor=user,
                    action="logout.timeout",
                    obj=user,
                    after={"reason": "idle" if idle else "absolute"},
                )
                logout(request)
                return redirect(f"{reverse('login')}?next={request.path}&timeout=1")
            request.session.setdefault(LOGIN_AT, now)
            if now - seen_at >= _TOUCH_EVERY or SEEN_AT not in request.session:
                request.session[SEEN_AT] = now
            if self._must_change(user) and not self._exempt(request.path):
                return redirect("password_change")
        return self.get_response(request)

    @staticmethod
    def _must_change(user) -> bool:
        return user.must_change_password or password_expired(user, timezone.now())

    @staticmethod
    def _exempt(path: str) -> bool:
        return path.startswith(("/accounts/", "/static/", "/api/", "/i18n/"))
