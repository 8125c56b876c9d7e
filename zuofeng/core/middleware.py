"""Binds every request to a request id and client address for the audit chain."""

from __future__ import annotations

import re
import uuid

from zuofeng.core import context

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def client_address(request) -> str:
    # Behind the documented nginx, REMOTE_ADDR is the proxy; nginx sets X-Real-IP.
    real = request.META.get("HTTP_X_REAL_IP", "")
    return (
        real
        if real and request.META.get("REMOTE_ADDR") in ("127.0.0.1", "::1")
        else (request.META.get("REMOTE_ADDR", ""))
    )


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        channel = "api" if request.path.startswith("/api/") else "web"
        token = context.bind(context.RequestContext(request_id, client_address(request), channel))
        request.request_id = request_id
        try:
            response = self.get_response(request)
        finally:
            context.reset(token)
        response["X-Request-ID"] = request_id
        return response


class LanguageMiddleware:
    """Chinese unless the user chose otherwise: the language comes from the switch's cookie,
    never from the browser's Accept-Language (an English Windows on a district PC must still
    show the Chinese product)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
