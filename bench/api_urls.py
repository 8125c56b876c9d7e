"""The application's URLs plus two hand-written JSON views, the baselines of the API's list
endpoints (bench.api): `/bench/problems` beside `GET /api/v1/problems` and `/bench/requests`
beside `GET /api/v1/service/requests`.

Each view does what the endpoint does by default, by hand: the same bearer token
(`Authorization: Bearer zf_…`), the same role and subtree rules, the same filter and order, and
the same page — `{"items": [...], "count": N}` with `limit` (here 50 unless given) and `offset`
— its rows selected with `.values()` over the fields the endpoint returns, renamed to the
endpoint's names, and written by `JsonResponse`. No model instances, no schema.
"""

from django.http import JsonResponse
from django.urls import include, path

# Endpoint field → `.values()` column, in the order of rectify.api.ProblemOut.
PROBLEM_COLUMNS = {
    "id": "id",
    "number": "number",
    "description": "description",
    "state": "state",
    "source": "source__name",
    "source_ref": "source_ref",
    "category": "category__name",
    "found_date": "found_date",
    "unit": "unit__code",
    "unit_name": "unit__name",
    "leader": "leader",
    "person": "person",
    "mode": "mode",
    "measures": "measures",
    "deadline": "deadline",
    "warning": "warning",
    "campaign": "campaign__name",
    "result": "result",
    "closed_date": "closed_date",
    "review_date": "review_date",
    "version": "version",
}
KEY_FLAGS = (("key_power", "power"), ("key_funds", "funds"), ("key_resources", "resources"))

# Endpoint field → `.values()` column, in the order of service.api.RequestOut; the contact's
# name and phone are read encrypted and shown masked.
REQUEST_COLUMNS = {
    "id": "id",
    "number": "number",
    "kind": "kind",
    "enterprise": "enterprise__credit_code",
    "enterprise_name": "enterprise__name",
    "channel": "channel",
    "category": "category__name",
    "urgency": "urgency",
    "content": "content",
    "location": "location",
    "submitted_date": "submitted_date",
    "front_desk": "front_desk__code",
    "unit": "unit__code",
    "unit_name": "unit__name",
    "state": "state",
    "assigned_date": "assigned_date",
    "sign_deadline": "sign_deadline",
    "signed_date": "signed_date",
    "deadline": "deadline",
    "warning": "warning",
    "resolved_date": "resolved_date",
    "resolution": "resolution",
    "resolved": "resolved",
    "funds": "funds",
    "satisfaction": "satisfaction",
    "rated_by": "rated_by",
    "returns": "returns",
    "extension_days": "extension_days",
    "extension_pending": "extension_pending",
    "redo_count": "redo_count",
    "supervised_count": "supervised_count",
    "version": "version",
}


def _user(request):
    """The token's user, by the API's own bearer authentication; None when refused."""
    from zuofeng.core.api import BearerToken

    return BearerToken()(request)


def _window(request) -> tuple[int, int]:
    try:
        limit = min(max(int(request.GET.get("limit", 50)), 1), 1000)
        offset = min(max(int(request.GET.get("offset", 0)), 0), 1_000_000_000)
    except ValueError:
        limit, offset = 50, 0
    return limit, offset


def _scoped(request, action: str):
    """(user's subtree roots for `action`, None) or (None, the refusal to return)."""
    from zuofeng.orgs import scope

    user = _user(request)
    if user is None:
        return None, JsonResponse({"detail": "unauthorized"}, status=401)
    paths = scope.paths_for(user, action)
    if not paths:
        return None, JsonResponse({"detail": "forbidden"}, status=403)
    return paths, None


def problems(request):
    """The problem ledger in the user's subtrees, newest found first."""
    from zuofeng.rectify.models import Problem
    from zuofeng.rectify.permissions import PROBLEM_VIEW

    paths, refused = _scoped(request, PROBLEM_VIEW)
    if refused is not None:
        return refused
    limit, offset = _window(request)
    qs = Problem.objects.within(paths).order_by("-found_date", "-id")
    columns = [*PROBLEM_COLUMNS.values(), *(flag for flag, _ in KEY_FLAGS)]
    items = []
    for row in qs.values(*columns)[offset : offset + limit]:
        item = {name: row[column] for name, column in PROBLEM_COLUMNS.items()}
        item["key_areas"] = [area for flag, area in KEY_FLAGS if row[flag]]
        items.append(item)
    return JsonResponse({"items": items, "count": qs.count()})


def requests(request):
    """Service requests in the user's subtrees (held, received or co-handled there), newest
    submitted first."""
    from zuofeng.core import crypto
    from zuofeng.service.models import ServiceRequest
    from zuofeng.service.permissions import SERVICE_VIEW

    paths, refused = _scoped(request, SERVICE_VIEW)
    if refused is not None:
        return refused
    limit, offset = _window(request)
    qs = ServiceRequest.objects.within(paths).order_by("-submitted_date", "-id")
    columns = [*REQUEST_COLUMNS.values(), "contact_name_enc", "contact_phone_enc"]
    items = []
    for row in qs.values(*columns)[offset : offset + limit]:
        item = {name: row[column] for name, column in REQUEST_COLUMNS.items()}
        name = crypto.decrypt(row["contact_name_enc"]) if row["contact_name_enc"] else ""
        item["contact_name"] = name[:1] + "*" * (len(name) - 1) if name else ""
        phone = row["contact_phone_enc"]
        item["contact_phone"] = crypto.mask_phone(crypto.decrypt(phone)) if phone else ""
        items.append(item)
    return JsonResponse({"items": items, "count": qs.count()})


urlpatterns = [
    path("bench/problems", problems),
    path("bench/requests", requests),
    path("", include("zuofeng.urls")),
]
