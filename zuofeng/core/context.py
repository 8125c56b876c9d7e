"""The acting request's id and address, carried to the audit chain without threading them
through every service signature."""

from __future__ import annotations

import contextvars
import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    address: str = ""
    channel: str = "web"


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "zuofeng_request_context", default=None
)


def current() -> RequestContext:
    ctx = _current.get()
    if ctx is None:
        ctx = RequestContext(request_id=uuid.uuid4().hex, channel="cli")
        _current.set(ctx)
    return ctx


def bind(ctx: RequestContext) -> contextvars.Token:
    return _current.set(ctx)


def reset(token: contextvars.Token) -> None:
    _current.reset(token)
