"""API of the indicators and briefings: the same figures as the dashboard and the command."""

# No `from __future__ import annotations`: ninja's @paginate needs real annotations.
import datetime as dt

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from zuofeng.core import indicators as reg
from zuofeng.core.api import Input, Pagination
from zuofeng.dashboard import selectors, services
from zuofeng.dashboard.briefing import BriefingError
from zuofeng.dashboard.permissions import BRIEFING_MAKE, DASHBOARD_VIEW

router = Router(tags=["indicators"])


class IndicatorOut(Schema):
    key: str
    label: str
    unit: str
    filters: list[str]
    description: str


class Window(Input):
    scope: str = Field("", max_length=32, description="org code (default: your scope root)")
    start: dt.date = Field(..., alias="from", description="first day, inclusive")
    end: dt.date = Field(..., alias="to", description="last day, inclusive")
    filter: list[str] = Field(
        default_factory=list, max_length=20, description="name=value, repeatable"
    )


class Values(Window):
    key: list[str] = Field(default_factory=list, max_length=100, description="indicator keys")


class RecordOut(Schema):
    id: int
    text: str
    unit: str


def _window(request, q: Window, action: str = DASHBOARD_VIEW):
    org, _crumbs = selectors.resolve_scope(request.user, q.scope or None, action)
    try:
        period = reg.Period(q.start, q.end)
        filters = selectors.parse_filters(q.filter)
    except reg.IndicatorError as exc:
        raise ValidationError({"filter": [str(exc)]}) from exc
    return org, period, filters


def _invalid(exc: reg.IndicatorError):
    return ValidationError({"key": [str(exc)]})


@router.get("/indicators", response=list[IndicatorOut])
def indicator_list(request):
    from zuofeng.orgs import scope

    scope.require(request.user, DASHBOARD_VIEW)
    return [
        {
            "key": key,
            "label": i.label,
            "unit": i.unit,
            "filters": sorted(i.filters),
            "description": getattr(i, "description", ""),
        }
        for key, i in reg.registry().items()
    ]


@router.get("/indicators/values")
def indicator_values(request, q: Query[Values]):
    """The same JSON object as `zuofeng indicators --json`."""
    org, period, filters = _window(request, q)
    try:
        found = selectors.figures(org, period, q.key or None, filters)
    except reg.IndicatorError as exc:
        raise _invalid(exc) from exc
    return selectors.figures_json(org, period, found)


@router.get("/indicators/{key}/by-child")
def indicator_by_child(request, key: str, q: Query[Window]):
    org, period, filters = _window(request, q)
    try:
        rows = selectors.by_child(org, key, period, filters)
    except reg.IndicatorError as exc:
        raise _invalid(exc) from exc
    return {
        "scope": {"code": org.code, "name": org.name},
        "key": key,
        "rows": [{"code": c.code, "name": c.name, "value": selectors.plain(v)} for c, v in rows],
    }


@router.get("/indicators/{key}/by-month")
def indicator_by_month(request, key: str, q: Query[Window]):
    org, period, filters = _window(request, q)
    try:
        rows = selectors.by_month(org, key, period, filters)
    except reg.IndicatorError as exc:
        raise _invalid(exc) from exc
    return {
        "scope": {"code": org.code, "name": org.name},
        "key": key,
        "rows": [
            {"from": m.start.isoformat(), "to": m.end.isoformat(), "value": selectors.plain(v)}
            for m, v in rows
        ],
    }


@router.get("/indicators/{key}/records", response=list[RecordOut])
@paginate(Pagination)
def indicator_records(request, key: str, q: Query[Window]):
    """The records behind a figure (drill-down), newest first."""
    org, period, filters = _window(request, q)
    try:
        indicator = reg.get(key)
        qs = indicator.records(org.path, period, filters)
    except reg.IndicatorError as exc:
        raise _invalid(exc) from exc
    return selectors.RecordRows(indicator, qs)


class BriefingIn(Input):
    scope: str = Field("", max_length=32)
    start: dt.date = Field(..., alias="from")
    end: dt.date = Field(..., alias="to")
    number: int | None = Field(None, ge=1, le=9999)
    template: str = Field("", max_length=64)
    issuer: str = Field("", max_length=100)


@router.post("/briefings")
def briefing_make(request, payload: BriefingIn):
    """Generate a briefing; the answer is the Word document."""
    org, _crumbs = selectors.resolve_scope(request.user, payload.scope or None, BRIEFING_MAKE)
    try:
        period = reg.Period(payload.start, payload.end)
        content, number = services.briefing_make(
            actor=request.user,
            scope=org,
            period=period,
            number=payload.number,
            template=payload.template or None,
            issuer=payload.issuer or None,
        )
    except reg.IndicatorError as exc:
        raise ValidationError({"to": [str(exc)]}) from exc
    except BriefingError as exc:
        raise ValidationError({"template": exc.problems}) from exc
    response = HttpResponse(content, content_type=selectors.DOCX)
    response["Content-Disposition"] = content_disposition_header(
        True, f"briefing-{org.code}-{number}.docx"
    )
    return response
