"""API of the projects module: projects with milestones and the loop, pairings, programmes
and enrolments, approval cases with steps, village ledgers — the same scope as the pages."""

# No `from __future__ import annotations`: ninja's @paginate needs real annotations.
import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from zuofeng.core import loops
from zuofeng.core.api import Input, Pagination, Text, require_id
from zuofeng.orgs import scope
from zuofeng.orgs import selectors as org_selectors
from zuofeng.projects import approvals, selectors, services
from zuofeng.projects.choices import GroupMode, ProjectState
from zuofeng.projects.models import Milestone, ProjectKind, ServiceItem
from zuofeng.projects.permissions import PROJECT_VIEW
from zuofeng.projects.transitions import PROJECT_LOOP

router = Router(tags=["projects"])


class MilestoneOut(Schema):
    id: int
    name: str
    deadline: dt.date
    weight: int
    state: str
    done_date: dt.date | None
    evidence: str
    warning: str


class ProjectOut(Schema):
    id: int
    number: str
    kind: str = Field(..., alias="kind.name")
    title: str
    owner: str = Field(..., alias="owner.code")
    owner_name: str = Field(..., alias="owner.name")
    leader: str
    village: str | None = Field(None, alias="village.code")
    start_date: dt.date
    original_due: dt.date
    deadline: dt.date | None
    state: str
    warning: str
    completed_date: dt.date | None
    accepted_date: dt.date | None
    beneficiaries: int | None
    budget: Decimal | None
    progress: float
    version: int


class EventOut(Schema):
    at: dt.datetime
    actor_name: str
    action: str
    from_state: str
    to_state: str
    note: str


class ProjectDetail(ProjectOut):
    milestones: list[MilestoneOut]
    timeline: list[EventOut]
    actions: list[str]
    children: list[int] = Field(..., alias="child_ids")


class ProjectQuery(Input):
    kind: str = Field("", max_length=32)
    state: ProjectState | None = None
    warning: str = Field("", pattern=r"^(|green|yellow|red)$")
    paired: bool = False
    q: str = Field("", max_length=100)


class ProjectIn(Input):
    kind: str = Field(..., min_length=1, max_length=32)
    title: str = Field(..., min_length=1, max_length=200)
    owner: str = Field(..., min_length=1, max_length=32, description="owner unit (org code)")
    start_date: dt.date
    due_date: dt.date
    number: str = Field("", max_length=32)
    leader: str = Field("", max_length=50)
    village: str = Field("", max_length=32, description="paired village (org code)")
    beneficiaries: int | None = Field(None, ge=0, le=100_000_000)
    budget: Decimal | None = Field(None, ge=0, le=10**12, decimal_places=2)


class MilestoneIn(Input):
    name: str = Field(..., min_length=1, max_length=100)
    deadline: dt.date
    weight: int = Field(1, ge=1, le=1000)


class DoneIn(Input):
    done_date: dt.date
    evidence: str = Field("", max_length=500)


class TransitionIn(Input):
    action: str = Field(..., pattern=r"^(start|complete|accept|return|extend|stop)$")
    version: int | None = Field(None, ge=1, le=2_000_000_000)
    reason: str = Field("", max_length=500)
    due_date: dt.date | None = None
    completed_date: dt.date | None = None


def _out(project) -> dict:
    (project,) = selectors.with_progress([project])
    return project


def _detail(user, project):
    project = _out(project)
    roles = scope.roles_at(user, project.owner.path)
    project.timeline = list(loops.events_for(project))
    project.actions = [
        t.action for t in PROJECT_LOOP.actions_from(project.state) if t.roles & roles
    ]
    project.child_ids = list(project.children.values_list("pk", flat=True))
    return project


@router.get("/projects", response=list[ProjectOut], summary="Projects in scope")
@paginate(Pagination)
def list_projects(request, query: Query[ProjectQuery]):
    scope.require(request.user, PROJECT_VIEW)
    kind = None
    if query.kind:
        kind = ProjectKind.objects.filter(name=query.kind).first()
        if kind is None:
            raise ValidationError({"kind": f"未知项目类型：{query.kind}"})
    f = selectors.ProjectFilter(
        kind=kind.pk if kind else None,
        state=query.state or "",
        warning=query.warning,
        paired=query.paired,
        q=query.q,
    )
    return _Progressed(selectors.project_list(request.user, f))


class _Progressed:
    """A queryset whose sliced page gets its progress in one more query."""

    def __init__(self, qs):
        self.qs = qs

    def __len__(self):
        return self.qs.count()

    def count(self):
        return self.qs.count()

    def __getitem__(self, item):
        return selectors.with_progress(self.qs[item])


@router.get("/projects/{project_id}", response=ProjectDetail, summary="One project")
def get_project(request, project_id: int):
    return _detail(request.user, selectors.project_get(request.user, require_id(project_id)))


@router.post("/projects", response={201: ProjectDetail}, summary="Register a project (立项)")
def create_project(request, payload: ProjectIn):
    kind = ProjectKind.objects.filter(name=payload.kind).first()
    if kind is None:
        raise ValidationError({"kind": f"未知项目类型：{payload.kind}"})
    owner = org_selectors.org_get(request.user, payload.owner)
    village = org_selectors.org_get(request.user, payload.village) if payload.village else None
    project = services.project_create(
        actor=request.user,
        kind=kind,
        title=payload.title,
        owner=owner,
        start_date=payload.start_date,
        due_date=payload.due_date,
        number=payload.number,
        leader=payload.leader,
        village=village,
        beneficiaries=payload.beneficiaries,
        budget=payload.budget,
    )
    return 201, _detail(request.user, selectors.project_get(request.user, project.pk))


@router.post(
    "/projects/{project_id}/milestones", response={201: MilestoneOut}, summary="Add a milestone"
)
def add_milestone(request, project_id: int, payload: MilestoneIn):
    project = selectors.project_get(request.user, require_id(project_id))
    return 201, services.milestone_add(
        actor=request.user,
        project=project,
        name=payload.name,
        deadline=payload.deadline,
        weight=payload.weight,
    )


@router.post(
    "/projects/{project_id}/milestones/{milestone_id}/done",
    response=MilestoneOut,
    summary="Mark a milestone done",
)
def done_milestone(request, project_id: int, milestone_id: int, payload: DoneIn):
    project = selectors.project_get(request.user, require_id(project_id))
    milestone = Milestone.objects.filter(pk=require_id(milestone_id), project=project).first()
    if milestone is None:
        raise Http404
    return services.milestone_done(
        actor=request.user,
        milestone=milestone,
        done_date=payload.done_date,
        evidence=payload.evidence,
    )


@router.post(
    "/projects/{project_id}/transitions", response=ProjectDetail, summary="A step of the loop"
)
def transition_project(request, project_id: int, payload: TransitionIn):
    project = selectors.project_get(request.user, require_id(project_id))
    data = payload.model_dump(exclude={"action", "version"}, exclude_none=True)
    data = {k: v for k, v in data.items() if v != ""}
    services.project_transition(
        actor=request.user,
        project=project,
        action=payload.action,
        version=payload.version,
        **data,
    )
    return _detail(request.user, selectors.project_get(request.user, project.pk))


# --- pairings, programmes ---------------------------------------------------------------------


class PairingOut(Schema):
    id: int
    unit: str = Field(..., alias="unit.code")
    village: str = Field(..., alias="village.code")
    start_date: dt.date
    end_date: dt.date | None
    total: int
    done: int


@router.get("/pairings", response=list[PairingOut], summary="Pairings (百个部门联百村)")
@paginate(Pagination)
def list_pairings(request):
    scope.require(request.user, PROJECT_VIEW)
    return selectors.pairings_visible_to(request.user).order_by("id")


class ProgrammeOut(Schema):
    id: int
    code: str
    name: str
    category: str
    unit: str = Field(..., alias="unit.code")
    start_date: dt.date
    end_date: dt.date
    capacity: int
    enrolled: int


class EnrolmentOut(Schema):
    id: int
    name: str
    age: int | None
    phone: str = Field(..., alias="phone_masked")
    enrolled_on: dt.date


class EnrolIn(Input):
    name: str = Field(..., min_length=1, max_length=50)
    age: int | None = Field(None, ge=0, le=120)
    phone: str = Field("", max_length=20)


@router.get("/programmes", response=list[ProgrammeOut], summary="Programmes")
@paginate(Pagination)
def list_programmes(request):
    scope.require(request.user, PROJECT_VIEW)
    return selectors.programmes_visible_to(request.user)


@router.get(
    "/programmes/{programme_id}/enrolments",
    response=list[EnrolmentOut],
    summary="Enrolments (phones masked)",
)
@paginate(Pagination)
def list_enrolments(request, programme_id: int):
    programme = selectors.programme_get(request.user, require_id(programme_id))
    return programme.enrolments.order_by("id")


@router.post(
    "/programmes/{programme_id}/enrolments",
    response={201: EnrolmentOut},
    summary="Enrol (capacity enforced)",
)
def enrol(request, programme_id: int, payload: EnrolIn):
    programme = selectors.programme_get(request.user, require_id(programme_id))
    return 201, services.enrol(
        actor=request.user,
        programme=programme,
        name=payload.name,
        age=payload.age,
        phone=payload.phone,
    )


# --- approvals --------------------------------------------------------------------------------


class StepOut(Schema):
    name: str
    department: str = Field(..., alias="department.code")
    parallel_group: int | None
    start_date: dt.date
    end_date: dt.date | None
    statutory_days: int
    working_days: int | None


class CaseOut(Schema):
    id: int
    number: str
    matter: str = Field(..., alias="matter.name")
    applicant: str
    project_name: str
    submitted_date: dt.date
    state: str
    finished_date: dt.date | None
    actual_days: int | None
    promised_days: int | None
    baseline_days: int


class CaseDetail(CaseOut):
    steps: list[StepOut] = Field(..., alias="steps_list")
    required: list[str] = Field(..., alias="required_names")


@router.get("/approvals", response=list[CaseOut], summary="Approval cases (一件事)")
@paginate(Pagination)
def list_cases(request):
    scope.require(request.user, PROJECT_VIEW)
    return selectors.cases_visible_to(request.user)


@router.get("/approvals/{case_id}", response=CaseDetail, summary="One case with its steps")
def get_case(request, case_id: int):
    case = selectors.case_get(request.user, require_id(case_id))
    case.steps_list = selectors.case_steps(case)
    case.required_names = [r.name for r in case.required.all()]
    return case


# --- village ledger ---------------------------------------------------------------------------


class YearOut(Schema):
    year: int
    income: Decimal
    expense: Decimal
    growth: Decimal | None


class EntryOut(Schema):
    date: dt.date
    direction: str
    category: str = Field(..., alias="category.name")
    amount: Decimal
    summary: str
    project: str | None = Field(None, alias="project.number")


class LedgerOut(Schema):
    village: str
    name: str
    years: list[YearOut]
    entries: list[EntryOut]


@router.get("/villages/{code}/ledger", response=LedgerOut, summary="A village's 共富明细账")
def village_ledger(request, code: Text):
    village = selectors.village_get(request.user, code[:32])
    return {
        "village": village.code,
        "name": village.name,
        "years": selectors.income_by_year(village),
        "entries": list(selectors.ledger_entries(village)[:1000]),
    }


# --- create and edit --------------------------------------------------------------------------


class ProjectEditIn(Input):
    version: int | None = Field(None, ge=1, le=2_000_000_000, description="optimistic lock")
    title: str | None = Field(None, min_length=1, max_length=200)
    owner: str | None = Field(None, min_length=1, max_length=32, description="org code")
    leader: str | None = Field(None, max_length=50)
    start_date: dt.date | None = None
    due_date: dt.date | None = None
    budget: Decimal | None = Field(None, ge=0, le=10**12, decimal_places=2)
    beneficiaries: int | None = Field(None, ge=0, le=100_000_000)
    beneficiary_note: str | None = Field(None, max_length=200)


@router.patch("/projects/{project_id}", response=ProjectDetail, summary="Edit a project")
def edit_project(request, project_id: int, payload: ProjectEditIn):
    project = selectors.project_get(request.user, require_id(project_id))
    data = payload.model_dump(exclude_none=True)
    if "owner" in data:
        data["owner"] = org_selectors.org_get(request.user, data["owner"])
    services.project_update(actor=request.user, project=project, **data)
    return _detail(request.user, selectors.project_get(request.user, project.pk))


class OutcomeIn(Input):
    name: str = Field(..., min_length=1, max_length=100)
    value: Decimal = Field(..., ge=-(10**13), le=10**13, decimal_places=2)
    unit: str = Field("", max_length=16)


class OutcomeOut(Schema):
    id: int
    name: str
    value: Decimal
    unit: str


@router.post(
    "/projects/{project_id}/outcomes",
    response={201: OutcomeOut},
    summary="Add an outcome figure",
)
def add_outcome(request, project_id: int, payload: OutcomeIn):
    project = selectors.project_get(request.user, require_id(project_id))
    return 201, services.outcome_add(
        actor=request.user,
        project=project,
        name=payload.name,
        value=payload.value,
        unit=payload.unit,
    )


class PairingIn(Input):
    unit: str = Field(..., min_length=1, max_length=32, description="unit (org code)")
    village: str = Field(..., min_length=1, max_length=32, description="village (org code)")
    start_date: dt.date
    end_date: dt.date | None = None
    note: str = Field("", max_length=200)


@router.post("/pairings", response={201: PairingOut}, summary="Pair a unit with a village")
def create_pairing(request, payload: PairingIn):
    pairing = services.pairing_create(
        actor=request.user,
        unit=org_selectors.org_get(request.user, payload.unit),
        village=org_selectors.org_get(request.user, payload.village),
        start_date=payload.start_date,
        end_date=payload.end_date,
        note=payload.note,
    )
    return 201, selectors.pairing_get(request.user, pairing.pk)


class ProgrammeIn(Input):
    code: str = Field(..., min_length=1, max_length=32)
    name: str = Field(..., min_length=1, max_length=200)
    unit: str = Field(..., min_length=1, max_length=32, description="host unit (org code)")
    start_date: dt.date
    end_date: dt.date
    capacity: int = Field(..., ge=1, le=1_000_000)
    category: str = Field("", max_length=32)
    audience: str = Field("", max_length=200)


@router.post("/programmes", response={201: ProgrammeOut}, summary="Set up a programme")
def create_programme(request, payload: ProgrammeIn):
    data = payload.model_dump()
    data["unit"] = org_selectors.org_get(request.user, payload.unit)
    programme = services.programme_create(actor=request.user, **data)
    return 201, selectors.programme_get(request.user, programme.pk)


class ItemIn(Input):
    name: str = Field(..., min_length=1, max_length=100)
    department: str = Field(..., min_length=1, max_length=32, description="org code")
    statutory_days: int = Field(..., ge=0, le=10_000)
    promised_days: int = Field(..., ge=0, le=10_000)
    visits: int = Field(0, ge=0, le=100)
    materials: str = Field("", max_length=5000)


class ItemOut(Schema):
    id: int
    name: str
    department: str = Field(..., alias="department.code")
    statutory_days: int
    promised_days: int
    visits: int
    materials: str


@router.post("/service-items", response={201: ItemOut}, summary="Add a catalogue item")
def create_item(request, payload: ItemIn):
    data = payload.model_dump()
    data["department"] = org_selectors.org_get(request.user, payload.department)
    return 201, approvals.item_create(actor=request.user, **data)


class GroupIn(Input):
    mode: GroupMode
    items: list[int] = Field(..., min_length=1, max_length=100, description="item ids")


class MatterIn(Input):
    name: str = Field(..., min_length=1, max_length=100)
    owner: str = Field(..., min_length=1, max_length=32, description="lead department (org code)")
    groups: list[GroupIn] = Field(..., min_length=1, max_length=50)
    serial_only: bool = False
    description: str = Field("", max_length=5000)


class GroupOut(Schema):
    seq: int
    mode: str
    items: list[int]


class MatterOut(Schema):
    id: int
    name: str
    owner: str = Field(..., alias="owner.code")
    serial_only: bool
    groups: list[GroupOut] = Field(..., alias="group_list")


@router.post("/matters", response={201: MatterOut}, summary="Add a bundled matter")
def create_matter(request, payload: MatterIn):
    owner = org_selectors.org_get(request.user, payload.owner)
    wanted = {pk for g in payload.groups for pk in g.items}
    found = ServiceItem.objects.in_bulk(list(wanted))
    missing = sorted(wanted - set(found))
    if missing:
        raise ValidationError(
            {"groups": _("所选事项不存在：%(ids)s") % {"ids": "、".join(map(str, missing))}}
        )
    matter = approvals.matter_create(
        actor=request.user,
        name=payload.name,
        owner=owner,
        groups=[(g.mode.value, [found[pk] for pk in g.items]) for g in payload.groups],
        serial_only=payload.serial_only,
        description=payload.description,
    )
    matter.group_list = [
        {"seq": g.seq, "mode": g.mode, "items": [i.pk for i in g.items.all()]}
        for g in matter.groups.prefetch_related("items")
    ]
    return 201, matter
