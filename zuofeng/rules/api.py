"""API of the rules module: the lists and their items (checks editable, with a preview), hits
to review and push to the ledger, the unit budget table, micro-power items and cases."""

# No `from __future__ import annotations`: ninja's @paginate needs real annotations.
import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from zuofeng.core.api import Input, Pagination, require_id
from zuofeng.orgs import scope
from zuofeng.orgs import selectors as org_selectors
from zuofeng.rules import selectors, services
from zuofeng.rules.choices import CheckType, FlagKind, Review
from zuofeng.rules.indicators import cut_target
from zuofeng.rules.models import Hit
from zuofeng.rules.permissions import RULES_VIEW

router = Router(tags=["rules"])


class ListOut(Schema):
    id: int
    name: str
    issuer: str = Field(..., alias="issuer.code")
    applies_to: str = Field(..., alias="applies_to.code")
    doc_number: str
    effective_from: dt.date


class ItemOut(Schema):
    id: int
    category: str = Field(..., alias="category.name")
    category_number: int = Field(..., alias="category.number")
    number: int
    text: str
    basis: str
    check_type: str
    params: dict[str, Any]


class ItemIn(Input):
    text: str = Field(..., min_length=1, max_length=500)
    basis: str = Field("", max_length=200)
    check_type: CheckType | None = None
    params: dict[str, Any] = {}


class PreviewIn(Input):
    check_type: CheckType
    params: dict[str, Any] = {}
    label: str = Field("", max_length=20)
    sample: int = Field(500, ge=1, le=5000)


class PreviewOut(Schema):
    voucher_no: str
    date: dt.date
    unit: str
    summary: str
    explanation: str
    amount: Decimal


class HitOut(Schema):
    id: int
    ref: str
    voucher_no: str = Field(..., alias="expense.voucher_no")
    date: dt.date = Field(..., alias="expense.date")
    unit: str = Field(..., alias="expense.unit.code")
    econ_code: str = Field(..., alias="expense.econ_code")
    summary: str = Field(..., alias="expense.summary")
    record_amount: Decimal = Field(..., alias="expense.amount")
    item_id: int
    item: str = Field(..., alias="item.text")
    category: str = Field(..., alias="item.category.name")
    explanation: str
    amount: Decimal
    state: str
    reason: str
    reviewed_on: dt.date | None
    problem: str | None = Field(None, alias="problem.number")
    problem_id: int | None

    @staticmethod
    def resolve_ref(obj) -> str:
        return f"{obj.REF_PREFIX}{obj.pk}"


class HitQuery(Input):
    state: Review | None = None
    category: str = Field("", max_length=50)
    unit: str = Field("", max_length=32, description="org code: its whole subtree")
    start: dt.date | None = None
    end: dt.date | None = None
    q: str = Field("", max_length=50)


class ReviewIn(Input):
    decision: Review
    reason: str = Field("", max_length=500)
    to_ledger: bool = False


class LedgerOut(Schema):
    problem_id: int
    problem: str


class BudgetOut(Schema):
    unit: str
    unit_name: str
    prior_actual: Decimal
    budget: Decimal
    cut_rate: float | None
    below_target: bool


class BudgetTable(Schema):
    year: int
    target: float
    units: list[BudgetOut]


class StepOut(Schema):
    order: int
    name: str
    documents: list[str] = Field(..., alias="document_list")
    notice_days: int | None
    attend: str | None
    agree: str | None
    always: bool


class RiskOut(Schema):
    text: str
    grade: str


class PowerItemOut(Schema):
    id: int
    number: int
    name: str
    category: str
    basis: str
    responsible: str
    threshold: Decimal | None
    steps: list[StepOut] = Field(..., alias="step_list")
    risks: list[RiskOut] = Field(..., alias="risk_list")


class FlagOut(Schema):
    id: int
    ref: str
    kind: FlagKind
    step: str | None = Field(None, alias="step.name")
    explanation: str
    state: str
    reason: str
    problem: str | None = Field(None, alias="problem.number")
    problem_id: int | None

    @staticmethod
    def resolve_ref(obj) -> str:
        return f"{obj.REF_PREFIX}{obj.pk}"


class CaseStepOut(Schema):
    step: str
    date: dt.date | None
    due: int | None
    present: int | None
    votes_for: int | None
    documents: list[str]
    required: bool
    ok: bool
    flags: list[str]


class CaseOut(Schema):
    id: int
    number: str
    village: str = Field(..., alias="village.code")
    item: str = Field(..., alias="item.name")
    amount: Decimal | None
    subject: str
    date: dt.date
    flags: int = Field(..., alias="n_flags")


class CaseDetail(CaseOut):
    steps: list[CaseStepOut] = Field(..., alias="step_views")
    findings: list[FlagOut] = Field(..., alias="flag_list")


def _quorum(num, den):
    return f"{num}/{den}" if den else None


@router.get("/rules/lists", response=list[ListOut], summary="Negative-list versions")
def list_lists(request):
    scope.require(request.auth, RULES_VIEW)
    return list(selectors.lists_visible_to(request.auth).order_by("-effective_from", "-id"))


@router.get("/rules/lists/{list_id}/items", response=list[ItemOut], summary="Items of a version")
def list_items(request, list_id: int):
    scope.require(request.auth, RULES_VIEW)
    lst = selectors.list_get(request.auth, require_id(list_id))
    return [i for c in selectors.list_items(lst) for i in c.item_list]


@router.put("/rules/items/{item_id}", response=ItemOut, summary="Edit an item and its check")
def edit_item(request, item_id: int, payload: ItemIn):
    scope.require(request.auth, RULES_VIEW)
    item = selectors.item_get(request.auth, require_id(item_id))
    return services.item_save(
        actor=request.auth,
        category=item.category,
        item=item,
        text=payload.text,
        basis=payload.basis,
        check_type=payload.check_type or "",
        params=payload.params,
    )


@router.post(
    "/rules/checks/preview", response=list[PreviewOut], summary="Test a check on recent records"
)
def preview(request, payload: PreviewIn):
    scope.require(request.auth, RULES_VIEW)
    sample = (
        selectors.expenses_visible_to(request.auth)
        .select_related("unit")
        .order_by("-date", "-id")[: payload.sample]
    )
    found = services.preview(payload.check_type, payload.params, sample, payload.label)
    return [
        {
            "voucher_no": e.voucher_no,
            "date": e.date,
            "unit": e.unit.code,
            "summary": e.summary,
            "explanation": why,
            "amount": amount,
        }
        for e, why, amount in found
    ]


@router.get("/rules/hits", response=list[HitOut], summary="Hits of the negative list")
@paginate(Pagination)
def list_hits(request, query: Query[HitQuery]):
    scope.require(request.auth, RULES_VIEW)
    unit = org_selectors.org_get(request.auth, query.unit) if query.unit else None
    f = selectors.HitFilter(
        query.state or "", query.category, unit, query.start, query.end, query.q
    )
    return selectors.hits(request.auth, f)


@router.get("/rules/hits/{hit_id}", response=HitOut, summary="One hit")
def get_hit(request, hit_id: int):
    scope.require(request.auth, RULES_VIEW)
    return selectors.hit_get(request.auth, require_id(hit_id))


@router.post("/rules/hits/{hit_id}/review", response=HitOut, summary="Confirm or dismiss a hit")
def review_hit(request, hit_id: int, payload: ReviewIn):
    scope.require(request.auth, RULES_VIEW)
    hit = selectors.hit_get(request.auth, require_id(hit_id))
    _review(request.auth, hit, payload)
    return selectors.hit_get(request.auth, hit.pk)


@router.post(
    "/rules/hits/{hit_id}/problem",
    response={201: LedgerOut},
    summary="Register a confirmed hit in the problem ledger",
)
def hit_to_ledger(request, hit_id: int):
    scope.require(request.auth, RULES_VIEW)
    hit = selectors.hit_get(request.auth, require_id(hit_id))
    problem = services.finding_to_problem(actor=request.auth, finding=hit)
    return 201, {"problem_id": problem.pk, "problem": problem.number}


@router.get(
    "/rules/findings/by-problem/{problem_id}",
    response=dict[str, Any],
    summary="The hit or flag a ledger problem came from",
)
def by_problem(request, problem_id: int):
    scope.require(request.auth, RULES_VIEW)
    found = selectors.finding_for_problem(request.auth, require_id(problem_id))
    if found is None:
        raise Http404
    kind = "hit" if isinstance(found, Hit) else "flag"
    return {"kind": kind, "id": found.pk, "ref": f"{found.REF_PREFIX}{found.pk}"}


def _review(actor, finding, payload: ReviewIn):
    if payload.decision == Review.PENDING:
        raise ValidationError({"decision": "审核结论应为 confirmed 或 dismissed"})
    services.finding_review(
        actor=actor,
        finding=finding,
        decision=payload.decision,
        reason=payload.reason,
        to_ledger=payload.to_ledger,
    )


@router.get("/rules/budget", response=BudgetTable, summary="Non-rigid cut rate per unit")
def budget(request, year: int = Query(..., ge=2000, le=2100), below: bool = False):
    scope.require(request.auth, RULES_VIEW)
    rows = selectors.budget_table(request.auth, year, below_only=below)
    return {
        "year": year,
        "target": float(cut_target()),
        "units": [
            {
                "unit": r.unit.code,
                "unit_name": r.unit.name,
                "prior_actual": r.prior,
                "budget": r.budget,
                "cut_rate": r.rate,
                "below_target": r.below,
            }
            for r in rows
        ],
    }


@router.get("/rules/power-items", response=list[PowerItemOut], summary="Micro-power list")
def power_items(request):
    scope.require(request.auth, RULES_VIEW)
    items = selectors.power_items_visible_to(request.auth).prefetch_related("steps", "risks")
    out = []
    for item in items.order_by("number"):
        item.step_list = [
            {
                "order": s.order,
                "name": s.name,
                "document_list": s.document_list,
                "notice_days": s.notice_days,
                "attend": _quorum(s.attend_num, s.attend_den),
                "agree": _quorum(s.agree_num, s.agree_den),
                "always": s.always,
            }
            for s in item.steps.all()
        ]
        item.risk_list = list(item.risks.all())
        out.append(item)
    return out


class CaseQuery(Input):
    flagged: bool = False
    village: str = Field("", max_length=32)


@router.get("/rules/cases", response=list[CaseOut], summary="Micro-power cases")
@paginate(Pagination)
def list_cases(request, query: Query[CaseQuery]):
    scope.require(request.auth, RULES_VIEW)
    village = org_selectors.org_get(request.auth, query.village) if query.village else None
    return selectors.cases(request.auth, flagged=query.flagged, village=village)


@router.get("/rules/cases/{case_id}", response=CaseDetail, summary="A case step by step")
def get_case(request, case_id: int):
    scope.require(request.auth, RULES_VIEW)
    require_id(case_id)
    case = selectors.cases(request.auth).filter(pk=case_id).first()
    if case is None:
        raise Http404
    views, flags = selectors.case_steps(case)
    case.step_views = [
        {
            "step": v.step.name,
            "date": v.record.date if v.record else None,
            "due": v.record.due if v.record else None,
            "present": v.record.present if v.record else None,
            "votes_for": v.record.votes_for if v.record else None,
            "documents": v.record.document_list if v.record else [],
            "required": v.required,
            "ok": v.ok,
            "flags": [f.explanation for f in v.flags],
        }
        for v in views
    ]
    case.flag_list = flags
    return case


@router.post("/rules/flags/{flag_id}/review", response=FlagOut, summary="Confirm or dismiss")
def review_flag(request, flag_id: int, payload: ReviewIn):
    scope.require(request.auth, RULES_VIEW)
    flag = selectors.flag_get(request.auth, require_id(flag_id))
    _review(request.auth, flag, payload)
    return selectors.flag_get(request.auth, flag.pk)


@router.post(
    "/rules/flags/{flag_id}/problem",
    response={201: LedgerOut},
    summary="Register a confirmed flag in the problem ledger",
)
def flag_to_ledger(request, flag_id: int):
    scope.require(request.auth, RULES_VIEW)
    flag = selectors.flag_get(request.auth, require_id(flag_id))
    problem = services.finding_to_problem(actor=request.auth, finding=flag)
    return 201, {"problem_id": problem.pk, "problem": problem.number}
