"""Projects with milestones, pairings, programmes with enrolments, one-stop approvals and
village collective ledgers."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zuofeng.core import crypto
from zuofeng.core.models import LoopRecord
from zuofeng.orgs.models import Org, subtrees_q
from zuofeng.projects.choices import (
    CaseState,
    Direction,
    GroupMode,
    MilestoneState,
    ProjectState,
)


class ListEntry(models.Model):
    """An entry of a configurable list (retired entries stay for the records using them)."""

    name = models.CharField(_("名称"), max_length=32, unique=True)
    sort_order = models.IntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        abstract = True
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class ProjectKind(ListEntry):
    """A kind of project (民生实事项目, 机关效能项目, …): a configurable list."""

    class Meta(ListEntry.Meta):
        verbose_name = _("项目类型")
        verbose_name_plural = _("项目类型")


class Pairing(models.Model):
    """百个部门联百村: a unit (department or branch) paired with a village or community."""

    unit = models.ForeignKey(
        Org, on_delete=models.PROTECT, related_name="pairings", verbose_name=_("结对单位")
    )
    village = models.ForeignKey(
        Org, on_delete=models.PROTECT, related_name="paired_by", verbose_name=_("结对村社")
    )
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["unit__path", "village__path"]
        verbose_name = _("结对")
        verbose_name_plural = _("结对")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "village", "start_date"], name="pairing_unique"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="pairing_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit.label} ↔ {self.village.label}"


class ProjectQuerySet(models.QuerySet):
    def within(self, paths) -> ProjectQuerySet:
        return self.filter(subtrees_q(paths, "owner__path"))


class Project(LoopRecord):
    """A project owned by a unit, run in the loop 立项 → 实施中 → 已完成 → 已验收; `deadline`
    is its planned completion date (moved only by 延期)."""

    number = models.CharField(_("项目编号"), max_length=32, unique=True)
    kind = models.ForeignKey(ProjectKind, on_delete=models.PROTECT, verbose_name=_("项目类型"))
    title = models.CharField(_("项目名称"), max_length=200)
    description = models.TextField(_("项目内容"), blank=True)
    owner = models.ForeignKey(
        Org, on_delete=models.PROTECT, related_name="projects", verbose_name=_("责任单位")
    )
    leader = models.CharField(_("牵头领导"), max_length=50, blank=True)
    village = models.ForeignKey(
        Org,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="village_projects",
        verbose_name=_("结对村社"),
    )
    pairing = models.ForeignKey(
        Pairing,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
        verbose_name=_("所属结对"),
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("上级项目"),
    )
    start_date = models.DateField(_("开始日期"))
    original_due = models.DateField(_("原计划完成日期"))
    budget = models.DecimalField(
        _("预算（元）"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    beneficiaries = models.PositiveIntegerField(_("受益人数"), null=True, blank=True)
    beneficiary_note = models.CharField(_("受益对象"), max_length=200, blank=True)
    state = models.CharField(
        _("状态"), max_length=16, choices=ProjectState.choices, default=ProjectState.APPROVED
    )
    completed_date = models.DateField(_("完成日期"), null=True, blank=True)
    accepted_date = models.DateField(_("验收日期"), null=True, blank=True)
    stop_reason = models.CharField(_("中止原因"), max_length=500, blank=True)
    extensions = models.PositiveSmallIntegerField(_("延期次数"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = _("项目")
        verbose_name_plural = _("项目")
        indexes = [
            models.Index(fields=["owner", "state"], name="project_owner_state_idx"),
            models.Index(fields=["start_date"], name="project_start_idx"),
            models.Index(fields=["completed_date"], name="project_completed_idx"),
            models.Index(fields=["state", "deadline"], name="project_state_deadline_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=ProjectState.values), name="project_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(deadline__gte=models.F("start_date")),
                name="project_due_after_start",
            ),
            models.CheckConstraint(
                condition=Q(state__in=[ProjectState.COMPLETED, ProjectState.ACCEPTED])
                & Q(completed_date__isnull=False)
                | ~Q(state__in=[ProjectState.COMPLETED, ProjectState.ACCEPTED]),
                name="project_completed_date_when_done",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class Milestone(models.Model):
    """A step of a project with a weight; progress is the weighted share done. `deadline`,
    `warning` and `overdue_since` are kept by the sweeper like a loop record's."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    name = models.CharField(_("节点名称"), max_length=100)
    deadline = models.DateField(_("计划完成日期"), db_index=True)
    weight = models.PositiveIntegerField(_("权重"), default=1, validators=[MinValueValidator(1)])
    done_date = models.DateField(_("完成日期"), null=True, blank=True)
    evidence = models.CharField(_("完成情况"), max_length=500, blank=True)
    state = models.CharField(
        max_length=8, choices=MilestoneState.choices, default=MilestoneState.OPEN
    )
    warning = models.CharField(_("预警"), max_length=8, blank=True, default="", db_index=True)
    overdue_since = models.DateField(null=True, blank=True)
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "deadline", "id"]
        verbose_name = _("项目节点")
        verbose_name_plural = _("项目节点")
        constraints = [
            models.CheckConstraint(condition=Q(weight__gte=1), name="milestone_weight_positive"),
            models.CheckConstraint(
                condition=Q(state=MilestoneState.DONE, done_date__isnull=False)
                | Q(state=MilestoneState.OPEN, done_date__isnull=True),
                name="milestone_done_date_iff_done",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class OutcomeFigure(models.Model):
    """A figure a project achieved (村集体年增收 200,000 元)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="outcomes")
    name = models.CharField(_("指标名称"), max_length=100)
    value = models.DecimalField(_("数值"), max_digits=16, decimal_places=2)
    unit = models.CharField(_("单位"), max_length=16, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name} {self.value}{self.unit}"


# --- programmes and enrolments ---------------------------------------------------------------


class Programme(models.Model):
    """An activity with places (托班, 冬令营, 文明实践): enrolment stops at capacity."""

    code = models.CharField(_("活动编号"), max_length=32, unique=True)
    name = models.CharField(_("活动名称"), max_length=200)
    category = models.CharField(_("活动类别"), max_length=32, blank=True)
    unit = models.ForeignKey(
        Org, on_delete=models.PROTECT, related_name="programmes", verbose_name=_("主办单位")
    )
    project = models.ForeignKey(
        Project,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="programmes",
        verbose_name=_("所属项目"),
    )
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    capacity = models.PositiveIntegerField(_("名额"), validators=[MinValueValidator(1)])
    audience = models.CharField(_("对象"), max_length=200, blank=True)

    class Meta:
        ordering = ["-start_date", "id"]
        verbose_name = _("活动")
        verbose_name_plural = _("活动")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")),
                name="programme_dates_ordered",
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="programme_capacity_pos"),
        ]

    def __str__(self) -> str:
        return self.name


class Enrolment(models.Model):
    """A participant of a programme; the guardian's phone is encrypted, shown masked."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="enrolments")
    name = models.CharField(_("姓名"), max_length=50)
    age = models.PositiveSmallIntegerField(_("年龄"), null=True, blank=True)
    phone_enc = models.TextField(blank=True, editable=False)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    enrolled_on = models.DateField(_("报名日期"), db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("报名")
        verbose_name_plural = _("报名")

    def __str__(self) -> str:
        return self.name

    @property
    def phone_masked(self) -> str:
        return crypto.mask_phone(crypto.decrypt(self.phone_enc)) if self.phone_enc else ""


# --- one-stop approvals (一件事) ---------------------------------------------------------------


class ServiceItem(models.Model):
    """A catalogue item of the service centre: statutory and promised working days."""

    name = models.CharField(_("事项名称"), max_length=100)
    department = models.ForeignKey(
        Org, on_delete=models.PROTECT, related_name="service_items", verbose_name=_("办理部门")
    )
    statutory_days = models.PositiveSmallIntegerField(_("法定时限（工作日）"))
    promised_days = models.PositiveSmallIntegerField(_("承诺时限（工作日）"))
    visits = models.PositiveSmallIntegerField(_("跑动次数"), default=0)
    materials = models.TextField(_("申请材料"), blank=True)

    class Meta:
        ordering = ["department__path", "name"]
        verbose_name = _("服务事项")
        verbose_name_plural = _("服务事项")
        constraints = [
            models.UniqueConstraint(fields=["name", "department"], name="service_item_unique"),
            models.CheckConstraint(
                condition=Q(promised_days__lte=models.F("statutory_days")),
                name="service_item_promise_within_statute",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Matter(models.Model):
    """A bundled matter (一件事): groups of items, each group run in series or in parallel.
    A serial-only matter admits no parallel group."""

    name = models.CharField(_("事项名称"), max_length=100, unique=True)
    owner = models.ForeignKey(
        Org, on_delete=models.PROTECT, related_name="matters", verbose_name=_("牵头部门")
    )
    serial_only = models.BooleanField(_("仅串联办理"), default=False)
    description = models.TextField(_("说明"), blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("一件事")
        verbose_name_plural = _("一件事")

    def __str__(self) -> str:
        return self.name


class MatterGroup(models.Model):
    """One group of a matter's items, in order, with its mode."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="groups")
    seq = models.PositiveSmallIntegerField(_("顺序"))
    mode = models.CharField(_("办理方式"), max_length=8, choices=GroupMode.choices)
    items = models.ManyToManyField(ServiceItem, related_name="groups", verbose_name=_("事项"))

    class Meta:
        ordering = ["matter", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["matter", "seq"], name="matter_group_seq_unique"),
            models.CheckConstraint(
                condition=Q(mode__in=GroupMode.values), name="matter_group_mode_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.matter_id}#{self.seq} {self.mode}"


class ApprovalCase(models.Model):
    """One applicant's run through a matter. `actual_days` (the critical path over its steps)
    and `baseline_days` (the steps' statutory days in series) are derived from the steps by the
    service whenever a step changes; the case is finished on its last step's end date."""

    number = models.CharField(_("案件编号"), max_length=32, unique=True)
    matter = models.ForeignKey(
        Matter, on_delete=models.PROTECT, related_name="cases", verbose_name=_("一件事")
    )
    applicant = models.CharField(_("申请人"), max_length=200)
    project_name = models.CharField(_("项目名称"), max_length=200, blank=True)
    submitted_date = models.DateField(_("申请日期"))
    state = models.CharField(
        _("状态"), max_length=8, choices=CaseState.choices, default=CaseState.OPEN
    )
    finished_date = models.DateField(_("办结日期"), null=True, blank=True)
    actual_days = models.PositiveIntegerField(_("实际用时（工作日）"), null=True, blank=True)
    baseline_days = models.PositiveIntegerField(_("串联法定时限（工作日）"), default=0)
    promised_days = models.PositiveIntegerField(_("承诺时限（工作日）"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-submitted_date", "-id"]
        verbose_name = _("审批案件")
        verbose_name_plural = _("审批案件")
        indexes = [models.Index(fields=["finished_date"], name="case_finished_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(state=CaseState.CLOSED, finished_date__isnull=False)
                | Q(state=CaseState.OPEN, finished_date__isnull=True),
                name="case_finished_iff_closed",
            )
        ]

    def __str__(self) -> str:
        return self.number


class ApprovalStep(models.Model):
    """One step of a case, handled by a department; steps with the same `parallel_group`
    run side by side, a step without one runs alone, in order of start."""

    case = models.ForeignKey(ApprovalCase, on_delete=models.CASCADE, related_name="steps")
    name = models.CharField(_("环节名称"), max_length=100)
    item = models.ForeignKey(
        ServiceItem, null=True, blank=True, on_delete=models.PROTECT, related_name="steps"
    )
    department = models.ForeignKey(
        Org, on_delete=models.PROTECT, related_name="approval_steps", verbose_name=_("办理部门")
    )
    parallel_group = models.PositiveSmallIntegerField(_("并联组"), null=True, blank=True)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"), null=True, blank=True)
    statutory_days = models.PositiveSmallIntegerField(_("法定时限（工作日）"))
    working_days = models.PositiveIntegerField(_("用时（工作日）"), null=True, blank=True)

    class Meta:
        ordering = ["start_date", "id"]
        verbose_name = _("审批环节")
        verbose_name_plural = _("审批环节")
        indexes = [models.Index(fields=["department", "case"], name="step_department_case_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="step_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.name


class RequiredStage(models.Model):
    """A stage a case must pass before it can close (文物 full-lifecycle supervision), and
    optionally a step it must come before (考古调查勘探 before 土地供应)."""

    case = models.ForeignKey(ApprovalCase, on_delete=models.CASCADE, related_name="required")
    name = models.CharField(_("必经环节"), max_length=100)
    before = models.CharField(_("须早于环节"), max_length=100, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


# --- village collective ledger (共富明细账) ------------------------------------------------------


class LedgerCategory(ListEntry):
    """A category of ledger entries (集体经营, 资产租赁, 项目分红, 补助, …)."""

    class Meta(ListEntry.Meta):
        verbose_name = _("收支类别")
        verbose_name_plural = _("收支类别")


class LedgerEntry(models.Model):
    """A dated income or expense of a village's collective economy."""

    village = models.ForeignKey(
        Org, on_delete=models.PROTECT, related_name="ledger_entries", verbose_name=_("村社")
    )
    date = models.DateField(_("日期"))
    direction = models.CharField(_("收支"), max_length=8, choices=Direction.choices)
    category = models.ForeignKey(LedgerCategory, on_delete=models.PROTECT, verbose_name=_("类别"))
    amount = models.DecimalField(_("金额（元）"), max_digits=14, decimal_places=2)
    summary = models.CharField(_("摘要"), max_length=200, blank=True)
    project = models.ForeignKey(
        Project,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
        verbose_name=_("关联项目"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("收支记录")
        verbose_name_plural = _("共富明细账")
        indexes = [models.Index(fields=["village", "date"], name="ledger_village_date_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="ledger_amount_positive"),
            models.CheckConstraint(
                condition=Q(direction__in=Direction.values), name="ledger_direction_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_direction_display()} {self.amount}"
