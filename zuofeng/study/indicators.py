"""Indicators of study and activities: activities dated in the period, held by orgs in the
scope's subtree; every one narrowable by activity kind (filter `kind`, the kind's Chinese name)
and by kind group (filter `group`, e.g. 四学联动)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, QuerySet, Sum
from django.db.models.functions import Substr

from zuofeng.core import rollups, statements
from zuofeng.core.indicators import (
    NO_FILTERS,
    CountIndicator,
    DistinctCountIndicator,
    FilterFn,
    IndicatorError,
    Period,
    RatioIndicator,
    SumIndicator,
    month_key,
    months,
    register,
)
from zuofeng.orgs.models import Org, subtree_q, subtree_upper
from zuofeng.study import cadence
from zuofeng.study.choices import Category
from zuofeng.study.models import (
    ROLLUP_WIDTH,
    Activity,
    ActivityDay,
    ActivityKind,
    ActivityYear,
    Delivery,
    KindGroup,
)


def kind_named(value: str) -> ActivityKind:
    kind = ActivityKind.objects.filter(name=value).first()
    if kind is None:
        raise IndicatorError(f"unknown activity kind: {value}")
    return kind


def group_named(value: str) -> KindGroup:
    group = KindGroup.objects.filter(name=value).first()
    if group is None:
        raise IndicatorError(f"unknown kind group: {value}")
    return group


def _filters(kind_field: str) -> dict[str, FilterFn]:
    """`kind` and `group` over the field naming an activity kind; on org querysets (the
    denominator of coverage) the value is checked and the set of orgs left whole."""

    def by_kind(qs: QuerySet, value: str) -> QuerySet:
        kind = kind_named(value)
        return qs if qs.model is Org else qs.filter(**{kind_field: kind})

    def by_group(qs: QuerySet, value: str) -> QuerySet:
        group = group_named(value)
        return qs if qs.model is Org else qs.filter(**{f"{kind_field}__groups": group})

    return {"kind": by_kind, "group": by_group}


FILTERS = _filters("kind")
PATH = "org_path"  # the holder's path, copied on the activity (zuofeng.core.subtree)


def _activities(p: Period, category: str | None = None) -> QuerySet:
    qs = Activity.objects.filter(date__gte=p.start, date__lte=p.end)
    return qs if category is None else qs.filter(category=category)


class ByOrgPath:
    """by_child grouped on each holder's full path (the copied `org_path`), then added up per
    child prefix in Python: the (org_path, category, date) index delivers the rows in path
    order, so `GROUP BY org_path` streams, while grouping on a path prefix needs a temporary
    B-tree over every row of the period (measured ~3× slower on SQLite)."""

    def by_child(self, scope_path, width, period, filters: Mapping[str, str] = NO_FILTERS):
        def per_path(qs: QuerySet) -> QuerySet:
            return (
                qs.order_by()
                .values_list(self.path_field)
                .annotate(**self.aggregation())
                .values_list(self.path_field, "v")
            )

        prepared = None
        if not filters:  # a count as a prepared statement, as `value`
            prepared = self.count_statement(
                scope_path, tag="per_path", run=lambda qs: list(per_path(qs))
            )
        if prepared is not None:
            rows = prepared.run_rows(
                scope_path, subtree_upper(scope_path), period.start, period.end
            )
        else:
            rows = per_path(self.records(scope_path, period, filters))
        out: dict[str, int] = {}
        for path, v in rows:
            out[path[:width]] = out.get(path[:width], 0) + (v or 0)
        return out


@dataclass(frozen=True)
class ActivityCount(ByOrgPath, CountIndicator):
    """How many activities."""


@dataclass(frozen=True)
class ActivitySum(ByOrgPath, SumIndicator):
    """A sum over activities (person-times)."""


class FromRollup:
    """Scopes no deeper than the rollup's cut (the root and its children) read the per-day
    rollup of activities (ActivityDay, kept by triggers: zuofeng.core.rollups) instead of the
    activities; deeper scopes, drill-down and anything the rollup does not key read the
    activities. The kind and group filters apply to both (the rollup keys the kind)."""

    rollup_sum = "n"

    def _rolled(self, scope_path: str, period: Period, filters) -> QuerySet | None:
        if not self.rollup_category or len(scope_path) > ROLLUP_WIDTH:
            return None
        qs = ActivityDay.objects.filter(
            category=self.rollup_category,
            date__gte=period.start,
            date__lte=period.end,
            org_path__gte=scope_path,
            org_path__lt=subtree_upper(scope_path),
        )
        return self._apply(qs, filters)

    def value(self, scope_path, period, filters: Mapping[str, str] = NO_FILTERS):
        if not self.rollup_category or len(scope_path) > ROLLUP_WIDTH:
            return super().value(scope_path, period, filters)
        aggregation = {"v": Sum(self.rollup_sum)}
        if not filters:  # an integer sum over the rollup: a prepared statement
            prepared = statements.statement(
                self,
                lambda path, p: self._rolled(path, p, NO_FILTERS),
                aggregation,
                Period,
                len(scope_path),
                tag="rollup",
            )
            if prepared is not None:
                v = prepared.run(scope_path, subtree_upper(scope_path), period.start, period.end)
                return int(v or 0)
        return self._rolled(scope_path, period, filters).aggregate(**aggregation)["v"] or 0

    def by_child(self, scope_path, width, period, filters: Mapping[str, str] = NO_FILTERS):
        qs = self._rolled(scope_path, period, filters) if width <= ROLLUP_WIDTH else None
        if qs is None:
            return super().by_child(scope_path, width, period, filters)
        # Grouped by a substring even at the rollup's own width: grouping by the column itself
        # lets SQLite walk the whole key index (org_path first) to avoid a sort, instead of the
        # (category, date) range of the period (measured slower, bench/study.py).
        rows = (
            qs.annotate(_p=Substr("org_path", 1, width))
            .values("_p")
            .annotate(v=Sum(self.rollup_sum))
            .values_list("_p", "v")
        )
        return dict(rows)

    def by_month(self, scope_path, period, filters: Mapping[str, str] = NO_FILTERS):
        qs = self._rolled(scope_path, period, filters)
        if qs is None:
            return super().by_month(scope_path, period, filters)
        rows = dict(
            qs.annotate(_m=month_key("date"))
            .values("_m")
            .annotate(v=Sum(self.rollup_sum))
            .values_list("_m", "v")
        )
        return [(m, rows.get(f"{m.start:%Y-%m}") or 0) for m in months(period)]


@dataclass(frozen=True)
class RolledCount(FromRollup, ActivityCount):
    """How many activities of a category; the root and its children read the rollup."""

    rollup_category: str = ""


@dataclass(frozen=True)
class RolledSum(FromRollup, ActivitySum):
    """Person-times of a category's activities; the root and its children read the rollup."""

    rollup_category: str = ""
    rollup_sum = "present"


ACTIVITY_DAYS = rollups.register(
    rollups.Rollup(
        table=ActivityDay._meta.db_table,
        source=Activity._meta.db_table,
        path="org_path",
        width=ROLLUP_WIDTH,
        keys=("category", "kind_id", "date"),
        sums=(("n", "1"), ("present", "present_count")),
    )
)
ACTIVITY_YEARS = rollups.register(
    rollups.Rollup(
        table=ActivityYear._meta.db_table,
        source=Activity._meta.db_table,
        path=None,
        width=None,
        keys=("org_id", "kind_id", rollups.year_of("date")),
        sums=rollups.month_counts("date"),
    )
)


sessions = RolledCount(
    "study.sessions",
    "学习活动场次",
    "场",
    PATH,
    FILTERS,
    "活动日期在统计期内、类别为“学习”的活动",
    month_field="date",
    records_fn=lambda p: _activities(p, Category.STUDY),
    rollup_category=Category.STUDY,
)
study_person_times = RolledSum(
    "study.person_times",
    "学习参加人次",
    "人次",
    PATH,
    FILTERS,
    "统计期内学习活动的实到人次（按名单签到的计到会人员，按人数登记的计实到人数）",
    month_field="date",
    records_fn=lambda p: _activities(p, Category.STUDY),
    sum_field="present_count",
    rollup_category=Category.STUDY,
)


@dataclass(frozen=True)
class StudiedOrgs(CountIndicator):
    """Orgs of the scope with at least one study activity in the period: the orgs of the
    subtree, each probing its own activities in the per-org index (an index lookup per org),
    rather than all the period's activities made distinct (millions of rows at a province)."""

    def records(self, scope_path, period, filters: Mapping[str, str] = NO_FILTERS) -> QuerySet:
        studied = _activities(period, Category.STUDY).filter(org=OuterRef("pk"))
        studied = self._apply(studied, filters)
        return Org.objects.filter(subtree_q(scope_path)).filter(Exists(studied)).order_by()


covered = StudiedOrgs(
    "study.orgs_with_study",
    "开展学习的组织数",
    "个",
    "path",
    FILTERS,
    "统计期内至少开展一次学习活动的组织",
)
all_orgs = CountIndicator(
    "study.orgs",
    "组织总数",
    "个",
    "path",
    FILTERS,
    "范围内的有效组织（含范围组织本身）",
    records_fn=lambda p: Org.objects.filter(active=True),
)


@dataclass(frozen=True)
class IdleOrgs(CountIndicator):
    """Active orgs of the scope with no study activity in the period (the kind/group filters
    narrow the activities looked for, not the orgs)."""

    def records(self, scope_path, period, filters: Mapping[str, str] = NO_FILTERS) -> QuerySet:
        studied = _activities(period, Category.STUDY).filter(org=OuterRef("pk"))
        studied = self._apply(studied, filters)
        return (
            Org.objects.filter(subtree_q(scope_path), active=True)
            .filter(~Exists(studied))
            .order_by()  # no ordering: by_child groups these rows
        )


idle = IdleOrgs(
    "study.orgs_without_study",
    "未开展学习的组织数",
    "个",
    "path",
    FILTERS,
    "范围内统计期内没有任何学习活动的有效组织",
)


@dataclass(frozen=True)
class CadenceCompliance:
    """Orgs that met every cadence rule over the period / orgs the rules apply to."""

    key: str
    label: str
    unit: str
    description: str = ""
    filters: Mapping[str, FilterFn] = field(default_factory=lambda: {"kind": FILTERS["kind"]})
    path_field: str = "path"  # its records are orgs (drill-down)

    def _kind(self, filters):
        unknown = set(filters) - {"kind"}
        if unknown:
            raise IndicatorError(f"{self.key} does not accept the filter {unknown.pop()!r}")
        return kind_named(filters["kind"]) if "kind" in filters else None

    def value(self, scope_path, period, filters: Mapping[str, str] = NO_FILTERS):
        found = cadence.met_by_prefix(scope_path, period, len(scope_path), self._kind(filters))
        met, total = found.get(scope_path, (0, 0))
        return round(met / total, 4) if total else None

    def by_child(self, scope_path, width, period, filters: Mapping[str, str] = NO_FILTERS):
        found = cadence.met_by_prefix(scope_path, period, width, self._kind(filters))
        return {p: round(met / total, 4) for p, (met, total) in found.items() if total}

    def records(self, scope_path, period, filters: Mapping[str, str] = NO_FILTERS) -> QuerySet:
        found = cadence.evaluate(scope_path, period, self._kind(filters), detail=False)
        ids = [r.org_id for r in found]
        return Org.objects.filter(pk__in=ids).order_by("path")


practice = RolledCount(
    "practice.activities",
    "实践活动次数",
    "次",
    PATH,
    FILTERS,
    "活动日期在统计期内、类别为“实践”的活动（邻里文化活动、志愿服务、义诊义剪等）",
    month_field="date",
    records_fn=lambda p: _activities(p, Category.PRACTICE),
    rollup_category=Category.PRACTICE,
)
practice_person_times = RolledSum(
    "practice.person_times",
    "实践活动参加人次",
    "人次",
    PATH,
    FILTERS,
    "统计期内实践活动的实到人次",
    month_field="date",
    records_fn=lambda p: _activities(p, Category.PRACTICE),
    sum_field="present_count",
    rollup_category=Category.PRACTICE,
)
youth = ActivityCount(
    "study.youth_activities",
    "青年学习社活动场次",
    "场",
    PATH,
    FILTERS,
    "统计期内计入虞青学习社学习小组的活动（“五个一”）",
    month_field="date",
    records_fn=lambda p: _activities(p).filter(youth_group__isnull=False),
)
youth_person_times = ActivitySum(
    "study.youth_person_times",
    "青年学习社活动人次",
    "人次",
    PATH,
    FILTERS,
    "统计期内青年学习社活动的实到人次",
    month_field="date",
    records_fn=lambda p: _activities(p).filter(youth_group__isnull=False),
    sum_field="present_count",
)

ITEM_FILTERS = _filters("item__kind")


def _deliveries(p: Period) -> QuerySet:
    return Delivery.objects.filter(published_on__gte=p.start, published_on__lte=p.end)


channel_items = DistinctCountIndicator(
    "study.channel_items",
    "推送学习内容条数",
    "条",
    "org__path",  # deliveries: through the org
    ITEM_FILTERS,
    "统计期内发布、送达范围内人员的频道内容（红色收音机、组工播报等）",
    records_fn=_deliveries,
    distinct_field="item",
)
deliveries = CountIndicator(
    "study.channel_deliveries",
    "学习内容送达人次",
    "人次",
    "org__path",  # deliveries: through the org
    ITEM_FILTERS,
    "统计期内发布的频道内容送达范围内人员的人次",
    records_fn=_deliveries,
)
completions = CountIndicator(
    "study.channel_completions",
    "学习内容完成人次",
    "人次",
    "org__path",  # deliveries: through the org
    ITEM_FILTERS,
    "统计期内发布的频道内容中已完成（音频收听满90%或已阅读文字）的人次",
    records_fn=lambda p: _deliveries(p).filter(completed_at__isnull=False),
)

register(
    sessions,
    study_person_times,
    covered,
    all_orgs,
    RatioIndicator(
        "study.coverage_rate",
        "学习覆盖率",
        "%",
        covered,
        all_orgs,
        "统计期内至少开展一次学习活动的组织占范围内全部有效组织的比例",
    ),
    idle,
    CadenceCompliance(
        "study.cadence_compliance_rate",
        "“三会一课”落实率",
        "%",
        "适用组织生活制度的组织中，统计期内每个完整月份、季度都达到最低次数的比例",
    ),
    practice,
    practice_person_times,
    youth,
    youth_person_times,
    channel_items,
    deliveries,
    completions,
    RatioIndicator(
        "study.channel_completion_rate",
        "学习内容完成率",
        "%",
        completions,
        deliveries,
        "统计期内发布的频道内容送达人次中已完成的比例",
    ),
)
