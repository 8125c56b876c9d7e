"""Open311 GeoReport v2 at /open311/v2/ (JSON): discovery, services (our categories),
requests (GET with the standard filters, POST with an API key) and requests/{id}.

The API key is a bearer token issued by `zuofeng token create USERNAME`. Without a key, GET
answers the status fields only (no description, address or coordinates): those may carry
personal data. With a key, GET also gives them for requests in the key user's view.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from zuofeng.core.api import BearerToken
from zuofeng.core.calendar import WorkCalendar
from zuofeng.orgs import scope
from zuofeng.orgs.models import subtrees_q
from zuofeng.service import services as svc
from zuofeng.service.choices import OPEN_STATES, Channel
from zuofeng.service.models import RequestCategory, ServiceRequest
from zuofeng.service.permissions import SERVICE_VIEW

MAX_RESULTS = 1000
DEFAULT_DAYS = 90


def _error(status: int, description: str) -> JsonResponse:
    return JsonResponse([{"code": status, "description": description}], status=status, safe=False)


def _format_ok(fmt) -> bool:
    return fmt in (None, "", "json")


def _user(request, key: str | None):
    """The active user of a valid API key, or None."""
    if not key:
        return None
    return BearerToken().authenticate(request, key.strip())


@require_GET
def discovery(request, fmt=None):
    if not _format_ok(fmt):
        return _error(400, "only the json format is supported")
    url = request.build_absolute_uri(reverse("open311_discovery"))[: -len("discovery")]
    return JsonResponse(
        {
            "changeset": "2025-10-01T00:00:00Z",
            "contact": "区企业综合服务中心",
            "key_service": "zuofeng token create USERNAME",
            "endpoints": [
                {
                    "specification": "http://wiki.open311.org/GeoReport_v2",
                    "url": url,
                    "changeset": "2025-10-01T00:00:00Z",
                    "type": "production",
                    "formats": ["application/json"],
                }
            ],
        }
    )


@require_GET
def services(request, fmt=None):
    if not _format_ok(fmt):
        return _error(400, "only the json format is supported")
    rows = [
        {
            "service_code": str(c.pk),
            "service_name": c.name,
            "description": c.description,
            "metadata": False,
            "type": "realtime",
            "keywords": "",
            "group": "",
        }
        for c in RequestCategory.objects.filter(active=True)
    ]
    return JsonResponse(rows, safe=False)


def _iso(day: dt.date | None, end_of_day: bool = False) -> str | None:
    if day is None:
        return None
    moment = dt.datetime.combine(day, dt.time(18, 0) if end_of_day else dt.time(0, 0))
    return timezone.make_aware(moment).isoformat()


def _expected(r: ServiceRequest, calendar: WorkCalendar, sla_cache: dict) -> str:
    if r.deadline:
        return _iso(r.deadline, end_of_day=True)
    key = (r.category_id, r.urgency)
    if key not in sla_cache:
        sla_cache[key] = svc.sla_for(r.category, r.urgency)
    return _iso(calendar.add_workdays(r.submitted_date, sla_cache[key].resolve_days), True)


def _row(r: ServiceRequest, full: bool, calendar, sla_cache) -> dict:
    closed = r.state not in OPEN_STATES
    row = {
        "service_request_id": r.number,
        "status": "closed" if closed else "open",
        "status_notes": r.get_state_display() + (f"：{r.resolution}" if closed and full else ""),
        "service_name": r.category.name,
        "service_code": str(r.category_id),
        "agency_responsible": r.unit.name,
        "service_notice": "",
        "requested_datetime": r.submitted_at.isoformat(),
        "updated_datetime": _iso(r.closed_date or r.rated_date or r.resolved_date)
        or r.submitted_at.isoformat(),
        "expected_datetime": _expected(r, calendar, sla_cache),
        "media_url": None,
    }
    if full:
        row |= {
            "description": r.content,
            "address": r.location,
            "lat": float(r.lat) if r.lat is not None else None,
            "long": float(r.long) if r.long is not None else None,
        }
    return row


def _parse_datetime(value: str, name: str) -> dt.date:
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        raise ValidationError(f"{name} must be an ISO 8601 date-time") from None


def _list(request, fmt):
    params = request.GET
    user = _user(request, params.get("api_key"))
    if params.get("api_key") and user is None:
        return _error(403, "invalid api_key")
    qs = ServiceRequest.objects.select_related("category", "unit")
    ids = [i.strip() for i in (params.get("service_request_id") or "").split(",") if i.strip()]
    try:
        if ids:
            qs = qs.filter(number__in=ids[:MAX_RESULTS])
        else:
            end = (
                _parse_datetime(params["end_date"], "end_date")
                if params.get("end_date")
                else (timezone.localdate())
            )
            start = (
                _parse_datetime(params["start_date"], "start_date")
                if params.get("start_date")
                else end - dt.timedelta(days=DEFAULT_DAYS)
            )
            qs = qs.filter(submitted_date__gte=start, submitted_date__lte=end)
            if params.get("service_code"):
                codes = [c for c in params["service_code"].split(",") if c.strip().isdigit()]
                qs = qs.filter(category_id__in=[int(c) for c in codes])
            status = params.get("status")
            if status == "open":
                qs = qs.filter(state__in=list(OPEN_STATES))
            elif status == "closed":
                qs = qs.exclude(state__in=list(OPEN_STATES))
            elif status:
                raise ValidationError("status must be open or closed")
    except ValidationError as exc:
        return _error(400, "; ".join(exc.messages))
    rows = list(qs.order_by("-submitted_at", "-id")[:MAX_RESULTS])
    visible = _visible_ids(user, rows)
    calendar, cache = WorkCalendar(), {}
    return JsonResponse([_row(r, r.pk in visible, calendar, cache) for r in rows], safe=False)


def _visible_ids(user, rows) -> set[int]:
    if user is None or not rows:
        return set()
    paths = scope.paths_for(user, SERVICE_VIEW)
    ids = [r.pk for r in rows]
    return set(
        ServiceRequest.objects.filter(pk__in=ids)
        .filter(subtrees_q(paths, "unit__path") | subtrees_q(paths, "front_desk__path"))
        .values_list("pk", flat=True)
    )


def _decimal(value, name):
    if value in (None, ""):
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValidationError(f"{name} must be a number") from None
    if not number.is_finite() or abs(number) > 180:
        raise ValidationError(f"{name} is out of range")
    return number.quantize(Decimal("0.000001"))


def _create(request):
    p = request.POST
    user = _user(request, p.get("api_key"))
    if user is None:
        return _error(403, "a valid api_key is required")
    code = (p.get("service_code") or "").strip()
    category = (
        RequestCategory.objects.filter(pk=int(code), active=True).first()
        if code.isdigit() and len(code) < 10
        else None
    )
    if category is None:
        return _error(400, "service_code not found")
    name = f"{p.get('last_name', '')}{p.get('first_name', '')}".strip()
    try:
        r = svc.request_submit(
            actor=f"open311:{user.username}",
            channel=Channel.ONLINE,
            category=category,
            content=p.get("description", ""),
            name=name,
            phone=p.get("phone", ""),
            location=p.get("address_string", ""),
            lat=_decimal(p.get("lat"), "lat"),
            long=_decimal(p.get("long"), "long"),
        )
    except ValidationError as exc:
        return _error(400, "; ".join(exc.messages))
    return JsonResponse(
        [{"service_request_id": r.number, "service_notice": "", "account_id": None}],
        status=201,
        safe=False,
    )


@csrf_exempt
def requests(request, fmt=None):
    if not _format_ok(fmt):
        return _error(400, "only the json format is supported")
    if request.method == "GET":
        return _list(request, fmt)
    if request.method == "POST":
        return _create(request)
    return _error(405, "method not allowed")


@require_GET
def request_detail(request, pk: str, fmt=None):
    if not _format_ok(fmt):
        return _error(400, "only the json format is supported")
    user = _user(request, request.GET.get("api_key"))
    if request.GET.get("api_key") and user is None:
        return _error(403, "invalid api_key")
    r = ServiceRequest.objects.select_related("category", "unit").filter(number=pk).first()
    if r is None:
        return _error(404, "service request not found")
    full = r.pk in _visible_ids(user, [r])
    return JsonResponse([_row(r, full, WorkCalendar(), {})], safe=False)
