"""Sheets of the service module, all or nothing: `zuofeng import enterprises|visits|requests`.

- enterprises: matched by 统一社会信用代码 (created or updated).
- visits: matched by (走访日期, 统一社会信用代码, 走访单位编码); a known visit is unchanged.
- requests: matched by 诉求编号; a known number is unchanged (the loop, not a sheet, moves a
  request on). A row names either an enterprise (统一社会信用代码) or a citizen (诉求人 and
  联系电话), never both. 状态 defaults to 已受理; 已办结/已评价/已关闭 need 办结日期.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from zuofeng.core import audit, crypto
from zuofeng.core.calendar import WorkCalendar
from zuofeng.core.models import TimelineEvent
from zuofeng.core.sheets import CODE, DATE, Column, Errors, Importer, Row, register
from zuofeng.core.validators import normalise_credit_code, normalise_phone
from zuofeng.orgs import scope as org_scope
from zuofeng.orgs.models import Org, Person
from zuofeng.service import services
from zuofeng.service.choices import (
    DONE_STATES,
    AssignmentRole,
    Channel,
    Kind,
    RequestState,
    Satisfaction,
    Urgency,
)
from zuofeng.service.models import (
    Enterprise,
    Grid,
    RequestAssignment,
    RequestCategory,
    ServiceRequest,
    Visit,
)
from zuofeng.service.permissions import SERVICE_ROUTE, SERVICE_SUBMIT


def _zh(choices) -> dict[str, str]:
    with translation.override("zh-hans"):
        return {str(label): value for value, label in choices}


def split_list(text: str | None) -> list[str]:
    """Codes or numbers in one cell or field, separated by 、 , ， or ;."""
    raw = (text or "").replace(",", "、").replace("，", "、").replace(";", "、")
    return [p.strip() for p in raw.split("、") if p.strip()]


def _allowed(actor, org: Org, action: str = SERVICE_SUBMIT) -> bool:
    return actor is None or org_scope.can_at(actor, action, org.path)


def _credit(row: Row, errors: Errors, key: str = "credit_code") -> str | None:
    if not row[key] or not row.ok(key):
        return None
    try:
        return normalise_credit_code(row[key])
    except ValidationError as exc:
        errors.add(row, key, exc.messages[0])
        return None


@dataclass
class Plan:
    creates: list = field(default_factory=list)
    updates: list = field(default_factory=list)
    unchanged: int = 0


def _orgs(codes) -> dict[str, Org]:
    return {o.code: o for o in Org.objects.filter(code__in=set(codes))}


def _org(row, key, orgs, errors, actor, action=SERVICE_SUBMIT) -> Org | None:
    code = row[key]
    if not code or not row.ok(key):
        return None
    org = orgs.get(code)
    if org is None:
        errors.add(row, key, _("组织编码“%(c)s”不存在") % {"c": code})
    elif not _allowed(actor, org, action):
        errors.add(row, key, _("不在您的管辖范围内"))
        return None
    return org


@register
class EnterpriseImporter(Importer):
    kind = "enterprises"
    label = _l("企业")
    columns = (
        Column(
            "credit_code", "统一社会信用代码", ("credit code",), required=True, parse=CODE, width=22
        ),
        Column("name", "企业名称", ("name",), required=True, max_length=100, width=30),
        Column("grid", "所属网格", ("grid",), max_length=100),
        Column("town", "所在乡镇编码", ("town code", "town"), parse=CODE),
        Column("industry", "行业", ("industry",), max_length=50),
        Column("address", "地址", ("address",), max_length=200, width=30),
    )
    FIELDS = ("name", "grid_id", "town_id", "industry", "address")

    def plan(self, rows, present, errors, *, actor) -> Plan:
        towns = _orgs(r["town"] for r in rows if r["town"])
        grids = {g.code: g for g in Grid.objects.select_related("org")}
        grids |= {g.name: g for g in grids.values()}
        existing = {
            e["credit_code"]: e
            for e in Enterprise.objects.values("pk", "credit_code", *self.FIELDS)
        }
        plan, seen = Plan(), set()
        for row in rows:
            code = _credit(row, errors)
            if code in seen:
                errors.add(row, "credit_code", _("统一社会信用代码在文件中重复"))
            seen.add(code)
            town = _org(row, "town", towns, errors, actor)
            grid = grids.get(row["grid"]) if row["grid"] else None
            if row["grid"] and grid is None:
                errors.add(row, "grid", _("未找到网格：%(g)s") % {"g": row["grid"]})
            elif grid is not None and not _allowed(actor, grid.org):
                errors.add(row, "grid", _("不在您的管辖范围内"))
            if row.bad:
                continue
            item = {
                "name": row["name"],
                "grid_id": grid.pk if grid else None,
                "town_id": town.pk if town else None,
                "industry": row["industry"] or "",
                "address": row["address"] or "",
            }
            if "grid" not in present and code in existing:
                item["grid_id"] = existing[code]["grid_id"]
            before = existing.get(code)
            if before is None:
                plan.creates.append(Enterprise(credit_code=code, **item))
            elif {k: before[k] for k in self.FIELDS} == item:
                plan.unchanged += 1
            else:
                plan.updates.append((before["pk"], item))
        return plan

    def counts(self, plan):
        return len(plan.creates), len(plan.updates), plan.unchanged

    @transaction.atomic
    def apply(self, plan, *, actor, report) -> None:
        Enterprise.objects.bulk_create(plan.creates, batch_size=500)
        for pk, item in plan.updates:
            Enterprise.objects.filter(pk=pk).update(**item)
        audit.record(
            actor=actor if actor is not None else "cli",
            action="import.enterprises",
            object_type="service.enterprise",
            object_repr="enterprises",
            after=report.audit_after(),
        )

    def export_rows(self, *, actor, scope, full):
        qs = _scoped(Enterprise.objects.all(), actor, scope, ("grid__org__path", "town__path"))
        for e in qs.select_related("grid", "town").order_by("id").iterator(chunk_size=2000):
            yield (
                e.credit_code,
                e.name,
                e.grid.code if e.grid_id else "",
                e.town.code if e.town_id else "",
                e.industry,
                e.address,
            )

    def after_export(self, *, actor, rows, scope, full) -> None:
        _audit_export(actor, self.kind, rows, scope)


def _scoped(qs, actor, scope_code, fields):
    """Records in the actor's view (SERVICE_VIEW) and, given an org code, in its subtree."""
    from django.db.models import Q

    from zuofeng.core.sheets import ExportError
    from zuofeng.orgs.models import subtree_q, subtrees_q
    from zuofeng.service.permissions import SERVICE_VIEW

    if actor is not None:
        paths = org_scope.paths_for(actor, SERVICE_VIEW)
        q = Q(pk__in=[])
        for f in fields:
            q |= subtrees_q(paths, f)
        qs = qs.filter(q)
    if scope_code:
        org = Org.objects.filter(code=scope_code).first()
        if org is None:
            raise ExportError(_("组织编码“%(c)s”不存在") % {"c": scope_code})
        q = Q(pk__in=[])
        for f in fields:
            q |= subtree_q(org.path, f)
        qs = qs.filter(q)
    return qs


def _audit_export(actor, kind, rows, scope_code) -> None:
    audit.record(
        actor=actor if actor is not None else "cli",
        action=f"export.{kind}",
        object_type=f"service.{kind}",
        object_repr=kind,
        after={"rows": rows, "scope": scope_code or ""},
    )


@register
class VisitImporter(Importer):
    kind = "visits"
    label = _l("走访记录")
    columns = (
        Column("date", "走访日期", ("date",), required=True, parse=DATE, width=12),
        Column(
            "credit_code", "统一社会信用代码", ("credit code",), required=True, parse=CODE, width=22
        ),
        Column("unit", "走访单位编码", ("unit code", "unit"), required=True, parse=CODE),
        Column("cadres", "走访人员", ("cadres",), max_length=500, width=24),
        Column("notes", "走访内容", ("notes",), max_length=4000, width=40),
    )

    def plan(self, rows, present, errors, *, actor) -> Plan:
        units = _orgs(r["unit"] for r in rows if r["unit"])
        codes = {r["credit_code"] for r in rows if r["credit_code"]}
        enterprises = {e.credit_code: e for e in Enterprise.objects.filter(credit_code__in=codes)}
        numbers = {n for r in rows for n in split_list(r["cadres"])}
        people = dict(Person.objects.filter(person_no__in=numbers).values_list("person_no", "pk"))
        existing = set(
            Visit.objects.filter(enterprise__in=enterprises.values()).values_list(
                "date", "enterprise__credit_code", "unit__code"
            )
        )
        today = timezone.localdate()
        plan, seen = Plan(), set()
        for row in rows:
            code = _credit(row, errors)
            if code and code not in enterprises:
                errors.add(row, "credit_code", _("企业未登记，请先导入企业"))
            unit = _org(row, "unit", units, errors, actor)
            if row["date"] and row["date"] > today:
                errors.add(row, "date", _("走访日期不能晚于今天"))
            cadres = split_list(row["cadres"])
            missing = [n for n in cadres if n not in people]
            if missing:
                errors.add(row, "cadres", _("人员编号不存在：%(n)s") % {"n": "、".join(missing)})
            if row.bad:
                continue
            key = (row["date"], code, unit.code)
            if key in existing or key in seen:
                plan.unchanged += 1
                continue
            seen.add(key)
            plan.creates.append(
                (
                    Visit(
                        date=row["date"],
                        enterprise=enterprises[code],
                        unit=unit,
                        notes=row["notes"] or "",
                    ),
                    [people[n] for n in cadres],
                )
            )
        return plan

    def counts(self, plan):
        return len(plan.creates), 0, plan.unchanged

    @transaction.atomic
    def apply(self, plan, *, actor, report) -> None:
        visits = Visit.objects.bulk_create([v for v, _p in plan.creates], batch_size=500)
        through = Visit.cadres.through
        through.objects.bulk_create(
            [
                through(visit_id=v.pk, person_id=p)
                for v, (_v, people) in zip(visits, plan.creates, strict=True)
                for p in people
            ],
            batch_size=1000,
        )
        audit.record(
            actor=actor if actor is not None else "cli",
            action="import.visits",
            object_type="service.visit",
            object_repr="visits",
            after=report.audit_after(),
        )


@register
class RequestImporter(Importer):
    kind = "requests"
    label = _l("诉求")
    columns = (
        Column("number", "诉求编号", ("number",), parse=CODE, max_length=32),
        Column("date", "提出日期", ("date", "submitted"), required=True, parse=DATE, width=12),
        Column("channel", "诉求渠道", ("channel",), choices=lambda: list(_zh(Channel.choices))),
        Column("credit_code", "统一社会信用代码", ("credit code",), parse=CODE, width=22),
        Column("name", "诉求人", ("name", "requester"), max_length=50),
        Column("phone", "联系电话", ("phone",), parse=CODE, max_length=20),
        Column(
            "category",
            "诉求类别",
            ("category",),
            required=True,
            choices=lambda: list(RequestCategory.objects.values_list("name", flat=True)),
        ),
        Column("urgency", "紧急程度", ("urgency",), choices=lambda: list(_zh(Urgency.choices))),
        Column("content", "诉求内容", ("content",), required=True, max_length=4000, width=40),
        Column("unit", "承办单位编码", ("unit code", "unit"), required=True, parse=CODE),
        Column("co_units", "协办单位编码", ("co units",), max_length=500),
        Column(
            "state", "状态", ("state", "status"), choices=lambda: list(_zh(RequestState.choices))
        ),
        Column("resolved_date", "办结日期", ("resolved date",), parse=DATE, width=12),
        Column("funds", "兑现资金（元）", ("funds",), parse=CODE),
        Column(
            "satisfaction",
            "满意度",
            ("satisfaction",),
            choices=lambda: list(_zh(Satisfaction.choices)),
        ),
    )

    def plan(self, rows, present, errors, *, actor) -> Plan:
        with translation.override("zh-hans"):
            states = {str(s.label): s.value for s in RequestState}
        channels, urgencies = _zh(Channel.choices), _zh(Urgency.choices)
        ratings = _zh(Satisfaction.choices)
        categories = {c.name: c for c in RequestCategory.objects.all()}
        codes = [r["unit"] for r in rows if r["unit"]] + [
            c for r in rows for c in split_list(r["co_units"])
        ]
        orgs = _orgs(codes)
        credit = {r["credit_code"] for r in rows if r["credit_code"]}
        enterprises = {e.credit_code: e for e in Enterprise.objects.filter(credit_code__in=credit)}
        numbers = [r["number"] for r in rows if r["number"]]
        known = set(
            ServiceRequest.objects.filter(number__in=numbers).values_list("number", flat=True)
        )
        try:
            desk = services.default_front_desk()
        except ValidationError as exc:
            errors.add(rows[0] if rows else 1, "unit", exc.messages[0])
            return Plan()
        cal, today = WorkCalendar(), timezone.localdate()
        plan, seen = Plan(), set()
        for row in rows:
            number = row["number"]
            if number and number in seen:
                errors.add(row, "number", _("诉求编号在文件中重复"))
            seen.add(number)
            if number and number in known:
                # A sheet never moves a known request on (an export re-imported, masked
                # phones and all, changes nothing).
                plan.unchanged += 1
                continue
            code = _credit(row, errors)
            enterprise = enterprises.get(code) if code else None
            if code and enterprise is None:
                errors.add(row, "credit_code", _("企业未登记，请先导入企业"))
            name, phone = row["name"] or "", row["phone"] or ""
            if code and (name or phone):
                errors.add(row, "name", _("诉求只能注明企业或群众诉求人之一，不能同时注明"))
            elif not code and not (name and phone):
                errors.add(
                    row, "name", _("群众诉求须填写诉求人和联系电话；企业诉求须填写统一社会信用代码")
                )
            if phone and row.ok("name"):
                try:
                    phone = normalise_phone(phone)
                except ValidationError as exc:
                    errors.add(row, "phone", exc.messages[0])
            unit = _org(row, "unit", orgs, errors, None)
            if unit is not None and not (
                _allowed(actor, unit) or _allowed(actor, desk, SERVICE_ROUTE)
            ):
                errors.add(row, "unit", _("不在您的管辖范围内"))
            co = []
            for c in split_list(row["co_units"]):
                if c not in orgs:
                    errors.add(row, "co_units", _("组织编码“%(c)s”不存在") % {"c": c})
                else:
                    co.append(orgs[c])
            state = self._choice(row, "state", states, errors) or RequestState.ACCEPTED
            channel = self._choice(row, "channel", channels, errors) or (
                Channel.SELF if code else Channel.HOTLINE
            )
            urgency = self._choice(row, "urgency", urgencies, errors) or Urgency.NORMAL
            rating = self._choice(row, "satisfaction", ratings, errors) or ""
            category = categories.get(row["category"])
            if row["category"] and category is None and row.ok("category"):
                errors.add(row, "category", _("不是可选值：%(v)s") % {"v": row["category"]})
            day, resolved = row["date"], row["resolved_date"]
            if day and day > today:
                errors.add(row, "date", _("提出日期不能晚于今天"))
            if state in DONE_STATES and not resolved and row.ok("resolved_date"):
                errors.add(
                    row, "resolved_date", _("状态为已办结、已评价或已关闭时必须填写办结日期")
                )
            elif resolved and state not in DONE_STATES:
                errors.add(row, "resolved_date", _("只有已办结的诉求可以填写办结日期"))
            elif resolved and day and resolved < day:
                errors.add(row, "resolved_date", _("办结日期不能早于提出日期"))
            if rating and state not in DONE_STATES:
                errors.add(row, "satisfaction", _("只有已办结的诉求可以填写满意度"))
            if state == RequestState.RATED and not rating:
                errors.add(row, "satisfaction", _("状态为已评价时必须填写满意度"))
            funds = self._funds(row, errors)
            if funds and state not in DONE_STATES:
                errors.add(row, "funds", _("只有已办结的诉求可以填写兑现资金"))
            if row.bad:
                continue
            r = ServiceRequest(
                number=number,
                tracking_code="",
                kind=Kind.ENTERPRISE if enterprise else Kind.CITIZEN,
                enterprise=enterprise,
                contact_name_enc=crypto.encrypt(name) if name and not enterprise else "",
                contact_phone_enc=crypto.encrypt(phone) if phone and not enterprise else "",
                contact_phone_hash=crypto.lookup_hash(phone) if phone and not enterprise else "",
                channel=channel,
                category=category,
                urgency=urgency,
                content=row["content"],
                submitted_date=day,
                submitted_at=timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0))),
                front_desk=desk,
                unit=unit,
                state=state,
                funds=funds or 0,
                satisfaction=rating,
            )
            order = [s.value for s in RequestState]
            if order.index(state) >= order.index(RequestState.ASSIGNED):
                sla = services.sla_for(category, urgency)
                r.assigned_date = day
                r.sign_deadline, r.deadline = services.deadlines(cal, day, sla)
            if state in DONE_STATES:
                r.resolved_date, r.resolved = resolved, True
                r.rated_date = resolved if rating else None
            if state == RequestState.CLOSED:
                r.closed_date = resolved
            plan.creates.append((r, co))
        return plan

    def export_rows(self, *, actor, scope, full):
        """Requests in view; citizens' names and phones always masked in an export."""
        with translation.override("zh-hans"):
            labels = {
                k: {v: str(label) for v, label in c.choices}
                for k, c in (
                    ("channel", Channel),
                    ("urgency", Urgency),
                    ("state", RequestState),
                    ("satisfaction", Satisfaction),
                )
            }
        qs = _scoped(ServiceRequest.objects.all(), actor, scope, ("unit__path",))
        co = {}
        for rid, code in RequestAssignment.objects.filter(
            request__in=qs, role=AssignmentRole.CO, ended_at__isnull=True
        ).values_list("request_id", "unit__code"):
            co.setdefault(rid, []).append(code)
        qs = qs.select_related("enterprise", "category", "unit").order_by("id")
        for r in qs.iterator(chunk_size=2000):
            yield (
                r.number,
                r.submitted_date,
                labels["channel"][r.channel],
                r.enterprise.credit_code if r.enterprise_id else "",
                "" if r.enterprise_id else r.contact_name_masked,
                "" if r.enterprise_id else r.contact_phone_masked,
                r.category.name,
                labels["urgency"][r.urgency],
                r.content,
                r.unit.code,
                "、".join(co.get(r.pk, [])),
                labels["state"][r.state],
                r.resolved_date,
                r.funds,
                labels["satisfaction"].get(r.satisfaction, ""),
            )

    def after_export(self, *, actor, rows, scope, full) -> None:
        _audit_export(actor, self.kind, rows, scope)

    @staticmethod
    def _choice(row, key, table, errors):
        value = row[key]
        if not value:
            return None
        if value in table:
            return table[value]
        if value in table.values():
            return value
        if row.ok(key):
            errors.add(row, key, _("不是可选值：%(v)s") % {"v": value})
        return None

    @staticmethod
    def _funds(row, errors) -> Decimal | None:
        raw = row["funds"]
        if raw in (None, ""):
            return None
        try:
            value = Decimal(str(raw).replace(",", ""))
        except InvalidOperation:
            errors.add(row, "funds", _("兑现资金应为数字"))
            return None
        if not value.is_finite() or value < 0 or value >= Decimal("1e12"):
            errors.add(row, "funds", _("兑现资金应为不小于0的金额"))
            return None
        return value.quantize(Decimal("0.01"))

    def counts(self, plan):
        return len(plan.creates), 0, plan.unchanged

    @transaction.atomic
    def apply(self, plan, *, actor, report) -> None:
        now = timezone.now()
        actor_id = None if actor is None or isinstance(actor, str) else actor.pk
        objs = []
        for r, _co in plan.creates:
            r.number = r.number or services.next_number(r.submitted_date.year)
            r.tracking_code = services.new_tracking_code()
            r.created_by_id = actor_id
            objs.append(r)
        ServiceRequest.objects.bulk_create(objs, batch_size=500)
        if not all(r.pk for r in objs):
            ids = dict(
                ServiceRequest.objects.filter(number__in=[r.number for r in objs]).values_list(
                    "number", "pk"
                )
            )
            for r in objs:
                r.pk = ids[r.number]
        assignments = []
        for r, co in plan.creates:
            if r.assigned_date is None:
                continue
            assignments.append(
                RequestAssignment(
                    request=r,
                    unit=r.unit,
                    role=AssignmentRole.LEAD,
                    assigned_at=now,
                    assigned_by_id=actor_id,
                )
            )
            assignments += [
                RequestAssignment(
                    request=r,
                    unit=u,
                    role=AssignmentRole.CO,
                    assigned_at=now,
                    assigned_by_id=actor_id,
                )
                for u in co
                if u.pk != r.unit_id
            ]
        RequestAssignment.objects.bulk_create(assignments, batch_size=1000)
        TimelineEvent.objects.bulk_create(
            [
                TimelineEvent(
                    object_type="service.servicerequest",
                    object_id=str(r.pk),
                    at=now,
                    actor_id=actor_id,
                    actor_name=actor.get_username() if actor_id else "cli",
                    action="imported",
                    to_state=r.state,
                    note=_("导入诉求"),
                )
                for r in objs
            ],
            batch_size=1000,
        )
        audit.record(
            actor=actor if actor is not None else "cli",
            action="import.requests",
            object_type="service.servicerequest",
            object_repr="requests",
            after=report.audit_after(),
        )
