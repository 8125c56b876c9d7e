"""API for orgs and people: list with filters, subtree, detail, create, update, move."""

# No `from __future__ import annotations` here: ninja's @paginate wrapper hides the module's
# globals from the signature, so a string annotation like "Query[OrgFilter]" stays an
# unresolved ForwardRef and every list request failed with a 500.
import datetime as dt

from django.core.exceptions import ValidationError
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from zuofeng.core.api import Input, Pagination, Text, require_id
from zuofeng.orgs import scope, selectors, services
from zuofeng.orgs.choices import CadreLevel, Gender, PoliticalStatus
from zuofeng.orgs.models import OrgKind
from zuofeng.orgs.permissions import ORG_CHANGE, ORG_VIEW, PERSON_CHANGE, PERSON_VIEW

router = Router(tags=["orgs"])


class OrgOut(Schema):
    code: str
    name: str
    short_name: str
    kind: str = Field(..., alias="kind.name")
    parent: str | None = Field(None, alias="parent.code")
    depth: int
    sort_order: int
    active: bool
    version: int


class OrgFilter(Input):
    q: str = Field("", max_length=100, description="name contains, or exact code")
    kind: str = Field("", max_length=32, description="kind code or name")
    under: str = Field("", max_length=32, description="only this org's subtree (code)")
    active: bool | None = None


class OrgIn(Input):
    code: str = Field(..., min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")
    name: str = Field(..., min_length=1, max_length=100)
    kind: str = Field(..., min_length=1, max_length=32, description="kind code or name")
    parent: str = Field(..., min_length=1, max_length=32, description="parent org code")
    short_name: str = Field("", max_length=50)
    sort_order: int = Field(0, ge=-1_000_000, le=1_000_000)


class OrgPatch(Input):
    version: int | None = Field(None, ge=1, le=2_000_000_000)
    name: str | None = Field(None, min_length=1, max_length=100)
    short_name: str | None = Field(None, max_length=50)
    kind: str | None = Field(None, min_length=1, max_length=32)
    sort_order: int | None = Field(None, ge=-1_000_000, le=1_000_000)
    active: bool | None = None


class MoveIn(Input):
    parent: str = Field(..., min_length=1, max_length=32)


def _kind(value: str) -> OrgKind:
    kind = OrgKind.objects.filter(code=value).first() or OrgKind.objects.filter(name=value).first()
    if kind is None:
        raise ValidationError({"kind": f"未知组织类别：{value}"})
    return kind


@router.get("/orgs", response=list[OrgOut], summary="List orgs in scope")
@paginate(Pagination)
def list_orgs(request, filters: Query[OrgFilter]):
    scope.require(request.auth, ORG_VIEW)
    under = selectors.org_get(request.auth, filters.under) if filters.under else None
    return selectors.org_search(
        request.auth, q=filters.q, kind=filters.kind, under=under, active=filters.active
    )


@router.get("/orgs/{code}", response=OrgOut, summary="One org by code")
def get_org(request, code: Text):
    scope.require(request.auth, ORG_VIEW)
    return selectors.org_get(request.auth, code)


@router.get("/orgs/{code}/subtree", response=list[OrgOut], summary="An org and everything below")
@paginate(Pagination)
def org_subtree(request, code: Text):
    scope.require(request.auth, ORG_VIEW)
    org = selectors.org_get(request.auth, code)
    return selectors.org_search(request.auth, under=org)


@router.post("/orgs", response={201: OrgOut}, summary="Create an org")
def create_org(request, payload: OrgIn):
    scope.require(request.auth, ORG_CHANGE)
    parent = selectors.org_get(request.auth, payload.parent)
    org = services.org_create(
        actor=request.auth,
        code=payload.code,
        name=payload.name,
        kind=_kind(payload.kind),
        parent=parent,
        short_name=payload.short_name,
        sort_order=payload.sort_order,
    )
    return Status(201, selectors.org_get(request.auth, org.code))


@router.patch("/orgs/{code}", response=OrgOut, summary="Change an org")
def update_org(request, code: Text, payload: OrgPatch):
    scope.require(request.auth, ORG_CHANGE)
    org = selectors.org_get(request.auth, code)
    data = payload.dict(exclude_unset=True, exclude_none=True)
    version = data.pop("version", None)
    if "kind" in data:
        data["kind"] = _kind(data["kind"])
    services.org_update(actor=request.auth, org=org, version=version, **data)
    return selectors.org_get(request.auth, code)


@router.post("/orgs/{code}/move", response=OrgOut, summary="Move an org's subtree")
def move_org(request, code: Text, payload: MoveIn):
    scope.require(request.auth, ORG_CHANGE)
    org = selectors.org_get(request.auth, code)
    parent = selectors.org_get(request.auth, payload.parent)
    services.org_move(actor=request.auth, org=org, new_parent=parent)
    return selectors.org_get(request.auth, code)


class PersonOut(Schema):
    id: int
    name: str
    gender: str
    birth_date: dt.date | None
    id_number: str = Field("", alias="id_number_masked")
    phone: str = Field("", alias="phone_masked")
    org: str = Field(..., alias="org.code")
    political_status: str
    cadre_level: str
    position: str
    person_no: str | None
    active: bool
    version: int


class PersonFilter(Input):
    q: str = Field("", max_length=50, description="name contains, or exact 人员编号")
    org: str = Field("", max_length=32, description="org code: its whole subtree")
    political_status: PoliticalStatus | None = None
    cadre_level: CadreLevel | None = None
    phone: str = Field("", max_length=20, description="exact phone number")
    id_number: str = Field("", max_length=18, description="exact ID number")


class PersonIn(Input):
    name: str = Field(..., min_length=1, max_length=50)
    org: str = Field(..., min_length=1, max_length=32)
    gender: Gender | None = None
    birth_date: dt.date | None = None
    id_number: str = Field("", max_length=18)
    phone: str = Field("", max_length=20)
    political_status: PoliticalStatus = PoliticalStatus.MEMBER
    cadre_level: CadreLevel = CadreLevel.NONE
    position: str = Field("", max_length=100)
    person_no: str | None = Field(None, max_length=32)


class PersonPatch(Input):
    version: int | None = Field(None, ge=1, le=2_000_000_000)
    name: str | None = Field(None, min_length=1, max_length=50)
    org: str | None = Field(None, min_length=1, max_length=32)
    gender: Gender | None = None
    birth_date: dt.date | None = None
    id_number: str | None = Field(None, max_length=18)
    phone: str | None = Field(None, max_length=20)
    political_status: PoliticalStatus | None = None
    cadre_level: CadreLevel | None = None
    position: str | None = Field(None, max_length=100)
    person_no: str | None = Field(None, max_length=32)


@router.get("/people", response=list[PersonOut], tags=["people"], summary="List people")
@paginate(Pagination)
def list_people(request, filters: Query[PersonFilter]):
    scope.require(request.auth, PERSON_VIEW)
    org = selectors.org_get(request.auth, filters.org) if filters.org else None
    return selectors.person_search(
        request.auth,
        q=filters.q,
        org=org,
        political_status=filters.political_status or "",
        cadre_level=filters.cadre_level or "",
        phone=filters.phone,
        id_number=filters.id_number,
    )


@router.get("/people/{person_id}", response=PersonOut, tags=["people"], summary="One person")
def get_person(request, person_id: int):
    scope.require(request.auth, PERSON_VIEW)
    require_id(person_id)
    return selectors.person_get(request.auth, person_id)


@router.post("/people", response={201: PersonOut}, tags=["people"], summary="Register a person")
def create_person(request, payload: PersonIn):
    scope.require(request.auth, PERSON_CHANGE)
    data = payload.dict()
    org = selectors.org_get(request.auth, data.pop("org"))
    data["gender"] = data["gender"] or ""
    person = services.person_create(actor=request.auth, org=org, **data)
    return Status(201, selectors.person_get(request.auth, person.pk))


@router.patch("/people/{person_id}", response=PersonOut, tags=["people"], summary="Change a person")
def update_person(request, person_id: int, payload: PersonPatch):
    scope.require(request.auth, PERSON_CHANGE)
    require_id(person_id)
    person = selectors.person_get(request.auth, person_id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version", None)
    org_code = data.pop("org", None)
    org = selectors.org_get(request.auth, org_code) if org_code else None
    for key in ("gender", "id_number", "phone", "position"):
        if key in data and data[key] is None:
            data[key] = ""
    services.person_update(actor=request.auth, person=person, version=version, org=org, **data)
    return selectors.person_get(request.auth, person_id)
