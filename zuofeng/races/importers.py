"""Manual entries as a sheet (`zuofeng import race_entries FILE`): the values of the manual
leaves for many participants at once, all or nothing, each row submitted for approval through
the same service as the form. Export writes the entries back in the same columns."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from zuofeng.core.sheets import CODE, Column, Errors, Importer, Row, register
from zuofeng.orgs import scope as org_scope
from zuofeng.orgs.models import subtrees_q
from zuofeng.races import services
from zuofeng.races.choices import EntryState, Method, SeasonState, Source
from zuofeng.races.models import ManualEntry, Node, Race
from zuofeng.races.permissions import RACE_ENTER, RACE_VIEW


@dataclass
class EntryPlan:
    rows: list[tuple] = field(default_factory=list)  # (season, node, org, value, evidence)
    updates: int = 0
    unchanged: int = 0


@register
class EntryImporter(Importer):
    """Rows: race, season, board, leaf, participant code, value, evidence. A row equal to an
    entry already there changes nothing; an approved entry cannot be replaced."""

    kind = "race_entries"
    label = _l("赛马手工填报")
    columns = (
        Column("race", "比拼名称", ("race",), required=True, max_length=100, width=30),
        Column("season", "赛季", ("season",), required=True, parse=CODE, max_length=20),
        Column("board", "榜单", ("board",), required=True, max_length=50, width=14),
        Column("leaf", "指标", ("leaf", "indicator"), required=True, max_length=100, width=20),
        Column("org", "单位编码", ("org", "unit code"), required=True, parse=CODE, max_length=32),
        Column("value", "数值", ("value",), required=True, parse=CODE, max_length=20),
        Column("evidence", "佐证说明", ("evidence",), required=True, max_length=4000, width=40),
        Column("state", "状态", ("state",), max_length=10),
    )

    def plan(self, rows: list[Row], present, errors: Errors, *, actor) -> EntryPlan:
        races = {r.name: r for r in Race.objects.prefetch_related("participants", "seasons")}
        nodes = {
            (n.board.race_id, n.board.name, n.name): n
            for n in Node.objects.filter(source=Source.MANUAL).select_related("board")
        }
        existing = {
            (e.season_id, e.node_id, e.participant_id): e for e in ManualEntry.objects.all()
        }
        plan, seen = EntryPlan(), set()
        for row in rows:
            race = races.get(row["race"])
            if race is None:
                errors.add(row, "race", _("没有这个赛马比拼：%(v)s") % {"v": row["race"]})
                continue
            season = next((s for s in race.seasons.all() if s.code == row["season"]), None)
            if season is None:
                errors.add(row, "season", _("没有这个赛季：%(v)s") % {"v": row["season"]})
                continue
            if season.state == SeasonState.PUBLISHED:
                errors.add(row, "season", _("%(s)s已发布，不能再填报") % {"s": season.name})
                continue
            node = nodes.get((race.pk, row["board"], row["leaf"]))
            if node is None:
                errors.add(row, "leaf", _("该榜单没有这个手工填报指标：%(v)s") % {"v": row["leaf"]})
                continue
            org = next((p for p in race.participants.all() if p.code == row["org"]), None)
            if org is None:
                errors.add(row, "org", _("%(v)s不是本比拼的参赛单位") % {"v": row["org"]})
                continue
            if actor is not None and not org_scope.can_at(actor, RACE_ENTER, org.path):
                errors.add(row, "org", _("无权为该单位填报：%(v)s") % {"v": row["org"]})
                continue
            try:
                value = Decimal(str(row["value"]))
                if not value.is_finite():
                    raise InvalidOperation
            except InvalidOperation:
                errors.add(row, "value", _("请填写数字"))
                continue
            if value < 0 or (node.method == Method.DIRECT and value > node.points):
                errors.add(
                    row,
                    "value",
                    _("得分应在0到%(p)s分之间") % {"p": f"{node.points.normalize():f}"}
                    if node.method == Method.DIRECT
                    else _("数值不能为负数"),
                )
                continue
            key = (season.pk, node.pk, org.pk)
            if key in seen:
                errors.add(row, "org", _("同一单位同一指标在文件中重复"))
                continue
            seen.add(key)
            old = existing.get(key)
            if old is not None and old.value == value and old.evidence == row["evidence"]:
                plan.unchanged += 1
                continue
            if old is not None and old.state == EntryState.APPROVED:
                errors.add(row, "value", _("该数据已审核通过，不能修改"))
                continue
            plan.updates += old is not None
            plan.rows.append((season, node, org, value, row["evidence"]))
        return plan

    def counts(self, plan: EntryPlan) -> tuple[int, int, int]:
        return len(plan.rows) - plan.updates, plan.updates, plan.unchanged

    def apply(self, plan: EntryPlan, *, actor, report) -> None:
        for season, node, org, value, evidence in plan.rows:
            services.entry_submit(
                actor=actor,
                season=season,
                node=node,
                participant=org,
                value=value,
                evidence=evidence,
            )

    def export_rows(self, *, actor, scope: str | None, full: bool):
        with translation.override("zh-hans"):
            states = {v: str(label) for v, label in EntryState.choices}
        qs = ManualEntry.objects.select_related("season__race", "node__board", "participant")
        if actor is not None:
            qs = qs.filter(subtrees_q(org_scope.paths_for(actor, RACE_VIEW), "participant__path"))
        if scope:
            from zuofeng.orgs.models import Org

            org = Org.objects.filter(code=scope).first()
            qs = qs.filter(subtrees_q([org.path] if org else [], "participant__path"))
        for e in qs.order_by("season__race_id", "season__start", "node_id", "participant__path"):
            yield (
                e.season.race.name,
                e.season.code,
                e.node.board.name,
                e.node.name,
                e.participant.code,
                e.value.normalize(),
                e.evidence,
                states.get(e.state, e.state),
            )
