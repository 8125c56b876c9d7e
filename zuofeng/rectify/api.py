"""API of the problem ledger: list with filters, detail with timeline, register, transitions."""

# No `from __future__ import annotations`: ninja's @paginate needs real annotations.
import datetime as dt

from django.core.exceptions import ValidationError
from django.http import Http404
from ninja import Field, File, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate

from zuofeng.core.api import Input, Pagination, Rows, require_id
from zuofeng.orgs import scope
from zuofeng.orgs import selectors as org_selectors
from zuofeng.rectify import checklists as checklist_rules
from zuofeng.rectify import circulars as circular_rules
from zuofeng.rectify import projects as project_rules
from zuofeng.rectify import rounds as round_rules
from zuofeng.rectify import selectors, services
from zuofeng.rectify.choices import (
    InspectionMethod,
    KeyArea,
    Mode,
    ProblemState,
    key_area_codes,
)
from zuofeng.rectify.models import Campaign, ChecklistSet, ProblemCategory, ProblemSource
from zuofeng.rectify.permissions import (
    PROBLEM_HANDLE,
    PROBLEM_VERIFY,
    PROBLEM_VIEW,
    ROUND_MANAGE,
)

router = Router(tags=["problems"])


class ProblemOut(Schema):
    id: int
    number: str
    description: str
    state: str
    source: str = Field(..., alias="source.name")
    source_ref: str
    category: str | None = Field(None, alias="category.name")
    key_areas: list[str]
    found_date: dt.date
    unit: str = Field(..., alias="unit.code")
    unit_name: str = Field(..., alias="unit.name")
    leader: str
    person: str
    mode: str
    measures: str
    deadline: dt.date | None
    warning: str
    campaign: str | None = Field(None, alias="campaign.name")
    result: str
    closed_date: dt.date | None
    review_date: dt.date | None
    version: int


class EventOut(Schema):
    at: dt.datetime
    actor_name: str
    action: str
    from_state: str
    to_state: str
    note: str


class NoticeOut(Schema):
    level: int
    issued_on: dt.date
    text: str


class RuleOut(Schema):
    title: str
    doc_number: str
    issued_on: dt.date


class ProblemDetail(ProblemOut):
    timeline: list[EventOut]
    actions: list[str]
    notices: list[NoticeOut] = Field(..., alias="notice_list")
    rules: list[RuleOut] = Field(..., alias="rule_list")
    notice_proposed: int


class LedgerQuery(Input):
    state: ProblemState | None = None
    source: str = Field("", max_length=32)
    category: str = Field("", max_length=32)
    campaign: str = Field("", max_length=64)
    key_area: KeyArea | None = None
    warning: str = Field("", pattern=r"^(|green|yellow|red)$")
    overdue: bool = False
    unit: str = Field("", max_length=32, description="org code: its whole subtree")
    q: str = Field("", max_length=100)
    sort: str = Field("found", pattern=r"^-?(found|deadline|number)$")
    round: int | None = Field(None, ge=1, le=2**62, description="a closed round's id")


class ProblemIn(Input):
    description: str = Field(..., min_length=1, max_length=4000)
    source: str = Field(..., min_length=1, max_length=32)
    found_date: dt.date
    unit: str = Field(..., min_length=1, max_length=32)
    number: str = Field("", max_length=32)
    source_ref: str = Field("", max_length=64)
    category: str = Field("", max_length=32)
    key_areas: list[KeyArea] = []
    leader: str = Field("", max_length=50)
    person: str = Field("", max_length=50)
    mode: Mode | None = None
    measures: str = Field("", max_length=4000)
    campaign: str = Field("", max_length=64)


class TransitionIn(Input):
    action: str = Field(..., pattern=r"^(assign|sign|submit|close|return|long_term)$")
    version: int | None = Field(None, ge=1, le=2_000_000_000)
    unit: str = Field("", max_length=32, description="assign: responsible unit (org code)")
    person: str = Field("", max_length=50)
    leader: str = Field("", max_length=50)
    deadline: dt.date | None = None
    deadline_workdays: int | None = Field(None, ge=1, le=365)
    result: str = Field("", max_length=4000)
    reason: str = Field("", max_length=1000)
    review_date: dt.date | None = None


def _lookup(model, name: str, field: str):
    if not name:
        return None
    obj = model.objects.filter(name=name).first()
    if obj is None:
        raise ValidationError({field: f"未知{model._meta.verbose_name}：{name}"})
    return obj


def _detail(user, problem):
    """The problem with its timeline and the steps this user may take next."""
    problem.timeline = list(selectors.problem_timeline(problem))
    problem.actions = [t.action for t in selectors.available_actions(user, problem)]
    problem.notice_list = list(problem.notices.all())
    problem.rule_list = list(problem.rules.all())
    return problem


def _key_areas(row: dict) -> list[str]:
    return key_area_codes(row["key_power"], row["key_funds"], row["key_resources"])


PROBLEM_ROWS = Rows(
    ProblemOut, computed={"key_areas": (("key_power", "key_funds", "key_resources"), _key_areas)}
)


@router.get("/problems", response=list[ProblemOut], summary="The problem ledger")
@PROBLEM_ROWS
@paginate(Pagination)
def list_problems(request, query: Query[LedgerQuery]):
    scope.require(request.auth, PROBLEM_VIEW)
    unit = org_selectors.org_get(request.auth, query.unit) if query.unit else None
    source = _lookup(ProblemSource, query.source, "source")
    category = _lookup(ProblemCategory, query.category, "category")
    campaign = _lookup(Campaign, query.campaign, "campaign")
    f = selectors.LedgerFilter(
        state=query.state or "",
        source=source.pk if source else None,
        category=category.pk if category else None,
        campaign=campaign.pk if campaign else None,
        key_area=query.key_area or "",
        warning=query.warning,
        overdue=query.overdue,
        unit=unit,
        q=query.q,
        round=query.round,
    )
    return PROBLEM_ROWS.values(selectors.ledger(request.auth, f, sort=query.sort))


@router.get("/problems/{problem_id}", response=ProblemDetail, summary="One problem")
def get_problem(request, problem_id: int):
    scope.require(request.auth, PROBLEM_VIEW)
    require_id(problem_id)
    return _detail(request.auth, selectors.problem_get(request.auth, problem_id))


@router.post("/problems", response={201: ProblemDetail}, summary="Register a problem")
def create_problem(request, payload: ProblemIn):
    scope.require(request.auth, PROBLEM_VIEW)
    unit = org_selectors.org_get(request.auth, payload.unit)
    source = _lookup(ProblemSource, payload.source, "source")
    problem = services.problem_register(
        actor=request.auth,
        description=payload.description,
        source=source,
        found_date=payload.found_date,
        unit=unit,
        number=payload.number,
        source_ref=payload.source_ref,
        category=_lookup(ProblemCategory, payload.category, "category"),
        key_power=KeyArea.POWER in payload.key_areas,
        key_funds=KeyArea.FUNDS in payload.key_areas,
        key_resources=KeyArea.RESOURCES in payload.key_areas,
        leader=payload.leader,
        person=payload.person,
        mode=payload.mode or "",
        measures=payload.measures,
        campaign=_lookup(Campaign, payload.campaign, "campaign"),
    )
    return 201, _detail(request.auth, selectors.problem_get(request.auth, problem.pk))


@router.post(
    "/problems/{problem_id}/transitions", response=ProblemDetail, summary="Apply a step of the loop"
)
def transition_problem(request, problem_id: int, payload: TransitionIn):
    scope.require(request.auth, PROBLEM_VIEW)
    require_id(problem_id)
    problem = selectors.problem_get(request.auth, problem_id)
    data = payload.dict(exclude={"action", "version"}, exclude_none=True)
    data = {k: v for k, v in data.items() if v != ""}
    if "unit" in data:
        data["unit"] = org_selectors.org_get(request.auth, data["unit"])
    services.problem_transition(
        actor=request.auth, problem=problem, action=payload.action, version=payload.version, **data
    )
    return _detail(request.auth, selectors.problem_get(request.auth, problem_id))


@router.post(
    "/problems/{problem_id}/evidence",
    response={201: ProblemDetail},
    summary="Attach evidence (PDF, PNG, JPEG, Office)",
)
def add_evidence(request, problem_id: int, file: File[UploadedFile]):
    scope.require(request.auth, PROBLEM_VIEW)
    require_id(problem_id)
    problem = selectors.problem_get(request.auth, problem_id)
    services.evidence_add(actor=request.auth, problem=problem, upload=file)
    return 201, _detail(request.auth, selectors.problem_get(request.auth, problem_id))


class InspectionOut(Schema):
    id: int
    date: dt.date
    team: str
    method: str
    campaign: str | None = Field(None, alias="campaign.name")
    targets: list[str]
    summary: str

    @staticmethod
    def resolve_targets(obj) -> list[str]:
        return [t.code for t in obj.targets.all()]


class InspectionIn(Input):
    date: dt.date
    team: str = Field(..., min_length=1, max_length=100)
    method: InspectionMethod
    targets: list[str] = Field(..., min_length=1, max_length=200)
    campaign: str = Field("", max_length=64)
    summary: str = Field("", max_length=4000)


class FindingIn(Input):
    unit: str = Field(..., min_length=1, max_length=32)
    description: str = Field(..., min_length=1, max_length=4000)
    category: str = Field("", max_length=32)


@router.get(
    "/inspections",
    response=list[InspectionOut],
    tags=["inspections"],
    summary="Inspections with a target in scope",
)
@paginate(Pagination)
def list_inspections(request):
    scope.require(request.auth, PROBLEM_VIEW)
    return selectors.inspections_visible_to(request.auth)


@router.get(
    "/inspections/{inspection_id}",
    response=InspectionOut,
    tags=["inspections"],
    summary="One inspection",
)
def get_inspection(request, inspection_id: int):
    scope.require(request.auth, PROBLEM_VIEW)
    require_id(inspection_id)
    return selectors.inspection_get(request.auth, inspection_id)


@router.post(
    "/inspections",
    response={201: InspectionOut},
    tags=["inspections"],
    summary="Record an inspection",
)
def create_inspection(request, payload: InspectionIn):
    scope.require(request.auth, PROBLEM_VERIFY)
    targets = [org_selectors.org_get(request.auth, code) for code in payload.targets]
    inspection = services.inspection_create(
        actor=request.auth,
        date=payload.date,
        team=payload.team,
        method=payload.method,
        targets=targets,
        campaign=_lookup(Campaign, payload.campaign, "campaign"),
        summary=payload.summary,
    )
    return 201, selectors.inspection_get(request.auth, inspection.pk)


@router.post(
    "/inspections/{inspection_id}/findings",
    response={201: ProblemDetail},
    tags=["inspections"],
    summary="A finding becomes a problem in the ledger",
)
def add_finding(request, inspection_id: int, payload: FindingIn):
    scope.require(request.auth, PROBLEM_VERIFY)
    require_id(inspection_id)
    inspection = selectors.inspection_get(request.auth, inspection_id)
    unit = org_selectors.org_get(request.auth, payload.unit)
    problem = services.inspection_add_finding(
        actor=request.auth,
        inspection=inspection,
        unit=unit,
        description=payload.description,
        category=_lookup(ProblemCategory, payload.category, "category"),
    )
    return 201, _detail(request.auth, selectors.problem_get(request.auth, problem.pk))


class RoundOut(Schema):
    id: int
    org: str = Field(..., alias="org.code")
    number: int
    name: str
    opened_on: dt.date
    closed_on: dt.date | None


class RoundIn(Input):
    org: str = Field(..., min_length=1, max_length=32)
    name: str = Field("", max_length=50)


class UnitDiffOut(Schema):
    unit: str = Field(..., alias="unit.code")
    new: int
    closed: int
    carried_over: int
    changed: int


class RoundDiffOut(Schema):
    a: int = Field(..., alias="a.pk")
    b: int = Field(..., alias="b.pk")
    new: list[int]
    closed: list[int]
    carried_over: list[int]
    changed: list[int]
    by_unit: list[UnitDiffOut]


@router.get("/rounds", response=list[RoundOut], tags=["rounds"], summary="Rounds in view")
def list_rounds(request):
    scope.require(request.auth, PROBLEM_VIEW)
    return list(round_rules.rounds_visible_to(request.auth))


@router.post("/rounds", response={201: RoundOut}, tags=["rounds"], summary="Open a round")
def open_round(request, payload: RoundIn):
    scope.require(request.auth, ROUND_MANAGE)
    org = org_selectors.org_get(request.auth, payload.org)
    return 201, round_rules.round_open(actor=request.auth, org=org, name=payload.name)


def _round(user, round_id: int):
    require_id(round_id)
    found = round_rules.rounds_visible_to(user).filter(pk=round_id).first()
    if found is None:
        raise Http404
    return found


@router.post(
    "/rounds/{round_id}/close",
    response=RoundOut,
    tags=["rounds"],
    summary="Close a round: freeze the ledger's snapshot",
)
def close_round(request, round_id: int):
    scope.require(request.auth, ROUND_MANAGE)
    return round_rules.round_close(actor=request.auth, round_=_round(request.auth, round_id))


@router.get(
    "/rounds/diff", response=RoundDiffOut, tags=["rounds"], summary="Compare two closed rounds"
)
def diff_rounds(request, a: int, b: int):
    scope.require(request.auth, PROBLEM_VIEW)
    return round_rules.round_diff(request.auth, _round(request.auth, a), _round(request.auth, b))


class CircularOut(Schema):
    id: int
    year: int
    number: int
    title: str
    date: dt.date
    issuer: str = Field(..., alias="issuer.code")
    campaign: str | None = Field(None, alias="campaign.name")
    intro: str
    problems: list[str]

    @staticmethod
    def resolve_problems(obj) -> list[str]:
        return [p.number for p in obj.problems.order_by("number")]


class CircularIn(Input):
    title: str = Field(..., min_length=1, max_length=100)
    date: dt.date
    issuer: str = Field(..., min_length=1, max_length=32)
    problems: list[str] = Field(..., min_length=1, max_length=500)
    campaign: str = Field("", max_length=64)
    intro: str = Field("", max_length=4000)


@router.get(
    "/circulars", response=list[CircularOut], tags=["circulars"], summary="Circulars in view"
)
@paginate(Pagination)
def list_circulars(request):
    scope.require(request.auth, PROBLEM_VIEW)
    return circular_rules.circulars_visible_to(request.auth).prefetch_related("problems")


@router.get(
    "/circulars/{circular_id}",
    response=CircularOut,
    tags=["circulars"],
    summary="One circular (its Word document: the page's ?format=docx)",
)
def get_circular(request, circular_id: int):
    scope.require(request.auth, PROBLEM_VIEW)
    require_id(circular_id)
    found = circular_rules.circulars_visible_to(request.auth).filter(pk=circular_id).first()
    if found is None:
        raise Http404
    return found


@router.post(
    "/circulars",
    response={201: CircularOut},
    tags=["circulars"],
    summary="Issue the next circular of the year",
)
def issue_circular(request, payload: CircularIn):
    scope.require(request.auth, PROBLEM_VERIFY)
    issuer = org_selectors.org_get(request.auth, payload.issuer)
    cited = selectors.problems_by_number(request.auth, payload.problems)
    circular = circular_rules.circular_issue(
        actor=request.auth,
        issuer=issuer,
        title=payload.title,
        date=payload.date,
        problems=cited,
        campaign=_lookup(Campaign, payload.campaign, "campaign"),
        intro=payload.intro,
    )
    return 201, circular


class LeaderProjectOut(Schema):
    id: int
    title: str
    leader: str
    owner: str = Field(..., alias="owner.code")
    started_on: dt.date
    due_on: dt.date | None
    campaign: str | None = Field(None, alias="campaign.name")
    total: int
    closed: int


class LeaderProjectIn(Input):
    title: str = Field(..., min_length=1, max_length=100)
    leader: str = Field(..., min_length=1, max_length=50)
    owner: str = Field(..., min_length=1, max_length=32)
    started_on: dt.date
    due_on: dt.date | None = None
    campaign: str = Field("", max_length=64)
    problems: list[str] = Field([], max_length=500)


@router.get(
    "/leader-projects",
    response=list[LeaderProjectOut],
    tags=["leader projects"],
    summary="Leader-led rectification projects in view, with their progress",
)
@paginate(Pagination)
def list_leader_projects(request):
    scope.require(request.auth, PROBLEM_VIEW)
    return project_rules.projects_visible_to(request.auth)


@router.post(
    "/leader-projects",
    response={201: LeaderProjectOut},
    tags=["leader projects"],
    summary="Set up a leader-led project",
)
def create_leader_project(request, payload: LeaderProjectIn):
    scope.require(request.auth, PROBLEM_VERIFY)
    owner = org_selectors.org_get(request.auth, payload.owner)
    cited = selectors.problems_by_number(request.auth, payload.problems)
    project = project_rules.project_create(
        actor=request.auth,
        title=payload.title,
        leader=payload.leader,
        owner=owner,
        started_on=payload.started_on,
        due_on=payload.due_on,
        problems=cited,
        campaign=_lookup(Campaign, payload.campaign, "campaign"),
    )
    return 201, project_rules.projects_visible_to(request.auth).get(pk=project.pk)


class NoticeIn(Input):
    level: int = Field(..., ge=1, le=4, description="1 督办通知书, 2 提醒书, 3 告诫书, 4 问责书")
    text: str = Field("", max_length=4000)


@router.post(
    "/problems/{problem_id}/notices",
    response={201: ProblemDetail},
    summary="Issue an escalation notice (each a step above the last)",
)
def issue_notice(request, problem_id: int, payload: NoticeIn):
    scope.require(request.auth, PROBLEM_VERIFY)
    require_id(problem_id)
    problem = selectors.problem_get(request.auth, problem_id)
    services.notice_issue(
        actor=request.auth, problem=problem, level=payload.level, text=payload.text
    )
    return 201, _detail(request.auth, selectors.problem_get(request.auth, problem_id))


class ItemOut(Schema):
    id: int
    category: str
    text: str
    basis: str


class ListOut(Schema):
    id: int
    kind: str
    name: str
    items: list[ItemOut]

    @staticmethod
    def resolve_items(obj) -> list:
        return list(obj.items.all())


class ChecklistSetOut(Schema):
    id: int
    name: str
    lists: list[ListOut]

    @staticmethod
    def resolve_lists(obj) -> list:
        return list(obj.lists.all())


class AnswerIn(Input):
    item: int = Field(..., ge=1, le=2**62)
    answer: str = Field(..., pattern=r"^(ok|problem)$")
    note: str = Field("", max_length=500)


class SelfCheckIn(Input):
    unit: str = Field(..., min_length=1, max_length=32)
    person_no: str = Field("", max_length=32)
    answers: list[AnswerIn] = Field(..., min_length=1, max_length=2000)


class SelfCheckOut(Schema):
    id: int
    completed_on: dt.date
    problems: list[str]


class ProgressQuery(Input):
    org: str = Field("", max_length=32, description="org code (default: your scope's root)")


class ProgressOut(Schema):
    org: str
    people: int
    people_done: int
    unit_done: bool


@router.get(
    "/checklists",
    response=list[ChecklistSetOut],
    tags=["checklists"],
    summary="Checklist sets with their lists and items",
)
def list_checklists(request):
    scope.require(request.auth, PROBLEM_VIEW)
    return list(ChecklistSet.objects.filter(active=True).prefetch_related("lists__items"))


def _checklist_set(pk: int) -> ChecklistSet:
    found = ChecklistSet.objects.filter(pk=require_id(pk), active=True).first()
    if found is None:
        raise Http404
    return found


@router.post(
    "/checklists/{set_id}/selfchecks",
    response={201: SelfCheckOut},
    tags=["checklists"],
    summary="Submit a completed self-check",
)
def submit_selfcheck(request, set_id: int, payload: SelfCheckIn):
    scope.require(request.auth, PROBLEM_HANDLE)
    checklist_set = _checklist_set(set_id)
    unit = org_selectors.org_get(request.auth, payload.unit)
    person = None
    if payload.person_no:
        person = (
            org_selectors.people_visible_to(request.auth)
            .filter(person_no=payload.person_no)
            .first()
        )
        if person is None:
            raise ValidationError({"person_no": "人员编号不存在或不在管辖范围内"})
    check = checklist_rules.selfcheck_submit(
        actor=request.auth,
        checklist_set=checklist_set,
        unit=unit,
        person=person,
        answers={a.item: (a.answer, a.note) for a in payload.answers},
    )
    numbers = [a.problem.number for a in check.answers.select_related("problem") if a.problem_id]
    return 201, {"id": check.pk, "completed_on": check.completed_on, "problems": numbers}


@router.get(
    "/checklists/{set_id}/progress",
    response=list[ProgressOut],
    tags=["checklists"],
    summary="Who has completed the self-check, per child unit of an org",
)
def checklist_progress(request, set_id: int, query: Query[ProgressQuery]):
    scope.require(request.auth, PROBLEM_VIEW)
    checklist_set = _checklist_set(set_id)
    target = (
        org_selectors.org_get(request.auth, query.org)
        if query.org
        else org_selectors.scope_roots(request.auth)[0]
    )
    return [
        {
            "org": r.org.code,
            "people": r.people,
            "people_done": r.people_done,
            "unit_done": r.unit_done,
        }
        for r in checklist_rules.progress(checklist_set, target)
    ]


class RuleIn(Input):
    title: str = Field(..., min_length=1, max_length=200)
    doc_number: str = Field("", max_length=64)
    issued_on: dt.date


@router.post(
    "/problems/{problem_id}/rules",
    response={201: ProblemDetail},
    summary="Record a rule issued for the problem (建章立制)",
)
def add_rule(request, problem_id: int, payload: RuleIn):
    scope.require(request.auth, PROBLEM_VIEW)
    require_id(problem_id)
    problem = selectors.problem_get(request.auth, problem_id)
    services.rule_add(
        actor=request.auth,
        problem=problem,
        title=payload.title,
        doc_number=payload.doc_number,
        issued_on=payload.issued_on,
    )
    return 201, _detail(request.auth, selectors.problem_get(request.auth, problem_id))
