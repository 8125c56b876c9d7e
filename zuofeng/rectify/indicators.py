"""Indicators of the problem ledger, over the responsible unit's subtree and a period."""

from dataclasses import dataclass

from django.db.models import F, Q

from zuofeng.core.indicators import (
    NO_FILTERS,
    CountIndicator,
    DistinctCountIndicator,
    IndicatorError,
    Period,
    RatioIndicator,
    ShareIndicator,
    lookup_filter,
    register,
)
from zuofeng.orgs.models import SEGMENT, subtree_q
from zuofeng.rectify.choices import KeyArea
from zuofeng.rectify.models import (
    Campaign,
    Circular,
    Inspection,
    LeaderProject,
    Problem,
    ProblemCategory,
    ProblemSource,
    Round,
    SelfCheck,
)

_FLAG = {KeyArea.POWER: "key_power", KeyArea.FUNDS: "key_funds", KeyArea.RESOURCES: "key_resources"}


def _key_area(qs, value):
    """Key area by code (power) or label (权力集中); each is its own flag column."""
    code = next((k for k, v in KeyArea.choices if value in (k, str(v))), None)
    if code is None:
        raise IndicatorError(f"unknown key area: {value}")
    return qs.filter(**{_FLAG[code]: True})


FILTERS = {
    "source": lookup_filter(ProblemSource, "source", "problem source"),
    "category": lookup_filter(ProblemCategory, "category", "problem category"),
    "campaign": lookup_filter(Campaign, "campaign", "campaign"),
    "key_area": _key_area,
}
PATH = "unit_path"  # the unit's path, copied on the problem (zuofeng.core.subtree)


def _found(p: Period):
    return Problem.objects.filter(found_date__gte=p.start, found_date__lte=p.end)


def _closed(p: Period):
    return Problem.objects.filter(closed_date__gte=p.start, closed_date__lte=p.end)


def _open_at_end(p: Period):
    return Problem.objects.filter(found_date__lte=p.end).filter(
        Q(closed_date__isnull=True) | Q(closed_date__gt=p.end)
    )


found = CountIndicator(
    "rectify.problems_found",
    "发现问题数",
    "个",
    PATH,
    FILTERS,
    "发现日期在统计期内的问题",
    month_field="found_date",
    records_fn=_found,
)
closed = CountIndicator(
    "rectify.problems_closed",
    "销号问题数",
    "个",
    PATH,
    FILTERS,
    "销号日期在统计期内的问题",
    month_field="closed_date",
    records_fn=_closed,
)
open_ = CountIndicator(
    "rectify.problems_open",
    "未销号问题数",
    "个",
    PATH,
    FILTERS,
    "统计期末尚未销号的问题",
    records_fn=_open_at_end,
)
overdue = CountIndicator(
    "rectify.problems_overdue",
    "逾期未销号问题数",
    "个",
    PATH,
    FILTERS,
    "统计期末未销号且已超过整改时限的问题",
    records_fn=lambda p: _open_at_end(p).filter(deadline__lt=p.end),
)
found_and_closed = CountIndicator(
    "rectify.problems_found_closed",
    "统计期内发现且已销号问题数",
    "个",
    PATH,
    FILTERS,
    "发现日期在统计期内、且在期末前销号的问题",
    records_fn=lambda p: _found(p).filter(closed_date__lte=p.end),
)
# What the on-time rate's numerator asks of the closed problems (ShareIndicator).
CLOSED_ON_TIME = Q(deadline__isnull=False, closed_date__lte=F("deadline"))
closed_on_time = CountIndicator(
    "rectify.problems_closed_on_time",
    "按期销号问题数",
    "个",
    PATH,
    FILTERS,
    "统计期内销号、且销号日期不晚于整改时限的问题",
    records_fn=lambda p: _closed(p).filter(CLOSED_ON_TIME),
)

inspections = DistinctCountIndicator(
    "rectify.inspections",
    "正风肃纪检查次数",
    "次",
    "targets__path",
    {"campaign": lookup_filter(Campaign, "campaign", "campaign")},
    "检查日期在统计期内、检查对象在范围内的正风肃纪检查",
    month_field="date",
    records_fn=lambda p: Inspection.objects.filter(date__gte=p.start, date__lte=p.end),
    distinct_field="pk",
)


@dataclass(frozen=True)
class IssuedAboveOrBelow(CountIndicator):
    """Records issued by an org for its whole subtree (a round, a circular): a scope counts
    those of its own subtree and those of the orgs above it."""

    def records(self, scope_path, period, filters=NO_FILTERS):
        ancestors = [scope_path[:i] for i in range(SEGMENT, len(scope_path) + 1, SEGMENT)]
        mine = subtree_q(scope_path, self.path_field) | Q(**{f"{self.path_field}__in": ancestors})
        return self._apply(self.base(period).filter(mine), filters)

    def by_child(self, scope_path, width, period, filters=NO_FILTERS):
        """Those at the scope or above count for every child; those below, for the child whose
        subtree holds them (one grouped query)."""
        from django.db.models import Count
        from django.db.models.functions import Substr

        from zuofeng.orgs.models import Org

        qs = self.records(scope_path, period, filters)
        shared = qs.filter(**{f"{self.path_field}__lte": scope_path}).count()
        below = dict(
            qs.filter(**{f"{self.path_field}__gt": scope_path})
            .annotate(p=Substr(self.path_field, 1, width))
            .values("p")
            .annotate(n=Count("pk"))
            .values_list("p", "n")
        )
        children = Org.objects.filter(subtree_q(scope_path), depth=len(scope_path) // SEGMENT)
        return {c: shared + below.get(c, 0) for c in children.values_list("path", flat=True)}


register(
    CountIndicator(
        "rectify.leader_projects",
        "区领导领衔整治项目数",
        "个",
        "owner__path",
        {"campaign": lookup_filter(Campaign, "campaign", "campaign")},
        "启动日期在统计期内、牵头单位在范围内的领导领衔整治项目",
        records_fn=lambda p: LeaderProject.objects.filter(
            started_on__gte=p.start, started_on__lte=p.end
        ),
    ),
    IssuedAboveOrBelow(
        "rectify.rounds_closed",
        "完成动态更新轮次",
        "轮",
        "org__path",
        {},
        "统计期内结束的台账动态更新轮次（含上级组织的轮次）",
        records_fn=lambda p: Round.objects.filter(closed_on__gte=p.start, closed_on__lte=p.end),
    ),
    IssuedAboveOrBelow(
        "rectify.circulars",
        "下发通报期数",
        "期",
        "issuer__path",
        {"campaign": lookup_filter(Campaign, "campaign", "campaign")},
        "统计期内印发的通报（含上级组织印发的通报）",
        month_field="date",
        records_fn=lambda p: Circular.objects.filter(date__gte=p.start, date__lte=p.end),
    ),
    inspections,
    found,
    closed,
    open_,
    overdue,
    found_and_closed,
    closed_on_time,
    RatioIndicator(
        "rectify.closure_rate",
        "问题整改完成率",
        "%",
        found_and_closed,
        found,
        "统计期内发现的问题中，期末前已销号的比例",
    ),
    ShareIndicator(
        "rectify.on_time_rate",
        "按期销号率",
        "%",
        closed_on_time,
        closed,
        "统计期内销号的问题中，按期销号的比例",
        subset=CLOSED_ON_TIME,
    ),
)


register(
    DistinctCountIndicator(
        "rectify.selfcheck_people",
        "完成对照自查人数",
        "人",
        "unit__path",
        {},
        "统计期内完成对照清单自查的人员（按人去重）",
        records_fn=lambda p: SelfCheck.objects.filter(
            person__isnull=False, completed_on__gte=p.start, completed_on__lte=p.end
        ),
        distinct_field="person",
    ),
)


def _register_panel() -> None:
    from zuofeng.dashboard import panels
    from zuofeng.rectify.choices import ProblemState as S
    from zuofeng.rectify.transitions import PROBLEM_LOOP

    panels.register(
        panels.LoopPanel(
            key="problems",
            title="问题整改",
            records=lambda: Problem.objects.all(),
            path_field="unit_path",
            shown=("number", "description"),
            date_field="found_date",
            loop=PROBLEM_LOOP,
            stages=(S.REGISTERED, S.ASSIGNED, S.RECTIFYING, S.SUBMITTED, S.CLOSED),
            stage_of={S.LONG_TERM: S.RECTIFYING},
        )
    )


_register_panel()
