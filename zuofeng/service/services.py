"""Writes of the service module: enterprises, grids, visits, requests and their loop, and the
public side. Every write is atomic and audited; the loop goes through the loop engine."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from zuofeng.core import audit, counters, crypto, loops
from zuofeng.core.calendar import WorkCalendar
from zuofeng.core.validators import normalise_credit_code, normalise_phone
from zuofeng.orgs import scope
from zuofeng.orgs.models import Org, Person
from zuofeng.service.choices import (
    SEED_SLA,
    AssignmentRole,
    Channel,
    Kind,
    RatedBy,
    RequestState,
    Satisfaction,
    Size,
    Urgency,
)
from zuofeng.service.models import (
    Enterprise,
    FrontDesk,
    Grid,
    GridMember,
    GridRole,
    PublicHit,
    RequestAssignment,
    RequestCategory,
    ServiceRequest,
    SlaPolicy,
    Visit,
)
from zuofeng.service.permissions import SERVICE_SUBMIT, SERVICE_VIEW
from zuofeng.service.transitions import REQUEST_LOOP, WHERE

TRACKING_ALPHABET = "ABCDEFGHJKLMNPQRTUVWXY346789"  # no look-alikes (0/O, 1/I, 2/Z, 5/S)
CONTENT_MAX = 4000  # Open311 allows 4,000 characters of description


class RateLimited(Exception):
    """Too many public submissions or lookups from one address (HTTP 429)."""


def _user(actor):
    return actor if actor is not None and not isinstance(actor, str) else None


def _who(actor):
    return actor if actor is not None else "cli"


def _require_submit(actor, org: Org) -> None:
    if _user(actor) is None:
        return
    if not scope.can_at(actor, SERVICE_VIEW, org.path):
        raise Http404
    if not scope.can_at(actor, SERVICE_SUBMIT, org.path):
        raise PermissionDenied


# --- SLA ---------------------------------------------------------------------------------------


def sla_for(category: RequestCategory | None, urgency: str) -> SlaPolicy:
    """The category's policy for the urgency, else the default one, else the seeded values."""
    rows = {
        (p.category_id, p.urgency): p
        for p in SlaPolicy.objects.filter(urgency=urgency).filter(
            category__in=[category] if category else []
        )
        | SlaPolicy.objects.filter(urgency=urgency, category__isnull=True)
    }
    found = rows.get((category.pk if category else None, urgency)) or rows.get((None, urgency))
    if found is not None:
        return found
    sign, resolve, ret, ext = SEED_SLA[Urgency(urgency)]
    return SlaPolicy(
        urgency=urgency,
        sign_days=sign,
        resolve_days=resolve,
        return_days=ret,
        extension_max_days=ext,
    )


def deadlines(calendar: WorkCalendar, start: dt.date, sla: SlaPolicy) -> tuple[dt.date, dt.date]:
    """(sign-for deadline, resolution deadline) for a request assigned on `start`. A limit of
    0 working days means the same day (the next working day if `start` is not one)."""
    return calendar.add_workdays(start, sla.sign_days), calendar.add_workdays(
        start, sla.resolve_days
    )


# --- enterprises, grids, visits -------------------------------------------------------------


def enterprise_snapshot(e: Enterprise) -> dict:
    return {
        "credit_code": e.credit_code,
        "name": e.name,
        "town": e.town.code if e.town_id else None,
        "industry": e.industry,
        "address": e.address,
        "size": e.size,
        "grid": e.grid.code if e.grid_id else None,
    }


@transaction.atomic
def enterprise_create(
    *,
    actor,
    credit_code: str,
    name: str,
    town: Org | None = None,
    industry: str = "",
    address: str = "",
    size: str = "",
    grid: Grid | None = None,
) -> Enterprise:
    """Register an enterprise; its credit code must pass the GB 32100 check."""
    code = normalise_credit_code(credit_code or "")
    if Enterprise.objects.filter(credit_code=code).exists():
        raise ValidationError({"credit_code": _("该统一社会信用代码已登记")})
    where = grid.org if grid else town
    if where is not None:
        _require_submit(actor, where)
    elif _user(actor) is not None and not scope.can(actor, SERVICE_SUBMIT):
        raise PermissionDenied
    if size and size not in Size.values:
        raise ValidationError({"size": _("不是有效的企业规模")})
    e = Enterprise(
        credit_code=code,
        name=(name or "").strip(),
        town=town,
        industry=(industry or "").strip(),
        address=(address or "").strip(),
        size=size,
        grid=grid,
    )
    e.full_clean()
    e.save()
    audit.record(
        actor=_who(actor),
        action="enterprise.create",
        obj=e,
        org_path=where.path if where else "",
        after=enterprise_snapshot(e),
    )
    return e


@transaction.atomic
def grid_create(*, actor, code: str, name: str, org: Org) -> Grid:
    """A grid owned by a unit inside the actor's scope."""
    _require_submit(actor, org)
    grid = Grid(code=(code or "").strip(), name=(name or "").strip(), org=org)
    grid.full_clean()
    grid.save()
    audit.record(
        actor=_who(actor),
        action="grid.create",
        obj=grid,
        org_path=org.path,
        after={"code": grid.code, "name": grid.name, "org": org.code},
    )
    return grid


@transaction.atomic
def grid_member_add(*, actor, grid: Grid, person: Person, role: GridRole) -> GridMember:
    """Put a person on a grid's team in a role; a lead role takes at most its planned size."""
    _require_submit(actor, grid.org)
    if role.planned and role.is_lead:
        taken = GridMember.objects.filter(grid=grid, role=role).count()
        if taken >= role.planned:
            raise ValidationError({"role": _("该网格的%(r)s已配齐") % {"r": role.name}})
    if GridMember.objects.filter(grid=grid, person=person).exists():
        raise ValidationError({"person": _("此人已在该网格团队中")})
    member = GridMember.objects.create(grid=grid, person=person, role=role)
    audit.record(
        actor=_who(actor),
        action="grid.member_add",
        obj=grid,
        org_path=grid.org.path,
        after={"person": person.pk, "role": role.name},
    )
    return member


@transaction.atomic
def visit_create(
    *,
    actor,
    date: dt.date,
    enterprise: Enterprise,
    unit: Org,
    cadres: list[Person] = (),
    notes: str = "",
) -> Visit:
    """Record a visit (走访) by a unit inside the actor's scope; not in the future."""
    _require_submit(actor, unit)
    if date > timezone.localdate():
        raise ValidationError({"date": _("走访日期不能晚于今天")})
    visit = Visit(
        date=date,
        enterprise=enterprise,
        unit=unit,
        notes=(notes or "").strip(),
        created_by=_user(actor),
    )
    visit.full_clean()
    visit.save()
    if cadres:
        visit.cadres.set(cadres)
    audit.record(
        actor=_who(actor),
        action="visit.create",
        obj=visit,
        org_path=unit.path,
        after={
            "date": date,
            "enterprise": enterprise.credit_code,
            "unit": unit.code,
            "cadres": sorted(p.pk for p in cadres),
        },
    )
    return visit


# --- requests --------------------------------------------------------------------------------


def default_front_desk() -> Org:
    desk = FrontDesk.objects.select_related("org").filter(is_default=True).first()
    if desk is None:
        raise ValidationError({"front_desk": _("尚未设置受理窗口（企服中心）")})
    return desk.org


def next_number(year: int) -> str:
    while True:
        number = f"SQ-{year}-{counters.next_value(f'service-request-{year}'):06d}"
        if not ServiceRequest.objects.filter(number=number).exists():
            return number


def new_tracking_code() -> str:
    while True:
        code = "".join(secrets.choice(TRACKING_ALPHABET) for _i in range(10))
        if not ServiceRequest.objects.filter(tracking_code=code).exists():
            return code


def request_snapshot(r: ServiceRequest) -> dict:
    return {
        "number": r.number,
        "state": r.state,
        "kind": r.kind,
        "enterprise": r.enterprise.credit_code if r.enterprise_id else None,
        "channel": r.channel,
        "category": r.category.name,
        "urgency": r.urgency,
        "unit": r.unit.code,
        "front_desk": r.front_desk.code,
        "deadline": r.deadline,
        "sign_deadline": r.sign_deadline,
        "resolved_date": r.resolved_date,
        "funds": str(r.funds),
        "satisfaction": r.satisfaction,
        "returns": r.returns,
        "extension_days": r.extension_days,
        "redo_count": r.redo_count,
    }


def _requester(
    kind_enterprise: Enterprise | None, name: str, phone: str, contact: bool
) -> tuple[str, str]:
    """Exactly one requester: an enterprise, or a citizen with a name and a phone. An
    enterprise's contact person is accepted only where the form asks for one (`contact`)."""
    name, phone = (name or "").strip(), (phone or "").strip()
    if kind_enterprise is not None and (name or phone) and not contact:
        raise ValidationError({"__all__": _("诉求只能注明企业或群众诉求人之一，不能同时注明")})
    if kind_enterprise is not None:
        if name and not phone:
            raise ValidationError({"phone": _("请填写联系人电话")})
        return Kind.ENTERPRISE, normalise_phone(phone) if phone else ""
    if not name and not phone:
        raise ValidationError({"__all__": _("诉求须注明企业或诉求人（姓名和电话）")})
    if not name:
        raise ValidationError({"name": _("请填写诉求人姓名")})
    if len(name) > 50:
        raise ValidationError({"name": _("姓名不能超过50个字符")})
    if not phone:
        raise ValidationError({"phone": _("请填写联系电话")})
    return Kind.CITIZEN, normalise_phone(phone)


@transaction.atomic
def request_submit(
    *,
    actor,
    channel: str,
    category: RequestCategory,
    content: str,
    enterprise: Enterprise | None = None,
    name: str = "",
    phone: str = "",
    urgency: str = Urgency.NORMAL,
    location: str = "",
    lat: Decimal | None = None,
    long: Decimal | None = None,
    submitted_date: dt.date | None = None,
    front_desk: Org | None = None,
    origin_unit: Org | None = None,
    visit: Visit | None = None,
    enterprise_contact: bool = False,
) -> ServiceRequest:
    """A new request (已提交) at a front desk. An enterprise request may carry a contact person;
    a citizen request needs a name and a phone; never both an enterprise and a citizen."""
    if channel not in Channel.values:
        raise ValidationError({"channel": _("不是有效的诉求渠道")})
    if urgency not in Urgency.values:
        raise ValidationError({"urgency": _("不是有效的紧急程度")})
    if not category.active:
        raise ValidationError({"category": _("该诉求类别已停用")})
    content = (content or "").strip()
    if not content:
        raise ValidationError({"content": _("请填写诉求内容")})
    if len(content) > CONTENT_MAX:
        raise ValidationError({"content": _("诉求内容不能超过4000个字符")})
    kind, phone = _requester(enterprise, name, phone, enterprise_contact)
    desk = front_desk or default_front_desk()
    if origin_unit is not None:
        _require_submit(actor, origin_unit)
    elif _user(actor) is not None:
        _require_submit(actor, desk)
    now = timezone.now()
    day = submitted_date or timezone.localdate()
    name = (name or "").strip()
    r = ServiceRequest(
        number=next_number(day.year),
        tracking_code=new_tracking_code(),
        kind=kind,
        enterprise=enterprise,
        contact_name_enc=crypto.encrypt(name) if name else "",
        contact_phone_enc=crypto.encrypt(phone) if phone else "",
        contact_phone_hash=crypto.lookup_hash(phone) if phone else "",
        channel=channel,
        category=category,
        urgency=urgency,
        content=content,
        location=(location or "").strip()[:200],
        lat=lat,
        long=long,
        submitted_date=day,
        submitted_at=now,
        front_desk=desk,
        unit=desk,
        origin_unit=origin_unit,
        visit=visit,
        created_by=_user(actor),
    )
    # Field validation here; the number and tracking code are drawn unique above, and the check
    # constraints (one requester, funds ≥ 0, …) hold in the database and are checked with
    # clear messages before this point — re-running them as queries cost a third of the
    # public endpoint's time (bench/service.py).
    r.full_clean(validate_unique=False, validate_constraints=False)
    r.save()
    loops.timeline(actor=_who(actor), obj=r, action="submit", to_state=r.state)
    audit.record(
        actor=_who(actor),
        action="service_request.submit",
        obj=r,
        org_path=desk.path,
        after=request_snapshot(r),
    )
    return r


def _visible(actor, r: ServiceRequest) -> bool:
    paths = scope.paths_for(actor, SERVICE_VIEW)
    co = RequestAssignment.objects.filter(request=r, ended_at__isnull=True)
    targets = [r.unit.path, r.front_desk.path, *co.values_list("unit__path", flat=True)]
    return any(t.startswith(p) for t in targets for p in paths)


def _authorize(actor, r: ServiceRequest, t: loops.Transition) -> None:
    """Role at the org the action belongs to (front desk or lead unit); 404 out of view."""
    if _user(actor) is None:
        return
    if not _visible(actor, r):
        raise Http404
    org = r.front_desk if WHERE[t.action] == "front_desk" else r.unit
    if not (t.roles & scope.roles_at(actor, org.path)):
        raise PermissionDenied(_("您的角色不能执行此操作"))


def _int(value, field: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationError({field: _("应为整数")}) from None


def _effect(actor, calendar: WorkCalendar, today: dt.date):
    def effect(r: ServiceRequest, t: loops.Transition, data: dict) -> None:
        a = t.action
        if a == "assign":
            unit = data["unit"]
            co_units = [u for u in data.get("co_units") or [] if u.pk != unit.pk]
            now = timezone.now()
            RequestAssignment.objects.filter(request=r, ended_at__isnull=True).update(
                ended_at=now, end_reason=_("改派")
            )
            sla = sla_for(r.category, r.urgency)
            r.unit = unit
            r.assigned_date = today
            r.sign_deadline, r.deadline = deadlines(calendar, today, sla)
            r.signed_date = None
            r.warning, r.overdue_since = "", None
            rows = [RequestAssignment(unit=unit, role=AssignmentRole.LEAD)]
            rows += [RequestAssignment(unit=u, role=AssignmentRole.CO) for u in co_units]
            for row in rows:
                row.request, row.assigned_at, row.assigned_by = r, now, _user(actor)
            RequestAssignment.objects.bulk_create(rows)
            data["unit"] = unit.code
            data["co_units"] = "、".join(u.code for u in co_units)
        elif a == "sign":
            r.signed_date = today
        elif a == "return":
            sla = sla_for(r.category, r.urgency)
            if calendar.workdays_between(r.assigned_date, today) > sla.return_days:
                raise ValidationError(
                    {
                        "reason": _("已超过退回时限（交办后%(n)d个工作日内）")
                        % {"n": sla.return_days}
                    }
                )
            RequestAssignment.objects.filter(request=r, ended_at__isnull=True).update(
                ended_at=timezone.now(), end_reason=str(data["reason"])[:500]
            )
            r.returns += 1
            r.unit = r.front_desk
            r.deadline = r.sign_deadline = r.assigned_date = None
            r.warning, r.overdue_since = "", None
        elif a == "extend":
            days = _int(data["days"], "days")
            if days < 1:
                raise ValidationError({"days": _("延期天数至少为1个工作日")})
            if r.deadline is None or today > r.deadline:
                raise ValidationError({"days": _("已超过办理时限，不能申请延期")})
            limit = sla_for(r.category, r.urgency).extension_max_days
            if r.extension_days + days > limit:
                raise ValidationError({"days": _("累计延期不能超过%(n)d个工作日") % {"n": limit}})
            r.extension_pending = days
        elif a == "approve_extension":
            if not r.extension_pending:
                raise ValidationError({"__all__": _("没有待批准的延期申请")})
            r.deadline = calendar.add_workdays(r.deadline, r.extension_pending)
            r.extension_days += r.extension_pending
            data["days"] = r.extension_pending
            r.extension_pending = 0
            r.warning, r.overdue_since = "", None
        elif a == "resolve":
            try:
                funds = Decimal(str(data.get("funds") or 0))
            except InvalidOperation:
                raise ValidationError({"funds": _("兑现资金应为数字")}) from None
            if funds < 0:
                raise ValidationError({"funds": _("兑现资金不能为负数")})
            r.resolution = str(data["resolution"]).strip()
            r.resolved = data.get("resolved", True) not in (False, "false", "0", "no", "否")
            r.funds = funds
            r.resolved_date = today
            r.extension_pending = 0
            r.warning = ""
            data["funds"] = str(funds)
        elif a == "rate":
            value = data["satisfaction"]
            if value not in Satisfaction.values:
                raise ValidationError({"satisfaction": _("不是有效的满意度")})
            rated_by = data.get("rated_by") or (
                RatedBy.REQUESTER if isinstance(actor, str) else RatedBy.CALLBACK
            )
            if rated_by not in RatedBy.values:
                raise ValidationError({"rated_by": _("不是有效的评价方式")})
            r.satisfaction, r.rated_by, r.rated_date = value, rated_by, today
            data["rated_by"] = rated_by
        elif a == "redo":
            if r.satisfaction != Satisfaction.UNSATISFIED:
                raise ValidationError({"reason": _("只有“不满意”的诉求可以重办")})
            if r.redo_count >= 1:
                raise ValidationError({"reason": _("每件诉求只能重办一次")})
            sla = sla_for(r.category, r.urgency)
            r.redo_count += 1
            r.resolved_date, r.resolved, r.rated_date = None, None, None
            r.satisfaction, r.rated_by = "", ""
            r.deadline = calendar.add_workdays(today, sla.resolve_days)
            r.warning, r.overdue_since = "", None
        elif a == "close":
            r.closed_date = today
        elif a == "supervise":
            due = r.sign_deadline if r.state == RequestState.ASSIGNED else r.deadline
            late = (r.deadline and r.deadline < today) or (due and due < today)
            if not late:
                raise ValidationError({"note": _("诉求未逾期，不能督办")})
            r.supervised_count += 1

    return effect


def request_transition(
    *,
    actor,
    request: ServiceRequest,
    action: str,
    version: int | None = None,
    today: dt.date | None = None,
    **data,
) -> ServiceRequest:
    """Apply one step of the request loop through the loop engine (actor: a user, "cli",
    "import" or "public")."""
    if action not in REQUEST_LOOP.actions:
        raise ValidationError({"action": _("未知操作：%(a)s") % {"a": action}})
    return loops.apply(
        loop=REQUEST_LOOP,
        actor=_who(actor),
        instance=request,
        action=action,
        data=data,
        version=version,
        authorize=lambda a, obj, t: _authorize(actor, obj, t),
        effect=_effect(actor, WorkCalendar(), today or timezone.localdate()),
        snapshot=request_snapshot,
        org_path=lambda obj: obj.unit.path,
    )


# --- the public side --------------------------------------------------------------------------


def _limit(kind: str) -> tuple[int, int]:
    """(attempts, window in seconds) per address; settings may override."""
    limits = getattr(settings, "SERVICE_PUBLIC_LIMITS", None) or {
        "submit": (5, 3600),
        "lookup": (20, 3600),
    }
    return limits[kind]


def check_rate(address: str, kind: str) -> None:
    """Count this attempt; raise RateLimited when the address is over its limit. The hit is
    written in its own transaction so a refused attempt still counts."""
    key = crypto.lookup_hash(f"public:{address}")
    attempts, window = _limit(kind)
    now = timezone.now()
    with transaction.atomic():
        recent = PublicHit.objects.filter(
            address_hash=key, kind=kind, at__gte=now - dt.timedelta(seconds=window)
        ).count()
        PublicHit.objects.create(address_hash=key, kind=kind, at=now)
    if recent >= attempts:
        raise RateLimited


def public_submit(
    *,
    address: str,
    name: str,
    phone: str,
    category: RequestCategory,
    content: str,
    location: str = "",
    honeypot: str = "",
    credit_code: str = "",
    channel: str = Channel.ONLINE,
    lat=None,
    long=None,
) -> ServiceRequest:
    """A request from the public form or Open311: rate-limited per address, a filled honeypot
    refused; returns the request, whose tracking code the submitter keeps."""
    check_rate(address, "submit")
    if honeypot:
        raise ValidationError({"__all__": _("提交未被接受")})
    enterprise = None
    if (credit_code or "").strip():
        code = normalise_credit_code(credit_code)
        enterprise = Enterprise.objects.filter(credit_code=code).first()
        if enterprise is None:
            raise ValidationError({"credit_code": _("未找到该统一社会信用代码对应的企业")})
    return request_submit(
        actor="public",
        channel=channel,
        category=category,
        content=content,
        enterprise=enterprise,
        name=name,
        phone=phone,
        location=location,
        lat=lat,
        long=long,
        enterprise_contact=True,
    )


def public_lookup(*, address: str, code: str, last4: str) -> ServiceRequest:
    """The request with this tracking code whose phone ends in `last4`. An unknown code and a
    wrong suffix give the same answer (404), so codes cannot be enumerated."""
    check_rate(address, "lookup")
    code, last4 = (code or "").strip().upper(), (last4 or "").strip()
    r = (
        ServiceRequest.objects.select_related("category", "unit")
        .filter(tracking_code=code[:16])
        .first()
    )
    if r is None or len(last4) != 4 or not r.contact_phone_enc:
        raise Http404
    if not crypto.constant_time_equal(r.contact_phone[-4:], last4):
        raise Http404
    return r


def public_rate(*, address: str, code: str, last4: str, satisfaction: str) -> ServiceRequest:
    """The requester rates a resolved request from the status page."""
    r = public_lookup(address=address, code=code, last4=last4)
    if r.state != RequestState.RESOLVED:
        raise ValidationError({"satisfaction": _("只有已办结的诉求可以评价")})
    return request_transition(
        actor="public",
        request=r,
        action="rate",
        satisfaction=satisfaction,
        rated_by=RatedBy.REQUESTER,
    )
