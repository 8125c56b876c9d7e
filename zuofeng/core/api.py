"""The JSON API root: bearer tokens, one error shape, the same scope rules as the pages."""

from __future__ import annotations

from typing import Annotated

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from ninja import Field, NinjaAPI, Schema
from ninja import errors as ninja_errors
from ninja.errors import AuthenticationError
from ninja.pagination import LimitOffsetPagination
from ninja.security import HttpBearer
from pydantic import AfterValidator, field_validator

from zuofeng.core import crypto
from zuofeng.core.errors import Conflict
from zuofeng.core.indicators import IndicatorError


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        from zuofeng.orgs.models import ApiToken

        if not token or len(token) > 200:
            return None
        now = timezone.now()
        row = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=crypto.token_hash(token), revoked_at__isnull=True, expires_at__gt=now)
            .first()
        )
        if row is None or not row.user.is_active:
            return None
        if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        request.user = row.user
        return row.user


def _no_nul(value):
    # PostgreSQL cannot hold NUL in text: a query or an INSERT with one fails with a 500.
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("不能包含空字符（NUL）")
    return value


Text = Annotated[str, AfterValidator(_no_nul)]
"""A text path parameter; request schemas derive from `Input`, which checks every field."""


class Input(Schema):
    """Base of every request schema (body and query): no text field may hold NUL."""

    @field_validator("*")
    @classmethod
    def _text_without_nul(cls, value):
        return _no_nul(value)


MAX_ID = 2**62


def require_id(pk: int) -> int:
    """An id beyond the database's integer range is as missing as any other: 404, not the
    database's overflow error (500)."""
    if not 0 < pk < MAX_ID:
        raise Http404
    return pk


class Pagination(LimitOffsetPagination):
    """limit/offset with bounds: an unbounded offset overflowed the database's integer (500)."""

    class Input(Schema):
        limit: int = Field(100, ge=1, le=1000)
        offset: int = Field(0, ge=0, le=1_000_000_000)


def _messages(exc: ValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        return {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
    return {"__all__": [str(m) for m in exc.messages]}


def _schema_messages(exc: ninja_errors.ValidationError) -> dict:
    """Ninja's parameter errors in the documented shape: field name → messages.

    A location is (source, field) for query and path parameters and (source, parameter,
    field, ...) for a body, so the field is what follows the source and the body's name.
    """
    out: dict[str, list[str]] = {}
    for error in exc.errors:
        loc = [str(part) for part in error.get("loc", ())]
        loc = loc[2:] if loc[:1] == ["body"] else loc[1:]
        out.setdefault(".".join(loc) or "__all__", []).append(str(error.get("msg", "invalid")))
    return out


def build_api() -> NinjaAPI:
    api = NinjaAPI(
        title="zuofeng API",
        version="1",
        urls_namespace="api",
        auth=BearerToken(),
        docs_url="/docs",
        description="作风通 JSON API. Authenticate with `Authorization: Bearer <token>` "
        "(issued by `zuofeng token create USERNAME`).",
    )

    @api.exception_handler(ValidationError)
    def on_validation(request, exc):
        return api.create_response(
            request, {"detail": "invalid", "errors": _messages(exc)}, status=422
        )

    @api.exception_handler(ninja_errors.ValidationError)
    def on_schema_validation(request, exc):
        return api.create_response(
            request, {"detail": "invalid", "errors": _schema_messages(exc)}, status=422
        )

    @api.exception_handler(IndicatorError)
    def on_indicator(request, exc):
        # A period out of range, an unknown indicator or filter: the request's fault, never a 500.
        return api.create_response(
            request, {"detail": "invalid", "errors": {"period": [str(exc)]}}, status=422
        )

    @api.exception_handler(PermissionDenied)
    def on_denied(request, exc):
        return api.create_response(request, {"detail": "forbidden"}, status=403)

    @api.exception_handler(Http404)
    def on_missing(request, exc):
        return api.create_response(request, {"detail": "not found"}, status=404)

    @api.exception_handler(Conflict)
    def on_conflict(request, exc):
        return api.create_response(request, {"detail": str(exc)}, status=409)

    @api.exception_handler(AuthenticationError)
    def on_unauthenticated(request, exc):
        return api.create_response(request, {"detail": "unauthorized"}, status=401)

    return api
