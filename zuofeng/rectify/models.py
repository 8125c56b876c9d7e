"""The problem ledger (问题台账): problems found by any source, rectified in a closed loop."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zuofeng.core.models import LoopRecord
from zuofeng.orgs.models import Org, subtrees_q
from zuofeng.rectify.choices import (
    Answer,
    ChecklistKind,
    InspectionMethod,
    Mode,
    NoticeLevel,
    ProblemState,
)


class ListEntry(models.Model):
    """An entry of a configurable list that an administrator edits: a name, an order, and
    `active` (retired entries stay for the records that use them)."""

    name = models.CharField(_("名称"), max_length=32, unique=True)
    sort_order = models.IntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        abstract = True
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class ProblemSource(ListEntry):
    """Where a problem was found (巡视巡察, 审计监督, …)."""

    class Meta(ListEntry.Meta):
        pass


class ProblemCategory(ListEntry):
    """What kind of problem (形式主义, 不作为, …)."""

    class Meta(ListEntry.Meta):
        pass


class Campaign(models.Model):
    """A 集中整治 topic that problems, inspections and circulars belong to."""

    name = models.CharField(_("专项名称"), max_length=64, unique=True)
    description = models.TextField(_("说明"), blank=True)
    start_date = models.DateField(_("开始日期"), null=True, blank=True)
    end_date = models.DateField(_("结束日期"), null=True, blank=True)
    active = models.BooleanField(default=True)
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class InspectionQuerySet(models.QuerySet):
    def within(self, paths) -> InspectionQuerySet:
        """Inspections with at least one target unit in the subtrees."""
        return self.filter(subtrees_q(paths, "targets__path")).distinct()


class Inspection(models.Model):
    """A 正风肃纪检查: a team inspects target units on a date; its findings become problems."""

    date = models.DateField(_("检查日期"), db_index=True)
    team = models.CharField(_("检查组"), max_length=100)
    method = models.CharField(_("检查方式"), max_length=8, choices=InspectionMethod.choices)
    campaign = models.ForeignKey(
        Campaign,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name=_("所属专项"),
    )
    targets = models.ManyToManyField(Org, related_name="inspections", verbose_name=_("检查对象"))
    summary = models.TextField(_("检查情况"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = InspectionQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("正风肃纪检查")
        verbose_name_plural = _("正风肃纪检查")
        constraints = [
            models.CheckConstraint(
                condition=Q(method__in=InspectionMethod.values), name="inspection_method_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.team}"


class ProblemQuerySet(models.QuerySet):
    def within(self, paths) -> ProblemQuerySet:
        """Problems whose responsible unit is in the subtrees: a range on the copied path
        (kept exact by triggers, zuofeng.core.subtree), no join to the orgs."""
        return self.filter(subtrees_q(paths, "unit_path"))


class Problem(LoopRecord):
    """One problem in the ledger, owned by a responsible unit, closed only by a verifier."""

    number = models.CharField(_("问题编号"), max_length=32, unique=True)
    description = models.TextField(_("问题描述"))
    source = models.ForeignKey(ProblemSource, on_delete=models.PROTECT, verbose_name=_("问题来源"))
    source_ref = models.CharField(_("来源文号"), max_length=64, blank=True)
    category = models.ForeignKey(
        ProblemCategory, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("问题类别")
    )
    key_power = models.BooleanField(_("权力集中"), default=False)
    key_funds = models.BooleanField(_("资金密集"), default=False)
    key_resources = models.BooleanField(_("资源富集"), default=False)
    found_date = models.DateField(_("发现日期"))
    unit = models.ForeignKey(
        Org, on_delete=models.PROTECT, related_name="problems", verbose_name=_("责任单位")
    )
    # The holder's org path, kept equal to it by database triggers (zuofeng.core.subtree): a
    # subtree's records are one index range without a join to the orgs. Never written by code.
    unit_path = models.CharField(max_length=255, default="", db_default="", editable=False)
    leader = models.CharField(_("责任领导"), max_length=50, blank=True)
    person = models.CharField(_("责任人"), max_length=50, blank=True)
    mode = models.CharField(_("整改方式"), max_length=16, choices=Mode.choices, blank=True)
    measures = models.TextField(_("整改措施"), blank=True)
    deadline_workdays = models.PositiveSmallIntegerField(
        _("整改时限（工作日）"), null=True, blank=True
    )
    campaign = models.ForeignKey(
        Campaign,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="problems",
        verbose_name=_("所属专项"),
    )
    inspection = models.ForeignKey(
        Inspection,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="problems",
        verbose_name=_("来源检查"),
    )
    state = models.CharField(
        _("状态"), max_length=16, choices=ProblemState.choices, default=ProblemState.REGISTERED
    )
    assigned_date = models.DateField(_("交办日期"), null=True, blank=True)
    notice_level = models.PositiveSmallIntegerField(_("已下发督办文书"), default=0)
    notice_proposed = models.PositiveSmallIntegerField(
        _("建议下发督办文书"), choices=[(0, "—"), *NoticeLevel.choices], default=0, db_index=True
    )
    result = models.TextField(_("整改结果"), blank=True)
    closed_date = models.DateField(_("销号日期"), null=True, blank=True, db_index=True)
    verifier = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("验收人"),
    )
    review_date = models.DateField(_("复查日期"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProblemQuerySet.as_manager()
    SUBTREE_COPY = ("unit", "unit_path")

    class Meta:
        ordering = ["-found_date", "-id"]
        verbose_name = _("问题")
        verbose_name_plural = _("问题台账")
        indexes = [
            models.Index(fields=["unit", "state"], name="problem_unit_state_idx"),
            models.Index(fields=["found_date"], name="problem_found_idx"),
            models.Index(fields=["state", "deadline"], name="problem_state_deadline_idx"),
            models.Index(fields=["unit_path", "found_date"], name="problem_path_found_idx"),
            models.Index(fields=["unit_path", "closed_date"], name="problem_path_closed_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=ProblemState.values), name="problem_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(state=ProblemState.CLOSED, closed_date__isnull=False)
                | (~Q(state=ProblemState.CLOSED) & Q(closed_date__isnull=True)),
                name="problem_closed_date_iff_closed",
            ),
            models.CheckConstraint(
                condition=Q(deadline__isnull=True) | Q(deadline__gte=models.F("found_date")),
                name="problem_deadline_after_found",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.description[:30]}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("problem_detail", args=[self.pk])

    @property
    def key_areas(self) -> list[str]:
        """Codes of the key-area flags that are set (power, funds, resources)."""
        from zuofeng.rectify.choices import key_area_codes

        return key_area_codes(self.key_power, self.key_funds, self.key_resources)

    @property
    def key_area_labels(self) -> list[str]:
        from zuofeng.rectify.choices import KeyArea

        return [str(KeyArea(code).label) for code in self.key_areas]


def evidence_path(instance, filename: str) -> str:
    import uuid

    return f"evidence/{instance.problem_id}/{uuid.uuid4().hex}"


class Evidence(models.Model):
    """A piece of evidence (佐证材料) attached to a problem; stored under a generated name."""

    problem = models.ForeignKey(Problem, on_delete=models.PROTECT, related_name="evidence")
    file = models.FileField(upload_to=evidence_path, max_length=200)
    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name


class Round(models.Model):
    """A round of the ledger's dynamic update (三轮动态更新): closing it freezes a snapshot of every
    problem in its org's subtree, so any two rounds can be compared later."""

    org = models.ForeignKey(
        Org, on_delete=models.PROTECT, related_name="rounds", verbose_name=_("范围")
    )
    number = models.PositiveSmallIntegerField(_("轮次"))
    name = models.CharField(_("名称"), max_length=50)
    opened_on = models.DateField(_("开始日期"))
    closed_on = models.DateField(_("结束日期"), null=True, blank=True, db_index=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["org_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["org", "number"], name="round_number_unique"),
            # One open round per scope at a time.
            models.UniqueConstraint(
                fields=["org"], condition=Q(closed_on__isnull=True), name="round_one_open"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RoundEntry(models.Model):
    """One problem as it stood when its round closed."""

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="entries")
    problem = models.ForeignKey(Problem, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=16)
    deadline = models.DateField(null=True)
    closed_date = models.DateField(null=True)
    digest = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "problem"], name="round_entry_unique")
        ]

    def __str__(self) -> str:
        return f"{self.round_id}:{self.problem_id}"


class Circular(models.Model):
    """A 通报 (第N期 of its year): issued by an org, citing problems and how they were handled."""

    year = models.PositiveSmallIntegerField(_("年度"))
    number = models.PositiveSmallIntegerField(_("期号"))
    title = models.CharField(_("标题"), max_length=100)
    date = models.DateField(_("印发日期"), db_index=True)
    issuer = models.ForeignKey(
        Org, on_delete=models.PROTECT, related_name="circulars", verbose_name=_("印发单位")
    )
    campaign = models.ForeignKey(
        Campaign,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="circulars",
        verbose_name=_("所属专项"),
    )
    intro = models.TextField(_("导语"), blank=True)
    problems = models.ManyToManyField(Problem, related_name="circulars", verbose_name=_("通报问题"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["year", "number"], name="circular_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.title}（{self.year}年第{self.number}期）"


class LeaderProject(models.Model):
    """A rectification project led by a district leader (区领导领衔整治项目): the leader, the
    units, and the problems it groups; its progress is the share of them closed out."""

    title = models.CharField(_("项目名称"), max_length=100)
    leader = models.CharField(_("领衔领导"), max_length=50)
    owner = models.ForeignKey(
        Org, on_delete=models.PROTECT, related_name="leader_projects", verbose_name=_("牵头单位")
    )
    units = models.ManyToManyField(Org, related_name="+", blank=True, verbose_name=_("参与单位"))
    problems = models.ManyToManyField(
        Problem, related_name="leader_projects", blank=True, verbose_name=_("整治问题")
    )
    campaign = models.ForeignKey(
        Campaign,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leader_projects",
        verbose_name=_("所属专项"),
    )
    started_on = models.DateField(_("启动日期"), db_index=True)
    due_on = models.DateField(_("计划完成日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["started_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_on__isnull=True) | Q(due_on__gte=models.F("started_on")),
                name="leader_project_due_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.leader}：{self.title}"


class EscalationNotice(models.Model):
    """A notice against an overdue or stalled problem: 督办通知书 → 提醒书 → 告诫书 → 问责书."""

    problem = models.ForeignKey(Problem, on_delete=models.PROTECT, related_name="notices")
    level = models.PositiveSmallIntegerField(_("文书"), choices=NoticeLevel.choices)
    issued_on = models.DateField(_("下发日期"))
    text = models.TextField(_("内容"), blank=True)
    issuer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["problem_id", "level"]
        constraints = [
            models.UniqueConstraint(fields=["problem", "level"], name="notice_once_per_level"),
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=4), name="notice_level_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.problem_id} {self.get_level_display()}"


class ChecklistSet(models.Model):
    """对照清单: a set of lists (two by default) that people and units check themselves against."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "id"]

    def __str__(self) -> str:
        return self.name


class Checklist(models.Model):
    checklist_set = models.ForeignKey(ChecklistSet, on_delete=models.CASCADE, related_name="lists")
    kind = models.CharField(_("清单类型"), max_length=16, choices=ChecklistKind.choices)
    name = models.CharField(_("清单名称"), max_length=100)
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["checklist_set", "name"], name="checklist_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class ChecklistItem(models.Model):
    checklist = models.ForeignKey(Checklist, on_delete=models.CASCADE, related_name="items")
    category = models.CharField(_("类别"), max_length=50, blank=True)
    text = models.CharField(_("条目内容"), max_length=500)
    basis = models.CharField(_("依据"), max_length=200, blank=True)
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ["checklist_id", "sort_order", "id"]

    def __str__(self) -> str:
        return self.text[:40]


class SelfCheck(models.Model):
    """One completed self-check against a set: by a person, or by a unit as a whole."""

    checklist_set = models.ForeignKey(
        ChecklistSet, on_delete=models.PROTECT, related_name="selfchecks"
    )
    unit = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="selfchecks")
    person = models.ForeignKey(
        "orgs.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="selfchecks"
    )
    completed_on = models.DateField(_("完成日期"), db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["checklist_set", "person"],
                condition=Q(person__isnull=False),
                name="selfcheck_once_per_person",
            ),
            models.UniqueConstraint(
                fields=["checklist_set", "unit"],
                condition=Q(person__isnull=True),
                name="selfcheck_once_per_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.checklist_set_id}:{self.person_id or self.unit_id}"


class SelfCheckAnswer(models.Model):
    selfcheck = models.ForeignKey(SelfCheck, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    answer = models.CharField(max_length=8, choices=Answer.choices)
    note = models.CharField(max_length=500, blank=True)
    problem = models.ForeignKey(
        Problem, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["selfcheck", "item"], name="selfcheck_answer_unique")
        ]

    def __str__(self) -> str:
        return f"{self.item_id}={self.answer}"


class EstablishedRule(models.Model):
    """A rule or regulation a unit issued to fix a problem for good (建章立制改)."""

    problem = models.ForeignKey(Problem, on_delete=models.PROTECT, related_name="rules")
    title = models.CharField(_("制度名称"), max_length=200)
    doc_number = models.CharField(_("文号"), max_length=64, blank=True)
    issued_on = models.DateField(_("印发日期"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["issued_on", "id"]

    def __str__(self) -> str:
        return self.title
