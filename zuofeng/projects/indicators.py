"""Indicators of projects, programmes, approvals and village ledgers, computed in SQL.

Scopes: a project counts at its owner unit's subtree; an enrolment at its programme's unit;
an approval case at every department one of its steps passed through (a case belongs to each
department it served); a ledger entry at its village.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from django.db.models import (
    Avg,
    Case,
    Count,
    Exists,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Substr

from zuofeng.core.indicators import (
    NO_FILTERS,
    CountIndicator,
    Indicator,
    IndicatorError,
    Period,
    RatioIndicator,
    SumIndicator,
    _range,
    lookup_filter,
    memoised,
    register,
)
from zuofeng.projects.choices import CaseState, Direction, ProjectState
from zuofeng.projects.models import (
    ApprovalCase,
    ApprovalStep,
    Enrolment,
    LedgerCategory,
    LedgerEntry,
    Matter,
    Milestone,
    Project,
    ProjectKind,
)

YES, NO = ("1", "yes", "true", "是"), ("0", "no", "false", "否")


def _paired(qs, value):
    """Projects under a pairing (百个部门联百村) or not."""
    if value in YES:
        return qs.filter(pairing__isnull=False)
    if value in NO:
        return qs.filter(pairing__isnull=True)
    raise IndicatorError(f"paired must be 是 or 否, not {value}")


PROJECT_FILTERS = {"kind": lookup_filter(ProjectKind, "kind", "project kind"), "paired": _paired}
PATH = "owner__path"


def _started(p: Period):
    return Project.objects.filter(start_date__gte=p.start, start_date__lte=p.end)


def _completed(p: Period):
    return Project.objects.filter(completed_date__gte=p.start, completed_date__lte=p.end)


started = CountIndicator(
    "projects.started",
    "启动项目数",
    "个",
    PATH,
    PROJECT_FILTERS,
    "开始日期在统计期内的项目（含中止）",
    records_fn=_started,
)
completed = CountIndicator(
    "projects.completed",
    "完成项目数",
    "个",
    PATH,
    PROJECT_FILTERS,
    "完成日期在统计期内的项目",
    records_fn=_completed,
)
completed_on_time = CountIndicator(
    "projects.completed_on_time",
    "按期完成项目数",
    "个",
    PATH,
    PROJECT_FILTERS,
    "完成日期在统计期内、且不晚于原计划完成日期（延期不算按期）的项目",
    records_fn=lambda p: _completed(p).filter(completed_date__lte=F("original_due")),
)


@dataclass(frozen=True)
class ProgressIndicator(CountIndicator):
    """Average progress at the period's end of the leaf projects running in the period:
    the weighted share of milestones done by then; a project without milestones counts 1 if
    completed by then, else 0. Parents are left out (their children carry the work)."""

    def base(self, period: Period) -> QuerySet:
        done = (
            Milestone.objects.filter(project=OuterRef("pk"), done_date__lte=period.end)
            .order_by()
            .values("project")
            .annotate(s=Sum("weight"))
            .values("s")
        )
        total = (
            Milestone.objects.filter(project=OuterRef("pk"))
            .order_by()
            .values("project")
            .annotate(s=Sum("weight"))
            .values("s")
        )
        return (
            Project.objects.filter(start_date__lte=period.end)
            .exclude(state=ProjectState.STOPPED)
            .exclude(completed_date__lt=period.start)
            .exclude(Exists(Project.objects.filter(parent=OuterRef("pk"))))
            .annotate(
                _done=Coalesce(Subquery(done, output_field=IntegerField()), 0),
                _total=Coalesce(Subquery(total, output_field=IntegerField()), 0),
            )
            .annotate(
                _progress=Case(
                    When(
                        _total__gt=0,
                        then=Cast("_done", FloatField()) / Cast("_total", FloatField()),
                    ),
                    When(completed_date__lte=period.end, then=Value(1.0)),
                    default=Value(0.0),
                    output_field=FloatField(),
                )
            )
        )

    def aggregation(self) -> dict:
        return {"v": Avg("_progress")}

    def value(self, scope_path, period, filters: Mapping[str, str] = NO_FILTERS):
        v = super().value(scope_path, period, filters)
        return None if v is None else round(v, 4)

    def by_child(self, scope_path, width, period, filters: Mapping[str, str] = NO_FILTERS):
        return {
            k: (None if v is None else round(v, 4))
            for k, v in super().by_child(scope_path, width, period, filters).items()
        }


# `completed_on_time` only feeds the rate: the registry holds the keys the issue fixes.
register(
    started,
    completed,
    RatioIndicator(
        "projects.on_time_rate",
        "项目按期完成率",
        "%",
        completed_on_time,
        completed,
        "统计期内完成的项目中，不晚于原计划完成日期完成的比例",
    ),
    SumIndicator(
        "projects.beneficiaries",
        "项目受益人数",
        "人",
        PATH,
        PROJECT_FILTERS,
        "统计期内完成的项目的受益人数之和",
        records_fn=_completed,
        sum_field="beneficiaries",
    ),
    ProgressIndicator(
        "projects.progress_avg",
        "项目平均进度",
        "%",
        PATH,
        PROJECT_FILTERS,
        "统计期末在实施的项目（不含中止、不含有子项目的上级项目）按节点权重计算的平均进度",
    ),
)


# --- programmes -------------------------------------------------------------------------------


def _category(qs, value):
    return qs.filter(programme__category=value)


register(
    CountIndicator(
        "programmes.enrolments",
        "活动报名人数",
        "人",
        "programme__unit__path",
        {"category": _category},
        "报名日期在统计期内的活动报名人次（按主办单位）",
        records_fn=lambda p: Enrolment.objects.filter(
            enrolled_on__gte=p.start, enrolled_on__lte=p.end
        ),
    )
)


# --- approvals --------------------------------------------------------------------------------

MATTER_FILTER = {"matter": lookup_filter(Matter, "matter", "matter")}


def _finished(p: Period) -> QuerySet[ApprovalCase]:
    return ApprovalCase.objects.filter(
        state=CaseState.CLOSED, finished_date__gte=p.start, finished_date__lte=p.end
    )


def _steps_in(scope_path: str) -> QuerySet[ApprovalStep]:
    low, high = _range(scope_path)
    return ApprovalStep.objects.filter(department__path__gte=low, department__path__lt=high)


@dataclass(frozen=True)
class CaseIndicator(Indicator):
    """Over the cases finished in the period with at least one step in the scope; `kind`
    says what of them: count, avg (actual days), reduction (1 − Σactual/Σbaseline), saved
    (Σ baseline − actual)."""

    kind: str = "count"

    def base(self, period: Period) -> QuerySet:
        return _finished(period)

    def records(self, scope_path, period, filters: Mapping[str, str] = NO_FILTERS):
        qs = self.base(period).filter(pk__in=_steps_in(scope_path).values("case_id"))
        return self._apply(qs, filters)

    def _combine(self, n: int, actual: int, baseline: int):
        if self.kind == "count":
            return n
        if self.kind == "avg":
            return round(actual / n, 2) if n else None
        if self.kind == "reduction":
            return round(1 - actual / baseline, 4) if baseline else None
        return baseline - actual

    def value(self, scope_path, period, filters: Mapping[str, str] = NO_FILTERS):
        # The count, the average, the reduction and the days saved share one aggregate.
        agg = memoised(
            ("approvals.cases", scope_path, period, frozenset(filters.items())),
            lambda: self.records(scope_path, period, filters).aggregate(
                n=Count("pk"), a=Sum("actual_days"), b=Sum("baseline_days")
            ),
        )
        return self._combine(agg["n"], agg["a"] or 0, agg["b"] or 0)

    def by_child(self, scope_path, width, period, filters: Mapping[str, str] = NO_FILTERS):
        """One query: (child, case) pairs of the scope's steps, with the case's figures."""
        cases = self._apply(self.base(period), filters)
        rows = (
            _steps_in(scope_path)
            .filter(case__in=cases)
            .annotate(_p=Substr("department__path", 1, width))
            .values_list("_p", "case_id", "case__actual_days", "case__baseline_days")
            .distinct()
        )
        acc: dict[str, list] = defaultdict(lambda: [0, 0, 0, set()])
        for p, case_id, actual, baseline in rows:
            a = acc[p]
            if case_id in a[3]:
                continue
            a[3].add(case_id)
            a[0] += 1
            a[1] += actual or 0
            a[2] += baseline or 0
        return {p: self._combine(n, a, b) for p, (n, a, b, _s) in acc.items()}


@dataclass(frozen=True)
class ParallelStepIndicator(Indicator):
    """Steps run in a parallel group of two or more, over the cases the scope served."""

    def base(self, period: Period) -> QuerySet:
        sibling = ApprovalStep.objects.filter(
            case=OuterRef("case"), parallel_group=OuterRef("parallel_group")
        ).exclude(pk=OuterRef("pk"))
        return ApprovalStep.objects.filter(
            case__in=_finished(period), parallel_group__isnull=False
        ).filter(Exists(sibling))

    def records(self, scope_path, period, filters: Mapping[str, str] = NO_FILTERS):
        served = _steps_in(scope_path).values("case_id")
        qs = self.base(period).filter(case_id__in=served)
        return self._apply(qs, filters)

    def by_child(self, scope_path, width, period, filters: Mapping[str, str] = NO_FILTERS):
        """A case's parallel steps count for every child whose subtree the case passed."""
        parallel = dict(
            self._apply(self.base(period), filters)
            .order_by()
            .values("case_id")
            .annotate(n=Count("pk"))
            .values_list("case_id", "n")
        )
        rows = (
            _steps_in(scope_path)
            .filter(case_id__in=list(parallel))
            .annotate(_p=Substr("department__path", 1, width))
            .values_list("_p", "case_id")
            .distinct()
        )
        out: dict[str, int] = defaultdict(int)
        for p, case_id in set(rows):
            out[p] += parallel[case_id]
        return dict(out)


def _step_matter(qs, value):
    matter = Matter.objects.filter(name=value).first()
    if matter is None:
        raise IndicatorError(f"unknown matter: {value}")
    return qs.filter(case__matter=matter)


DESC = "统计期内办结、且有环节由范围内部门办理的审批案件"
register(
    CaseIndicator("approvals.cases", "审批办结案件数", "件", "", MATTER_FILTER, DESC, kind="count"),
    CaseIndicator(
        "approvals.avg_working_days",
        "审批平均用时",
        "工作日",
        "",
        MATTER_FILTER,
        DESC + "的平均实际用时（关键路径：串联相加、并联取最长）",
        kind="avg",
    ),
    CaseIndicator(
        "approvals.cycle_reduction_rate",
        "审批周期压缩率",
        "%",
        "",
        MATTER_FILTER,
        DESC + "：1 − Σ实际用时 / Σ串联法定时限",
        kind="reduction",
    ),
    CaseIndicator(
        "approvals.days_saved",
        "压缩办事时间",
        "工作日",
        "",
        MATTER_FILTER,
        DESC + "：Σ(串联法定时限 − 实际用时)",
        kind="saved",
    ),
    ParallelStepIndicator(
        "approvals.parallel_steps",
        "并联审批环节数",
        "个",
        "",
        {"matter": _step_matter},
        DESC + "中，在两个及以上环节的并联组内办理的环节",
    ),
)


# --- village collective ledger ----------------------------------------------------------------

LEDGER_FILTERS = {"category": lookup_filter(LedgerCategory, "category", "ledger category")}


def _income(p: Period) -> QuerySet[LedgerEntry]:
    return LedgerEntry.objects.filter(
        direction=Direction.INCOME, date__gte=p.start, date__lte=p.end
    )


def year_before(p: Period) -> Period:
    def back(d: dt.date) -> dt.date:
        try:
            return d.replace(year=d.year - 1)
        except ValueError:  # 29 February
            return d.replace(year=d.year - 1, day=28)

    return Period(back(p.start), back(p.end))


income = SumIndicator(
    "village.collective_income",
    "村集体收入",
    "元",
    "village__path",
    LEDGER_FILTERS,
    "统计期内记入共富明细账的收入之和（按村社）",
    records_fn=_income,
    sum_field="amount",
)


@dataclass(frozen=True)
class GrowthIndicator(SumIndicator):
    """Income in the period minus income in the same period a year before."""

    def value(self, scope_path, period, filters: Mapping[str, str] = NO_FILTERS):
        return super().value(scope_path, period, filters) - super().value(
            scope_path, year_before(period), filters
        )

    def by_child(self, scope_path, width, period, filters: Mapping[str, str] = NO_FILTERS):
        now = super().by_child(scope_path, width, period, filters)
        before = super().by_child(scope_path, width, year_before(period), filters)
        return {k: (now.get(k) or 0) - (before.get(k) or 0) for k in set(now) | set(before)}


register(
    income,
    GrowthIndicator(
        "village.income_growth",
        "村集体收入增长",
        "元",
        "village__path",
        LEDGER_FILTERS,
        "统计期内村集体收入减去上年同期收入",
        records_fn=_income,
        sum_field="amount",
    ),
)
