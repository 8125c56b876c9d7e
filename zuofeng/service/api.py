"""API of the service module: requests (list, queue, routing, detail, submit, transitions),
enterprises, grids and visits — the same selectors, services and scope as the pages."""

# No `from __future__ import annotations`: ninja's @paginate needs real annotations.
import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from zuofeng.core.api import Input, Pagination, require_id
from zuofeng.core.validators import normalise_credit_code
from zuofeng.orgs import scope
from zuofeng.orgs import selectors as org_selectors
from zuofeng.orgs.models import Org, Person
from zuofeng.service import selectors, services
from zuofeng.service import settings as svc_settings
from zuofeng.service.choices import Channel, RequestState, Satisfaction, Size, Urgency
from zuofeng.service.models import Enterprise, Grid, RequestCategory
from zuofeng.service.permissions import (
    SERVICE_ROUTE,
    SERVICE_SETTINGS,
    SERVICE_SUBMIT,
    SERVICE_VIEW,
)

router = Router(tags=["service"])


class RequestOut(Schema):
    id: int
    number: str
    kind: str
    enterprise: str | None = Field(None, alias="enterprise.credit_code")
    enterprise_name: str | None = Field(None, alias="enterprise.name")
    contact_name: str = Field(..., alias="contact_name_masked")
    contact_phone: str = Field(..., alias="contact_phone_masked")
    channel: str
    category: str = Field(..., alias="category.name")
    urgency: str
    content: str
    location: str
    submitted_date: dt.date
    front_desk: str = Field(..., alias="front_desk.code")
    unit: str = Field(..., alias="unit.code")
    unit_name: str = Field(..., alias="unit.name")
    state: str
    assigned_date: dt.date | None
    sign_deadline: dt.date | None
    signed_date: dt.date | None
    deadline: dt.date | None
    warning: str
    resolved_date: dt.date | None
    resolution: str
    resolved: bool | None
    funds: Decimal
    satisfaction: str
    rated_by: str
    returns: int
    extension_days: int
    extension_pending: int
    redo_count: int
    supervised_count: int
    version: int


class EventOut(Schema):
    at: dt.datetime
    actor_name: str
    action: str
    from_state: str
    to_state: str
    note: str


class AssignmentOut(Schema):
    unit: str = Field(..., alias="unit.code")
    role: str
    assigned_at: dt.datetime
    ended_at: dt.datetime | None
    end_reason: str


class RequestDetail(RequestOut):
    timeline: list[EventOut]
    assignment_list: list[AssignmentOut]
    actions: list[str]


class ListQuery(Input):
    state: RequestState | None = None
    category: str = Field("", max_length=32, description="category name (诉求类别)")
    channel: Channel | None = None
    q: str = Field("", max_length=100)


class RequestIn(Input):
    channel: Channel
    category: str = Field(..., min_length=1, max_length=32)
    content: str = Field(..., min_length=1, max_length=4000)
    urgency: Urgency = Urgency.NORMAL
    credit_code: str = Field("", max_length=18, description="enterprise requests")
    name: str = Field("", max_length=50, description="citizen requests")
    phone: str = Field("", max_length=20, description="citizen requests")
    location: str = Field("", max_length=200)
    origin_unit: str = Field("", max_length=32, description="org code of the reporting unit")
    visit: int | None = Field(None, ge=1, le=2**62, description="id of the visit that raised it")


ACTIONS = (
    r"^(accept|assign|sign|return|start|extend|approve_extension|resolve|rate|redo|close"
    r"|supervise)$"
)


class TransitionIn(Input):
    action: str = Field(..., pattern=ACTIONS)
    version: int | None = Field(None, ge=1, le=2_000_000_000)
    unit: str = Field("", max_length=32, description="assign: lead unit (org code)")
    co_units: list[str] = Field([], max_length=20, description="assign: co-handler org codes")
    reason: str = Field("", max_length=500)
    note: str = Field("", max_length=500)
    days: int | None = Field(None, ge=1, le=60)
    resolution: str = Field("", max_length=4000)
    resolved: bool | None = None
    funds: Decimal | None = Field(None, ge=0, le=Decimal("999999999999.99"), decimal_places=2)
    satisfaction: Satisfaction | None = None


class EnterpriseOut(Schema):
    id: int
    credit_code: str
    name: str
    town: str | None = Field(None, alias="town.code")
    industry: str
    address: str
    size: str
    grid: str | None = Field(None, alias="grid.code")


class EnterpriseIn(Input):
    credit_code: str = Field(..., min_length=1, max_length=18)
    name: str = Field(..., min_length=1, max_length=100)
    town: str = Field("", max_length=32)
    grid: str = Field("", max_length=32)
    industry: str = Field("", max_length=50)
    address: str = Field("", max_length=200)
    size: Size | None = None


class GridOut(Schema):
    id: int
    code: str
    name: str
    org: str = Field(..., alias="org.code")
    n_enterprises: int


class VisitOut(Schema):
    id: int
    date: dt.date
    enterprise: str = Field(..., alias="enterprise.credit_code")
    unit: str = Field(..., alias="unit.code")
    notes: str


class VisitIn(Input):
    date: dt.date
    credit_code: str = Field(..., min_length=1, max_length=18)
    unit: str = Field(..., min_length=1, max_length=32)
    cadres: list[str] = Field([], max_length=50, description="人员编号")
    notes: str = Field("", max_length=4000)


def _category(name: str) -> RequestCategory:
    found = RequestCategory.objects.filter(name=name).first()
    if found is None:
        raise ValidationError({"category": f"未知诉求类别：{name}"})
    return found


def _enterprise(code: str) -> Enterprise:
    found = Enterprise.objects.filter(credit_code=normalise_credit_code(code)).first()
    if found is None:
        raise ValidationError({"credit_code": "未找到该统一社会信用代码对应的企业"})
    return found


def _org(code: str, field: str) -> Org:
    found = Org.objects.filter(code=code.strip()).first()
    if found is None:
        raise ValidationError({field: f"未找到单位编码：{code}"})
    return found


def _visit(user, pk: int):
    visit = selectors.visits_visible_to(user).filter(pk=pk).first()
    if visit is None:
        raise ValidationError({"visit": "未找到该走访记录"})
    return visit


def _detail(user, r):
    r.timeline = selectors.timeline(r)
    r.assignment_list = selectors.assignments(r)
    r.actions = [t.action for t in selectors.actions_for(user, r)]
    return r


@router.get("/service/requests", response=list[RequestOut], summary="Requests in view")
@paginate(Pagination)
def list_requests(request, query: Query[ListQuery]):
    scope.require(request.auth, SERVICE_VIEW)
    category = _category(query.category).pk if query.category else None
    return selectors.request_list(
        request.auth,
        state=query.state or "",
        category=category,
        channel=query.channel or "",
        q=query.q,
    )


@router.get("/service/queue", response=list[RequestOut], summary="My unit's open requests")
@paginate(Pagination)
def queue(request):
    scope.require(request.auth, SERVICE_VIEW)
    return selectors.unit_queue(request.auth)


@router.get("/service/routing", response=list[RequestOut], summary="The front desk's queue")
@paginate(Pagination)
def routing(request):
    scope.require(request.auth, SERVICE_ROUTE)
    return selectors.routing_queue(request.auth)


@router.get("/service/requests/{request_id}", response=RequestDetail, summary="One request")
def get_request(request, request_id: int):
    scope.require(request.auth, SERVICE_VIEW)
    require_id(request_id)
    return _detail(request.auth, selectors.request_get(request.auth, request_id))


@router.post("/service/requests", response={201: RequestDetail}, summary="Submit a request")
def create_request(request, payload: RequestIn):
    scope.require(request.auth, SERVICE_SUBMIT)
    origin = (
        org_selectors.org_get(request.auth, payload.origin_unit) if payload.origin_unit else None
    )
    r = services.request_submit(
        actor=request.auth,
        channel=payload.channel,
        category=_category(payload.category),
        content=payload.content,
        urgency=payload.urgency,
        enterprise=_enterprise(payload.credit_code) if payload.credit_code else None,
        name=payload.name,
        phone=payload.phone,
        location=payload.location,
        origin_unit=origin,
        visit=_visit(request.auth, payload.visit) if payload.visit else None,
    )
    try:
        return 201, _detail(request.auth, selectors.request_get(request.auth, r.pk))
    except Http404:  # submitted for another unit's front desk: out of the submitter's view
        r.timeline, r.assignment_list, r.actions = [], [], []
        return 201, r


@router.post(
    "/service/requests/{request_id}/transitions",
    response=RequestDetail,
    summary="Apply a step of the loop",
)
def transition_request(request, request_id: int, payload: TransitionIn):
    scope.require(request.auth, SERVICE_VIEW)
    require_id(request_id)
    r = selectors.request_get(request.auth, request_id)
    data = payload.dict(exclude={"action", "version"}, exclude_none=True)
    data = {k: v for k, v in data.items() if v not in ("", [])}
    if "unit" in data:
        data["unit"] = _org(data["unit"], "unit")
    if "co_units" in data:
        data["co_units"] = [_org(c, "co_units") for c in data["co_units"]]
    services.request_transition(
        actor=request.auth, request=r, action=payload.action, version=payload.version, **data
    )
    return _detail(request.auth, selectors.request_get(request.auth, request_id))


@router.get("/service/enterprises", response=list[EnterpriseOut], summary="Enterprises")
@paginate(Pagination)
def list_enterprises(request, q: str = Query("", max_length=100)):
    scope.require(request.auth, SERVICE_VIEW)
    qs = selectors.enterprises_visible_to(request.auth).select_related("town", "grid")
    if q.strip():
        qs = qs.filter(name__contains=q.strip())
    return qs


@router.get("/service/enterprises/{enterprise_id}", response=EnterpriseOut, summary="Enterprise")
def get_enterprise(request, enterprise_id: int):
    scope.require(request.auth, SERVICE_VIEW)
    require_id(enterprise_id)
    return selectors.enterprise_get(request.auth, enterprise_id)


@router.post("/service/enterprises", response={201: EnterpriseOut}, summary="Register one")
def create_enterprise(request, payload: EnterpriseIn):
    scope.require(request.auth, SERVICE_SUBMIT)
    grid = None
    if payload.grid:
        grid = selectors.grids_visible_to(request.auth).filter(code=payload.grid).first()
        if grid is None:
            raise ValidationError({"grid": f"未找到网格：{payload.grid}"})
        grid = Grid.objects.select_related("org").get(pk=grid.pk)
    e = services.enterprise_create(
        actor=request.auth,
        credit_code=payload.credit_code,
        name=payload.name,
        town=org_selectors.org_get(request.auth, payload.town) if payload.town else None,
        industry=payload.industry,
        address=payload.address,
        size=payload.size or "",
        grid=grid,
    )
    return 201, e


@router.get("/service/grids", response=list[GridOut], summary="Grids")
@paginate(Pagination)
def list_grids(request):
    scope.require(request.auth, SERVICE_VIEW)
    return selectors.grids_visible_to(request.auth).order_by("code")


class GridIn(Input):
    code: str = Field(..., min_length=1, max_length=32)
    name: str = Field(..., min_length=1, max_length=100)
    org: str = Field(..., min_length=1, max_length=32)


class MemberIn(Input):
    person_no: str = Field(..., min_length=1, max_length=32)
    role: str = Field(..., min_length=1, max_length=32, description="role group name")


class MemberOut(Schema):
    person: str = Field(..., alias="person.name")
    person_no: str | None = Field(None, alias="person.person_no")
    role: str = Field(..., alias="role.name")


@router.post("/service/grids", response={201: GridOut}, summary="Create a grid")
def create_grid(request, payload: GridIn):
    scope.require(request.auth, SERVICE_SUBMIT)
    org = org_selectors.org_get(request.auth, payload.org)
    grid = services.grid_create(actor=request.auth, code=payload.code, name=payload.name, org=org)
    grid.n_enterprises = 0
    return 201, grid


@router.post(
    "/service/grids/{grid_id}/members", response={201: list[MemberOut]}, summary="Add to a team"
)
def add_member(request, grid_id: int, payload: MemberIn):
    from zuofeng.service.models import GridMember, GridRole

    scope.require(request.auth, SERVICE_SUBMIT)
    require_id(grid_id)
    grid = selectors.grids_visible_to(request.auth).filter(pk=grid_id).first()
    if grid is None:
        raise Http404
    role = GridRole.objects.filter(name=payload.role).first()
    person = Person.objects.filter(person_no=payload.person_no).first()
    if role is None or person is None:
        raise ValidationError({"role" if role is None else "person_no": "未找到"})
    services.grid_member_add(actor=request.auth, grid=grid, person=person, role=role)
    members = GridMember.objects.filter(grid=grid).select_related("person", "role")
    return 201, list(members)


@router.get("/service/visits", response=list[VisitOut], summary="Visits")
@paginate(Pagination)
def list_visits(request):
    scope.require(request.auth, SERVICE_VIEW)
    return selectors.visits_visible_to(request.auth)


@router.post("/service/visits", response={201: VisitOut}, summary="Record a visit")
def create_visit(request, payload: VisitIn):
    scope.require(request.auth, SERVICE_SUBMIT)
    unit = org_selectors.org_get(request.auth, payload.unit)
    cadres = list(Person.objects.filter(person_no__in=payload.cadres))
    if len(cadres) != len(set(payload.cadres)):
        raise ValidationError({"cadres": "人员编号有误"})
    v = services.visit_create(
        actor=request.auth,
        date=payload.date,
        enterprise=_enterprise(payload.credit_code),
        unit=unit,
        cadres=cadres,
        notes=payload.notes,
    )
    return 201, v


# --- settings (the lead office) --------------------------------------------------------------


class CategoryOut(Schema):
    id: int
    name: str
    description: str
    sort_order: int
    active: bool
    n_requests: int


class CategoryIn(Input):
    name: str = Field(..., min_length=1, max_length=32)
    description: str = Field("", max_length=200)
    sort_order: int | None = Field(None, ge=-9999, le=9999)
    active: bool = True


class SlaRow(Schema):
    category: str | None = Field(None, description="类别名称；空为默认时限")
    urgency: Urgency
    sign_days: int | None = None
    resolve_days: int | None = None
    return_days: int | None = None
    extension_max_days: int | None = None


class SlaIn(Input):
    rows: list[SlaRow] = Field(..., max_length=500)


class FrontDeskOut(Schema):
    unit: str = Field(..., alias="org.code")
    unit_name: str = Field(..., alias="org.name")
    is_default: bool


class FrontDesksIn(Input):
    units: list[str] = Field(..., min_length=1, max_length=50)
    default: str = Field(..., min_length=1, max_length=32)


def _category_out(pk: int) -> RequestCategory:
    return next(c for c in svc_settings.categories_with_use() if c.pk == pk)


@router.get(
    "/service/settings/categories", response=list[CategoryOut], summary="Request categories"
)
def list_categories_settings(request):
    scope.require(request.auth, SERVICE_SETTINGS)
    return svc_settings.categories_with_use()


@router.post("/service/settings/categories", response={201: CategoryOut}, summary="Add a category")
def create_category(request, payload: CategoryIn):
    scope.require(request.auth, SERVICE_SETTINGS)
    with transaction.atomic():
        c = svc_settings.category_create(
            actor=request.auth,
            name=payload.name,
            description=payload.description,
            sort_order=payload.sort_order,
        )
        if not payload.active:
            c = svc_settings.category_update(
                actor=request.auth,
                category=c,
                name=c.name,
                description=c.description,
                sort_order=c.sort_order,
                active=False,
            )
    return 201, _category_out(c.pk)


@router.put(
    "/service/settings/categories/{category_id}",
    response=CategoryOut,
    summary="Rename, reorder, deactivate or reactivate a category",
)
def update_category(request, category_id: int, payload: CategoryIn):
    scope.require(request.auth, SERVICE_SETTINGS)
    require_id(category_id)
    category = RequestCategory.objects.filter(pk=category_id).first()
    if category is None:
        raise Http404
    svc_settings.category_update(
        actor=request.auth,
        category=category,
        name=payload.name,
        description=payload.description,
        sort_order=payload.sort_order,
        active=payload.active,
    )
    return _category_out(category.pk)


def _sla_out():
    return {
        "rows": [
            {
                "category": row["category"].name if row["category"] else None,
                "urgency": row["urgency"],
                **{f: row[f] for f in svc_settings.SLA_FIELDS},
            }
            for row in svc_settings.sla_table()
        ]
    }


class SlaOut(Schema):
    rows: list[SlaRow]


@router.get("/service/settings/sla", response=SlaOut, summary="SLA policies (working days)")
def get_sla(request):
    scope.require(request.auth, SERVICE_SETTINGS)
    return _sla_out()


@router.put(
    "/service/settings/sla",
    response=SlaOut,
    summary="Set SLA rows, all or nothing (a category row with every field null is removed)",
)
def put_sla(request, payload: SlaIn):
    scope.require(request.auth, SERVICE_SETTINGS)
    names = {r.category for r in payload.rows if r.category}
    found = {c.name: c for c in RequestCategory.objects.filter(name__in=names)}
    rows = []
    for r in payload.rows:
        if r.category and r.category not in found:
            raise ValidationError({"category": f"未知诉求类别：{r.category}"})
        row = r.dict()
        row["category"] = found[r.category] if r.category else None
        row["urgency"] = str(r.urgency.value if hasattr(r.urgency, "value") else r.urgency)
        rows.append(row)
    svc_settings.sla_save(actor=request.auth, rows=rows)
    return _sla_out()


@router.get("/service/settings/front-desks", response=list[FrontDeskOut], summary="Front desks")
def get_front_desks(request):
    scope.require(request.auth, SERVICE_SETTINGS)
    return svc_settings.front_desks()


@router.put(
    "/service/settings/front-desks",
    response=list[FrontDeskOut],
    summary="Set which units hold the front-desk role, and the default one",
)
def put_front_desks(request, payload: FrontDesksIn):
    scope.require(request.auth, SERVICE_SETTINGS)
    units = svc_settings.units_from_codes(payload.units)
    default = next((u for u in units if u.code == payload.default.strip()), None)
    return svc_settings.front_desks_set(actor=request.auth, units=units, default=default)
