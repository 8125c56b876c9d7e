"""Writes to the problem ledger: registration, the loop's transitions, evidence."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from zuofeng.core import audit, counters, loops
from zuofeng.core.bulk import among
from zuofeng.core.calendar import WorkCalendar
from zuofeng.orgs import scope
from zuofeng.orgs.models import Org
from zuofeng.rectify.choices import NOTICE_THRESHOLDS, OPEN_STATES, Mode, NoticeLevel, ProblemState
from zuofeng.rectify.models import (
    Campaign,
    EscalationNotice,
    EstablishedRule,
    Evidence,
    Inspection,
    Problem,
    ProblemCategory,
    ProblemSource,
)
from zuofeng.rectify.permissions import PROBLEM_REGISTER, PROBLEM_VIEW, VERIFY_ROLES
from zuofeng.rectify.transitions import PROBLEM_LOOP

EVIDENCE_MAX_BYTES = 20 * 1024 * 1024
EVIDENCE_TYPES = {
    b"%PDF": "application/pdf",
    b"\x89PNG": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"PK\x03\x04": "application/zip",  # docx / xlsx are zip containers
}


def problem_snapshot(p: Problem) -> dict:
    return {
        "number": p.number,
        "state": p.state,
        "unit": p.unit.code,
        "source": p.source.name,
        "category": p.category.name if p.category_id else None,
        "found_date": p.found_date,
        "deadline": p.deadline,
        "person": p.person,
        "leader": p.leader,
        "mode": p.mode,
        "campaign": p.campaign.name if p.campaign_id else None,
        "closed_date": p.closed_date,
        "review_date": p.review_date,
    }


def next_number(year: int) -> str:
    """ZG-YYYY-NNNNN from a locked per-year counter, skipping numbers already taken (imported
    ledgers bring their own numbers)."""
    return next_numbers(year, 1)[0]


def next_numbers(year: int, n: int, *, reserved: frozenset[str] = frozenset()) -> list[str]:
    """`n` new numbers of one year, drawn from the counter a block at a time; a number already
    taken in the ledger, or in `reserved` (the numbers a file being imported brings), is
    skipped."""
    numbers: list[str] = []
    while len(numbers) < n:
        block = [
            f"ZG-{year}-{value:05d}"
            for value in counters.next_values(f"problem-{year}", n - len(numbers))
        ]
        taken = set(
            Problem.objects.filter(number__in=among(block)).values_list("number", flat=True)
        )
        numbers += [number for number in block if number not in taken and number not in reserved]
    return numbers


def _authorize_view(actor, unit: Org) -> None:
    if actor is not None and not scope.can_at(actor, PROBLEM_VIEW, unit.path):
        raise Http404


def authorize_verify(actor, org: Org) -> None:
    """The lead office's and inspectors' work at an org: 404 out of view, 403 without the
    role (the command line may do anything)."""
    from zuofeng.rectify.permissions import PROBLEM_VERIFY

    if actor is None:
        return
    _authorize_view(actor, org)
    if not scope.can_at(actor, PROBLEM_VERIFY, org.path):
        raise PermissionDenied


@transaction.atomic
def problem_register(
    *,
    actor,
    description: str,
    source: ProblemSource,
    found_date: dt.date,
    unit: Org,
    number: str = "",
    source_ref: str = "",
    category: ProblemCategory | None = None,
    key_power: bool = False,
    key_funds: bool = False,
    key_resources: bool = False,
    leader: str = "",
    person: str = "",
    mode: str = "",
    measures: str = "",
    campaign: Campaign | None = None,
    deadline: dt.date | None = None,
    inspection: Inspection | None = None,
) -> Problem:
    """Register a problem (登记) against a responsible unit inside the actor's scope."""
    if actor is not None:
        _authorize_view(actor, unit)
        if not scope.can_at(actor, PROBLEM_REGISTER, unit.path):
            raise PermissionDenied
    if mode and mode not in Mode.values:
        raise ValidationError({"mode": _("不是有效的整改方式")})
    problem = Problem(
        number=(number or "").strip() or next_number(found_date.year),
        description=(description or "").strip(),
        source=source,
        source_ref=source_ref.strip(),
        category=category,
        key_power=key_power,
        key_funds=key_funds,
        key_resources=key_resources,
        found_date=found_date,
        unit=unit,
        leader=leader.strip(),
        person=person.strip(),
        mode=mode,
        measures=measures.strip(),
        campaign=campaign,
        inspection=inspection,
        deadline=deadline,
        created_by=actor if actor is not None and not isinstance(actor, str) else None,
    )
    problem.full_clean()
    problem.save()
    loops.timeline(actor=actor, obj=problem, action="register", to_state=problem.state)
    audit.record(
        actor=actor if actor is not None else "cli",
        action="problem.register",
        obj=problem,
        org_path=unit.path,
        after=problem_snapshot(problem),
    )
    return problem


def _authorize(actor, problem: Problem, t: loops.Transition) -> None:
    """Role and scope for a transition; a verifier never belongs to the responsible unit."""
    if actor is None:
        return
    _authorize_view(actor, problem.unit)
    if not (t.roles & scope.roles_at(actor, problem.unit.path)):
        raise PermissionDenied(_("您的角色不能执行此操作"))
    if t.roles == VERIFY_ROLES and scope.roles_inside(actor, problem.unit.path):
        raise PermissionDenied(_("责任单位不能自行验收销号"))


def _effect(actor, calendar: WorkCalendar):
    today = timezone.localdate()

    def effect(problem: Problem, t: loops.Transition, data: dict) -> None:
        if t.action == "assign":
            unit = data.get("unit") or problem.unit
            if actor is not None:
                _authorize_view(actor, unit)
                if not (t.roles & scope.roles_at(actor, unit.path)):
                    raise Http404
            problem.unit = unit
            problem.person = (data.get("person") or problem.person).strip()
            problem.leader = (data.get("leader") or problem.leader).strip()
            problem.assigned_date = today
            days, deadline = data.get("deadline_workdays"), data.get("deadline")
            if days:
                problem.deadline_workdays = int(days)
                problem.deadline = calendar.add_workdays(today, int(days))
            elif deadline:
                problem.deadline = deadline
            elif not problem.deadline:
                raise ValidationError({"deadline": _("请填写整改时限（日期或工作日数）")})
            if problem.deadline < problem.found_date:
                raise ValidationError({"deadline": _("整改时限不能早于发现日期")})
        elif t.action == "submit":
            if not problem.evidence.exists():
                raise ValidationError({"evidence": _("申请销号须至少上传一份佐证材料")})
            problem.result = data["result"].strip()
            problem.review_date = None
        elif t.action == "close":
            problem.closed_date = today
            problem.verifier = actor if actor is not None and not isinstance(actor, str) else None
            problem.warning = ""
        elif t.action == "long_term":
            if data["review_date"] <= today:
                raise ValidationError({"review_date": _("复查日期须晚于今天")})
            problem.review_date = data["review_date"]
            problem.warning = ""

    return effect


def problem_transition(
    *, actor, problem: Problem, action: str, version: int | None = None, **data
) -> Problem:
    """Apply one step of the problem loop through the loop engine."""
    if action not in PROBLEM_LOOP.actions:
        raise ValidationError({"action": _("未知操作：%(a)s") % {"a": action}})
    return loops.apply(
        loop=PROBLEM_LOOP,
        actor=actor if actor is not None else "cli",
        instance=problem,
        action=action,
        data=data,
        version=version,
        authorize=lambda a, obj, t: _authorize(actor, obj, t),
        effect=_effect(actor, WorkCalendar()),
        snapshot=problem_snapshot,
        org_path=lambda obj: obj.unit.path,
    )


def _sniff(head: bytes) -> str | None:
    for magic, content_type in EVIDENCE_TYPES.items():
        if head.startswith(magic):
            return content_type
    return None


@transaction.atomic
def evidence_add(*, actor, problem: Problem, upload) -> Evidence:
    """Attach a file to a problem (the responsible unit, while rectifying); type by content."""
    problem = Problem.objects.select_for_update().select_related("unit").get(pk=problem.pk)
    if actor is not None:
        _authorize_view(actor, problem.unit)
        from zuofeng.rectify.permissions import PROBLEM_HANDLE

        if not scope.can_at(actor, PROBLEM_HANDLE, problem.unit.path):
            raise PermissionDenied
    if problem.state not in (ProblemState.RECTIFYING, ProblemState.LONG_TERM):
        raise ValidationError({"file": _("只有整改中的问题可以上传佐证材料")})
    if upload.size > EVIDENCE_MAX_BYTES:
        raise ValidationError({"file": _("文件不能超过20MB")})
    head = upload.read(8)
    upload.seek(0)
    content_type = _sniff(head)
    if content_type is None:
        raise ValidationError({"file": _("只接受PDF、图片（PNG/JPEG）或Office文档")})
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    name = (getattr(upload, "name", "") or "file")[-200:]
    evidence = Evidence(
        problem=problem,
        name=name,
        content_type=content_type,
        size=upload.size,
        sha256=digest.hexdigest(),
        uploaded_by=actor if not isinstance(actor, str) else None,
    )
    evidence.file.save(name, upload, save=False)
    evidence.save()
    loops.timeline(
        actor=actor, obj=problem, action="evidence", note=name, data={"sha256": evidence.sha256}
    )
    audit.record(
        actor=actor if actor is not None else "cli",
        action="problem.evidence",
        obj=problem,
        org_path=problem.unit.path,
        after={"file": name, "sha256": evidence.sha256, "size": evidence.size},
    )
    return evidence


# --- inspections (正风肃纪检查) ----------------------------------------------------------------

INSPECTION_SOURCE = "正风肃纪检查"


def inspection_snapshot(i: Inspection) -> dict:
    return {
        "date": i.date,
        "team": i.team,
        "method": i.method,
        "campaign": i.campaign.name if i.campaign_id else None,
        "targets": sorted(i.targets.values_list("code", flat=True)),
    }


@transaction.atomic
def inspection_create(
    *,
    actor,
    date: dt.date,
    team: str,
    method: str,
    targets: list[Org],
    campaign: Campaign | None = None,
    summary: str = "",
) -> Inspection:
    """Record an inspection of target units, each inside the actor's scope (lead office or
    inspector)."""

    if not targets:
        raise ValidationError({"targets": _("请至少选择一个检查对象")})
    for org in targets:
        authorize_verify(actor, org)
    if date > timezone.localdate():
        raise ValidationError({"date": _("检查日期不能晚于今天")})
    inspection = Inspection(
        date=date,
        team=(team or "").strip(),
        method=method,
        campaign=campaign,
        summary=(summary or "").strip(),
        created_by=actor if actor is not None and not isinstance(actor, str) else None,
    )
    inspection.full_clean()
    inspection.save()
    inspection.targets.set(targets)
    audit.record(
        actor=actor if actor is not None else "cli",
        action="inspection.create",
        obj=inspection,
        org_path=min(o.path for o in targets),
        after=inspection_snapshot(inspection),
    )
    return inspection


def inspection_add_finding(
    *,
    actor,
    inspection: Inspection,
    unit: Org,
    description: str,
    category: ProblemCategory | None = None,
    **extra,
) -> Problem:
    """A finding of the inspection becomes a problem in the ledger (source 正风肃纪检查), for
    one of the inspected units or a unit below one."""
    if not any(unit.path.startswith(t.path) for t in inspection.targets.all()):
        raise ValidationError({"unit": _("责任单位须为本次检查的检查对象或其下级单位")})
    source = ProblemSource.objects.get(name=INSPECTION_SOURCE)
    return problem_register(
        actor=actor,
        description=description,
        source=source,
        found_date=inspection.date,
        unit=unit,
        category=category,
        campaign=inspection.campaign,
        inspection=inspection,
        **extra,
    )


@transaction.atomic
def inspection_attach(*, actor, inspection: Inspection, problems: list[Problem]) -> int:
    """Link problems already in the ledger (e.g. imported) to the inspection that found them;
    each must belong to an inspected unit or one below it."""
    targets = list(inspection.targets.all())
    for org in targets:
        authorize_verify(actor, org)
    outside = [
        p.number for p in problems if not any(p.unit.path.startswith(t.path) for t in targets)
    ]
    if outside:
        raise ValidationError(
            {
                "problems": _("以下问题的责任单位不是本次检查的检查对象：%(n)s")
                % {"n": "、".join(outside)}
            }
        )
    pks = [p.pk for p in problems]
    changed = (
        Problem.objects.filter(pk__in=pks)
        .exclude(inspection=inspection)
        .update(inspection=inspection)
    )
    audit.record(
        actor=actor if actor is not None else "cli",
        action="inspection.attach",
        obj=inspection,
        org_path=min(t.path for t in targets),
        after={"problems": sorted(p.number for p in problems), "changed": changed},
    )
    return changed


# --- escalation notices (督办通知书 → 提醒书 → 告诫书 → 问责书) ---------------------------------


@transaction.atomic
def notice_issue(*, actor, problem: Problem, level: int, text: str = "") -> EscalationNotice:
    """Issue an escalation notice against an open problem: each one a step above the last."""
    problem = Problem.objects.select_for_update().select_related("unit").get(pk=problem.pk)
    authorize_verify(actor, problem.unit)
    if level not in NoticeLevel.values:
        raise ValidationError({"level": _("未知的督办文书")})
    if problem.state not in OPEN_STATES:
        raise ValidationError({"level": _("只有未销号的问题可以下发督办文书")})
    if level <= problem.notice_level:
        raise ValidationError(
            {
                "level": _("已下发过%(n)s，只能逐级升级")
                % {"n": NoticeLevel(problem.notice_level).label}
            }
        )
    today = timezone.localdate()
    notice = EscalationNotice(
        problem=problem,
        level=level,
        issued_on=today,
        text=(text or "").strip(),
        issuer=actor if actor is not None and not isinstance(actor, str) else None,
    )
    notice.full_clean()
    notice.save()
    problem.notice_level = level
    if problem.notice_proposed <= level:
        problem.notice_proposed = 0
    problem.save(update_fields=["notice_level", "notice_proposed", "updated_at"])
    label = str(NoticeLevel(level).label)
    loops.timeline(
        actor=actor if actor is not None else "cli",
        obj=problem,
        action="notice",
        note=label,
        data={"level": level},
    )
    audit.record(
        actor=actor if actor is not None else "cli",
        action="problem.notice",
        obj=problem,
        org_path=problem.unit.path,
        after={"level": level, "notice": label, "issued_on": today},
    )
    return notice


def propose_notices(today: dt.date) -> int:
    """The sweeper's proposal: for an open problem past its deadline, the highest notice whose
    threshold has passed and that is above what was issued. Compare-and-swap per level, lowest
    first, so a second run changes nothing."""
    changed = 0
    for level in sorted(NoticeLevel.values):
        edge = today - dt.timedelta(days=NOTICE_THRESHOLDS[level])
        changed += Problem.objects.filter(
            state__in=OPEN_STATES,
            deadline__lt=edge,
            notice_level__lt=level,
            notice_proposed__lt=level,
        ).update(notice_proposed=level)
    return changed


@transaction.atomic
def rule_add(
    *, actor, problem: Problem, title: str, issued_on: dt.date, doc_number: str = ""
) -> EstablishedRule:
    """Record a rule the unit issued for a problem (建章立制): the unit or a verifier."""
    from zuofeng.rectify.permissions import PROBLEM_HANDLE, PROBLEM_VERIFY

    problem = Problem.objects.select_related("unit").get(pk=problem.pk)
    if actor is not None:
        _authorize_view(actor, problem.unit)
        if not (
            scope.can_at(actor, PROBLEM_HANDLE, problem.unit.path)
            or scope.can_at(actor, PROBLEM_VERIFY, problem.unit.path)
        ):
            raise PermissionDenied
    if issued_on > timezone.localdate():
        raise ValidationError({"issued_on": _("印发日期不能晚于今天")})
    rule = EstablishedRule(
        problem=problem,
        title=(title or "").strip(),
        doc_number=(doc_number or "").strip(),
        issued_on=issued_on,
    )
    rule.full_clean()
    rule.save()
    loops.timeline(
        actor=actor if actor is not None else "cli", obj=problem, action="rule", note=rule.title
    )
    audit.record(
        actor=actor if actor is not None else "cli",
        action="problem.rule",
        obj=problem,
        org_path=problem.unit.path,
        after={"title": rule.title, "doc_number": rule.doc_number, "issued_on": issued_on},
    )
    return rule


@transaction.atomic
def campaign_save(
    *,
    actor,
    name: str,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    description: str = "",
):
    """Create a campaign (专项) or set the dates and description of one of that name. With both
    dates it is also a period the dashboard and briefings offer."""
    from zuofeng.rectify.models import Campaign

    name = (name or "").strip()
    errors = {}
    if not name or len(name) > 64:
        errors["name"] = [_("专项名称应为 1–64 个字符")]
    if (start_date is None) != (end_date is None):
        errors["end_date"] = [_("开始日期和结束日期应同时填写或同时留空")]
    elif start_date and end_date < start_date:
        errors["end_date"] = [_("结束日期早于开始日期")]
    if errors:
        raise ValidationError(errors)
    campaign = Campaign.objects.select_for_update().filter(name=name).first()
    before = None
    if campaign is None:
        campaign = Campaign(name=name, sort_order=Campaign.objects.count() + 1)
    else:
        before = {
            "start_date": campaign.start_date and campaign.start_date.isoformat(),
            "end_date": campaign.end_date and campaign.end_date.isoformat(),
            "description": campaign.description,
        }
    campaign.start_date, campaign.end_date = start_date, end_date
    campaign.description = (description or "").strip()[:500]
    campaign.save()
    audit.record(
        actor=actor,
        action="campaign.save",
        obj=campaign,
        before=before,
        after={
            "name": name,
            "start_date": start_date and start_date.isoformat(),
            "end_date": end_date and end_date.isoformat(),
            "description": campaign.description,
        },
    )
    return campaign
