"""The JSON API root: bearer tokens, one error shape, the same scope rules as the pages."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.utils import timezone
from ninja import Field, NinjaAPI, Schema
from ninja import errors as ninja_errors
from ninja.errors import AuthenticationError
from ninja.pagination import LimitOffsetPagination
from ninja.renderers import JSONRenderer
from ninja.security import HttpBearer
from pydantic import AfterValidator, TypeAdapter, field_validator
from typing_extensions import TypedDict

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

    def _items_count(self, queryset) -> int:
        return super()._items_count(getattr(queryset, "counted_from", queryset))


# The API's one renderer: every response, and the pages Rows renders itself.
RENDERER = JSONRenderer()
CONTENT_TYPE = f"{RENDERER.media_type}; charset={RENDERER.charset}"


class Rows:
    """A list endpoint's page built from rows (`.values()`) rather than model instances.

    Ninja validates a page of model instances through a wrapper that looks every field up in
    Python (dotted aliases through Django's template variables), after the ORM has built an
    instance per row with its joined relations; for a page of 50 that was most of a request's
    time. Here the endpoint selects exactly the columns its schema shows; each row is named
    as the schema names its fields and validated in one pass by pydantic (a typed dict of the
    same fields and types), then rendered by the API's renderer — the same JSON, the same
    OpenAPI document (the schema stays the endpoint's declared response).

    A field's column is its alias with dots as `__` ("unit.code" → unit__code), else its name;
    `computed` gives a field that is not a column: the columns it reads and a function of the
    row. Use as the outermost decorator of a paginated endpoint returning `rows.values(qs)`.
    """

    def __init__(
        self,
        schema: type[Schema],
        computed: dict[str, tuple[Sequence[str], Callable[[dict], Any]]] | None = None,
    ):
        computed = computed or {}
        self.schema = schema
        self.fields: list[tuple[str, str]] = []
        columns: dict[str, None] = {}
        for name, info in schema.model_fields.items():
            if name in computed:
                continue
            column = (info.alias or name).replace(".", "__")
            self.fields.append((name, column))
            columns[column] = None
        for needs, _fn in computed.values():
            columns.update(dict.fromkeys(needs))
        self.columns = list(columns)
        self.computed = [(name, fn) for name, (_needs, fn) in computed.items()]
        row_type = TypedDict(  # type: ignore[misc]
            f"{schema.__name__}Row",
            {name: info.annotation for name, info in schema.model_fields.items()},
        )
        self.adapter = TypeAdapter(list[row_type])

    def values(self, queryset):
        """The rows of `queryset` this schema shows. The page's total is counted on `queryset`
        itself (Pagination reads `counted_from`): a count over the rows would keep the joins
        their related columns need."""
        rows = queryset.values(*self.columns)
        rows.counted_from = queryset
        return rows

    def items(self, rows) -> list[dict]:
        """The rows as the schema's fields, validated."""
        fields, computed = self.fields, self.computed
        items = []
        for row in rows:
            item = {name: row[column] for name, column in fields}
            for name, fn in computed:
                item[name] = fn(row)
            items.append(item)
        return self.adapter.validate_python(items)

    def __call__(self, view):
        @functools.wraps(view)
        def page(request, *args, **kwargs):
            result = view(request, *args, **kwargs)
            if not isinstance(result, dict):
                return result
            result["items"] = self.items(result["items"])
            content = RENDERER.render(request, result, response_status=200)
            return HttpResponse(content, content_type=CONTENT_TYPE)

        return page


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
        renderer=RENDERER,
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
