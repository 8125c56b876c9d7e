"""Settings of the service module, kept by the lead office: request categories, SLA policies
(working days per category and urgency) and the front desks. Every write is atomic and audited;
bad input raises ValidationError with a Chinese message and writes nothing."""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from zuofeng.core import audit
from zuofeng.orgs import scope
from zuofeng.orgs.models import Org
from zuofeng.service.choices import SEED_SLA, Urgency
from zuofeng.service.models import FrontDesk, RequestCategory, ServiceRequest, SlaPolicy
from zuofeng.service.permissions import SERVICE_SETTINGS

SLA_FIELDS = ("sign_days", "resolve_days", "return_days", "extension_max_days")
# Inclusive bounds in working days. A limit of 0 means the same day (特急 is seeded so).
SLA_BOUNDS = {
    "sign_days": (0, 30),
    "resolve_days": (0, 365),
    "return_days": (0, 30),
    "extension_max_days": (0, 180),
}


def sla_labels() -> dict[str, str]:
    return {
        "sign_days": _("签收时限"),
        "resolve_days": _("办结时限"),
        "return_days": _("退回时限"),
        "extension_max_days": _("延期上限"),
    }


def _require(actor) -> str:
    """403 unless the actor is the lead office; returns the org path recorded in the audit."""
    if actor is None or isinstance(actor, str):
        return ""
    paths = scope.paths_for(actor, SERVICE_SETTINGS)
    if not paths:
        raise PermissionDenied
    return paths[0]


def can_manage(user) -> bool:
    return scope.can(user, SERVICE_SETTINGS)


# --- categories ------------------------------------------------------------------------------


def category_snapshot(c: RequestCategory) -> dict:
    return {
        "name": c.name,
        "description": c.description,
        "sort_order": c.sort_order,
        "active": c.active,
    }


def _category_fields(name, description, sort_order, exclude_pk=None) -> tuple[str, str, int]:
    name = (name or "").strip()
    description = (description or "").strip()
    if not name:
        raise ValidationError({"name": _("请填写类别名称")})
    if len(name) > 32:
        raise ValidationError({"name": _("类别名称不能超过32个字符")})
    if len(description) > 200:
        raise ValidationError({"description": _("说明不能超过200个字符")})
    taken = RequestCategory.objects.filter(name=name)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError({"name": _("已有同名的诉求类别：%(name)s") % {"name": name}})
    try:
        order = int(str(sort_order).strip()) if str(sort_order or "").strip() else 0
    except ValueError:
        raise ValidationError({"sort_order": _("排序应为整数")}) from None
    if not -9999 <= order <= 9999:
        raise ValidationError({"sort_order": _("排序应在-9999到9999之间")})
    return name, description, order


@transaction.atomic
def category_create(*, actor, name: str, description: str = "", sort_order=None):
    org_path = _require(actor)
    name, description, order = _category_fields(name, description, sort_order)
    if sort_order is None or str(sort_order).strip() == "":
        last = RequestCategory.objects.order_by("-sort_order").values_list("sort_order", flat=True)
        order = (last.first() or 0) + 10
    c = RequestCategory.objects.create(name=name, description=description, sort_order=order)
    audit.record(
        actor=actor if actor is not None else "cli",
        action="service_category.create",
        obj=c,
        org_path=org_path,
        after=category_snapshot(c),
    )
    return c


@transaction.atomic
def category_update(
    *,
    actor,
    category: RequestCategory,
    name: str,
    description: str = "",
    sort_order=None,
    active: bool = True,
) -> RequestCategory:
    """Rename, re-describe, reorder, deactivate or reactivate. A category is never deleted:
    requests keep theirs; a deactivated one is refused for new requests only."""
    org_path = _require(actor)
    c = RequestCategory.objects.select_for_update().get(pk=category.pk)
    before = category_snapshot(c)
    name, description, order = _category_fields(
        name, description, c.sort_order if sort_order is None else sort_order, exclude_pk=c.pk
    )
    c.name, c.description, c.sort_order, c.active = name, description, order, bool(active)
    c.save()
    audit.record(
        actor=actor if actor is not None else "cli",
        action="service_category.update",
        obj=c,
        org_path=org_path,
        before=before,
        after=category_snapshot(c),
    )
    return c


def categories_with_use() -> list[RequestCategory]:
    """Every category with `n_requests`, the number of requests that carry it (two queries)."""
    from django.db.models import Count

    counts = dict(ServiceRequest.objects.values_list("category").annotate(n=Count("id")).order_by())
    rows = list(RequestCategory.objects.order_by("sort_order", "id"))
    for c in rows:
        c.n_requests = counts.get(c.pk, 0)
    return rows


# --- SLA policies ----------------------------------------------------------------------------


def _days(value, field: str, where: str) -> int:
    label = sla_labels()[field]
    lo, hi = SLA_BOUNDS[field]
    text = str(value).strip() if value is not None else ""
    if text == "":
        raise ValidationError(
            {field: _("%(where)s的%(label)s：请填写天数") % {"where": where, "label": label}}
        )
    # ASCII digits only: int() would also take "1_0" or full-width and Arabic-Indic digits.
    if isinstance(value, bool) or not re.fullmatch(r"-?[0-9]{1,6}", text):
        raise ValidationError(
            {field: _("%(where)s的%(label)s：应为整数个工作日") % {"where": where, "label": label}}
        )
    n = int(text)
    if not lo <= n <= hi:
        raise ValidationError(
            {
                field: _("%(where)s的%(label)s：应在%(lo)d到%(hi)d个工作日之间")
                % {"where": where, "label": label, "lo": lo, "hi": hi}
            }
        )
    return n


def sla_table() -> list[dict]:
    """One row per (category or default, urgency): the stored values, None where a category
    row is not set (the default applies). Two queries."""
    stored = {(p.category_id, p.urgency): p for p in SlaPolicy.objects.all()}
    rows = []
    for category in [None, *RequestCategory.objects.order_by("sort_order", "id")]:
        for urgency in Urgency:
            p = stored.get((category.pk if category else None, urgency.value))
            if p is None and category is None:
                p = SlaPolicy(
                    urgency=urgency.value, **dict(zip(SLA_FIELDS, SEED_SLA[urgency], strict=True))
                )
            rows.append(
                {
                    "category": category,
                    "urgency": urgency.value,
                    "urgency_label": urgency.label,
                    "set": p is not None,
                    **{f: (getattr(p, f) if p is not None else None) for f in SLA_FIELDS},
                }
            )
    return rows


@transaction.atomic
def sla_save(*, actor, rows: list[dict]) -> int:
    """Write SLA rows, all or nothing. A row is {"category": RequestCategory | None, "urgency",
    and the four day fields}. A category row whose four fields are all blank (None or "") is
    removed, so the default row applies again; a default row needs all four. Applies to
    requests assigned from now on: stored deadlines are not recomputed. Returns rows changed."""
    org_path = _require(actor)
    clean = []
    seen = set()
    for row in rows:
        category = row.get("category")
        urgency = row.get("urgency")
        if urgency not in Urgency.values:
            raise ValidationError({"urgency": _("不是有效的紧急程度")})
        key = (category.pk if category else None, urgency)
        if key in seen:
            raise ValidationError({"urgency": _("同一类别和紧急程度只能设置一次")})
        seen.add(key)
        where = f"{category.name if category else _('默认')}·{Urgency(urgency).label}"
        values = [row.get(f) for f in SLA_FIELDS]
        blank = all(v is None or str(v).strip() == "" for v in values)
        if blank and category is not None:
            clean.append((category, urgency, None))
            continue
        if blank:
            raise ValidationError({"sign_days": _("%(where)s的时限不能留空") % {"where": where}})
        clean.append((category, urgency, {f: _days(row.get(f), f, where) for f in SLA_FIELDS}))
    stored = {(p.category_id, p.urgency): p for p in SlaPolicy.objects.select_for_update().all()}
    changed = 0
    for category, urgency, values in clean:
        p = stored.get((category.pk if category else None, urgency))
        before = {f: getattr(p, f) for f in SLA_FIELDS} if p is not None else None
        if values is None:
            if p is None:
                continue
            p.delete()
        elif before == values:
            continue
        elif p is None:
            p = SlaPolicy.objects.create(category=category, urgency=urgency, **values)
        else:
            for f, v in values.items():
                setattr(p, f, v)
            p.save()
        changed += 1
        audit.record(
            actor=actor if actor is not None else "cli",
            action="service_sla.delete" if values is None else "service_sla.set",
            object_type="service.slapolicy",
            object_id=f"{category.pk if category else '*'}:{urgency}",
            object_repr=f"{category.name if category else _('默认')} {Urgency(urgency).label}",
            org_path=org_path,
            before=before,
            after=values,
        )
    return changed


# --- front desks -----------------------------------------------------------------------------


def front_desks():
    return list(FrontDesk.objects.select_related("org").order_by("-is_default", "org__path"))


@transaction.atomic
def front_desks_set(*, actor, units: list[Org], default: Org) -> list[FrontDesk]:
    """Which units hold the front-desk role, and which one receives public and Open311
    submissions. Requests already at a removed desk stay there."""
    org_path = _require(actor)
    units = list({u.pk: u for u in units}.values())
    if not units:
        raise ValidationError({"units": _("至少需要一个受理窗口")})
    if default is None or default.pk not in {u.pk for u in units}:
        raise ValidationError({"default": _("默认受理窗口必须是所选单位之一")})
    current = list(FrontDesk.objects.select_for_update().select_related("org"))
    before = {
        "units": sorted(d.org.code for d in current),
        "default": next((d.org.code for d in current if d.is_default), ""),
    }
    if actor is not None and not isinstance(actor, str):
        outside = [u.code for u in units if not scope.can_at(actor, SERVICE_SETTINGS, u.path)]
        if outside:
            raise ValidationError(
                {"units": _("不在本单位管辖范围内：%(codes)s") % {"codes": "、".join(outside)}}
            )
    keep = {u.pk for u in units}
    FrontDesk.objects.exclude(org_id__in=keep).delete()
    FrontDesk.objects.filter(is_default=True).exclude(org=default).update(is_default=False)
    have = set(FrontDesk.objects.values_list("org_id", flat=True))
    FrontDesk.objects.bulk_create(
        [FrontDesk(org=u, is_default=False) for u in units if u.pk not in have]
    )
    FrontDesk.objects.filter(org=default).update(is_default=True)
    after = {"units": sorted(u.code for u in units), "default": default.code}
    if after != before:
        audit.record(
            actor=actor if actor is not None else "cli",
            action="service_front_desk.set",
            object_type="service.frontdesk",
            object_id=default.code,
            object_repr=default.name,
            org_path=org_path,
            before=before,
            after=after,
        )
    return front_desks()


def units_from_codes(codes: list[str]) -> list[Org]:
    """The orgs with these codes, in the given order (one query); an unknown code is an error."""
    codes = [c.strip() for c in codes if c and c.strip()]
    found = {o.code: o for o in Org.objects.filter(code__in=codes)}
    missing = [c for c in codes if c not in found]
    if missing:
        raise ValidationError(
            {"units": _("未找到单位编码：%(codes)s") % {"codes": "、".join(missing)}}
        )
    return [found[c] for c in codes]
