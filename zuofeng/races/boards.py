"""Boards: the tree of weighted leaves, checked in full before anything is written."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from zuofeng.core import audit
from zuofeng.core import indicators as registry
from zuofeng.orgs.models import SEGMENT
from zuofeng.races import scoring
from zuofeng.races.choices import (
    Direction,
    MissingRule,
    Source,
)
from zuofeng.races.guards import authorize_manage, decimal
from zuofeng.races.models import (
    Board,
    ManualEntry,
    Node,
)


def check_leaf(spec: dict, label: str) -> None:
    """A leaf's source, indicator, filters and scoring rule; raises with the leaf's name."""
    source = spec.get("source")
    if source not in (Source.INDICATOR, Source.MANUAL):
        raise ValidationError(_("%(l)s：数据来源应为平台指标或手工填报") % {"l": label})
    points = decimal(spec.get("points"), "points")
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
    points = [decimal(n.get("points"), "points") for n in nodes]
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
    total = decimal(board.total_points if total_points is None else total_points, "total_points")
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
            node.points = decimal(s["points"], "points")
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
