"""Writes of the competitions: races, seasons, boards, manual entries, compute and publish.

Every write checks the actor's role and scope (None is the command line, which may do
anything), validates everything before writing, and appends an audit entry in its transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from zuofeng.core import audit
from zuofeng.core.errors import Conflict
from zuofeng.orgs import scope
from zuofeng.orgs.models import Org
from zuofeng.races import scoring
from zuofeng.races.boards import board_save, board_spec, check_leaf, check_tree  # noqa: F401
from zuofeng.races.choices import (
    EntryState,
    Method,
    SeasonState,
    Source,
)
from zuofeng.races.computing import (  # noqa: F401
    indicator_values,
    season_compute,
    season_publish,
)
from zuofeng.races.guards import authorize_manage, decimal, race_visible, who
from zuofeng.races.models import (
    Board,
    ManualEntry,
    Node,
    Race,
    Season,
)
from zuofeng.races.permissions import RACE_ENTER, RACE_MANAGE

DEFAULT_BOARDS = ("招商引资榜", "项目攻坚榜", "基层治理榜", "拔钉清障榜", "作风效能榜")
EVIDENCE_MAX_BYTES = 20 * 1024 * 1024
EVIDENCE_TYPES = {
    b"%PDF": "application/pdf",
    b"\x89PNG": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"PK\x03\x04": "application/zip",
}


# --- races and seasons ---------------------------------------------------------------------


def quarter(code: str) -> tuple[dt.date, dt.date, str]:
    """'2025-Q2' → (2025-04-01, 2025-06-30, '2025年第二季度')."""
    try:
        year, q = code.split("-Q")
        year, q = int(year), int(q)
        if not (2000 <= year <= 2100 and 1 <= q <= 4):
            raise ValueError
    except ValueError as exc:
        raise ValidationError(
            {"code": _("赛季编号应为“年份-Q季度”，如2025-Q2：%(c)s") % {"c": code}}
        ) from exc
    start = dt.date(year, 3 * q - 2, 1)
    end = dt.date(year + (q == 4), (3 * q) % 12 + 1, 1) - dt.timedelta(days=1)
    names = {1: "一", 2: "二", 3: "三", 4: "四"}
    return start, end, _("%(y)d年第%(q)s季度") % {"y": year, "q": names[q]}


@transaction.atomic
def race_create(
    *,
    actor,
    name: str,
    lead_org: Org,
    participants: list[Org],
    list_size: int = 3,
    boards=DEFAULT_BOARDS,
) -> Race:
    """A race with its participant group and its (empty) boards."""
    if actor is not None and not scope.can_at(actor, RACE_MANAGE, lead_org.path):
        raise PermissionDenied
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = _("请填写名称")
    elif Race.objects.filter(name=name).exists():
        errors["name"] = _("已有同名的赛马比拼：%(n)s") % {"n": name}
    if not participants:
        errors["participants"] = _("请选择参赛单位")
    elif len({p.pk for p in participants}) != len(participants):
        errors["participants"] = _("参赛单位有重复")
    else:
        outside = [p.name for p in participants if not p.path.startswith(lead_org.path)]
        if outside or any(p.pk == lead_org.pk for p in participants):
            errors["participants"] = _("参赛单位必须是牵头单位的下级组织：%(n)s") % {
                "n": "、".join(outside) or lead_org.name
            }
    if not 1 <= list_size <= 20:
        errors["list_size"] = _("红黑榜名额应在1到20之间")
    if errors:
        raise ValidationError(errors)
    race = Race.objects.create(name=name, lead_org=lead_org, list_size=list_size)
    race.participants.set(participants)
    Board.objects.bulk_create(
        Board(race=race, name=b, sort_order=i) for i, b in enumerate(boards, start=1)
    )
    audit.record(
        actor=actor or "cli",
        action="race.create",
        obj=race,
        org_path=lead_org.path,
        after={"participants": [p.code for p in participants], "boards": list(boards)},
    )
    return race


@transaction.atomic
def season_add(
    *, actor, race: Race, code: str, start: dt.date | None = None, end: dt.date | None = None
) -> Season:
    """A season: a quarter by its code (2025-Q2), or any period given by start and end."""
    authorize_manage(actor, race)
    code = (code or "").strip()
    if start is None or end is None:
        start, end, name = quarter(code)
    else:
        if not code:
            raise ValidationError({"code": _("请填写赛季编号")})
        if end < start:
            raise ValidationError({"end": _("结束日期不能早于开始日期")})
        name = code
    if race.seasons.filter(code=code).exists():
        raise ValidationError({"code": _("该赛季已存在：%(c)s") % {"c": code}})
    if race.seasons.filter(start__lte=end, end__gte=start).exists():
        raise ValidationError({"code": _("赛季期间与已有赛季重叠")})
    season = Season.objects.create(race=race, code=code, name=name, start=start, end=end)
    audit.record(
        actor=actor or "cli",
        action="race.season_add",
        obj=season,
        org_path=race.lead_org.path,
        after={"code": code, "start": start, "end": end},
    )
    return season


# --- manual entries ---------------------------------------------------------------------------


def _sniff(head: bytes) -> str | None:
    return next((t for magic, t in EVIDENCE_TYPES.items() if head.startswith(magic)), None)


@transaction.atomic
def entry_submit(
    *,
    actor,
    season: Season,
    node: Node,
    participant: Org,
    value,
    evidence: str,
    upload=None,
) -> ManualEntry:
    """Enter (or re-enter, until approved) a manual leaf's value for a participant."""
    season = Season.objects.select_for_update().select_related("race__lead_org").get(pk=season.pk)
    race = season.race
    if actor is not None:
        if not race_visible(actor, race):
            raise Http404
        if not scope.can_at(actor, RACE_ENTER, participant.path):
            raise PermissionDenied
    errors = {}
    if season.state == SeasonState.PUBLISHED:
        raise ValidationError(_("%(s)s已发布，不能再填报") % {"s": season.name})
    if node.board.race_id != race.pk or node.source != Source.MANUAL:
        errors["node"] = _("该指标不是本比拼的手工填报指标")
    if not race.participants.filter(pk=participant.pk).exists():
        errors["participant"] = _("%(p)s不是本比拼的参赛单位") % {"p": participant.name}
    try:
        value = decimal(value, "value")
    except ValidationError:
        errors["value"] = _("请填写数字")
    else:
        if value < 0:
            errors["value"] = _("数值不能为负数")
        elif node.method == Method.DIRECT and value > node.points:
            errors["value"] = _("得分应在0到%(p)s分之间") % {"p": scoring._num(node.points)}
        elif abs(value) >= Decimal("1e10"):
            errors["value"] = _("数值过大")
    evidence = (evidence or "").strip()
    if not evidence:
        errors["evidence"] = _("请填写佐证说明")
    elif len(evidence) > 4000:
        errors["evidence"] = _("佐证说明不能超过4000字")
    content_type = None
    if upload is not None:
        if upload.size > EVIDENCE_MAX_BYTES:
            errors["file"] = _("文件不能超过20MB")
        else:
            head = upload.read(8)
            upload.seek(0)
            content_type = _sniff(head)
            if content_type is None:
                errors["file"] = _("只接受PDF、图片（PNG/JPEG）或Office文档")
    if errors:
        raise ValidationError(errors)
    entry = (
        ManualEntry.objects.select_for_update()
        .filter(season=season, node=node, participant=participant)
        .first()
    )
    if entry is not None and entry.state == EntryState.APPROVED:
        raise ValidationError(_("该数据已审核通过，不能修改"))
    before = None
    if entry is None:
        entry = ManualEntry(season=season, node=node, participant=participant)
    else:
        before = {"value": entry.value, "evidence": entry.evidence, "state": entry.state}
        entry.version += 1
    entry.value = value
    entry.evidence = evidence
    entry.state = EntryState.SUBMITTED
    entry.entered_by = actor
    entry.entered_name = who(actor)
    entry.approved_by = None
    entry.approver_name = ""
    entry.decided_at = None
    entry.reason = ""
    if upload is not None:
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        entry.evidence_name = (getattr(upload, "name", "") or "file")[-200:]
        entry.evidence_file.save(entry.evidence_name, upload, save=False)
    entry.save()
    audit.record(
        actor=actor or "cli",
        action="race.entry_submit",
        obj=entry,
        org_path=participant.path,
        before=before,
        after={"value": value, "evidence": evidence, "file": entry.evidence_name},
    )
    return entry


@transaction.atomic
def entry_decide(
    *, actor, entry: ManualEntry, approve: bool, reason: str = "", version: int | None = None
) -> ManualEntry:
    """The lead office approves a submitted entry (not one it entered itself) or returns it.
    With `version`, an entry changed since the caller read it is a conflict."""
    entry = (
        ManualEntry.objects.select_for_update()
        .select_related("season__race__lead_org", "participant", "node")
        .get(pk=entry.pk)
    )
    authorize_manage(actor, entry.season.race)
    if version is not None and version != entry.version:
        raise Conflict
    if entry.season.state == SeasonState.PUBLISHED:
        raise ValidationError(_("%(s)s已发布，不能再审核") % {"s": entry.season.name})
    if entry.state != EntryState.SUBMITTED:
        raise ValidationError(_("只有待审核的数据可以审核"))
    if actor is not None and entry.entered_by_id == actor.pk:
        raise ValidationError(_("不能审核自己填报的数据"))
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ValidationError({"reason": _("退回时请填写理由")})
    entry.state = EntryState.APPROVED if approve else EntryState.REJECTED
    entry.approved_by = actor
    entry.approver_name = who(actor)
    entry.decided_at = timezone.now()
    entry.reason = reason[:500]
    entry.version += 1
    entry.save(
        update_fields=["state", "approved_by", "approver_name", "decided_at", "reason", "version"]
    )
    audit.record(
        actor=actor or "cli",
        action="race.entry_approve" if approve else "race.entry_reject",
        obj=entry,
        org_path=entry.participant.path,
        after={"state": entry.state, "reason": entry.reason},
    )
    return entry


@transaction.atomic
def entry_attach(*, actor, entry: ManualEntry, upload) -> ManualEntry:
    """Attach (or replace) the evidence file of an entry still awaiting approval."""
    entry = (
        ManualEntry.objects.select_for_update()
        .select_related("season__race__lead_org", "participant")
        .get(pk=entry.pk)
    )
    if actor is not None:
        if not race_visible(actor, entry.season.race):
            raise Http404
        if not scope.can_at(actor, RACE_ENTER, entry.participant.path):
            raise PermissionDenied
    if entry.season.state == SeasonState.PUBLISHED:
        raise ValidationError(_("%(s)s已发布，不能再填报") % {"s": entry.season.name})
    if entry.state == EntryState.APPROVED:
        raise ValidationError(_("该数据已审核通过，不能修改"))
    if upload.size > EVIDENCE_MAX_BYTES:
        raise ValidationError({"file": _("文件不能超过20MB")})
    head = upload.read(8)
    upload.seek(0)
    if _sniff(head) is None:
        raise ValidationError({"file": _("只接受PDF、图片（PNG/JPEG）或Office文档")})
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    entry.evidence_name = (getattr(upload, "name", "") or "file")[-200:]
    entry.evidence_file.save(entry.evidence_name, upload, save=False)
    entry.version += 1
    entry.save(update_fields=["evidence_file", "evidence_name", "version"])
    audit.record(
        actor=actor or "cli",
        action="race.entry_attach",
        obj=entry,
        org_path=entry.participant.path,
        after={"file": entry.evidence_name, "sha256": digest.hexdigest()},
    )
    return entry
