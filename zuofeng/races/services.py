"""Writes of the competitions: races, seasons, boards, manual entries, compute and publish.

Every write checks the actor's role and scope (None is the command line, which may do
anything), validates everything before writing, and appends an audit entry in its transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from zuofeng.core import audit
from zuofeng.core import indicators as registry
from zuofeng.orgs import scope
from zuofeng.orgs.models import SEGMENT, Org
from zuofeng.races import scoring
from zuofeng.races.choices import (
    Direction,
    EntryState,
    Method,
    MissingRule,
    SeasonState,
    Source,
)
from zuofeng.races.models import (
    Board,
    BoardScore,
    LeafScore,
    ManualEntry,
    Node,
    Race,
    Season,
    TalkFlag,
)
from zuofeng.races.permissions import RACE_ENTER, RACE_MANAGE, RACE_VIEW

DEFAULT_BOARDS = ("招商引资榜", "项目攻坚榜", "基层治理榜", "拔钉清障榜", "作风效能榜")
EVIDENCE_MAX_BYTES = 20 * 1024 * 1024
EVIDENCE_TYPES = {
    b"%PDF": "application/pdf",
    b"\x89PNG": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"PK\x03\x04": "application/zip",
}


def _who(actor) -> str:
    return getattr(actor, "username", "") or "cli"


def authorize_manage(actor, race: Race) -> None:
    """The lead office at (or above) the race's lead org; 404 if the race is out of sight."""
    if actor is None:
        return
    if not race_visible(actor, race):
        raise Http404
    if not scope.can_at(actor, RACE_MANAGE, race.lead_org.path):
        raise PermissionDenied


def race_visible(user, race: Race) -> bool:
    """A race is visible from its lead org's subtree or from any participant's subtree."""
    roots = scope.paths_for(user, RACE_VIEW)
    if not roots:
        return False
    if any(race.lead_org.path.startswith(r) or r.startswith(race.lead_org.path) for r in roots):
        return True
    paths = race.participants.values_list("path", flat=True)
    return any(p.startswith(r) or r.startswith(p) for p in paths for r in roots)


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


# --- boards --------------------------------------------------------------------------------


def _decimal(value, field: str) -> Decimal:
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({field: _("不是数字：%(v)s") % {"v": value}}) from exc
    if not d.is_finite():
        raise ValidationError({field: _("不是数字：%(v)s") % {"v": value}})
    return d


def check_leaf(spec: dict, label: str) -> None:
    """A leaf's source, indicator, filters and scoring rule; raises with the leaf's name."""
    source = spec.get("source")
    if source not in (Source.INDICATOR, Source.MANUAL):
        raise ValidationError(_("%(l)s：数据来源应为平台指标或手工填报") % {"l": label})
    points = _decimal(spec.get("points"), "points")
    method = spec.get("method") or ""
    if spec.get("direction", Direction.HIGHER) not in Direction.values:
        raise ValidationError(_("%(l)s：方向应为越高越好或越低越好") % {"l": label})
    if source == Source.INDICATOR:
        key = spec.get("key") or ""
        try:
            indicator = registry.get(key)
            filters = spec.get("filters") or {}
            if not isinstance(filters, dict):
                raise registry.IndicatorError(_("筛选条件格式不正确"))
            today = dt.date.today()
            indicator.records("0" * SEGMENT, registry.Period(today, today), filters)
        except registry.IndicatorError as exc:
            raise ValidationError(_("%(l)s：%(e)s") % {"l": label, "e": exc}) from exc
    try:
        scoring.validate(method, points, spec.get("params") or {}, manual=source == Source.MANUAL)
    except ValidationError as exc:
        raise ValidationError(
            _("%(l)s：%(e)s") % {"l": label, "e": "；".join(exc.messages)}
        ) from exc


def check_tree(total, nodes: list[dict], path: str = "") -> None:
    """Points of siblings add up to their parent's (the board's total at the top)."""
    if not nodes:
        raise ValidationError(_("%(p)s没有设置指标") % {"p": path or _("榜单")})
    names = [str(n.get("name") or "").strip() for n in nodes]
    if any(not n for n in names):
        raise ValidationError(_("%(p)s有未命名的指标") % {"p": path or _("榜单")})
    if len(set(names)) != len(names):
        raise ValidationError(_("%(p)s有重名的指标") % {"p": path or _("榜单")})
    points = [_decimal(n.get("points"), "points") for n in nodes]
    if any(p < 0 for p in points):
        raise ValidationError(_("%(p)s的分值不能为负数") % {"p": path or _("榜单")})
    if sum(points) != Decimal(str(total)):
        raise ValidationError(
            _("%(p)s各项分值之和为%(s)s，应等于%(t)s")
            % {"p": path or _("榜单"), "s": scoring._num(sum(points)), "t": scoring._num(total)}
        )
    for name, node in zip(names, nodes, strict=True):
        label = f"{path}/{name}" if path else name
        if node.get("children"):
            check_tree(node["points"], node["children"], label)
        else:
            check_leaf(node, label)


def board_spec(board: Board) -> dict:
    """The board as the nested dict `board_save` takes (and the API returns)."""
    nodes = list(board.nodes.all())
    by_parent = defaultdict(list)
    for n in nodes:
        by_parent[n.parent_id].append(n)

    def spec(n: Node) -> dict:
        if n.source == Source.GROUP:
            return {
                "name": n.name,
                "points": n.points,
                "children": [spec(c) for c in by_parent[n.pk]],
            }
        return {
            "name": n.name,
            "points": n.points,
            "source": n.source,
            "key": n.indicator_key,
            "filters": n.filters,
            "method": n.method,
            "direction": n.direction,
            "params": n.params,
            "unit": n.unit,
        }

    return {
        "name": board.name,
        "total_points": board.total_points,
        "missing_rule": board.missing_rule,
        "nodes": [spec(n) for n in by_parent[None]],
    }


@transaction.atomic
def board_save(
    *, actor, board: Board, nodes: list[dict], total_points=None, missing_rule=None
) -> Board:
    """Replace a board's tree after checking weights, indicator keys and scoring rules.
    Leaves keep their identity by name, so manual entries stay attached; removing a leaf
    that has entries is refused. Published seasons keep their frozen copy."""
    board = Board.objects.select_for_update().select_related("race__lead_org").get(pk=board.pk)
    authorize_manage(actor, board.race)
    total = _decimal(board.total_points if total_points is None else total_points, "total_points")
    rule = missing_rule or board.missing_rule
    if total <= 0:
        raise ValidationError({"total_points": _("满分必须大于0")})
    if rule not in MissingRule.values:
        raise ValidationError({"missing_rule": _("无数据规则应为计0分或不计入")})
    check_tree(total, nodes)
    before = board_spec(board)
    existing = {}
    for n in board.nodes.all():
        existing[(n.parent_id, n.name)] = n
    kept: set[int] = set()

    def save(specs: list[dict], parent: Node | None) -> None:
        for i, s in enumerate(specs, start=1):
            name = str(s["name"]).strip()
            node = existing.get((parent.pk if parent else None, name)) or Node(
                board=board, parent=parent, name=name
            )
            group = bool(s.get("children"))
            node.sort_order = i
            node.points = _decimal(s["points"], "points")
            node.source = Source.GROUP if group else s["source"]
            node.indicator_key = "" if group else (s.get("key") or "")
            if node.source == Source.MANUAL:
                node.indicator_key = ""
            node.filters = {} if group else (s.get("filters") or {})
            node.method = "" if group else s.get("method", "")
            node.direction = s.get("direction") or Direction.HIGHER
            node.params = {} if group else (s.get("params") or {})
            node.unit = "" if group else str(s.get("unit") or "")[:20]
            node.save()
            kept.add(node.pk)
            if group:
                save(s["children"], node)

    save(nodes, None)
    removed = board.nodes.exclude(pk__in=kept)
    used = ManualEntry.objects.filter(node__in=removed).values_list("node__name", flat=True)
    if used:
        raise ValidationError(
            _("指标“%(n)s”已有手工填报数据，不能删除") % {"n": "、".join(sorted(set(used)))}
        )
    removed.delete()
    board.total_points = total
    board.missing_rule = rule
    board.save(update_fields=["total_points", "missing_rule"])
    audit.record(
        actor=actor or "cli",
        action="race.board_save",
        obj=board,
        org_path=board.race.lead_org.path,
        before=before,
        after=board_spec(board),
    )
    return board


# --- computing --------------------------------------------------------------------------------


def _is_rate(indicator) -> bool:
    return isinstance(indicator, registry.RatioIndicator) or indicator.unit == "%"


def indicator_values(indicator, participants: list[Org], period, filters) -> dict[int, Decimal]:
    """Each participant's value over its subtree: one grouped query (`by_child`) per parent
    the participants share — one for the 20 towns. A rate without records is None (no data);
    a count without records is 0."""
    groups: dict[tuple[str, int], list[Org]] = defaultdict(list)
    for org in participants:
        groups[(org.path[:-SEGMENT], len(org.path))].append(org)
    out: dict[int, Decimal | None] = {}
    for (parent, width), orgs in groups.items():
        if parent:
            rows = indicator.by_child(parent, width, period, filters)
        else:
            rows = {o.path: indicator.value(o.path, period, filters) for o in orgs}
        for org in orgs:
            if org.path in rows and rows[org.path] is not None:
                out[org.pk] = scoring.to_decimal(rows[org.path])
            else:
                out[org.pk] = None if _is_rate(indicator) else Decimal(0)
    return out


def _tree(board: Board) -> list[tuple[Node, str, int]]:
    """Leaves in display order with their full label ('group/leaf') and a sort key."""
    nodes = [n for n in board.nodes.all()]
    by_parent = defaultdict(list)
    for n in nodes:
        by_parent[n.parent_id].append(n)
    out: list[tuple[Node, str, int]] = []

    def walk(parent_id, prefix):
        for n in sorted(by_parent[parent_id], key=lambda n: (n.sort_order, n.pk)):
            label = f"{prefix}/{n.name}" if prefix else n.name
            if n.is_leaf:
                out.append((n, label, len(out) + 1))
            else:
                walk(n.pk, label)

    walk(None, "")
    return out


def _check_board(board: Board) -> None:
    spec = board_spec(board)
    try:
        check_tree(board.total_points, spec["nodes"])
    except ValidationError as exc:
        raise ValidationError(
            _("%(b)s：%(e)s") % {"b": board.name, "e": "；".join(exc.messages)}
        ) from exc


def _previous(season: Season, count: int = 1) -> list[Season]:
    return list(
        Season.objects.filter(race=season.race, start__lt=season.start).order_by("-start")[:count]
    )


@transaction.atomic
def season_compute(*, actor, season: Season) -> Season:
    """Score every participant on every board for the season; repeatable until published."""
    season = Season.objects.select_for_update().select_related("race__lead_org").get(pk=season.pk)
    race = season.race
    authorize_manage(actor, race)
    if season.state == SeasonState.PUBLISHED:
        raise ValidationError(_("%(s)s已发布，不能重新计算") % {"s": season.name})
    boards = list(race.boards.prefetch_related("nodes"))
    for board in boards:
        _check_board(board)
    participants = list(race.participants.order_by("path"))
    period = registry.Period(season.start, season.end)
    manual = defaultdict(dict)
    for node_id, org_id, value in ManualEntry.objects.filter(
        season=season, state=EntryState.APPROVED
    ).values_list("node_id", "participant_id", "value"):
        manual[node_id][org_id] = value
    prev = _previous(season)
    prev_ranks = {}
    if prev:
        prev_ranks = {
            (b, p): r
            for b, p, r in BoardScore.objects.filter(season=prev[0]).values_list(
                "board_id", "participant_id", "rank"
            )
        }
    leaf_rows, board_rows = [], []
    n = race.list_size
    for board in boards:
        earned = defaultdict(Decimal)
        possible = defaultdict(Decimal)
        for node, label, order in _tree(board):
            if node.source == Source.INDICATOR:
                indicator = registry.get(node.indicator_key)
                values = indicator_values(indicator, participants, period, node.filters)
            else:
                values = {p.pk: manual[node.pk].get(p.pk) for p in participants}
            points = scoring.score(node.method, node.points, node.direction, node.params, values)
            leaf_ranks = scoring.ranks(values, higher_better=node.direction != Direction.LOWER)
            rule = scoring.describe(
                node.method, node.points, node.direction, node.params, node.unit
            )
            for p in participants:
                got = points[p.pk]
                if got is None and board.missing_rule == MissingRule.ZERO:
                    got = Decimal(0)
                if got is not None:
                    earned[p.pk] += got
                    possible[p.pk] += node.points
                leaf_rows.append(
                    LeafScore(
                        season=season,
                        board=board,
                        node=node,
                        participant=p,
                        label=label,
                        sort_order=order,
                        source=node.source,
                        indicator_key=node.indicator_key,
                        filters=node.filters,
                        method=node.method,
                        rule=rule[:300],
                        max_points=node.points,
                        value=values[p.pk],
                        unit=node.unit,
                        points=got,
                        leaf_rank=leaf_ranks[p.pk],
                    )
                )
        totals = {}
        for p in participants:
            if possible[p.pk] == 0:
                totals[p.pk] = None  # no data on any leaf, under the exclude rule: not ranked
            elif possible[p.pk] == board.total_points:
                totals[p.pk] = scoring.quantize(earned[p.pk])
            else:  # exclude rule: the leaves with data, scaled to the board's full points
                totals[p.pk] = scoring.quantize(earned[p.pk] * board.total_points / possible[p.pk])
        board_ranks = scoring.ranks(totals)
        bottom = scoring.ranks(totals, higher_better=False)
        changes = {
            p.pk: prev_ranks[(board.pk, p.pk)] - board_ranks[p.pk]
            for p in participants
            if board_ranks[p.pk] is not None and prev_ranks.get((board.pk, p.pk)) is not None
        }
        gains = {k: Decimal(v) for k, v in changes.items() if v > 0}
        gain_ranks = scoring.ranks(gains)
        for p in participants:
            rank = board_ranks[p.pk]
            # Ties share the rank, on both lists; one who would be on both (no spread, e.g.
            # everyone tied) is on neither.
            top = rank is not None and rank <= n
            low = rank is not None and bottom[p.pk] <= n
            red, black = top and not low, low and not top
            board_rows.append(
                BoardScore(
                    season=season,
                    board=board,
                    participant=p,
                    total=totals[p.pk],
                    rank=rank,
                    previous_rank=prev_ranks.get((board.pk, p.pk)),
                    red=red,
                    black=black,
                    progress=gain_ranks.get(p.pk) is not None and gain_ranks[p.pk] <= n,
                )
            )
    LeafScore.objects.filter(season=season).delete()
    BoardScore.objects.filter(season=season).delete()
    LeafScore.objects.bulk_create(leaf_rows, batch_size=1000)
    BoardScore.objects.bulk_create(board_rows, batch_size=1000)
    season.state = SeasonState.COMPUTED
    season.computed_at = timezone.now()
    season.computed_by = _who(actor)
    season.save(update_fields=["state", "computed_at", "computed_by"])
    audit.record(
        actor=actor or "cli",
        action="race.compute",
        obj=season,
        org_path=race.lead_org.path,
        after={
            "boards": len(boards),
            "participants": len(participants),
            "leaf_scores": len(leaf_rows),
        },
    )
    return season


@transaction.atomic
def season_publish(*, actor, season: Season) -> Season:
    """Freeze the computed scores; flag for a formal talk (约谈) whoever is on a board's black
    list in this and the two seasons before it, all published."""
    season = Season.objects.select_for_update().select_related("race__lead_org").get(pk=season.pk)
    race = season.race
    authorize_manage(actor, race)
    if season.state == SeasonState.PUBLISHED:
        raise ValidationError(_("%(s)s已发布") % {"s": season.name})
    if season.state != SeasonState.COMPUTED:
        raise ValidationError(_("%(s)s尚未计算，不能发布") % {"s": season.name})
    before = _previous(season, 2)
    flags = []
    if len(before) == 2 and all(s.state == SeasonState.PUBLISHED for s in before):
        black = defaultdict(set)
        for sid, b, p in BoardScore.objects.filter(
            season__in=[season, *before], black=True
        ).values_list("season_id", "board_id", "participant_id"):
            black[(b, p)].add(sid)
        ids = {season.pk, *(s.pk for s in before)}
        codes = "、".join(s.code for s in [*reversed(before), season])
        flags = [
            TalkFlag(season=season, board_id=b, participant_id=p, seasons=codes)
            for (b, p), sids in sorted(black.items())
            if sids == ids
        ]
        TalkFlag.objects.bulk_create(flags)
    season.state = SeasonState.PUBLISHED
    season.published_at = timezone.now()
    season.published_by = _who(actor)
    season.save(update_fields=["state", "published_at", "published_by"])
    audit.record(
        actor=actor or "cli",
        action="race.publish",
        obj=season,
        org_path=race.lead_org.path,
        after={
            "talk_flags": [
                {"board": f.board_id, "participant": f.participant_id, "seasons": f.seasons}
                for f in flags
            ]
        },
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
        value = _decimal(value, "value")
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
    entry.entered_name = _who(actor)
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
def entry_decide(*, actor, entry: ManualEntry, approve: bool, reason: str = "") -> ManualEntry:
    """The lead office approves a submitted entry (not one it entered itself) or returns it."""
    entry = (
        ManualEntry.objects.select_for_update()
        .select_related("season__race__lead_org", "participant", "node")
        .get(pk=entry.pk)
    )
    authorize_manage(actor, entry.season.race)
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
    entry.approver_name = _who(actor)
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
