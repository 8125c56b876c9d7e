"""Writes of the rule lists: list versions and items, checking finance records, reviewing hits
and flags, pushing them to the problem ledger, and checking micro-power cases."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from zuofeng.core import audit
from zuofeng.orgs import scope
from zuofeng.orgs.models import Org, subtree_q
from zuofeng.rules import checks, power
from zuofeng.rules.choices import Review
from zuofeng.rules.models import (
    CaseFlag,
    CaseStep,
    EconCode,
    Expense,
    Hit,
    NegativeCategory,
    NegativeItem,
    NegativeList,
    PowerCase,
    PowerItem,
    PowerStep,
    RiskPoint,
)
from zuofeng.rules.permissions import RULES_MANAGE, RULES_REVIEW, RULES_VIEW


def _actor(actor):
    return actor if actor is not None else "cli"


def _user(actor):
    return actor if actor is not None and not isinstance(actor, str) else None


def authorize_manage(actor, org: Org) -> None:
    """403 without the right to edit at that org (the command line may). What the actor may
    see is the selectors' business: a list issued elsewhere may still apply to them."""
    if actor is None:
        return
    if not scope.can_at(actor, RULES_MANAGE, org.path):
        raise PermissionDenied


def authorize_review(actor, unit: Org) -> None:
    if actor is None:
        return
    scope.require_at(actor, RULES_VIEW, unit.path)
    if not scope.can_at(actor, RULES_REVIEW, unit.path):
        raise PermissionDenied


# --- the negative list ----------------------------------------------------------------------


def known_codes() -> set[str]:
    return set(EconCode.objects.values_list("code", flat=True))


@transaction.atomic
def negative_list_create(
    *,
    actor,
    name: str,
    issuer: Org,
    applies_to: Org,
    effective_from: dt.date,
    doc_number: str = "",
    copy_from: NegativeList | None = None,
) -> NegativeList:
    """A new version; `copy_from` copies its categories and items (checks included)."""
    authorize_manage(actor, issuer)
    lst = NegativeList(
        name=name.strip(),
        issuer=issuer,
        applies_to=applies_to,
        effective_from=effective_from,
        doc_number=doc_number.strip(),
    )
    lst.full_clean()
    lst.save()
    if copy_from is not None:
        items = list(NegativeItem.objects.filter(category__negative_list=copy_from))
        cats = NegativeCategory.objects.bulk_create(
            NegativeCategory(negative_list=lst, number=c.number, name=c.name)
            for c in copy_from.categories.all()
        )
        by_number = {c.number: c for c in cats}
        old = {c.pk: c.number for c in copy_from.categories.all()}
        NegativeItem.objects.bulk_create(
            NegativeItem(
                category=by_number[old[i.category_id]],
                number=i.number,
                text=i.text,
                basis=i.basis,
                check_type=i.check_type,
                params=i.params,
            )
            for i in items
        )
    audit.record(
        actor=_actor(actor),
        action="rules.list.create",
        obj=lst,
        org_path=issuer.path,
        after={
            "name": lst.name,
            "effective_from": effective_from,
            "copy_from": copy_from and copy_from.pk,
        },
    )
    return lst


@transaction.atomic
def negative_list_seed(
    *, actor, issuer: Org, applies_to: Org, effective_from: dt.date, name: str, doc_number: str = ""
) -> NegativeList:
    """The seed list (17 categories, 94 items) as a new version, in three bulk inserts."""
    from zuofeng.rules.seed import NEGATIVE_LIST

    lst = negative_list_create(
        actor=actor,
        name=name,
        issuer=issuer,
        applies_to=applies_to,
        effective_from=effective_from,
        doc_number=doc_number,
    )
    codes = known_codes()
    cats = NegativeCategory.objects.bulk_create(
        NegativeCategory(negative_list=lst, number=n, name=cat)
        for n, (cat, _items) in enumerate(NEGATIVE_LIST, start=1)
    )
    NegativeItem.objects.bulk_create(
        NegativeItem(
            category=cat,
            number=n,
            text=text,
            basis=basis,
            check_type=ctype,
            params=checks.validate(ctype, params, codes),
        )
        for cat, (_name, items) in zip(cats, NEGATIVE_LIST, strict=True)
        for n, (text, basis, (ctype, params)) in enumerate(items, start=1)
    )
    return lst


@transaction.atomic
def category_save(
    *, actor, negative_list: NegativeList, name: str, category: NegativeCategory | None = None
) -> NegativeCategory:
    authorize_manage(actor, negative_list.issuer)
    if category is None:
        last = negative_list.categories.aggregate(m=Max("number"))["m"] or 0
        category = NegativeCategory(negative_list=negative_list, number=last + 1)
    category.name = name.strip()
    category.full_clean()
    category.save()
    audit.record(
        actor=_actor(actor),
        action="rules.category.save",
        obj=category,
        org_path=negative_list.issuer.path,
        after={"name": category.name, "number": category.number},
    )
    return category


@transaction.atomic
def item_save(
    *,
    actor,
    category: NegativeCategory,
    text: str,
    basis: str = "",
    check_type: str = "",
    params=None,
    item: NegativeItem | None = None,
) -> NegativeItem:
    """Create or edit an item; parameters that do not fit the check type are rejected with
    the reason (ValidationError on `params`), and nothing is written."""
    authorize_manage(actor, category.negative_list.issuer)
    try:
        clean = checks.validate(check_type or "", params or {}, known_codes())
    except ValidationError as exc:
        raise ValidationError({"params": exc.messages}) from None
    before = None
    if item is None:
        last = category.items.aggregate(m=Max("number"))["m"] or 0
        item = NegativeItem(category=category, number=last + 1)
    else:
        before = {"text": item.text, "check_type": item.check_type, "params": item.params}
    item.text, item.basis = text.strip(), basis.strip()
    item.check_type, item.params = check_type or "", clean
    item.full_clean()
    item.save()
    audit.record(
        actor=_actor(actor),
        action="rules.item.save",
        obj=item,
        org_path=category.negative_list.issuer.path,
        before=before,
        after={"text": item.text, "check_type": item.check_type, "params": item.params},
    )
    return item


def selfcheck_rows(negative_list: NegativeList) -> list[dict]:
    """The manual items (no automatic check) as rows of the ledger's 对照清单 sheet."""
    items = (
        NegativeItem.objects.filter(category__negative_list=negative_list, check_type="")
        .select_related("category")
        .order_by("category__number", "number")
    )
    return [
        {
            "清单集": _("%(name)s自查清单") % {"name": negative_list.name},
            "清单名称": _("“过紧日子”负面清单（人工核查条目）"),
            "清单类型": "负面清单",
            "类别": i.category.name,
            "条目内容": i.text,
            "依据": i.basis,
        }
        for i in items
    ]


def manual_items_to_selfcheck(*, actor, negative_list: NegativeList):
    """Offer the manual items as a self-check checklist of the rectification module, through
    its own checklist import (only the lead office may; importing again changes nothing)."""
    from zuofeng.core.sheets import run_import

    return run_import("checklists", selfcheck_rows(negative_list), actor=actor)


def preview(check_type: str, params, records, label: str = "") -> list[tuple[object, str, Decimal]]:
    """ "Test this check": the records of the sample it would hit, with the explanation."""
    clean = checks.validate(check_type, params, known_codes())
    out = []
    for rec in records:
        found = checks.explain(check_type, clean, checks.Record.of(rec), label)
        if found:
            out.append((rec, *found))
    return out


# --- checking finance records ---------------------------------------------------------------


def _windows() -> list[tuple[NegativeList, dt.date, dt.date | None]]:
    """Each version with the day it takes effect and the day the next one of its scope does."""
    lists = list(NegativeList.objects.select_related("applies_to").order_by("effective_from"))
    out = []
    for lst in lists:
        later = [
            x.effective_from
            for x in lists
            if x.applies_to_id == lst.applies_to_id and x.effective_from > lst.effective_from
        ]
        out.append((lst, lst.effective_from, min(later) if later else None))
    return out


def check_expenses(expenses: QuerySet[Expense]) -> int:
    """Check the records against the list in force on each one's date: one SQL query per
    checked item finds the records it hits; explanations are built for those rows only. Hits
    already there are kept (bulk insert ignores them). Returns the hits created."""
    created = 0
    for lst, start, end in _windows():
        # Units by an IN (subquery) rather than a join; no ORDER BY (the model's default would
        # make every item's query walk the date index over the whole table).
        units = Org.objects.filter(subtree_q(lst.applies_to.path)).values("pk")
        span = expenses.filter(unit__in=units, date__gte=start).order_by()
        if end is not None:
            span = span.filter(date__lt=end)
        items = NegativeItem.objects.filter(category__negative_list=lst).exclude(check_type="")
        for item in items.select_related("category"):
            rows = span.filter(checks.condition(item.check_type, item.params)).values(
                *checks.RECORD_FIELDS
            )
            hits = []
            for row in rows.iterator(chunk_size=2000):
                found = checks.explain(
                    item.check_type, item.params, checks.Record.of(row), item.category.name
                )
                if found:
                    hits.append(
                        Hit(expense_id=row["id"], item=item, explanation=found[0], amount=found[1])
                    )
            if hits:
                Hit.objects.bulk_create(hits, ignore_conflicts=True, batch_size=2000)
                created += len(hits)
    return created


def forget_pending_hits(expense_ids) -> None:
    """Before re-checking changed records: their unreviewed hits go; reviewed ones stay."""
    Hit.objects.filter(expense_id__in=expense_ids, state=Review.PENDING).delete()


# --- reviewing findings -----------------------------------------------------------------------


def _finding_unit(finding) -> Org:
    return finding.expense.unit if isinstance(finding, Hit) else finding.case.village


@transaction.atomic
def finding_review(
    *,
    actor,
    finding,
    decision: str,
    reason: str = "",
    on: dt.date | None = None,
    to_ledger: bool = False,
):
    """Confirm or dismiss a hit or a flag (a dismissal needs a reason); with `to_ledger` a
    confirmation also registers the problem in the ledger, in the same transaction."""
    unit = _finding_unit(finding)
    authorize_review(actor, unit)
    model = type(finding)
    finding = model.objects.select_for_update().get(pk=finding.pk)
    if decision not in (Review.CONFIRMED, Review.DISMISSED):
        raise ValidationError({"decision": _("审核结论应为确认或排除")})
    reason = (reason or "").strip()
    if decision == Review.DISMISSED and not reason:
        raise ValidationError({"reason": _("排除须填写理由")})
    if finding.problem_id:
        raise ValidationError({"decision": _("已登记到问题台账，不能再改审核结论")})
    before = {"state": finding.state, "reason": finding.reason}
    finding.state, finding.reason = decision, reason
    finding.reviewed_by = _user(actor)
    finding.reviewed_on = on or timezone.localdate()
    finding.save(update_fields=["state", "reason", "reviewed_by", "reviewed_on"])
    audit.record(
        actor=_actor(actor),
        action=f"rules.{model.__name__.lower()}.review",
        obj=finding,
        org_path=unit.path,
        before=before,
        after={"state": decision, "reason": reason},
    )
    if to_ledger and decision == Review.CONFIRMED:
        finding_to_problem(actor=actor, finding=finding)
    return finding


@transaction.atomic
def finding_to_problem(*, actor, finding):
    """A confirmed finding becomes a problem of the ledger (through the ledger's own service):
    the finding keeps the problem; the problem's 来源文号 names the finding (RH-n, RF-n)."""
    from zuofeng.rectify import services as rectify_services
    from zuofeng.rectify.models import ProblemSource

    unit = _finding_unit(finding)
    authorize_review(actor, unit)
    model = type(finding)
    finding = model.objects.select_for_update().get(pk=finding.pk)
    if finding.state != Review.CONFIRMED:
        raise ValidationError({"state": _("只有已确认的问题可以登记到问题台账")})
    if finding.problem_id:
        raise ValidationError({"state": _("已登记到问题台账")})
    # The unit's own review is a self-examination (自查); anyone else's is an audit (审计监督).
    own = actor is not None and scope.roles_inside(actor, unit.path)
    source = ProblemSource.objects.get(name="自查" if own else "审计监督")
    if isinstance(finding, Hit):
        e = finding.expense
        description = _("%(item)s：%(why)s（凭证号 %(v)s，%(d)s，金额 %(a)s 元）") % {
            "item": finding.item.text,
            "why": finding.explanation,
            "v": e.voucher_no,
            "d": e.date.isoformat(),
            "a": checks.money(e.amount),
        }
        flags = {"key_funds": True}
    else:
        c = finding.case
        description = _("%(item)s（案件 %(n)s）：%(why)s") % {
            "item": c.item.name,
            "n": c.number,
            "why": finding.explanation,
        }
        flags = {"key_power": True, "key_resources": True}
    problem = rectify_services.problem_register(
        actor=actor,
        description=description,
        source=source,
        found_date=finding.reviewed_on or timezone.localdate(),
        unit=unit,
        source_ref=f"{model.REF_PREFIX}{finding.pk}",
        **flags,
    )
    finding.problem = problem
    finding.save(update_fields=["problem"])
    audit.record(
        actor=_actor(actor),
        action=f"rules.{model.__name__.lower()}.to_ledger",
        obj=finding,
        org_path=unit.path,
        after={"problem": problem.number},
    )
    return problem


# --- the micro-power list ---------------------------------------------------------------------


@transaction.atomic
def power_items_seed(*, actor, org: Org) -> list[PowerItem]:
    """The seed list of 20 items with their processes and risk points (bulk inserts)."""
    from zuofeng.rules.seed import POWER_ITEMS

    authorize_manage(actor, org)
    items = PowerItem.objects.bulk_create(
        PowerItem(
            org=org,
            number=n,
            name=name,
            category=category,
            basis=basis,
            responsible=responsible,
            threshold=threshold,
        )
        for n, (name, category, basis, responsible, threshold, _s, _r) in enumerate(
            POWER_ITEMS, start=1
        )
    )
    items = list(PowerItem.objects.filter(org=org).order_by("number"))
    steps, risks = [], []
    for item, (*_head, step_rows, risk_rows) in zip(items, POWER_ITEMS, strict=True):
        for order, (name, docs, notice, attend, agree, always) in enumerate(step_rows, start=1):
            steps.append(
                PowerStep(
                    item=item,
                    order=order,
                    name=name,
                    documents=docs,
                    notice_days=notice,
                    attend_num=attend[0] if attend else None,
                    attend_den=attend[1] if attend else None,
                    agree_num=agree[0] if agree else None,
                    agree_den=agree[1] if agree else None,
                    always=always,
                )
            )
        risks += [RiskPoint(item=item, text=t, grade=g) for t, g in risk_rows]
    PowerStep.objects.bulk_create(steps)
    RiskPoint.objects.bulk_create(risks)
    audit.record(
        actor=_actor(actor),
        action="rules.power.seed",
        object_type="rules.poweritem",
        org_path=org.path,
        after={"items": len(items), "steps": len(steps)},
    )
    return items


def check_cases(cases: list[PowerCase]) -> int:
    """Re-run the step-by-step check of the cases: new flags are added, unreviewed flags that
    no longer apply go, reviewed ones stay. A fixed number of queries for any number of cases.
    Returns the flags the cases now have."""
    ids = [c.pk for c in cases]
    templates: dict[int, list[PowerStep]] = defaultdict(list)
    item_ids = {c.item_id for c in cases}
    for step in PowerStep.objects.filter(item_id__in=item_ids).order_by("item_id", "order"):
        templates[step.item_id].append(step)
    items = {i.pk: i for i in PowerItem.objects.filter(pk__in=item_ids)}
    done: dict[int, dict[int, CaseStep]] = defaultdict(dict)
    for cs in CaseStep.objects.filter(case_id__in=ids):
        done[cs.case_id][cs.step_id] = cs
    existing = defaultdict(dict)
    for f in CaseFlag.objects.filter(case_id__in=ids):
        existing[f.case_id][(f.kind, f.slot)] = f
    create, stale, total = [], [], 0
    for case in cases:
        found = power.check_case(
            items[case.item_id], templates[case.item_id], case.amount, done[case.pk]
        )
        keys = set()
        for f in found:
            keys.add((f.kind, f.slot))
            if (f.kind, f.slot) not in existing[case.pk]:
                create.append(
                    CaseFlag(
                        case=case,
                        step=f.step,
                        slot=f.slot,
                        kind=f.kind,
                        explanation=f.explanation[:300],
                    )
                )
        stale += [
            f.pk
            for key, f in existing[case.pk].items()
            if key not in keys and f.state == Review.PENDING
        ]
        total += len(keys)
    CaseFlag.objects.filter(pk__in=stale).delete()
    CaseFlag.objects.bulk_create(create, batch_size=2000)
    return total
