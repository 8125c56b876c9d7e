"""Sheets of the rule lists: finance records (expenses, checked on import), budget lines, and
micro-power case steps (powercases, checked on import). All or nothing; re-importing the same
file changes nothing."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Max, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from zuofeng.core import audit
from zuofeng.core.sheets import CODE, DATE, INT, Column, Errors, Importer, Row, register
from zuofeng.orgs import scope as org_scope
from zuofeng.orgs.models import Org
from zuofeng.rules import checks, services
from zuofeng.rules.models import (
    BudgetLine,
    CaseStep,
    EconCode,
    Expense,
    PowerCase,
    PowerItem,
    PowerStep,
)
from zuofeng.rules.permissions import RULES_MANAGE

MAX_AMOUNT = Decimal("999999999999.99")


def parse_amount(value) -> Decimal | None:
    """Yuan from a number cell or text such as 1,234.50 or ￥1234; ValueError otherwise."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(_("金额应为数字"))
    text = str(value).strip().replace(",", "").replace("，", "").lstrip("¥￥")
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(_("金额应为数字")) from None
    if not amount.is_finite():
        raise ValueError(_("金额应为数字"))
    if amount < 0:
        raise ValueError(_("金额不能为负数"))
    if amount > MAX_AMOUNT:
        raise ValueError(_("金额过大"))
    return amount.quantize(Decimal("0.01"))


def _amount(row: Row, key: str, errors: Errors, required: bool = False) -> Decimal | None:
    if not row.ok(key):
        return None
    try:
        value = parse_amount(row[key])
    except ValueError as exc:
        errors.add(row, key, str(exc))
        return None
    if value is None and required:
        errors.add(row, key, _("必填"))
    return value


def _units(rows: list[Row], key: str, actor, errors: Errors) -> dict[str, Org]:
    """The orgs the rows name, each checked to exist and to be in the actor's scope."""
    codes = {r[key] for r in rows if r[key]}
    units = {o.code: o for o in Org.objects.filter(code__in=codes).select_related("kind")}
    paths = None if actor is None else org_scope.paths_for(actor, RULES_MANAGE)
    for row in rows:
        code = row[key]
        if not code or not row.ok(key):
            continue
        unit = units.get(code)
        if unit is None:
            errors.add(row, key, _("单位编码“%(c)s”不存在") % {"c": code})
        elif paths is not None and not any(unit.path.startswith(p) for p in paths):
            errors.add(row, key, _("不在您的管辖范围内"))
    return units


def _codes(rows: list[Row], key: str, errors: Errors) -> dict[str, str]:
    known = dict(EconCode.objects.values_list("code", "name"))
    for row in rows:
        code = row[key]
        if code and row.ok(key) and code not in known:
            errors.add(row, key, _("经济分类编码“%(c)s”不存在") % {"c": code})
    return known


def _audit(actor, kind: str, report) -> None:
    audit.record(
        actor=actor if actor is not None else "cli",
        action=f"import.{kind}",
        object_type=f"rules.{kind}",
        object_repr=kind,
        after=report.audit_after(),
    )


# --- expenses ---------------------------------------------------------------------------------

EXPENSE_FIELDS = ("date", "econ_code", "amount", "summary", "payee", "people", "documents")


@dataclass
class Plan:
    creates: list = field(default_factory=list)
    updates: list = field(default_factory=list)  # (pk, after)
    unchanged: int = 0


@register
class ExpenseImporter(Importer):
    kind = "expenses"
    label = _l("财务支出记录")
    columns = (
        Column(
            "voucher_no",
            "凭证号",
            ("voucher", "voucher no"),
            required=True,
            parse=CODE,
            max_length=40,
        ),
        Column("date", "日期", ("date",), required=True, parse=DATE, width=12),
        Column("unit_code", "单位编码", ("unit code", "unit"), required=True, parse=CODE),
        Column(
            "econ_code", "经济分类编码", ("economic code", "econ code"), required=True, parse=CODE
        ),
        Column("amount", "金额（元）", ("金额", "amount")),
        Column("summary", "摘要", ("summary",), required=True, max_length=300, width=30),
        Column("payee", "收款方", ("payee",), max_length=100, width=20),
        Column("people", "人数", ("people",), parse=INT),
        Column("documents", "附件", ("documents", "attachments"), max_length=300, width=20),
    )

    def plan(self, rows, present, errors, *, actor) -> Plan:
        units = _units(rows, "unit_code", actor, errors)
        _codes(rows, "econ_code", errors)
        clean, seen = [], set()
        for row in rows:
            amount = _amount(row, "amount", errors, required=True)
            people = row["people"]
            if people is not None and people < 0:
                errors.add(row, "people", _("人数不能为负数"))
            key = (row["unit_code"], row["voucher_no"])
            if key in seen:
                errors.add(row, "voucher_no", _("凭证号在文件中重复"))
            seen.add(key)
            if row.bad:
                continue
            clean.append(
                (
                    units[row["unit_code"]].pk,
                    row["voucher_no"],
                    {
                        "date": row["date"],
                        "econ_code": row["econ_code"],
                        "amount": amount,
                        "summary": row["summary"],
                        "payee": row["payee"] or "",
                        "people": people,
                        "documents": checks.docs_field(checks.split_docs(row["documents"] or "")),
                    },
                )
            )
        plan = Plan()
        if errors:
            return plan
        existing = {}
        qs = Expense.objects.filter(unit_id__in={u for u, _v, _i in clean})
        for e in qs.values("pk", "unit_id", "voucher_no", *EXPENSE_FIELDS):
            existing[(e["unit_id"], e["voucher_no"])] = e
        for unit_id, voucher, item in clean:
            old = existing.get((unit_id, voucher))
            if old is None:
                plan.creates.append(Expense(unit_id=unit_id, voucher_no=voucher, **item))
            elif all(old[k] == item[k] for k in EXPENSE_FIELDS):
                plan.unchanged += 1
            else:
                plan.updates.append((old["pk"], item))
        return plan

    def counts(self, plan):
        return len(plan.creates), len(plan.updates), plan.unchanged

    @transaction.atomic
    def apply(self, plan, *, actor, report) -> None:
        last = Expense.objects.aggregate(m=Max("pk"))["m"] or 0
        Expense.objects.bulk_create(plan.creates, batch_size=2000)
        updated = [pk for pk, _item in plan.updates]
        for pk, item in plan.updates:
            Expense.objects.filter(pk=pk).update(**item)
        services.forget_pending_hits(updated)
        report.hits = services.check_expenses(
            Expense.objects.filter(Q(pk__gt=last) | Q(pk__in=updated))
        )
        _audit(actor, "expenses", report)


# --- budget lines -----------------------------------------------------------------------------

BUDGET_FIELDS = ("name", "rigid", "prior_actual", "budget")


@register
class BudgetImporter(Importer):
    kind = "budget"
    label = _l("部门预算")
    columns = (
        Column("unit_code", "单位编码", ("unit code", "unit"), required=True, parse=CODE),
        Column("year", "年度", ("year",), required=True, parse=INT),
        Column(
            "econ_code", "经济分类编码", ("economic code", "econ code"), required=True, parse=CODE
        ),
        Column("name", "科目名称", ("item name", "name"), max_length=50),
        Column(
            "rigid",
            "刚性",
            ("刚性(是/否)", "刚性（是/否）", "rigid"),
            required=True,
            choices=lambda: ["是", "否"],
        ),
        Column("prior_actual", "上年执行数（元）", ("上年执行数", "prior actual")),
        Column("budget", "本年预算数（元）", ("本年预算数", "budget")),
    )

    def plan(self, rows, present, errors, *, actor) -> Plan:
        units = _units(rows, "unit_code", actor, errors)
        names = _codes(rows, "econ_code", errors)
        clean, seen = [], set()
        for row in rows:
            prior = _amount(row, "prior_actual", errors, required=True)
            budget = _amount(row, "budget", errors, required=True)
            rigid = {"是": True, "否": False, "Y": True, "N": False}.get(row["rigid"] or "")
            if rigid is None and row.ok("rigid"):
                errors.add(row, "rigid", _("应为“是”或“否”"))
            year = row["year"]
            if year is not None and not 2000 <= year <= 2100:
                errors.add(row, "year", _("年度应为四位年份"))
            key = (row["unit_code"], year, row["econ_code"])
            if key in seen:
                errors.add(row, "econ_code", _("同一单位同一年度的科目在文件中重复"))
            seen.add(key)
            if row.bad:
                continue
            clean.append(
                (
                    units[row["unit_code"]].pk,
                    year,
                    row["econ_code"],
                    {
                        "name": row["name"] or names.get(row["econ_code"], ""),
                        "rigid": rigid,
                        "prior_actual": prior,
                        "budget": budget,
                    },
                )
            )
        plan = Plan()
        if errors:
            return plan
        existing = {
            (b["unit_id"], b["year"], b["econ_code"]): b
            for b in BudgetLine.objects.filter(unit_id__in={c[0] for c in clean}).values(
                "pk", "unit_id", "year", "econ_code", *BUDGET_FIELDS
            )
        }
        for unit_id, year, code, item in clean:
            old = existing.get((unit_id, year, code))
            if old is None:
                plan.creates.append(BudgetLine(unit_id=unit_id, year=year, econ_code=code, **item))
            elif all(old[k] == item[k] for k in BUDGET_FIELDS):
                plan.unchanged += 1
            else:
                plan.updates.append((old["pk"], item))
        return plan

    def counts(self, plan):
        return len(plan.creates), len(plan.updates), plan.unchanged

    @transaction.atomic
    def apply(self, plan, *, actor, report) -> None:
        BudgetLine.objects.bulk_create(plan.creates, batch_size=2000)
        for pk, item in plan.updates:
            BudgetLine.objects.filter(pk=pk).update(**item)
        _audit(actor, "budget", report)


# --- micro-power cases ------------------------------------------------------------------------


@dataclass
class CasePlan:
    cases: list = field(default_factory=list)  # (existing pk or None, case fields, steps)
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def items_for(village: Org, items: list[PowerItem], paths: dict[int, str]) -> dict[str, PowerItem]:
    """The items in force for a village: those issued above it, the nearest issuer winning."""
    out: dict[str, PowerItem] = {}
    for item in sorted(items, key=lambda i: len(paths[i.org_id])):
        if village.path.startswith(paths[item.org_id]):
            out[item.name] = item
    return out


@register
class PowerCaseImporter(Importer):
    kind = "powercases"
    label = _l("小微权力案件")
    columns = (
        Column("number", "案件编号", ("case no", "case"), required=True, parse=CODE, max_length=40),
        Column("village_code", "村社编码", ("village code", "village"), required=True, parse=CODE),
        Column("item", "事项名称", ("item",), required=True, max_length=50, width=20),
        Column("amount", "金额（元）", ("金额", "amount")),
        Column("step", "步骤名称", ("step",), required=True, max_length=30, width=16),
        Column("date", "日期", ("date",), required=True, parse=DATE, width=12),
        Column("due", "应到人数", ("due",), parse=INT),
        Column("present", "实到人数", ("present",), parse=INT),
        Column("votes_for", "同意人数", ("votes for", "votes"), parse=INT),
        Column("documents", "材料", ("documents",), max_length=300, width=20),
        Column("subject", "事由", ("subject",), max_length=200, width=20),
    )

    def plan(self, rows, present, errors, *, actor) -> CasePlan:
        villages = _units(rows, "village_code", actor, errors)
        for row in rows:
            v = villages.get(row["village_code"] or "")
            if (
                v is not None
                and row.ok("village_code")
                and v.kind.code
                not in (
                    "village",
                    "community",
                )
            ):
                errors.add(row, "village_code", _("“%(c)s”不是村（社区）") % {"c": v.code})
        items = list(PowerItem.objects.all())
        paths = dict(Org.objects.filter(pk__in={i.org_id for i in items}).values_list("pk", "path"))
        steps: dict[int, dict[str, PowerStep]] = defaultdict(dict)
        for s in PowerStep.objects.filter(item__in=items):
            steps[s.item_id][s.name] = s
        groups: dict[str, list[Row]] = defaultdict(list)
        for row in rows:
            groups[row["number"]].append(row)
        plan = CasePlan()
        parsed = []
        for number, group in groups.items():
            first = group[0]
            for row in group[1:]:
                for key in ("village_code", "item"):
                    if row[key] != first[key] and row.ok(key):
                        errors.add(row, key, _("同一案件的各行应一致"))
            village = villages.get(first["village_code"] or "")
            item = None
            if village is not None and first.ok("village_code"):
                item = items_for(village, items, paths).get(first["item"])
                if item is None and first.ok("item"):
                    errors.add(
                        first, "item", _("小微权力清单中没有事项“%(i)s”") % {"i": first["item"]}
                    )
            amounts = {a for r in group if (a := _amount(r, "amount", errors)) is not None}
            if len(amounts) > 1:
                errors.add(group[-1], "amount", _("同一案件的金额应一致"))
            case_steps, seen = [], set()
            for row in group:
                for key in ("due", "present", "votes_for"):
                    if row[key] is not None and row[key] < 0:
                        errors.add(row, key, _("人数不能为负数"))
                if (row["present"] or 0) > (row["due"] or 0) and row["due"] is not None:
                    errors.add(row, "present", _("实到人数不能多于应到人数"))
                if (row["votes_for"] or 0) > (row["present"] or 0) and row["present"] is not None:
                    errors.add(row, "votes_for", _("同意人数不能多于实到人数"))
                if item is None:
                    continue
                step = steps[item.pk].get(row["step"])
                if step is None:
                    errors.add(
                        row,
                        "step",
                        _("事项“%(i)s”的流程中没有步骤“%(s)s”")
                        % {"i": item.name, "s": row["step"]},
                    )
                    continue
                if step.pk in seen:
                    errors.add(row, "step", _("同一案件的步骤重复"))
                seen.add(step.pk)
                case_steps.append(
                    (
                        step.pk,
                        row["date"],
                        row["due"],
                        row["present"],
                        row["votes_for"],
                        checks.docs_field(checks.split_docs(row["documents"] or "")),
                    )
                )
            if item is None or any(r.bad for r in group):
                continue
            subject = next((r["subject"] for r in group if r["subject"]), "")
            fields = {
                "village_id": village.pk,
                "item_id": item.pk,
                "amount": next(iter(amounts), None),
                "subject": subject,
                "date": min(s[1] for s in case_steps),
            }
            parsed.append((number, fields, sorted(case_steps)))
        if errors:
            return plan
        existing = {c.number: c for c in PowerCase.objects.filter(number__in=list(groups))}
        old_steps = defaultdict(list)
        for s in CaseStep.objects.filter(case__in=list(existing.values())).values_list(
            "case_id", "step_id", "date", "due", "present", "votes_for", "documents"
        ):
            old_steps[s[0]].append(tuple(s[1:]))
        for number, fields, case_steps in parsed:
            old = existing.get(number)
            if old is None:
                plan.created += 1
                plan.cases.append((None, number, fields, case_steps))
                continue
            same = (
                all(getattr(old, k) == v for k, v in fields.items())
                and sorted(old_steps[old.pk]) == case_steps
            )
            if same:
                plan.unchanged += 1
            else:
                plan.updated += 1
                plan.cases.append((old.pk, number, fields, case_steps))
        return plan

    def counts(self, plan):
        return plan.created, plan.updated, plan.unchanged

    @transaction.atomic
    def apply(self, plan, *, actor, report) -> None:
        new = [PowerCase(number=n, **f) for pk, n, f, _s in plan.cases if pk is None]
        PowerCase.objects.bulk_create(new, batch_size=2000)
        for pk, _n, f, _s in plan.cases:
            if pk is not None:
                PowerCase.objects.filter(pk=pk).update(**f)
        numbers = [n for _pk, n, _f, _s in plan.cases]
        cases = {c.number: c for c in PowerCase.objects.filter(number__in=numbers)}
        CaseStep.objects.filter(case__in=list(cases.values())).delete()
        CaseStep.objects.bulk_create(
            [
                CaseStep(
                    case=cases[n],
                    step_id=s[0],
                    date=s[1],
                    due=s[2],
                    present=s[3],
                    votes_for=s[4],
                    documents=s[5],
                )
                for _pk, n, _f, steps in plan.cases
                for s in steps
            ],
            batch_size=2000,
        )
        services.check_cases(list(cases.values()))
        _audit(actor, "powercases", report)
